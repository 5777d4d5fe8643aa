"""Dispatch engine: site + prices -> resolved :class:`DispatchProblem` -> solve -> result.

Stages (REopt-style pipeline): the site (``hashpivot.models.Site`` or any object with the
same attributes) and its ``[sites.dispatch]`` table (:class:`DispatchSpec`) are resolved,
with every default filled in, into numpy arrays over the price intervals
(:func:`build_dispatch_problem`); :func:`hashpivot.power.solve` picks the fast path or
HiGHS; the :class:`~hashpivot.power.results.DispatchResult` echoes the resolved inputs in
``problem.meta`` and compares with always-on operation.

Defaults filled here (each one recorded in ``problem.meta``):

* grid adder: ``dispatch.grid_adder_usd_per_mwh``, else the site power contract's adder;
* import limit: ``dispatch.limits.import_mw``, else the site's ``capacity_mw``, else none;
* hashprice: the ``hashprice`` argument, else ``dispatch.hashprice_usd_per_ph_day``, else
  from ``btc_price_usd`` / ``network_difficulty`` / ``fees_btc_per_block`` (missing ones
  from the bundled network state on the first day), else the **daily** hashprice of the
  bundled Coin Metrics data over the horizon;
* emissions factor: a series argument (marginal factors), else
  ``dispatch.emissions_factor_tco2_per_mwh``, else the bundled eGRID average of the
  site's region (NaN, with a note, for an unknown region);
* renewable shape: ``renewable.profile_file``, else a synthetic profile (clear-sky solar
  or seeded synthetic wind, flagged in ``meta``).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.model import DispatchProblem, tranches_from_site
from hashpivot.power.profiles import clear_sky_solar_profile, synthetic_wind_profile
from hashpivot.power.results import DispatchResult
from hashpivot.power.solve import solve

__all__ = [
    "align_to_index",
    "build_dispatch_problem",
    "interval_hours_of",
    "load_prices",
    "resolve_hashprice",
    "run_dispatch",
    "run_dispatch_file",
    "select_site",
]


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def interval_hours_of(index: pd.DatetimeIndex) -> tuple[np.ndarray, int]:
    """Interval lengths of a regular price index and the number of gaps found.

    Every interval gets the median step (a regular series); steps that differ from it are
    counted as gaps (missing or extra intervals in the price data).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts, tz-aware.

    Returns
    -------
    interval_hours : numpy.ndarray
        [h]
    n_gaps : int
    """
    if len(index) < 2:
        raise InputError(Problem(path="prices", message="need at least two price intervals"))
    steps = np.diff(index.as_unit("ns").asi8) / 3.6e12
    step = float(np.median(steps))
    if step <= 0:
        raise InputError(Problem(path="prices", message="price timestamps are not increasing"))
    n_gaps = int(np.sum(np.abs(steps - step) > 1e-9))
    return np.full(len(index), step), n_gaps


def align_to_index(series: pd.Series, index: pd.DatetimeIndex, what: str) -> np.ndarray:
    """Values of a time series at each interval of ``index`` (mean over finer data,
    forward fill of coarser data); error if part of ``index`` is not covered.

    Parameters
    ----------
    series : pandas.Series
        tz-aware time series (profile, probability, emissions factor...).
    index : pandas.DatetimeIndex
        Target interval starts.
    what : str
        Name for error messages.

    Returns
    -------
    numpy.ndarray
    """
    from hashpivot.power.resample import resample_prices

    try:
        s = series.sort_index()
        sidx = pd.DatetimeIndex(s.index)
        s.index = sidx.tz_localize(index.tz) if sidx.tz is None else sidx.tz_convert(index.tz)
        step = pd.Timedelta(hours=float(interval_hours_of(index)[0][0]))
        own = pd.Timedelta(pd.Series(s.index).diff().median()) if len(s) > 1 else step
        if len(s) > 1 and own != step:
            s = resample_prices(s, pd.tseries.frequencies.to_offset(step).freqstr)
        tolerance = own if own > step else step
        out = s.reindex(index, method="ffill", tolerance=tolerance)
    except (ValueError, TypeError, OverflowError, DataError) as exc:
        # duplicate or out-of-range timestamps (pandas holds 1677-2262), a bad layout
        raise InputError(
            Problem(path=what, message=f"cannot align its series to the price intervals: {exc}")
        ) from None
    if out.isna().any():
        first = out.index[out.isna()][0]
        raise InputError(
            Problem(
                path=what,
                message=f"does not cover the price intervals ({int(out.isna().sum())} "
                f"missing, first {first})",
            )
        )
    return out.to_numpy(dtype=float)


def _localize_times(times: list[dt.datetime], tz: Any) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(pd.to_datetime(list(times)))
    if idx.tz is None:
        return idx.tz_localize(tz, ambiguous=np.ones(len(idx), bool), nonexistent="shift_forward")
    return idx.tz_convert(tz)


def resolve_hashprice(
    index: pd.DatetimeIndex,
    spec: DispatchSpec,
    override: float | pd.Series | None = None,
) -> tuple[np.ndarray, str]:
    """Hashprice per interval and a description of where it comes from.

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
        return np.full(n, float(override)), "constant (command line)"
    if spec.hashprice_usd_per_ph_day is not None:
        return np.full(n, float(spec.hashprice_usd_per_ph_day)), "constant (dispatch spec)"
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
        return np.full(n, value), (
            f"network conditions: BTC {price:,.0f} USD, difficulty {diff:.4g}, "
            f"fees {fees:.3f} BTC/block, subsidy {base[3]} BTC"
        )
    try:
        daily = load_btc_daily(utc_days[0], utc_days[-1])
    except DataError as exc:
        raise DataError(
            f"{exc}; give a hashprice (--hashprice-usd-per-ph-day or "
            "dispatch.hashprice_usd_per_ph_day)"
        ) from exc
    hp = hashprice_usd_per_ph_day(
        daily["price_usd"], daily["difficulty"], daily["subsidy_btc_per_block"],
        daily["fees_btc_per_block"],
    )
    values = hp.reindex(utc_days).to_numpy(dtype=float)
    if np.isnan(values).any():
        raise DataError("the bundled network data has gaps in the horizon; give a hashprice")
    return values, "daily hashprice from bundled Coin Metrics network data (UTC days)"


