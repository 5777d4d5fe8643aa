"""Resolve steps of a dispatch run: each turns one part of a site and its dispatch spec into
arrays over the price intervals and says where the values come from (REopt echoes its
inputs). No step reads a file: :mod:`hashpivot.engines.dispatch.sources` does.

Every step returns ``(values, provenance)`` where ``provenance`` holds the entries the
result's ``meta`` records (keys such as ``hashprice_source``, ``emissions_source``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.alignment import align_to_index, localize_times
from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models import Site
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.model import BoolArray, FloatArray, Tranche, constant_series
from hashpivot.power.profiles import clear_sky_solar_profile, synthetic_wind_profile

__all__ = [
    "AiLoad",
    "GridPrice",
    "Provenance",
    "resolve_ai_load",
    "resolve_demand_response",
    "resolve_emissions",
    "resolve_four_cp",
    "resolve_grid_price",
    "resolve_hashprice",
    "resolve_import_limit",
    "resolve_renewable",
    "resolve_tranches",
]

#: Entries for the result's ``meta``: where each resolved value comes from.
Provenance = dict[str, Any]

#: The inputs that set a hashprice, as an error names them: the argument (an interface
#: shows its own name for it, e.g. a command-line option) and the field of the file.
_HASHPRICE_INPUTS = "`hashprice` or dispatch.hashprice_usd_per_ph_day"


def resolve_tranches(site: Site, spec: DispatchSpec) -> tuple[tuple[Tranche, ...], Provenance]:
    """One tranche per fleet entry of a site.

    ``power_mw = count * power_w * power_overhead_factor * availability / 1e6`` and
    ``hashrate_ph_s = count * hashrate_th_s * availability / 1000``. The fleet's
    ``uptime_fraction`` is not applied: in the portfolio it includes curtailment, which
    dispatch decides itself; machines out of service are the ``availability_fraction``.

    Parameters
    ----------
    site : Site
    spec : DispatchSpec
        Underclocking range and availability.

    Returns
    -------
    tranches : tuple of Tranche
    provenance : dict
        Empty (the tranches are echoed in the result).
    """
    overhead = float(site.power_overhead_factor)
    availability = float(spec.availability_fraction)
    out: list[Tranche] = []
    problems: list[Problem] = []
    for i, entry in enumerate(site.fleet):
        th, power_w = entry.hashrate_th_s, entry.power_w
        if power_w is None and th is not None and entry.efficiency_j_per_th is not None:
            power_w = float(th) * float(entry.efficiency_j_per_th)
        if th is None or power_w is None:
            problems.append(
                Problem(
                    path=f"fleet[{i}]",
                    message="needs hashrate_th_s and power_w (or efficiency_j_per_th)",
                )
            )
            continue
        out.append(
            Tranche(
                name=str(entry.name or entry.asic or f"tranche {i}"),
                power_mw=entry.count * float(power_w) * overhead * availability / 1e6,
                hashrate_ph_s=entry.count * float(th) * availability / 1000.0,
                min_power_fraction=float(spec.underclock_min_power_fraction),
                hashrate_fraction_at_min=spec.underclock_hashrate_fraction,
            )
        )
    if problems:
        raise InputError(problems)
    return tuple(out), {}


def resolve_hashprice(
    index: pd.DatetimeIndex,
    spec: DispatchSpec,
    override: float | pd.Series | None = None,
) -> tuple[FloatArray, str]:
    """Hashprice per interval and a description of where it comes from.

    The ``override`` argument, else ``dispatch.hashprice_usd_per_ph_day``, else from
    ``btc_price_usd`` / ``network_difficulty`` / ``fees_btc_per_block`` (missing ones from
    the bundled network state on the first day), else the **daily** hashprice of the
    bundled Coin Metrics data over the horizon.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts.
    spec : DispatchSpec
    override : float or pandas.Series, optional
        Constant [USD/(PH/s)/day] or series (aligned to the intervals).

    Returns
    -------
    hashprice_usd_per_ph_day : numpy.ndarray
        [USD/(PH/s)/day]
    source : str
    """
    from hashpivot.mining.hashprice import hashprice_usd_per_ph_day

    n = len(index)
    if isinstance(override, pd.Series):
        return align_to_index(override, index, "hashprice series"), "hashprice series (argument)"
    if override is not None:
        return constant_series(float(override), n), "constant (command line)"
    if spec.hashprice_usd_per_ph_day is not None:
        return constant_series(float(spec.hashprice_usd_per_ph_day), n), "constant (dispatch spec)"
    from hashpivot.io.bundled import load_btc_daily, network_state_on

    utc_days = index.tz_convert("UTC").normalize().tz_localize(None)
    given = (spec.btc_price_usd, spec.network_difficulty, spec.fees_btc_per_block)
    if any(v is not None for v in given):
        try:
            state = network_state_on(utc_days[0])
            base = (state.btc_price_usd, state.difficulty, state.fees_btc_per_block,
                    state.subsidy_btc_per_block)
        except DataError:
            if spec.btc_price_usd is None or spec.network_difficulty is None:
                raise
            base = (math.nan, math.nan, 0.0, 3.125)
        price = spec.btc_price_usd if spec.btc_price_usd is not None else base[0]
        diff = spec.network_difficulty if spec.network_difficulty is not None else base[1]
        fees = spec.fees_btc_per_block if spec.fees_btc_per_block is not None else base[2]
        value = float(hashprice_usd_per_ph_day(price, diff, base[3], fees))
        return constant_series(value, n), (
            f"network conditions: BTC {price:,.0f} USD, difficulty {diff:.4g}, "
            f"fees {fees:.3f} BTC/block, subsidy {base[3]} BTC"
        )
    try:
        daily = load_btc_daily(utc_days[0], utc_days[-1])
    except DataError as exc:
        raise DataError(
            f"{exc}; give a hashprice ({_HASHPRICE_INPUTS})"
        ) from exc
    hp = hashprice_usd_per_ph_day(
        daily["price_usd"], daily["difficulty"], daily["subsidy_btc_per_block"],
        daily["fees_btc_per_block"],
    )
    values = hp.reindex(utc_days).to_numpy(dtype=float)
    if np.isnan(values).any():
        raise DataError(
            f"the bundled network data has gaps in the horizon; give a hashprice "
            f"({_HASHPRICE_INPUTS})"
        )
    return values, "daily hashprice from bundled Coin Metrics network data (UTC days)"


@dataclass(frozen=True)
class GridPrice:
    """What the site pays for grid energy.

    Parameters
    ----------
    adder_usd_per_mwh : float
        Added to the purchase price of every MWh. [USD/MWh]
    price_usd_per_mwh_series : numpy.ndarray or None
        The purchase price per interval under a fixed-price contract; ``None`` means the
        index price. [USD/MWh]
    """

    adder_usd_per_mwh: float
    price_usd_per_mwh_series: FloatArray | None


def resolve_grid_price(
    n: int, site: Site, spec: DispatchSpec
) -> tuple[GridPrice, Provenance]:
    """The grid purchase price: ``dispatch.grid_adder_usd_per_mwh``, else the site power
    contract's adder; under a fixed-price contract the fixed price on the energy used.

    Parameters
    ----------
    n : int
        Number of intervals.
    site : Site
    spec : DispatchSpec

    Returns
    -------
    grid : GridPrice
    provenance : dict
        ``power_contract``: how the contract is applied.
    """
    contract = site.power_contract
    if spec.grid_adder_usd_per_mwh is not None:
        adder = float(spec.grid_adder_usd_per_mwh)
    else:
        adder = float(contract.adder_usd_per_mwh or 0.0) if contract is not None else 0.0
    meta: Provenance = {}
    series: FloatArray | None = None
    if contract is not None and contract.kind == "fixed":
        # the miner pays the fixed price on the energy it uses and saves it by curtailing;
        # only a [sites.dispatch.ppa] block (or renewables) is resold, at the market price
        fixed = float(contract.price_usd_per_mwh)
        series = constant_series(fixed, n)
        meta["power_contract"] = (
            f"fixed price {fixed:g} USD/MWh (+ adder {adder:g}) on the energy used; curtailing "
            "saves it; the market price values only resale of a PPA block or renewables"
        )
    elif contract is not None:
        meta["power_contract"] = f"index price + adder {adder:g} USD/MWh"
    return GridPrice(adder, series), meta


@dataclass(frozen=True)
class AiLoad:
    """The AI/HPC load of a hybrid site.

    Parameters
    ----------
    firm_mw : float
        Load that always runs. [MW]
    flexible_mw : float
        Mean flexible load per window. [MW]
    flexible_max_mw : float
        Highest flexible load in an interval. [MW]
    window : numpy.ndarray of int
        Index of the flexibility window of each interval. [-]
    """

    firm_mw: float
    flexible_mw: float
    flexible_max_mw: float
    window: np.ndarray


def resolve_ai_load(interval_hours: FloatArray, spec: DispatchSpec) -> tuple[AiLoad, Provenance]:
    """Split ``dispatch.ai_load_mw`` into firm and flexible load and number the windows.

    Parameters
    ----------
    interval_hours : numpy.ndarray
        [h]
    spec : DispatchSpec

    Returns
    -------
    ai : AiLoad
    provenance : dict
        Empty (the spec's values are echoed).
    """
    flex_mean = spec.ai_load_mw * spec.ai_flexible_fraction
    firm = spec.ai_load_mw - flex_mean
    flex_max = spec.ai_flexible_max_mw if spec.ai_flexible_max_mw is not None else 2 * flex_mean
    elapsed = np.concatenate([[0.0], np.cumsum(interval_hours)[:-1]])
    windows = np.floor(elapsed / spec.ai_flexible_window_hours + 1e-9).astype(np.int64)
    return AiLoad(firm, flex_mean, max(flex_max, flex_mean), windows), {}


def resolve_renewable(
    index: pd.DatetimeIndex,
    interval_hours: FloatArray,
    spec: DispatchSpec,
    profile: pd.Series | None,
    rng: np.random.Generator | None,
    from_file: bool = False,
) -> tuple[FloatArray, Provenance]:
    """Output of the site's renewable plant per interval.

    Parameters
    ----------
    index : pandas.DatetimeIndex
    interval_hours : numpy.ndarray
        [h]
    spec : DispatchSpec
    profile : pandas.Series or None
        Capacity factor series (0..1), from the caller or ``renewable.profile_file``;
        without it a synthetic profile (clear-sky solar, or seeded wind).
    rng : numpy.random.Generator or None
        For the synthetic wind profile (default seed 0).
    from_file : bool
        Whether ``profile`` was read from ``renewable.profile_file``.

    Returns
    -------
    renewable_mw : numpy.ndarray
        [MW]
    provenance : dict
        ``renewable_profile``.
    """
    n = len(index)
    r = spec.renewable
    if r is None or r.capacity_mw <= 0:
        return np.zeros(n), {}
    meta: Provenance = {}
    if profile is not None:
        field = "dispatch.renewable.profile_file" if from_file else ""
        cf = align_to_index(profile, index, "renewable profile", field)
        meta["renewable_profile"] = (
            f"file {r.profile_file}" if from_file else "profile series (argument)"
        )
    elif r.kind == "solar":
        cf = clear_sky_solar_profile(index, interval_hours, r.latitude_deg, r.longitude_deg)
        meta["renewable_profile"] = (
            f"synthetic clear-sky solar (Haurwitz GHI, lat {r.latitude_deg}, lon "
            f"{r.longitude_deg}): no clouds, overstates yield"
        )
    else:
        cf = synthetic_wind_profile(index, interval_hours, r.capacity_factor, rng)
        meta["renewable_profile"] = (
            f"synthetic wind (seeded AR(1), mean capacity factor {r.capacity_factor})"
        )
    if np.any(cf < -1e-9) or np.any(cf > 1 + 1e-9):
        raise InputError(
            Problem(
                path="dispatch.renewable.profile_file" if from_file else "renewable_profile",
                message="profile values must be in 0..1",
            )
        )
    return np.clip(cf, 0.0, 1.0) * r.capacity_mw, meta


def resolve_demand_response(
    index: pd.DatetimeIndex, spec: DispatchSpec
) -> tuple[BoolArray, Provenance]:
    """Intervals inside a demand-response event of ``dispatch.demand_response.events``.

    Returns
    -------
    event : numpy.ndarray of bool
    provenance : dict
        ``dr_event_intervals``: how many intervals are in an event.
    """
    dr = spec.demand_response
    event = np.zeros(len(index), dtype=bool)
    if dr is None or not dr.events:
        return event, {}
    for start, end in dr.events:
        s, e = localize_times([start, end], index.tz)
        event |= (index >= s) & (index < e)
    return event, {"dr_event_intervals": int(event.sum())}


def resolve_four_cp(
    index: pd.DatetimeIndex,
    interval_hours: FloatArray,
    spec: DispatchSpec,
    probability: pd.Series | None,
    from_file: bool = False,
) -> tuple[BoolArray, Provenance]:
    """Intervals that count as ERCOT 4CP peaks: the listed peak times, and intervals whose
    peak probability reaches the threshold.

    Returns
    -------
    peak : numpy.ndarray of bool
    provenance : dict
        ``fourcp_peaks_outside_horizon`` and, when no peak falls in the horizon,
        ``fourcp_note``.
    """
    n = len(index)
    cp = spec.four_cp
    peak = np.zeros(n, dtype=bool)
    meta: Provenance = {}
    if cp is None or cp.charge_usd_per_kw_year <= 0:
        return peak, meta
    if cp.peak_intervals:
        times = localize_times(list(cp.peak_intervals), index.tz)
        ends = index + pd.to_timedelta(interval_hours, unit="h")
        pos = index.searchsorted(times, side="right") - 1
        ok = (pos >= 0) & (times < ends[np.clip(pos, 0, n - 1)])
        peak[pos[ok]] = True
        meta["fourcp_peaks_outside_horizon"] = int((~ok).sum())
    if probability is not None:
        field = "dispatch.four_cp.peak_probability_file" if from_file else ""
        peak |= (
            align_to_index(probability, index, "4CP peak probability", field)
            >= cp.probability_threshold
        )
    if not peak.any():
        meta["fourcp_note"] = "no 4CP peak interval falls in the horizon: no charge"
    return peak, meta


def resolve_import_limit(site: Site, spec: DispatchSpec) -> tuple[float, Provenance]:
    """Grid import limit: ``dispatch.limits.import_mw``, else the site's ``capacity_mw``,
    else none (infinite). [MW]"""
    limit = spec.limits.import_mw
    if limit is None and site.capacity_mw is not None:
        return float(site.capacity_mw), {"import_limit_source": "site capacity_mw"}
    return (float(limit) if limit is not None else math.inf), {}


def resolve_emissions(
    index: pd.DatetimeIndex,
    spec: DispatchSpec,
    region: str | None,
    series_tco2_per_mwh: pd.Series | None = None,
    from_file: bool = False,
) -> tuple[FloatArray, Provenance]:
    """Emissions factor per interval and its provenance; no file I/O. [t CO2/MWh]

    A series (marginal factors, from the caller or, ``from_file``, read from
    ``dispatch.emissions_file``), else
    ``dispatch.emissions_factor_tco2_per_mwh``, else the bundled eGRID average of the
    region (NaN, with a note, for an unknown region).

    Returns
    -------
    emissions_tco2_per_mwh : numpy.ndarray
        [t CO2/MWh]
    provenance : dict
        ``emissions_source``.
    """
    n = len(index)
    if series_tco2_per_mwh is not None:
        field = "dispatch.emissions_file" if from_file else ""
        ef = align_to_index(series_tco2_per_mwh, index, "emissions factor series", field)
        if np.any(ef < 0) or np.any(ef > 5):
            raise InputError(
                Problem(
                    path="dispatch.emissions_file",
                    message="emissions factors must lie within 0-5 t CO2/MWh",
                )
            )
        source = (
            f"dispatch.emissions_file ({spec.emissions_file})"
            if from_file
            else "emissions factor series (argument)"
        )
        return ef, {"emissions_source": source}
    if spec.emissions_factor_tco2_per_mwh is not None:
        return (
            constant_series(spec.emissions_factor_tco2_per_mwh, n),
            {"emissions_source": "dispatch.emissions_factor_tco2_per_mwh"},
        )
    from hashpivot.io import load_emission_factors
    from hashpivot.power.emissions import grid_emissions_factor

    try:
        value, source = grid_emissions_factor(region, load_emission_factors())
        return constant_series(value, n), {"emissions_source": source}
    except InputError:
        return constant_series(np.nan, n), {
            "emissions_source": f"no bundled factor for region {region!r}: emissions not computed; "
            "set dispatch.emissions_factor_tco2_per_mwh"
        }
