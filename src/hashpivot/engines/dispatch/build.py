"""Build a :class:`~hashpivot.power.model.DispatchProblem`: a site, its dispatch spec and a
price series resolved, with every default filled in, into arrays over the price intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.alignment import interval_hours_of, price_gaps_of
from hashpivot.engines.dispatch.resolve import (
    entries_installed,
    resolve_ai_load,
    resolve_demand_response,
    resolve_emissions,
    resolve_four_cp,
    resolve_grid_price,
    resolve_hashprice,
    resolve_import_limit,
    resolve_renewable,
    resolve_tranches,
)
from hashpivot.engines.dispatch.resolve.ranges import SERIES_RANGES, range_problem
from hashpivot.engines.dispatch.sources import AuxiliarySeries, read_auxiliary_series
from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models import Site
from hashpivot.models.dispatch import DispatchSpec, PPASpec
from hashpivot.power.model import DispatchProblem

T = TypeVar("T")

#: Prices beyond these are noted [USD/MWh]: ERCOT's offer cap is 5,000 (9,000 in February
#: 2021, with adders just above), the lowest bundled price is NYISO's -1,300.74 (2019);
#: a price in USD/kWh or cents, or a slip of three zeros, falls far outside.
PRICE_FLOOR_USD_PER_MWH = -5_000.0
PRICE_CAP_USD_PER_MWH = 20_000.0

__all__ = ["build_dispatch_problem"]


def _price_unit_note(values: np.ndarray, hours: np.ndarray) -> str | None:
    """What in a price series looks like another unit than USD/MWh, or None.

    Prices beyond what US markets have printed (:data:`PRICE_FLOOR_USD_PER_MWH`,
    :data:`PRICE_CAP_USD_PER_MWH`: a slip of zeros), and a time-weighted mean below 1
    USD/MWh in absolute value (:data:`~hashpivot.models.sanity.
    USD_PER_KWH_BELOW_USD_PER_MWH`: a file in USD/kWh, 0.03 for 30 USD/MWh) or below
    :data:`~hashpivot.models.sanity.LOW_POWER_PRICE_USD_PER_MWH` and above 0 (c/kWh, as
    a contract price that low is noted; a windy week of negative prices averaging below
    0 is no unit slip): neither range holds the series' true prices.

    Parameters
    ----------
    values : numpy.ndarray
        Prices. [USD/MWh]
    hours : numpy.ndarray
        Length of each interval. [h]

    Returns
    -------
    str or None
    """
    from hashpivot.models.sanity import (
        LOW_POWER_PRICE_USD_PER_MWH,
        USD_PER_KWH_BELOW_USD_PER_MWH,
    )

    notes = []
    odd = (values < PRICE_FLOOR_USD_PER_MWH) | (values > PRICE_CAP_USD_PER_MWH)
    if odd.any():
        notes.append(
            f"{int(odd.sum())} price(s) outside {PRICE_FLOOR_USD_PER_MWH:,.0f} to "
            f"{PRICE_CAP_USD_PER_MWH:,.0f} USD/MWh (from {values.min():,.6g} to "
            f"{values.max():,.6g}), beyond what US power markets have printed: check the "
            "file's unit (USD/MWh)")
    total_h = float(hours.sum()) if len(values) else 0.0
    mean = float(values @ hours) / total_h if total_h > 0 else 0.0
    mean_abs = float(np.abs(values) @ hours) / total_h if total_h > 0 else 0.0
    if total_h > 0 and mean_abs < USD_PER_KWH_BELOW_USD_PER_MWH:
        notes.append(
            f"the prices average {mean:.4g} USD/MWh (|price| {mean_abs:.4g}): is the file in "
            "USD/kWh? (multiply by 1000 for USD/MWh)")
    elif total_h > 0 and 0 < mean < LOW_POWER_PRICE_USD_PER_MWH:  # (c/kWh: never below 0)
        notes.append(
            f"the prices average {mean:.4g} USD/MWh, below "
            f"{LOW_POWER_PRICE_USD_PER_MWH:g}: is the file in c/kWh? (multiply by 10 for "
            "USD/MWh)")
    return "; ".join(notes) or None


def _market_note(prices: pd.Series, site: Site) -> str | None:
    """The note of prices from another grid operator's market than the site's
    (``[[sites]] iso``, else ``region``): the dispatch runs on them, but the site's
    emissions factors are its own region's and the naive times of its demand-response
    events and 4CP peaks are read on the prices' clock; None where they agree or either
    is not known."""
    market = str(prices.attrs.get("market", "") or "").upper()
    operator = str(site.grid_operator or "").strip().upper()
    if not market or not operator or operator.split("_")[0] == market:
        return None
    index = pd.DatetimeIndex(prices.index)
    key = prices.attrs.get("key") or market
    return (f"the prices are {market}'s ({key}) but the site is in {operator}: the dispatch "
            f"runs on them, with its region's ({site.region}) emissions factors (unless the "
            "file gives its own), and naive times of demand-response events and 4CP peaks "
            f"read on the prices' clock ({index.tz})")


def _checked(problems: list[Problem], meta: dict[str, Any], fallback: T,
             step: Callable[[], tuple[T, dict[str, Any]]]) -> T:
    """``step()``'s value, its provenance added to ``meta``; on an :class:`InputError`
    its problems added to ``problems`` and ``fallback`` (the next steps still run)."""
    try:
        value, provenance = step()
    except InputError as exc:
        problems.extend(exc.problems)
        return fallback
    meta.update(provenance)
    return value


def _ppa_term_note(ppa: PPASpec, first: pd.Timestamp, last: pd.Timestamp) -> str | None:
    """The note of a PPA block whose window (``start``, ``end``) leaves out months of the
    price file from its first interval ``first`` to its last ``last``: the dispatch
    values the block over the whole file regardless; None where the window covers it."""
    early = ppa.start is not None and pd.Period(ppa.start, "M") > pd.Period(first, "M")
    late = ppa.end is not None and pd.Period(ppa.end, "M") < pd.Period(last, "M")
    if not (early or late):
        return None
    bounds = " and ".join([*([f"start {ppa.start}"] if early else []),
                           *([f"end {ppa.end}"] if late else [])])
    span = " ".join([*([f"from {first.date()}"] if early else []),
                     *([f"to {last.date()}"] if late else [])])
    window = " ".join([*([f"from {ppa.start}"] if ppa.start else []),
                       *([f"through {ppa.end}"] if ppa.end else [])])
    return (f"PPA {bounds}: the dispatch values the block over the whole price file "
            f"regardless ({span}); pivot, simulate and optimize settle it {window} only")


def _from_connection(prices: pd.Series, site: Site) -> tuple[pd.Series, str | None]:
    """The prices from the local day the site is connected, and a note when some are left
    out: a site not yet connected draws no power (its machines, its AI load, its PPA and
    its demand response wait), so its dispatch covers the days it is connected.

    Raises
    ------
    InputError
        At ``connection_date`` when the site is connected after the prices' last day.
    """
    index = pd.DatetimeIndex(prices.index)
    if not len(index) or site.connection_date is None:
        return prices, None
    day = pd.Timestamp(site.connection_date)
    local_days = index.tz_localize(None).normalize()
    connected = np.asarray(local_days >= day)
    first, last = local_days[0].date(), local_days[-1].date()
    if not connected.any():
        raise InputError(Problem(
            "connection_date",
            f"the site is connected on {day.date()}, after the prices' last day ({last}): "
            "nothing runs in the dispatch (give prices from that day on)"))
    if connected.all():
        return prices, None
    return prices[connected], (
        f"{site.name}: connected on {day.date()}: the dispatch runs from {day.date()}, "
        f"the prices' days before ({first} to {(day - pd.Timedelta(days=1)).date()}) are "
        "left out (no machine, AI load, PPA or demand response runs before)")


def build_dispatch_problem(
    site: Site,
    prices: pd.Series,
    spec: DispatchSpec | None = None,
    hashprice: float | pd.Series | None = None,
    emissions_series: pd.Series | None = None,
    renewable_profile: pd.Series | None = None,
    peak_probability: pd.Series | None = None,
    base_dir: Path | None = None,
    rng: np.random.Generator | None = None,
    fleet_by_date: bool = False,
) -> DispatchProblem:
    """Resolve a site, its dispatch spec and a price series into a :class:`DispatchProblem`.

    Parameters
    ----------
    site : Site
        The site (its ``region, capacity_mw, power_overhead_factor, pool_fee_fraction,
        power_contract, fleet, dispatch``).
    prices : pandas.Series
        Index prices per interval start (tz-aware). [USD/MWh]
    spec : DispatchSpec, optional
        Overrides ``site.dispatch`` (default ``DispatchSpec()``).
    hashprice : float or pandas.Series, optional
        Overrides the spec's hashprice. [USD/(PH/s)/day]
    emissions_series : pandas.Series, optional
        Marginal (or hourly average) emissions factors. [t CO2/MWh]
    renewable_profile : pandas.Series, optional
        Capacity factor series (0..1) instead of ``renewable.profile_file``.
    peak_probability : pandas.Series, optional
        4CP peak probabilities instead of ``four_cp.peak_probability_file``.
    base_dir : pathlib.Path, optional
        Folder relative file names in the spec are resolved against.
    rng : numpy.random.Generator, optional
        For the synthetic wind profile (default seed 0).
    fleet_by_date : bool, optional
        Run each fleet entry on the intervals it is installed (its ``start``/``end``; a
        dispatch of the file's own prices: entries installed on none of their days left
        out, with a note; :func:`~hashpivot.engines.dispatch.resolve.load.resolve_tranches`);
        default every entry in every interval (the pivot model's measurement passes the
        fleet it values).

    Returns
    -------
    DispatchProblem
        ``meta`` records where every resolved value comes from.
    """
    spec = spec if spec is not None else (site.dispatch or DispatchSpec())
    if not isinstance(prices.index, pd.DatetimeIndex) or prices.index.tz is None:
        raise InputError(Problem(path="prices", message="prices need a tz-aware DatetimeIndex"))
    prices = prices.sort_index()
    connection_note = None
    if fleet_by_date and site.connection_date is not None:
        prices, connection_note = _from_connection(prices, site)
    if prices.isna().any():
        raise DataError(f"the price series has {int(prices.isna().sum())} missing values")
    beyond = range_problem("prices", prices.to_numpy(dtype=float))
    if beyond:
        low, high, _ = SERIES_RANGES["prices"]
        bad = (prices < low) | (prices > high)
        raise DataError(f"{beyond}: {int(bad.sum())} value(s), first "
                        f"{float(prices[bad].iloc[0]):g} at {prices.index[bad][0]}")
    index = pd.DatetimeIndex(prices.index)
    n = len(index)
    try:
        hours, n_gaps = interval_hours_of(index)
    except InputError as exc:  # a problem of the series' rows, as its missing values
        raise DataError("; ".join(p.message for p in exc.problems)) from None
    meta: dict[str, Any] = {
        "site": site.name,
        "region": site.region or "",
        "price_source": str(prices.attrs.get("source", "") or prices.attrs.get("key", "")),
        "interval_minutes": float(hours[0] * 60.0),
    }
    if connection_note:
        meta["connection_note"] = connection_note
    if n_gaps:  # (a note: printed, not a Python warning line; where the prices miss)
        meta["price_gaps"] = n_gaps
        meta.update(price_gaps_of(index))
    price_note = _price_unit_note(prices.to_numpy(dtype=float), hours)
    if price_note:  # (run, as a market could print them; said, as a unit slip is likelier)
        meta["price_note"] = price_note
    market_note = _market_note(prices, site)
    if market_note:
        meta["market_note"] = market_note

    dated = fleet_by_date and n > 0 and bool(site.fleet)
    active = entries_installed(site, index) if dated else None
    tranches, provenance = resolve_tranches(site, spec, index if dated else None, active)
    meta.update(provenance)
    installed = None
    if active is not None:  # the entries that run, each on the intervals it is installed
        running = active[:, active.any(axis=0)]
        installed = None if running.all() else running
    if not tranches and spec.ai_load_mw <= 0:
        raise InputError(
            Problem(path="fleet", message="the site has neither a fleet nor AI load (ai_load_mw)")
        )
    hp, meta["hashprice_source"] = resolve_hashprice(index, spec, hashprice)
    grid, provenance = resolve_grid_price(n, site, spec)
    meta.update(provenance)
    ai, _ = resolve_ai_load(hours, spec)
    aux = read_auxiliary_series(
        spec, base_dir, index.tz,
        AuxiliarySeries(renewable_profile, peak_probability, emissions_series),
    )
    # the series read from files, each checked against the prices: every problem at once
    # (until 2026-12-06 one a run: the profile's, then the peaks', then the emissions')
    problems: list[Problem] = []
    ren = _checked(problems, meta, np.zeros(n), lambda: resolve_renewable(
        index, hours, spec, aux.renewable_profile, rng, "renewable_profile" in aux.from_files))
    event, provenance = resolve_demand_response(index, spec)
    meta.update(provenance)
    peak = _checked(problems, meta, np.zeros(n, dtype=bool), lambda: resolve_four_cp(
        index, hours, spec, aux.peak_probability, "peak_probability" in aux.from_files))
    import_limit, provenance = resolve_import_limit(site, spec)
    meta.update(provenance)
    ef = _checked(problems, meta, np.zeros(n), lambda: resolve_emissions(
        index, spec, site.region, aux.emissions_series, "emissions_series" in aux.from_files,
        site.emissions_factor_tco2_per_mwh))
    if problems:
        raise InputError(problems)

    ppa, dr, cp, ren_spec = spec.ppa, spec.demand_response, spec.four_cp, spec.renewable
    if ppa is not None and ppa.volume_mw > 0:  # what decides the PPA's value, said
        meta["ppa_note"] = f"PPA {ppa.volume_mw:g} MW at {ppa.price_usd_per_mwh:g} USD/MWh, " + (
            "settled financially: no energy delivered, the volume settled at the index "
            "price in every interval (negative ones included)"
            if ppa.settlement == "financial" else
            "physical: delivered, unused energy " + (
                ("resold at the index price, spilled at no cost where it is at or below zero "
                 "(curtail_at_negative_price = true)" if ppa.curtail_at_negative_price else
                 "settled at the index price, a negative one included (a debit; "
                 "curtail_at_negative_price = true if the generator may curtail there)")
                if ppa.resale_allowed else "forfeited") + " (settlement = \"physical\")")
    if ppa is not None and ppa.volume_mw > 0 and n:
        # (market-local)
        note = _ppa_term_note(ppa, index[0].tz_localize(None), index[-1].tz_localize(None))
        if note:
            meta["ppa_term_note"] = note
    if dr is not None and dr.committed_mw > 0 and dr.keep_committed_load_online:
        meta["dr_availability_note"] = (
            f"demand response: {dr.committed_mw:g} MW kept online outside events to be "
            "available; " + (
                "withdrawable interval by interval, the MW not drawn forfeiting readiness"
                + (f" and paying {dr.unavailable_usd_per_mw_hour:g} USD/MW-h"
                   if dr.unavailable_usd_per_mw_hour > 0 else "")
                + " (withdrawable = true; false keeps them on through 4CP peaks and price "
                "spikes)" if dr.withdrawable else
                "firm: mining draws them outside every event, 4CP peaks and price spikes "
                "included (withdrawable = false)"))
    ramp = spec.limits.ramp_mw_per_interval
    problem = DispatchProblem(
        index=index,
        interval_hours_series=hours,
        price_usd_per_mwh_series=prices.to_numpy(dtype=float),
        hashprice_usd_per_ph_day_series=hp,
        tranches=tranches,
        pool_fee_fraction=float(site.pool_fee_fraction),
        ai_firm_mw=ai.firm_mw,
        ai_flexible_mw=ai.flexible_mw,
        ai_flexible_max_mw=ai.flexible_max_mw,
        ai_window_series=ai.window if ai.flexible_mw > 0 else None,  # windows matter then only
        grid_adder_usd_per_mwh=grid.adder_usd_per_mwh,
        grid_price_usd_per_mwh_series=grid.price_usd_per_mwh_series,
        ppa_volume_mw=ppa.volume_mw if ppa else 0.0,
        ppa_price_usd_per_mwh=ppa.price_usd_per_mwh if ppa else 0.0,
        ppa_resale_allowed=ppa.resale_allowed if ppa else True,
        ppa_is_renewable=ppa.is_renewable if ppa else False,
        ppa_financial=bool(ppa and ppa.settlement == "financial"),
        ppa_curtail_at_negative_price=bool(ppa and ppa.curtail_at_negative_price),
        renewable_mw_series=ren,
        renewable_price_usd_per_mwh=(
            ren_spec.price_usd_per_mwh if ren_spec and ren_spec.capacity_mw > 0 else 0.0
        ),
        renewable_resale_allowed=(
            ren_spec.resale_allowed if ren_spec and ren_spec.capacity_mw > 0 else True
        ),
        dr_committed_mw=dr.committed_mw if dr else 0.0,
        dr_readiness_usd_per_mw_hour=dr.readiness_usd_per_mw_hour if dr else 0.0,
        dr_penalty_usd_per_mwh=dr.penalty_usd_per_mwh if dr else 0.0,
        dr_event_series=event,
        dr_keep_online=bool(dr.keep_committed_load_online) if dr else False,
        dr_withdrawable=bool(dr.withdrawable) if dr else True,
        dr_unavailable_usd_per_mw_hour=dr.unavailable_usd_per_mw_hour if dr else 0.0,
        fourcp_usd_per_kw_year=cp.charge_usd_per_kw_year if cp else 0.0,
        fourcp_peak_series=peak,
        import_limit_mw=import_limit,
        ramp_mw_per_interval=float(ramp) if ramp is not None else float("inf"),
        min_up_intervals=spec.limits.min_up_intervals,
        min_down_intervals=spec.limits.min_down_intervals,
        commitment_block_mw=(float(spec.limits.commitment_block_mw)
                             if spec.limits.commitment_block_mw is not None else math.inf),
        tranche_installed_series=installed,
        emissions_tco2_per_mwh_series=ef,
        meta=meta,
    )
    if installed is not None and problem.dr_committed_mw > 0:
        honoured = problem.dr_committed_series_mw()
        short = honoured < problem.dr_committed_mw * (1 - 1e-9)
        if short.any():
            days = pd.DatetimeIndex(index[short]).tz_localize(None).normalize().unique()
            meta["demand_response_note"] = (
                f"demand response: the {problem.dr_committed_mw:g} MW committed exceed the load "
                f"the machines installed can curtail on {len(days)} day(s) from "
                f"{days[0].date()} (down to {float(honoured.min()):g} MW): readiness is paid, "
                "and events take load, on what they can")
    return problem