def _read_aux(path: str, base_dir: Path | None, tz: Any, what: str) -> pd.Series:
    from hashpivot.io import read_price_file

    p = Path(path)
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    if p.is_dir():
        raise InputError(Problem(path=what, message=f"{p} is a folder, not a file"))
    if not p.exists():
        raise InputError(Problem(path=what, message=f"file not found: {p}"))
    try:
        return read_price_file(p, tz=str(tz))
    except InputError as exc:
        raise exc.at_path(what) from None


def build_dispatch_problem(
    site: Any,
    prices: pd.Series,
    spec: DispatchSpec | None = None,
    hashprice: float | pd.Series | None = None,
    emissions_series: pd.Series | None = None,
    renewable_profile: pd.Series | None = None,
    peak_probability: pd.Series | None = None,
    base_dir: Path | None = None,
    rng: np.random.Generator | None = None,
) -> DispatchProblem:
    """Resolve a site, its dispatch spec and a price series into a :class:`DispatchProblem`.

    Parameters
    ----------
    site : object
        ``hashpivot.models.Site`` or alike (``name, region, capacity_mw,
        power_overhead_factor, pool_fee_fraction, power_contract, fleet, dispatch``).
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

    Returns
    -------
    DispatchProblem
    """
    spec = spec if spec is not None else (_attr(site, "dispatch") or DispatchSpec())
    if not isinstance(prices.index, pd.DatetimeIndex) or prices.index.tz is None:
        raise InputError(Problem(path="prices", message="prices need a tz-aware DatetimeIndex"))
    prices = prices.sort_index()
    if prices.isna().any():
        raise DataError(f"the price series has {int(prices.isna().sum())} missing values")
    index = pd.DatetimeIndex(prices.index)
    tz = index.tz
    n = len(index)
    hours, n_gaps = interval_hours_of(index)
    meta: dict[str, Any] = {
        "site": str(_attr(site, "name", "") or ""),
        "region": str(_attr(site, "region", "") or ""),
        "price_source": str(prices.attrs.get("source", "") or prices.attrs.get("key", "")),
        "interval_minutes": float(hours[0] * 60.0),
    }
    if n_gaps:
        meta["price_gaps"] = n_gaps
        warnings.warn(f"the price series has {n_gaps} irregular steps (gaps)", stacklevel=2)

    tranches = tranches_from_site(
        site,
        spec.underclock_min_power_fraction,
        spec.underclock_hashrate_fraction,
        spec.availability_fraction,
    )
    if not tranches and spec.ai_load_mw <= 0:
        raise InputError(
            Problem(path="fleet", message="the site has neither a fleet nor AI load (ai_load_mw)")
        )
    hp, hp_source = resolve_hashprice(index, spec, hashprice)
    meta["hashprice_source"] = hp_source

    contract = _attr(site, "power_contract")
    if spec.grid_adder_usd_per_mwh is not None:
        adder = float(spec.grid_adder_usd_per_mwh)
    else:
        adder = float(_attr(contract, "adder_usd_per_mwh", 0.0) or 0.0)
    grid_price: np.ndarray | None = None
    if contract is not None and _attr(contract, "kind") == "fixed":
        # the miner pays the fixed price on the energy it uses and saves it by curtailing;
        # only a [sites.dispatch.ppa] block (or renewables) is resold, at the market price
        fixed = float(_attr(contract, "price_usd_per_mwh"))
        grid_price = np.full(len(index), fixed)
        meta["power_contract"] = (
            f"fixed price {fixed:g} USD/MWh (+ adder {adder:g}) on the energy used; curtailing "
            "saves it; the market price values only resale of a PPA block or renewables"
        )
    elif contract is not None:
        meta["power_contract"] = f"index price + adder {adder:g} USD/MWh"

    # AI load
    flex_mean = spec.ai_load_mw * spec.ai_flexible_fraction
    firm = spec.ai_load_mw - flex_mean
    flex_max = spec.ai_flexible_max_mw if spec.ai_flexible_max_mw is not None else 2 * flex_mean
    elapsed = np.concatenate([[0.0], np.cumsum(hours)[:-1]])
    windows = np.floor(elapsed / spec.ai_flexible_window_hours + 1e-9).astype(np.int64)

    # renewable
    ren = np.zeros(n)
    ren_price, ren_resale = 0.0, True
    if spec.renewable is not None and spec.renewable.capacity_mw > 0:
        r = spec.renewable
        if renewable_profile is not None:
            cf = align_to_index(renewable_profile, index, "dispatch.renewable.profile_file")
            meta["renewable_profile"] = "profile series (argument)"
        elif r.profile_file:
            path = "dispatch.renewable.profile_file"
            cf = align_to_index(_read_aux(r.profile_file, base_dir, tz, path), index, path)
            meta["renewable_profile"] = f"file {r.profile_file}"
        elif r.kind == "solar":
            cf = clear_sky_solar_profile(index, hours, r.latitude_deg, r.longitude_deg)
            meta["renewable_profile"] = (
                f"synthetic clear-sky solar (Haurwitz GHI, lat {r.latitude_deg}, lon "
                f"{r.longitude_deg}): no clouds, overstates yield"
            )
        else:
            cf = synthetic_wind_profile(index, hours, r.capacity_factor, rng)
            meta["renewable_profile"] = (
                f"synthetic wind (seeded AR(1), mean capacity factor {r.capacity_factor})"
            )
        if np.any(cf < -1e-9) or np.any(cf > 1 + 1e-9):
            raise InputError(
                Problem(
                    path="dispatch.renewable.profile_file", message="profile values must be in 0..1"
                )
            )
        ren = np.clip(cf, 0.0, 1.0) * r.capacity_mw
        ren_price, ren_resale = r.price_usd_per_mwh, r.resale_allowed

    # demand response
    dr = spec.demand_response
    event = np.zeros(n, dtype=bool)
    if dr is not None and dr.events:
        for start, end in dr.events:
            s, e = _localize_times([start, end], tz)
            event |= (index >= s) & (index < e)
        meta["dr_event_intervals"] = int(event.sum())

    # 4CP
    cp = spec.four_cp
    peak = np.zeros(n, dtype=bool)
    if cp is not None and cp.charge_usd_per_kw_year > 0:
        if cp.peak_intervals:
            times = _localize_times(list(cp.peak_intervals), tz)
            ends = index + pd.to_timedelta(hours, unit="h")
            pos = index.searchsorted(times, side="right") - 1
            ok = (pos >= 0) & (times < ends[np.clip(pos, 0, n - 1)])
            peak[pos[ok]] = True
            meta["fourcp_peaks_outside_horizon"] = int((~ok).sum())
        prob = peak_probability
        if prob is None and cp.peak_probability_file:
            prob = _read_aux(
                cp.peak_probability_file, base_dir, tz, "dispatch.four_cp.peak_probability_file"
            )
        if prob is not None:
            where = "dispatch.four_cp.peak_probability_file"
            peak |= align_to_index(prob, index, where) >= cp.probability_threshold
        if not peak.any():
            meta["fourcp_note"] = "no 4CP peak interval falls in the horizon: no charge"

    # limits
    lim = spec.limits
    import_limit = lim.import_mw
    if import_limit is None and _attr(site, "capacity_mw") is not None:
        import_limit = float(_attr(site, "capacity_mw"))
        meta["import_limit_source"] = "site capacity_mw"
    ramp = lim.ramp_mw_per_interval

    # emissions
    if emissions_series is None and spec.emissions_file is not None:
        emissions_series = _read_aux(spec.emissions_file, base_dir, tz, "dispatch.emissions_file")
        meta_source = f"dispatch.emissions_file ({spec.emissions_file})"
    else:
        meta_source = "emissions factor series (argument)"
    if emissions_series is not None:
        ef = align_to_index(emissions_series, index, "dispatch.emissions_file")
        if np.any(ef < 0) or np.any(ef > 5):
            raise InputError(
                Problem(
                    path="dispatch.emissions_file",
                    message="emissions factors must lie within 0-5 t CO2/MWh",
                )
            )
        meta["emissions_source"] = meta_source
    elif spec.emissions_factor_tco2_per_mwh is not None:
        ef = np.full(n, spec.emissions_factor_tco2_per_mwh)
        meta["emissions_source"] = "dispatch.emissions_factor_tco2_per_mwh"
    else:
        from hashpivot.power.emissions import grid_emissions_factor

        try:
            value, source = grid_emissions_factor(_attr(site, "region"))
            ef = np.full(n, value)
            meta["emissions_source"] = source
        except InputError:
            ef = np.full(n, np.nan)
            meta["emissions_source"] = (
                f"no bundled factor for region {_attr(site, 'region')!r}: emissions not "
                "computed; set dispatch.emissions_factor_tco2_per_mwh"
            )

    ppa = spec.ppa
    return DispatchProblem(
        index=index,
        interval_hours=hours,
        price_usd_per_mwh=prices.to_numpy(dtype=float),
        hashprice_usd_per_ph_day=hp,
        tranches=tranches,
        pool_fee_fraction=float(_attr(site, "pool_fee_fraction", 0.0) or 0.0),
        ai_firm_mw=firm,
        ai_flexible_mw=flex_mean,
        ai_flexible_max_mw=max(flex_max, flex_mean),
        ai_window=windows,
        grid_adder_usd_per_mwh=adder,
        grid_price_usd_per_mwh_series=grid_price,
        ppa_volume_mw=ppa.volume_mw if ppa else 0.0,
        ppa_price_usd_per_mwh=ppa.price_usd_per_mwh if ppa else 0.0,
        ppa_resale_allowed=ppa.resale_allowed if ppa else True,
        ppa_is_renewable=ppa.is_renewable if ppa else False,
        renewable_mw=ren,
        renewable_price_usd_per_mwh=ren_price,
        renewable_resale_allowed=ren_resale,
        dr_committed_mw=dr.committed_mw if dr else 0.0,
        dr_readiness_usd_per_mw_hour=dr.readiness_usd_per_mw_hour if dr else 0.0,
        dr_penalty_usd_per_mwh=dr.penalty_usd_per_mwh if dr else 0.0,
        dr_event=event,
        dr_keep_online=bool(dr.keep_committed_load_online) if dr else False,
        fourcp_usd_per_kw_year=cp.charge_usd_per_kw_year if cp else 0.0,
        fourcp_peak=peak,
        import_limit_mw=float(import_limit) if import_limit is not None else math.inf,
        ramp_mw_per_interval=float(ramp) if ramp is not None else math.inf,
        min_up_intervals=lim.min_up_intervals,
        min_down_intervals=lim.min_down_intervals,
        emissions_tco2_per_mwh=ef,
        meta=meta,
    )


