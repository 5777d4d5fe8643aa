"""Stochastic market paths: BTC price, network hashrate, fees, subsidy and power price.

Model (each series = a *centre* path times a stochastic factor)
---------------------------------------------------------------
The centre is either the pivot model's deterministic market (``anchor="deterministic"``)
or a path built from the calibration (``anchor="history"``). With every volatility at
zero the generated paths equal the centre exactly, so the simulation reproduces the
deterministic pivot model.

BTC price
    ``S_t = C_t exp(X_t)``, ``X_t = sum_{k<=t} (sigma_k sqrt(dt_k) z_k - sigma_k^2 dt_k / 2)``
    with ``z ~ N(0, 1)`` (GBM: ``E[S_t] = C_t``, and ``C`` grows at the drift ``mu``). With
    ``price_center = "median"`` the ``-sigma^2 dt / 2`` term is dropped: the median of
    ``S_t`` is ``C_t`` and its mean ``C_t exp(sigma^2 t / 2)``.
    Block bootstrap: the increments are historical monthly log returns, demeaned, scaled to
    the requested volatility, resampled in blocks of ``b`` consecutive months, minus a
    correction computed on the blocks (``log`` of the mean over windows of ``exp`` of the
    cumulative block sum) so that ``E[S_t] = C_t`` exactly despite the autocorrelation
    inside blocks.
Network hashrate
    ``log H_t = log Hc_t + Y_t`` with
    ``Y_t = Y_{t-1} + beta * (D_{t-1} - D_{t-1-L}) / L + e_t`` where ``D`` is the deviation of
    log hashprice from the centre (``X - Y + log((s + f) / (s + fc))``) and
    ``e_t = sigma_h (rho z_t + sqrt(1 - rho^2) v_t)`` is correlated with the price shock.
    Together with the centre (built by the same recursion in ``history`` mode) this is the
    OLS model of :mod:`hashpivot.scenarios.calibration`. Difficulty follows the hashrate
    (``MarketPaths.difficulty``).
Subsidy
    Deterministic: block heights advance ``blocks_per_day`` per day; each month gets the
    mean subsidy of its blocks (a halving month blends both eras).
Fees per block
    ``f_t = fc_t exp(s w_t - s^2 / 2)``, iid lognormal with mean ``fc_t``.
Power price (index contracts)
    ``p_t = pc_t exp(U_t - v_t / 2) exp(J_t) / E[exp J]``, ``U`` an OU/AR(1) of the log
    price (``phi = exp(-kappa dt)``, stationary sd ``sigma / sqrt(2 kappa)``, ``U_{-1} = 0``,
    ``v_t = Var U_t``), ``J_t`` an exponential jump of mean ``j`` with probability ``p`` per
    month (drawn from one uniform ``u``: spike if ``u < p``, size ``-j log(u / p)``).

Reproducibility
---------------
Randomness comes only from the :class:`numpy.random.Generator` passed in. The draws are
made in a fixed order (price, hashrate, fees, power normal, power uniform), each shaped
``(n_periods, n_paths)``. :func:`chunk_seeds` spawns one child ``SeedSequence`` per chunk
of a fixed size, so chunk ``k`` always uses child ``k`` whatever runs it (see
:mod:`hashpivot.engines.simulate`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot.bitcoin import block_subsidy_btc_array, btc_per_th_day
from hashpivot.exceptions import InputError, Problem
from hashpivot.market import MarketPaths
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios.calibration import (
    DAYS_PER_YEAR,
    DEFAULT_POWER_FIT,
    MarketCalibration,
    PowerFit,
    hashprice_regressor,
)
from hashpivot.units import HALVING_INTERVAL_BLOCKS

FloatArray = npt.NDArray[np.float64]
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


@dataclass(frozen=True)
class ScenarioParams:
    """Fully resolved inputs of the path generator (every array has shape (n_periods,)).

    Attributes
    ----------
    periods : pandas.PeriodIndex
        Simulated periods (monthly or daily).
    dt_years : ndarray
        Length of each period. [year]
    price_center_usd : ndarray
        Mean BTC price path ``C_t``. [USD]
    price_volatility_per_year : ndarray
        ``sigma_t``. [1/sqrt(year)]
    price_model : str
        ``"gbm"`` or ``"bootstrap"``.
    price_center : str
        ``"mean"``: ``E[S_t] = C_t``; ``"median"``: the log price is symmetric around
        ``log C_t`` (no ``-sigma^2/2`` correction).
    bootstrap_pool : ndarray
        Demeaned historical monthly log returns (bootstrap only). [-]
    bootstrap_block_months : int
        Block length. [month]
    hashrate_center_th_s : ndarray
        Centre of the network hashrate. [TH/s]
    hashrate_elasticity : float
        ``beta``. [-]
    hashrate_lag_months : int
        ``L``. [month]
    hashrate_noise_per_step : ndarray
        ``sigma_h sqrt(dt in months)``. [-]
    price_hashrate_correlation : float
        ``rho``. [-]
    fees_center_btc_per_block : ndarray
        Mean fees per block. [BTC]
    fees_sigma : float
        Lognormal sigma of fees. [-]
    subsidy_btc_per_block : ndarray
        Mean block subsidy. [BTC]
    power_center_usd_per_mwh : ndarray or None
        Mean index power price; ``None``: power is not simulated. [USD/MWh]
    power_phi : ndarray
        AR(1) coefficient of the log power deviation per step. [-]
    power_innovation_sd : ndarray
        Innovation sd of the log power deviation per step. [-]
    power_spike_probability : ndarray
        Probability of a spike in each step. [-]
    power_spike_mean_log : float
        Mean exponential jump of the log price in a spike. [-]
    """

    periods: pd.PeriodIndex
    dt_years: FloatArray
    price_center_usd: FloatArray
    price_volatility_per_year: FloatArray
    price_model: str
    bootstrap_pool: FloatArray
    bootstrap_block_months: int
    hashrate_center_th_s: FloatArray
    hashrate_elasticity: float
    hashrate_lag_months: int
    hashrate_noise_per_step: FloatArray
    price_hashrate_correlation: float
    fees_center_btc_per_block: FloatArray
    fees_sigma: float
    subsidy_btc_per_block: FloatArray
    power_center_usd_per_mwh: FloatArray | None
    power_phi: FloatArray
    power_innovation_sd: FloatArray
    power_spike_probability: FloatArray
    power_spike_mean_log: float
    price_center: str = "mean"

    @property
    def n_periods(self) -> int:
        """Number of periods. [-]"""
        return len(self.periods)

    @property
    def is_daily(self) -> bool:
        """True for daily steps."""
        return not self.periods.freqstr.startswith("M")

    def zero_volatility(self) -> ScenarioParams:
        """A copy with every source of randomness switched off (paths = centre)."""
        from dataclasses import replace

        z = np.zeros_like(self.dt_years)
        return replace(
            self,
            price_model="gbm",
            price_volatility_per_year=z,
            hashrate_noise_per_step=z.copy(),
            fees_sigma=0.0,
            power_innovation_sd=z.copy(),
            power_spike_probability=z.copy(),
        )


# --------------------------------------------------------------------------------------
# deterministic pieces
# --------------------------------------------------------------------------------------
def _cumulative_subsidy_btc(height: FloatArray) -> FloatArray:
    """Total subsidy of the blocks below a (fractional) height. [BTC]"""
    eras = np.arange(34)
    sub = block_subsidy_btc_array(eras * HALVING_INTERVAL_BLOCKS)
    within = np.clip(height[..., None] - eras * HALVING_INTERVAL_BLOCKS, 0, HALVING_INTERVAL_BLOCKS)
    return np.asarray((within * sub).sum(axis=-1), dtype=np.float64)


def period_subsidy_btc(
    periods: pd.PeriodIndex,
    height: float,
    height_date: pd.Timestamp | str,
    blocks_per_day: float = 144.0,
) -> FloatArray:
    """Mean block subsidy of the blocks mined in each period. [BTC]

    Parameters
    ----------
    periods : pandas.PeriodIndex
        Periods (any frequency).
    height : float
        Block height reached at the start of ``height_date``. [blocks]
    height_date : timestamp-like
        Day of ``height``.
    blocks_per_day : float
        Blocks per day (144 at 600 s). [1/day]

    Returns
    -------
    ndarray
        ``(Q(h_end) - Q(h_start)) / (h_end - h_start)`` with ``Q`` the cumulative subsidy
        and heights extrapolated linearly in time: a period that contains a halving gets
        the blocks-weighted mean of both subsidies.
    """
    t0 = pd.Timestamp(height_date).normalize()
    start_days = (periods.start_time.normalize() - t0).days.to_numpy(np.float64)
    end_days = ((periods.end_time.normalize() + pd.Timedelta(days=1)) - t0).days.to_numpy(
        np.float64
    )
    hs = np.maximum(height + blocks_per_day * start_days, 0.0)
    he = np.maximum(height + blocks_per_day * end_days, hs + 1e-9)
    return (_cumulative_subsidy_btc(he) - _cumulative_subsidy_btc(hs)) / (he - hs)


def _dt_years(periods: pd.PeriodIndex) -> FloatArray:
    if periods.freqstr.startswith("M"):
        return np.asarray(periods.days_in_month, dtype=np.float64) / DAYS_PER_YEAR
    return np.full(len(periods), 1.0 / DAYS_PER_YEAR)


def _per_year(
    periods: pd.PeriodIndex, base: float, overrides: dict[int, float]
) -> FloatArray:
    years = np.asarray(periods.year)
    out = np.full(len(periods), float(base))
    for y, v in overrides.items():
        out[years == int(y)] = float(v)
    return out


# --------------------------------------------------------------------------------------
# parameter resolution
# --------------------------------------------------------------------------------------
def build_scenario_params(
    spec: ScenarioSpec,
    periods: pd.PeriodIndex | None = None,
    calibration: MarketCalibration | None = None,
    *,
    center: MarketPaths | None = None,
    power_fit: PowerFit | None = None,
    power_mean_usd_per_mwh: float | None = None,
    simulate_power: bool = True,
    source: str = "",
) -> ScenarioParams:
    """Resolve a :class:`ScenarioSpec` into numbers for :func:`generate_market_paths`.

    Parameters
    ----------
    spec : ScenarioSpec
        User settings; every ``None`` takes the calibrated value.
    periods : pandas.PeriodIndex, optional
        Periods to simulate; default: ``center.periods`` (anchor ``deterministic``).
        Daily periods are allowed in ``history`` mode.
    calibration : MarketCalibration, optional
        Estimates from history; needed for any parameter the spec leaves ``None`` and for
        the centre in ``history`` mode.
    center : MarketPaths, optional
        The deterministic market (``n_paths = 1``) in ``deterministic`` mode.
    power_fit : PowerFit, optional
        Calibrated power model; default :data:`DEFAULT_POWER_FIT` for unset parameters.
    power_mean_usd_per_mwh : float, optional
        Mean index price when neither the spec nor the centre gives one (the contract's
        expected index price). [USD/MWh]
    simulate_power : bool
        False: no power path (no index-priced contract).
    source : str
        File name for error messages.

    Returns
    -------
    ScenarioParams

    Raises
    ------
    InputError
        Every missing or inconsistent input, with its ``scenario.*`` field path.
    """
    problems: list[Problem] = []

    def need(value: float | None, field: str, calibrated: float | None) -> float:
        if value is not None:
            return float(value)
        if calibrated is not None:
            return float(calibrated)
        problems.append(
            Problem(f"scenario.{field}", "not set and no history to calibrate it on", source)
        )
        return 0.0

    cal = calibration
    anchored = spec.anchor == "deterministic"
    if anchored and center is None:
        raise InputError(
            Problem(
                "scenario.anchor",
                "'deterministic' needs the pivot model's deterministic market; "
                "use anchor = 'history'",
                source,
            )
        )
    if periods is None:
        if center is not None:
            periods = center.periods
        elif cal is not None:
            raise InputError(Problem("scenario", "no periods given to simulate", source))
        else:
            raise InputError(Problem("scenario", "no periods and no centre given", source))
    if spec.start is not None and pd.Period(spec.start, "M") != pd.Period(periods[0], "M"):
        problems.append(
            Problem(
                "scenario.start",
                f"{spec.start} differs from the first simulated period {periods[0]}",
                source,
            )
        )
    if anchored and center is not None:
        if center.n_paths != 1:
            raise ValueError("the centre must be a single path (n_paths = 1)")
        if not periods.equals(center.periods):
            problems.append(
                Problem("scenario.step", "anchored paths must use the centre's periods", source)
            )
    is_daily = not periods.freqstr.startswith("M")
    if is_daily and spec.price_model == "bootstrap":
        problems.append(
            Problem("scenario.price_model", "the block bootstrap needs monthly steps", source)
        )
    if is_daily and anchored:
        problems.append(
            Problem("scenario.step", "daily steps need anchor = 'history'", source)
        )
    T = len(periods)
    dt = _dt_years(periods)
    months_per_step = dt * 12.0

    g = cal.gbm if cal is not None else None
    hr = cal.hashrate if cal is not None else None
    if hr is not None and hr.lag_months != spec.hashrate_lag_months:
        problems.append(
            Problem(
                "scenario.hashrate_lag_months",
                f"calibration used L = {hr.lag_months}, spec asks {spec.hashrate_lag_months}",
                source,
            )
        )

    vol = need(spec.btc_volatility_per_year, "btc_volatility_per_year",
               g.volatility_per_year if g else None)
    sigma_t = _per_year(periods, vol, spec.btc_volatility_by_year)
    beta = need(spec.hashrate_elasticity, "hashrate_elasticity", hr.elasticity if hr else None)
    rho = need(spec.price_hashrate_correlation, "price_hashrate_correlation",
               hr.price_correlation if hr else None)
    h_vol_month = (
        spec.hashrate_volatility_per_year / math.sqrt(12)
        if spec.hashrate_volatility_per_year is not None
        else need(None, "hashrate_volatility_per_year", hr.noise_per_month if hr else None)
    )
    fee_sigma = need(spec.fees_lognormal_sigma, "fees_lognormal_sigma",
                     cal.fees_sigma if cal else None)
    pool = np.zeros(0)
    if spec.price_model == "bootstrap":
        if cal is None or cal.monthly_log_returns.size < 2 * spec.bootstrap_block_months:
            problems.append(
                Problem("scenario.price_model", "bootstrap needs the monthly history", source)
            )
        else:
            r = cal.monthly_log_returns
            pool = r - r.mean()
            if spec.bootstrap_block_months > pool.size:
                problems.append(
                    Problem("scenario.bootstrap_block_months", "longer than the history", source)
                )

    # ---- centre paths ------------------------------------------------------------------
    price_c = np.ones(T)
    hash_c = np.ones(T)
    fees_c = np.ones(T)
    subsidy = np.ones(T)
    power_c: FloatArray | None = None
    if anchored and center is not None:
        price_det = center.btc_price_usd[0].astype(np.float64)
        if spec.btc_drift_per_year is not None or spec.btc_drift_by_year:
            det_growth = np.zeros(T)
            det_growth[1:] = np.diff(np.log(price_det)) / dt[1:]
            base = det_growth if spec.btc_drift_per_year is None else np.full(
                T, spec.btc_drift_per_year
            )
            mu = base.copy()
            years = np.asarray(periods.year)
            for y, v in spec.btc_drift_by_year.items():
                mu[years == int(y)] = v
            steps = np.zeros(T)
            steps[1:] = mu[1:] * dt[1:]
            p0 = spec.btc_price_usd if spec.btc_price_usd is not None else price_det[0]
            price_c = p0 * np.exp(np.cumsum(steps))
        else:
            price_c = price_det.copy()
            if spec.btc_price_usd is not None:
                price_c *= spec.btc_price_usd / price_det[0]
        hash_c = center.network_hashrate_th_s[0].astype(np.float64).copy()
        if spec.hashrate_trend_per_year is not None:
            h0 = spec.network_hashrate_th_s or hash_c[0]
            t_years = np.concatenate([[0.0], np.cumsum(dt[1:])])
            hash_c = h0 * np.exp(spec.hashrate_trend_per_year * t_years)
        elif spec.network_hashrate_th_s is not None:
            hash_c *= spec.network_hashrate_th_s / hash_c[0]
        fees_c = center.fees_btc_per_block[0].astype(np.float64).copy()
        if spec.fees_btc_per_block is not None:
            fees_c = np.full(T, spec.fees_btc_per_block)
        subsidy = center.subsidy_btc_per_block[0].astype(np.float64).copy()
        if center.power_price_usd_per_mwh is not None:
            power_c = center.power_price_usd_per_mwh[0].astype(np.float64).copy()
    elif cal is None:
        problems.append(
            Problem("scenario.anchor", "'history' needs the bundled BTC history", source)
        )
    else:
        price_c, hash_c, fees_c, subsidy = _history_centre(
            spec, periods, cal, dt, problems, source
        )
    if problems:
        raise InputError(problems)

    # ---- power ---------------------------------------------------------------------------
    fit = power_fit if power_fit is not None else DEFAULT_POWER_FIT
    if simulate_power and power_c is None:
        mean = spec.power_mean_usd_per_mwh
        if mean is None:
            mean = power_mean_usd_per_mwh
        if mean is None and math.isfinite(fit.mean_usd_per_mwh):
            mean = fit.mean_usd_per_mwh
        if mean is not None:
            factors = np.asarray(
                spec.power_seasonal_factors
                if spec.power_seasonal_factors is not None
                else fit.seasonal_factors,
                dtype=np.float64,
            )
            factors = factors / factors.mean()
            power_c = mean * factors[np.asarray(periods.month) - 1]
    if not simulate_power:
        power_c = None
    kappa = (
        spec.power_mean_reversion_per_year
        if spec.power_mean_reversion_per_year is not None
        else fit.mean_reversion_per_year
    )
    p_vol = (
        spec.power_volatility_per_year
        if spec.power_volatility_per_year is not None
        else fit.volatility_per_year
    )
    p_spike_m = (
        spec.power_spike_probability_per_month
        if spec.power_spike_probability_per_month is not None
        else fit.spike_probability_per_month
    )
    j = spec.power_spike_mean_log if spec.power_spike_mean_log is not None else fit.spike_mean_log
    phi = np.exp(-kappa * dt)
    # exact discretization of the OU; a random walk when kappa = 0
    innov = p_vol * np.sqrt((1 - phi**2) / (2 * kappa)) if kappa > 0 else p_vol * np.sqrt(dt)
    p_spike = 1 - (1 - p_spike_m) ** months_per_step

    return ScenarioParams(
        periods=periods,
        dt_years=dt,
        price_center_usd=np.asarray(price_c, dtype=np.float64),
        price_volatility_per_year=sigma_t,
        price_model=spec.price_model,
        bootstrap_pool=pool,
        bootstrap_block_months=spec.bootstrap_block_months,
        hashrate_center_th_s=np.asarray(hash_c, dtype=np.float64),
        hashrate_elasticity=beta,
        hashrate_lag_months=spec.hashrate_lag_months,
        hashrate_noise_per_step=h_vol_month * np.sqrt(months_per_step),
        price_hashrate_correlation=rho,
        fees_center_btc_per_block=np.asarray(fees_c, dtype=np.float64),
        fees_sigma=fee_sigma,
        subsidy_btc_per_block=np.asarray(subsidy, dtype=np.float64),
        power_center_usd_per_mwh=power_c,
        power_phi=phi,
        power_innovation_sd=innov,
        power_spike_probability=p_spike,
        power_spike_mean_log=float(j),
        price_center=spec.price_center,
    )


def _history_centre(
    spec: ScenarioSpec,
    periods: pd.PeriodIndex,
    cal: MarketCalibration,
    dt: FloatArray,
    problems: list[Problem],
    source: str,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Centre paths built from the calibration (``anchor = 'history'``).

    Runs monthly from the month after the calibration's last month to the end of
    ``periods``: the price centre grows at the drift, the hashrate centre follows the
    calibrated response to the centre's hashprice (seeded with the last ``L + 1`` months of
    history), fees stay at their level, the subsidy follows the block height. Daily periods
    take the value of their month.
    """
    first_month = pd.Period(periods[0], "M")
    last_month = pd.Period(periods[-1], "M")
    if first_month <= cal.last_month:
        problems.append(
            Problem(
                "scenario.start",
                f"history mode starts after the calibration window (after {cal.last_month})",
                source,
            )
        )
        T = len(periods)
        return np.ones(T), np.ones(T), np.ones(T), np.ones(T)
    months = pd.period_range(cal.last_month + 1, last_month, freq="M")
    M = len(months)
    dtm = np.asarray(months.days_in_month, dtype=np.float64) / DAYS_PER_YEAR
    mu = _per_year(
        months,
        spec.btc_drift_per_year if spec.btc_drift_per_year is not None else cal.gbm.drift_per_year,
        spec.btc_drift_by_year,
    )
    log_growth = mu
    if spec.price_center == "median":
        # mu is the GBM drift of dS/S, so the median grows at mu - sigma^2 / 2 (Ito)
        sigma = _per_year(
            months,
            spec.btc_volatility_per_year
            if spec.btc_volatility_per_year is not None
            else cal.gbm.volatility_per_year,
            spec.btc_volatility_by_year,
        )
        log_growth = mu - 0.5 * sigma**2
    price = cal.last_price_usd * np.exp(np.cumsum(log_growth * dtm))
    gap = (first_month - (cal.last_month + 1)).n
    if spec.btc_price_usd is not None:
        price *= spec.btc_price_usd / price[gap]
    fees_level = (
        spec.fees_btc_per_block if spec.fees_btc_per_block is not None else cal.fees_btc_per_block
    )
    fees = np.full(M, fees_level)
    if spec.block_height is not None:
        h0, d0 = float(spec.block_height), first_month.start_time
    elif cal.last_height is not None and cal.last_height_date is not None:
        h0 = float(cal.last_height)
        d0 = pd.Timestamp(cal.last_height_date) + pd.Timedelta(days=1)
    else:
        problems.append(
            Problem("scenario.block_height", "not set and not in the history", source)
        )
        h0, d0 = 0.0, first_month.start_time
    subsidy_m = period_subsidy_btc(months, h0, d0, spec.blocks_per_day)
    L = spec.hashrate_lag_months
    a = (
        spec.hashrate_trend_per_year / 12
        if spec.hashrate_trend_per_year is not None
        else cal.hashrate.trend_per_month
    )
    beta = (
        spec.hashrate_elasticity
        if spec.hashrate_elasticity is not None
        else cal.hashrate.elasticity
    )
    lhp = list(cal.recent_log_hashprice[-(L + 1) :])
    lh = math.log(cal.last_hashrate_th_s)
    log_hash = np.empty(M)
    for i in range(M):
        x = float(hashprice_regressor(np.asarray([*lhp[-(L + 1) :], 0.0]), L)[-1])
        lh = lh + a + beta * x
        log_hash[i] = lh
        lhp.append(math.log(price[i]) - lh + math.log(subsidy_m[i] + fees[i]))
    hashrate = np.exp(log_hash)
    if spec.network_hashrate_th_s is not None:
        hashrate *= spec.network_hashrate_th_s / hashrate[gap]
    # map to the requested periods
    pos = (pd.PeriodIndex(periods.asfreq("M"), freq="M") - months[0]).map(lambda o: o.n)
    idx = np.asarray(pos, dtype=np.int64)
    if periods.freqstr.startswith("M"):
        subsidy = subsidy_m[idx]
    else:
        subsidy = period_subsidy_btc(periods, h0, d0, spec.blocks_per_day)
        # daily price centre: interpolate the monthly growth inside each month
        day_frac = (np.asarray(periods.day, dtype=np.float64) - 0.5) / np.asarray(
            periods.days_in_month, dtype=np.float64
        )
        prev = np.concatenate([[cal.last_price_usd], price])[idx]
        price_d = prev * (price[idx] / prev) ** day_frac
        return price_d, hashrate[idx], fees[idx], subsidy
    return price[idx], hashrate[idx], fees[idx], subsidy


