"""Inputs shared by the pivot tests of a dispatching site's contracted supply: 44.1 MW of
miners on the bundled ERCOT LZ_WEST prices with a 40 MW ``[sites.dispatch.ppa]`` block
(and, where a test asks, 20 MW of ``[sites.dispatch.renewable]`` solar), and those
prices' mean."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from hashpivot.engines.dispatch import load_prices, run_dispatch
from tests.optimize.optimize_inputs import NO_TV, portfolio, site_toml

#: the bundled hourly ERCOT LZ_WEST prices (fast: 8,760 intervals)
LZ_WEST_MARKET = "ercot:LZ_WEST"
#: the PPA block's volume [MW]
PPA_MW = 40.0
#: the renewable plant's nameplate capacity, synthetic clear-sky solar [MW]
SOLAR_MW = 20.0
#: the PPA site's horizon by default [years]
PPA_SITE_YEARS = 3


def ppa_site_portfolio(ppa: float | None = None, settlement: str = "financial",
                       tail: str = NO_TV, adder: float | None = None,
                       years: int = PPA_SITE_YEARS, *, price: float = 45.0,
                       kind: str = "index", solar: float | None = None,
                       start: str | dt.date | None = None, end: str | None = None,
                       **pivot_fields: Any) -> Any:
    """44.1 MW of miners (12,000 x 120 TH/s at 3.5 kW, 50 MW site A, availability 0.95)
    on the LZ_WEST prices, a ``kind`` contract (``"index"`` or ``"fixed"``) at ``price``
    [USD/MWh] (with ``adder`` [USD/MWh] if given), with a 40 MW PPA block at ``ppa``
    [USD/MWh] (None: none), resale allowed, ``settlement`` ``"physical"`` or
    ``"financial"``, from ``start`` through ``end`` (``YYYY-MM``, or a TOML date for
    ``start``; None: unbounded), and 20 MW of synthetic solar at ``solar`` [USD/MWh]
    (None: none); ``years`` [years] from 2026-01; ``tail``: no terminal value by default;
    ``pivot_fields`` are more ``[pivot]`` fields (as
    :func:`~tests.optimize.optimize_inputs.portfolio`'s ``market``)."""
    spec: dict[str, Any] = {"availability_fraction": 0.95}
    if solar is not None:
        spec["renewable"] = {"kind": "solar", "capacity_mw": SOLAR_MW,
                             "price_usd_per_mwh": solar}
    if ppa is not None:
        spec["ppa"] = {"volume_mw": PPA_MW, "price_usd_per_mwh": ppa,
                       "resale_allowed": True, "settlement": settlement,
                       **({"start": start} if start is not None else {}),
                       **({"end": end} if end is not None else {})}
    return portfolio(site_toml("A", region="ERCOT", state="TX", price=price, kind=kind,
                               market=LZ_WEST_MARKET, hashrate=120.0, adder=adder,
                               dispatch=spec),
                     years=years, tail=tail, **pivot_fields)


def lz_west_index_mean_usd_per_mwh() -> float:
    """The LZ_WEST index price over the price year, weighted by the intervals' hours, as
    the dispatch engine reads it for :func:`ppa_site_portfolio`'s site with a PPA at 20
    USD/MWh (59.8). [USD/MWh]"""
    site = ppa_site_portfolio(20.0).sites[0]
    problem = run_dispatch(site, load_prices(site)).problem
    h = np.asarray(problem.interval_hours_series, dtype=np.float64)
    return float(np.sum(np.asarray(problem.price_usd_per_mwh_series) * h) / h.sum())