def run_dispatch(
    site: Any,
    prices: pd.Series,
    solver: str | None = None,
    spec: DispatchSpec | None = None,
    hashprice: float | pd.Series | None = None,
    **kwargs: Any,
) -> DispatchResult:
    """Build the problem of a site and solve it.

    Parameters
    ----------
    site : object
        See :func:`build_dispatch_problem`.
    prices : pandas.Series
        Index prices per interval start. [USD/MWh]
    solver : {"auto", "fast", "lp"}, optional
        Default: the spec's ``solver``.
    spec : DispatchSpec, optional
    hashprice : float or pandas.Series, optional
        [USD/(PH/s)/day]
    **kwargs
        Passed to :func:`build_dispatch_problem`.

    Returns
    -------
    DispatchResult
    """
    spec = spec if spec is not None else (_attr(site, "dispatch") or DispatchSpec())
    problem = build_dispatch_problem(site, prices, spec=spec, hashprice=hashprice, **kwargs)
    return solve(
        problem,
        solver=solver or spec.solver,
        mip_gap=spec.mip_gap,
        time_limit_seconds=spec.time_limit_seconds,
    )


def select_site(portfolio: Any, site_name: str | None, source: str = "") -> Any:
    """The named site of a portfolio, or its first site."""
    sites = list(_attr(portfolio, "sites", []) or [])
    if not sites:
        raise InputError(Problem(path="sites", message="the portfolio has no site", source=source))
    if site_name is None:
        return sites[0]
    for s in sites:
        if str(_attr(s, "name", "")).lower() == site_name.lower():
            return s
    names = ", ".join(str(_attr(s, "name", "")) for s in sites)
    raise InputError(
        Problem(path="--site", message=f"no site {site_name!r}; sites: {names}", source=source)
    )