# --------------------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------------------
class SimulatedMarketPaths(MarketPaths):
    """:class:`MarketPaths` whose derived arrays are computed once and cached.

    Every strategy of a chunk reads the same hash value; caching it saves a few passes over
    ``n_paths x n_periods`` per strategy. The cached arrays are read-only.
    """

    @functools.cached_property
    def difficulty(self) -> FloatArray:
        """Difficulty implied by the network hashrate at 600 s blocks. [-]"""
        out = np.asarray(MarketPaths.difficulty.fget(self))  # type: ignore[attr-defined]
        out.setflags(write=False)
        return out

    @functools.cached_property
    def hashvalue_btc_per_th_day(self) -> FloatArray:
        """Expected BTC per TH/s per day. [BTC/(TH/s)/day]"""
        out = np.asarray(
            btc_per_th_day(self.difficulty, self.subsidy_btc_per_block + self.fees_btc_per_block)
        )
        out.setflags(write=False)
        return out


def generate_market_paths(
    params: ScenarioParams, n_paths: int, rng: np.random.Generator
) -> MarketPaths:
    """Draw ``n_paths`` market paths.

    Parameters
    ----------
    params : ScenarioParams
        Resolved model (:func:`build_scenario_params`).
    n_paths : int
        Number of paths. [-]
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    SimulatedMarketPaths
        A :class:`MarketPaths` with arrays of shape ``(n_paths, n_periods)`` (C order; the
        subsidy is a read-only broadcast view) and cached derived arrays.
    """
    T, n = params.n_periods, int(n_paths)
    dt = params.dt_years[:, None]
    sigma = params.price_volatility_per_year[:, None]

    # 1. price increments (T, n) and the standardized price shock z
    if params.price_model == "bootstrap":
        b = params.bootstrap_block_months
        pool = params.bootstrap_pool
        n_blocks = -(-T // b)
        starts = rng.integers(0, pool.size - b + 1, size=(n_blocks, n))
        idx = (starts[:, None, :] + np.arange(b)[None, :, None]).reshape(n_blocks * b, n)[:T]
        pool_sd = float(np.std(pool, ddof=1)) if pool.size > 1 else 0.0
        scale = (
            params.price_volatility_per_year * np.sqrt(params.dt_years) / pool_sd
            if pool_sd > 0
            else np.zeros(T)
        )
        # Mean-centred: E[exp(X_t)] = 1 exactly. Returns inside a block are autocorrelated
        # (that is what blocks keep), so the correction is taken on the windows themselves:
        # for each block, log E_w[exp(cumulative scaled window sum)] over the possible
        # windows w, differenced within the block (blocks are independent draws).
        corr = np.zeros(T)
        if params.price_center == "mean":
            n_win = pool.size - b + 1
            windows = pool[np.arange(n_win)[:, None] + np.arange(b)[None, :]]  # (W, b)
            for k in range(n_blocks):
                t0, t1 = k * b, min(k * b + b, T)
                cum = np.cumsum(scale[None, t0:t1] * windows[:, : t1 - t0], axis=1)
                log_m = np.log(np.mean(np.exp(cum), axis=0))
                corr[t0:t1] = np.diff(log_m, prepend=0.0)
        inc = scale[:, None] * pool[idx] - corr[:, None]
        z = pool[idx] / pool_sd if pool_sd > 0 else np.zeros((T, n))
    else:
        z = rng.standard_normal((T, n))
        inc = sigma * np.sqrt(dt) * z
        if params.price_center == "mean":
            inc -= 0.5 * sigma**2 * dt
    X = inc  # cumulative sum in place, row by row (faster than cumsum(axis=0))
    for t in range(1, T):
        X[t] += X[t - 1]

    # 2. hashrate shocks
    v = rng.standard_normal((T, n))
    rho = params.price_hashrate_correlation
    e = params.hashrate_noise_per_step[:, None] * (rho * z + math.sqrt(max(1 - rho**2, 0.0)) * v)
    del v

    # 3. fees
    w = rng.standard_normal((T, n))
    s = params.fees_sigma
    fees = params.fees_center_btc_per_block[:, None] * np.exp(s * w - 0.5 * s * s)
    del w
    sub = params.subsidy_btc_per_block[:, None]
    L = params.hashrate_lag_months
    beta = params.hashrate_elasticity
    # deviation of log(subsidy + fees) from the centre: only the hashprice response uses it
    R = (
        np.log((sub + fees) / (sub + params.fees_center_btc_per_block[:, None]))
        if beta != 0.0
        else None
    )

    # 4. hashrate recursion on the deviation Y (lagged hashprice response)
    if params.is_daily:
        lag_steps = max(1, round(L * DAYS_PER_MONTH))
        step_months = 1.0 / DAYS_PER_MONTH
    else:
        lag_steps, step_months = L, 1.0
    coef = beta * step_months / L
    zero = np.zeros(n)
    if R is None:
        Y = e  # no response: Y is the cumulative noise
        for t in range(1, T):
            Y[t] += Y[t - 1]
    else:
        Y = np.empty((T, n))
        D = np.empty((T, n))
        prev = zero
        for t in range(T):
            if t >= 1:
                d_lag = D[t - 1 - lag_steps] if t - 1 - lag_steps >= 0 else zero
                cur = prev + coef * (D[t - 1] - d_lag) + e[t]
            else:
                cur = prev + e[t]
            Y[t] = cur
            np.subtract(X[t], cur, out=D[t])
            D[t] += R[t]
            prev = cur
        del D, R
    del e
    hashrate = params.hashrate_center_th_s[:, None] * np.exp(Y)
    del Y
    price = params.price_center_usd[:, None] * np.exp(X)
    del X

    # 5. power
    power = None
    if params.power_center_usd_per_mwh is not None:
        zp = rng.standard_normal((T, n))
        u = rng.random((T, n))
        phi, sd = params.power_phi, params.power_innovation_sd
        U = np.empty((T, n))
        var = np.empty(T)
        prev_u, prev_v = zero, 0.0
        for t in range(T):
            U[t] = phi[t] * prev_u + sd[t] * zp[t]
            var[t] = phi[t] ** 2 * prev_v + sd[t] ** 2
            prev_u, prev_v = U[t], var[t]
        p = params.power_spike_probability[:, None]
        j = params.power_spike_mean_log
        spike = u < p
        rows, cols = np.nonzero(spike)
        pr = params.power_spike_probability[rows]
        # given u < p, u / p is uniform on (0, 1): -j log(u / p) is an exponential jump
        U[rows, cols] += -j * np.log(np.maximum(u[rows, cols], 1e-300) / pr)
        mean_jump = 1 - p + p / (1 - j)
        U -= 0.5 * var[:, None]
        power = params.power_center_usd_per_mwh[:, None] * np.exp(U) / mean_jump
        del zp, u, U, spike

    return SimulatedMarketPaths(
        periods=params.periods,
        btc_price_usd=np.ascontiguousarray(price.T),
        network_hashrate_th_s=np.ascontiguousarray(hashrate.T),
        fees_btc_per_block=np.ascontiguousarray(fees.T),
        # a read-only broadcast view: the subsidy is the same on every path
        subsidy_btc_per_block=np.broadcast_to(params.subsidy_btc_per_block, (n, T)),
        power_price_usd_per_mwh=None if power is None else np.ascontiguousarray(power.T),
    )


def chunk_seeds(
    seed: int | np.random.SeedSequence, n_paths: int, chunk_paths: int
) -> list[tuple[int, int, np.random.SeedSequence]]:
    """Split ``n_paths`` into fixed-size chunks, each with its own child seed.

    Parameters
    ----------
    seed : int or SeedSequence
        Root seed of the run.
    n_paths : int
        Total number of paths. [-]
    chunk_paths : int
        Paths per chunk (the last chunk may be smaller). [-]

    Returns
    -------
    list of (k, size, SeedSequence)
        Chunk ``k`` always gets child ``k`` of the root ``SeedSequence``: the same seed and
        chunk size give the same paths whichever process generates which chunk.
    """
    if n_paths < 1 or chunk_paths < 1:
        raise ValueError("n_paths and chunk_paths must be >= 1")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n_chunks = -(-n_paths // chunk_paths)
    # Built from (entropy, spawn_key + (k,)) rather than root.spawn(): identical to the
    # spawned children of a fresh root, and stateless (calling twice gives the same seeds).
    return [
        (
            k,
            min(chunk_paths, n_paths - k * chunk_paths),
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k)),
        )
        for k in range(n_chunks)
    ]


def generate_chunk(
    params: ScenarioParams, seed_seq: np.random.SeedSequence, size: int
) -> MarketPaths:
    """Generate one chunk from its child seed (``numpy.random.default_rng(seed_seq)``)."""
    return generate_market_paths(params, size, np.random.default_rng(seed_seq))
