"""Inputs shared by the tests of pivot's dispatch uplift against the dispatch engine
(``test_dispatch_agreement``, ``uplift/test_layered``, ``test_dispatch_fleet_layers``,
``test_dispatch_swap_layers``) and ``scripts/measure_entry_layers.py`` and
``measure_swap_bands.py``: the West Texas example made comparable (a
constant hashprice in both engines, pivot's first month at it, the price year's mean
index), its fleet whole, the S21s alone or half its S19j Pros; the same site with three
fleet entries, some dated (:func:`layers_document`), or with its S19j Pros swapped for S21
XPs (:data:`SWAP_COUNTS`, :data:`SWAP_DATES`); and a chunk run in a process that has
measured no curve."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch import load_prices, run_dispatch
from hashpivot.models.loader import validate_data
from hashpivot.models.portfolio import Portfolio

if TYPE_CHECKING:
    from hashpivot.engines.pivot.uplift.curve import DispatchUplift
    from hashpivot.models import Site

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dispatch-west-texas.toml"

#: The constant hashprice both engines use, gross of the pool fee. [USD/PH/day]
HASHPRICE_USD_PER_PH_DAY = 60.0
#: BTC per day to miners at the start height (3.125 BTC a block, no fees), at 144 blocks
#: a day, and the BTC price: the network hashrate that gives HASHPRICE. [BTC/day, USD]
_BTC_PER_DAY, _BTC_PRICE_USD = 144 * 3.125, 100_000.0


#: The fleets that mine: the example's whole fleet, the S21s alone (the S19j Pros
#: displaced by a conversion, or a site of one entry), half the S19j Pros displaced.
Fleet = Literal["whole", "s21s", "half"]


def same_year_document(fleet: Fleet) -> dict[str, Any]:
    """The West Texas example's TOML as a dict, made comparable: the contract at the
    price year's mean index, a constant hashprice in both engines and pivot's first month
    at it, with ``fleet`` mining."""
    doc = tomllib.loads(EXAMPLE.read_text())
    site = doc["sites"][0]
    prices = load_prices(validate_data(Portfolio, doc, str(EXAMPLE)).sites[0])
    assert (prices.index[1:] - prices.index[:-1]).nunique() == 1  # (15 min: a plain mean)
    site["power_contract"]["price_usd_per_mwh"] = float(prices.mean())  # lambda = 1
    site["dispatch"]["hashprice_usd_per_ph_day"] = HASHPRICE_USD_PER_PH_DAY
    assert [e["name"] for e in site["fleet"]] == ["S21", "S19j Pro"]
    if fleet == "s21s":
        site["fleet"] = site["fleet"][:1]  # the S21s alone
    elif fleet == "half":
        site["fleet"][1]["count"] //= 2
    doc["pivot"] = {
        "start": "2025-01", "horizon_years": 2, "start_height": 880_000,
        "btc_price_usd": _BTC_PRICE_USD, "btc_price_growth_per_year": 0.0,
        "network_hashrate_th_s": _BTC_PER_DAY * _BTC_PRICE_USD
        / (HASHPRICE_USD_PER_PH_DAY / 1000.0),
        "network_hashrate_growth_per_year": 0.0, "fees_btc_per_block": 0.0,
        "fleet_hashrate_decay_per_year": 0.0, "fleet_replacement_years": None,
    }
    return doc


#: The fleet entries of the three-entry site, in file order: an S21 XP expansion (270
#: TH/s at 3,645 W, 13.5 J/TH), the example's S21s (17.5 J/TH) and S19j Pros (29.5 J/TH),
#: by name: (TH/s, W) of one machine. [TH/s, W]
ENTRY_SPECS: dict[str, tuple[float, float]] = {
    "S21 XP": (270.0, 3645.0), "S21": (200.0, 3500.0), "S19j Pro": (104.0, 3068.0)}
#: Their counts: 15,000 S21 XPs (57.4 MW with the overhead, 55.7 available: above the 50
#: MW of demand response, so that they alone can be measured) and 25,000 of the example's
#: 40,000 S21s, 245.9 MW in all, within the 250 MW the AI load leaves of the capacity. [-]
THREE_ENTRIES: dict[str, int] = {"S21 XP": 15_000, "S21": 25_000, "S19j Pro": 30_000}


#: The West Texas example with its S19j Pros swapped for 26,500 S21 XPs (101.4 MW) beside
#: its 40,000 S21s (147.0 MW): the S19j Pros to 2025-12, the S21 XPs from 2026-01, 345.0
#: MW together, 248.4 MW at most at once on the 250 MW the AI load leaves; in slots
#: (``hashpivot.mining.slots``), the S19j Pros' and then the S21 XPs' displaced first. [-]
SWAP_COUNTS: dict[str, int] = {"S21 XP": 26_500, "S21": 40_000, "S19j Pro": 30_000}
#: Their dates (:func:`layers_document`).
SWAP_DATES: dict[str, tuple[str | None, str | None]] = {
    "S19j Pro": (None, "2025-12"), "S21 XP": ("2026-01", None)}


def layers_document(counts: Mapping[str, int],
                    dates: Mapping[str, tuple[str | None, str | None]] | None = None
                    ) -> dict[str, Any]:
    """:func:`same_year_document` with the fleet ``counts`` (entries of
    :data:`ENTRY_SPECS`, in its order; those not named left out), each entry named in
    ``dates`` installed from its ``start`` through its ``end`` (``YYYY-MM``, None: open).
    """
    doc = same_year_document("whole")
    fleet = []
    for name, (th_s, watts) in ENTRY_SPECS.items():
        if counts.get(name, 0) <= 0:
            continue
        entry: dict[str, Any] = {"name": name, "hashrate_th_s": th_s, "power_w": watts,
                                 "count": counts[name]}
        start, end = (dates or {}).get(name, (None, None))
        entry |= ({"start": start} if start else {}) | ({"end": end} if end else {})
        fleet.append(entry)
    doc["sites"][0]["fleet"] = fleet
    return doc


def layers_portfolio(counts: Mapping[str, int],
                     dates: Mapping[str, tuple[str | None, str | None]] | None = None
                     ) -> Portfolio:
    """:func:`layers_document` validated."""
    return validate_data(Portfolio, layers_document(counts, dates), str(EXAMPLE))


@cache
def same_year_portfolio(fleet: Fleet) -> Portfolio:
    """:func:`same_year_document` validated (once per ``fleet``)."""
    return validate_data(Portfolio, same_year_document(fleet), str(EXAMPLE))


def entry_mw(portfolio: Portfolio) -> dict[str, float]:
    """Each fleet entry's MW at the meter on ``portfolio``'s site, by name. [MW]"""
    site = portfolio.sites[0]
    return {str(e.name): float(e.count) * float(e.power_w) / 1e6
            * float(site.power_overhead_factor) for e in site.fleet}


def pivot_uplift_usd(portfolio: Portfolio, mining_mw: Mapping[str, float],
                     months: Sequence[str] | None = None) -> tuple[float, float]:
    """``pivot``'s uplift over ``months`` (``YYYY-MM``; default its first 12) on
    ``portfolio``'s site, each fleet entry's per MW times its MW mining in ``mining_mw``
    (by name; an entry not named mines none) [USD], and those months' hours [h]. Every
    month must map to ``lambda = 1``."""
    from hashpivot.engines.pivot import run_pivot

    result = run_pivot(portfolio)
    (facts,) = result.inputs["site_assumptions"]
    by = pd.DataFrame(facts["dispatch_uplift_central_usd_per_mw_month"]["by_month"])
    months = list(months) if months is not None else sorted(by["month"].unique())[:12]
    rows = by[by["month"].isin(months)]
    assert len(rows["month"].unique()) == len(months)
    assert np.allclose(rows["price_level"], 1.0, rtol=1e-12)
    assert set(rows["fleet_entry"]) >= set(mining_mw)
    total = float((rows["uplift_usd_per_mw_month"]
                   * rows["fleet_entry"].map(dict(mining_mw)).fillna(0.0)).sum())
    return total, float(sum(pd.Period(m).days_in_month * 24 for m in months))


def engine_gain_usd(portfolio: Portfolio) -> tuple[float, float]:
    """The dispatch engine's gain over always-on on ``portfolio``'s site (every entry in
    every interval) as pivot's uplift counts it: less always-on's 4CP charge plus the AI
    load's own (its 50 MW less the solar at each of the four peaks, at 66 USD/kW/year over
    4 peaks), plus the supply the miners use always on over what it is worth with no
    miners [USD over the price year]; and the price year's hours [h]."""
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.units import HOURS_PER_MONTH

    site = portfolio.sites[0]
    result = run_dispatch(site, load_prices(site))
    s = result.summary()
    frame = result.schedule_frame()
    peaks = frame["fourcp_peak"].to_numpy(dtype=bool)
    assert int(peaks.sum()) == 4
    ai_own_usd = 66.0 * 1000.0 / 4 * float(np.maximum(
        frame["ai_mw"].to_numpy()[peaks] - frame["renewable_available_mw"].to_numpy()[peaks],
        0.0).sum())
    hours = float(s["hours"])
    (inputs,) = resolve_sites(portfolio)
    assert inputs.dispatch_uplift is not None and inputs.dispatch_uplift.supply is not None
    supply = inputs.dispatch_uplift.supply
    on_less_idle_usd = (supply.at_reference_usd_per_mw_month
                        - supply.idle_index_usd_per_mw_month
                        - supply.idle_fixed_usd_per_mw_month) \
        * float(site.fleet_power_mw) * hours / HOURS_PER_MONTH
    assert float(s["hashprice_mean_usd_per_ph_day"]) == HASHPRICE_USD_PER_PH_DAY
    return (float(s["net_margin_gain_vs_always_on_usd"])
            - float(s["fourcp_charge_always_on_usd"]) + ai_own_usd + on_less_idle_usd), hours