def load_prices(
    site: Any, prices_file: str | Path | None = None, market: str | None = None
) -> pd.Series:
    """Prices for a site: a file (layout recognized from its columns), a bundled market,
    or the bundled market named in the site's power contract (``ercot:HB_WEST`` -> the
    latest bundled year).

    Parameters
    ----------
    site : object
        Gives the region (time zone of naive timestamps) and the contract's market.
    prices_file : path, optional
    market : str, optional
        ``iso:point:year[:da]``.

    Returns
    -------
    pandas.Series
        [USD/MWh]
    """
    from hashpivot.io import (
        bundled_market_keys,
        load_market_prices,
        parse_market,
        read_prices_auto,
        region_timezone,
    )

    if prices_file is not None and market is not None:
        raise InputError(
            Problem(path="--prices", message="give either --prices or --market, not both",
                    source="<command line>")
        )
    contract_market = _attr(_attr(site, "power_contract"), "market")
    if prices_file is not None:
        point = None
        if contract_market:
            try:
                point = parse_market(str(contract_market)).point
            except InputError:
                point = None
        tz = region_timezone(_attr(site, "region"))
        try:
            try:
                return read_prices_auto(prices_file, point, tz)
            except InputError:
                if point is None:
                    raise
                return read_prices_auto(prices_file, None, tz)
        except InputError as exc:  # the reader names the file; the field is the option
            raise exc.at_path("--prices") from None
    if market is None:
        if not contract_market:
            raise InputError(
                Problem(
                    path="--market",
                    message="give --prices FILE or --market iso:point:year (bundled: "
                    f"{', '.join(bundled_market_keys())})",
                    source="<command line>",
                )
            )
        key = parse_market(str(contract_market))
        if key.year is None:
            years = sorted(
                parse_market(k).year or 0
                for k in bundled_market_keys()
                if parse_market(k).point == key.point and parse_market(k).kind == key.kind
            )
            if not years:
                raise InputError(
                    Problem(path="power_contract.market",
                            message=f"no bundled prices for {key}; pass --prices FILE")
                )
            market = f"{key.iso}:{key.point}:{years[-1]}"
        else:
            market = str(key)
    return load_market_prices(market)


def run_dispatch_file(
    path: str | Path,
    prices_file: str | Path | None = None,
    market: str | None = None,
    site_name: str | None = None,
    solver: str | None = None,
    hashprice: float | None = None,
) -> DispatchResult:
    """Load a portfolio TOML, pick a site and dispatch it.

    Parameters
    ----------
    path : path
        Portfolio TOML (``hashpivot.models.load_portfolio``).
    prices_file, market : optional
        Price source (see :func:`load_prices`).
    site_name : str, optional
        Default: the first site.
    solver : {"auto", "fast", "lp"}, optional
    hashprice : float, optional
        [USD/(PH/s)/day]

    Returns
    -------
    DispatchResult
    """
    from hashpivot.models import load_portfolio

    portfolio = load_portfolio(path)
    site = select_site(portfolio, site_name, str(path))
    prices = load_prices(site, prices_file, market)
    return run_dispatch(
        site, prices, solver=solver, hashprice=hashprice, base_dir=Path(path).resolve().parent
    )