def curve_at_hashprice(site: Site, hashprice_usd_per_ph_day: float) -> DispatchUplift:
    """``site``'s curve measured at a constant hashprice (its dispatch's
    ``hashprice_usd_per_ph_day``; the scripts' fleets at a month's multiple of it)."""
    from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift

    assert site.dispatch is not None
    spec = site.dispatch.model_copy(update={"hashprice_usd_per_ph_day":
                                            hashprice_usd_per_ph_day})
    measured = measure_dispatch_uplift(site.model_copy(update={"dispatch": spec}))[0]
    assert measured is not None, "not measured"
    return measured


def gain_with_supply(uplift: DispatchUplift, k: float) -> float:
    """``G(k) + P_on - P_idle`` at ``lambda = 1``: the uplift of a month of the price
    year's hours where the margin is positive. [USD/MW/month]"""
    from hashpivot.units import HOURS_PER_MONTH

    assert uplift.supply is not None
    on, idle = uplift.supply.usd_per_mw_month(np.array(1.0), HOURS_PER_MONTH)
    return float(uplift.gain(np.array(k))) + float(on - idle)


def chunk_in_a_fresh_worker(run: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``run``'s second chunk in a process that has measured no curve (a Dask worker: the
    cache cleared and measuring made to fail)."""
    from hashpivot.engines.pivot.uplift import cache as uplift_cache
    from hashpivot.engines.simulate import run_chunk

    def measure(site: Any) -> Any:
        raise AssertionError("measured again in the worker")

    uplift_cache.clear_dispatch_uplift_cache()
    monkeypatch.setattr(uplift_cache, "measure_dispatch_uplift", measure)
    return run_chunk(run.task, *run.chunks[1])
