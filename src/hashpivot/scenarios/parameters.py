"""Resolved inputs of the path generator: :class:`ScenarioParams` and
:func:`build_scenario_params`, which turns a user's :class:`ScenarioSpec` (plus the
calibration and the deterministic market) into arrays per period. No randomness here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.exceptions import InputError, Problem
from hashpivot.market import MarketPaths
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios.calibration import (
    DAYS_PER_YEAR,
    MarketCalibration,
    PowerFit,
)
from hashpivot.scenarios.centering import anchored_center, history_center, per_year
from hashpivot.scenarios.margin import MarginResponse, respond_to_margin
from hashpivot.scenarios.power_parameters import (
    IndexMarket,
    PowerMarketParams,
    market_params,
    power_process,
)


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
        Center of the network hashrate. [TH/s]
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
    subsidy_year_later_btc_per_block : ndarray or None
        The subsidy of each period one year later (the terminal value's year after the
        horizon); None: not known. [BTC]
    power_center_usd_per_mwh : ndarray or None
        Mean index power price; ``None``: power is not simulated. [USD/MWh]
    power_reference_usd_per_mwh : float or None
        The expected index price the power paths are centred on when it is the first
        index contract's (``[scenario] power_mean_usd_per_mwh`` not given): each index
        site's paths are scaled by its own contract price over it
        (:attr:`hashpivot.market.MarketPaths.power_reference_usd_per_mwh`); None: every
        index site takes the paths as drawn. [USD/MWh]
    power_phi : ndarray
        AR(1) coefficient of the log power deviation per step. [-]
    power_innovation_sd : ndarray
        Innovation sd of the log power deviation per step. [-]
    power_spike_probability : ndarray
        Probability of a spike in each step. [-]
    power_spike_mean_log : float
        Mean exponential jump of the log price in a spike. [-]
    price_center : str
        ``"mean"`` or ``"median"`` (see :mod:`hashpivot.scenarios.centering`).
    margin_elasticity_per_month : float
        ``k`` of the margin response; 0 = exogenous hashrate
        (:mod:`hashpivot.scenarios.margin`). [1/month]
    margin_lag_months : int
        ``L`` of the margin response. [month]
    log_margin_center : ndarray or None
        Log margin of the marginal fleet on the center path; None without the response. [-]
    margin_cost_usd_per_ph_day : ndarray or None
        Power cost of the marginal fleet; None without the response. [USD/PH/day]
    power_node : str or None
        The first index site's market node (``iso:point``), whose process the ``power_*``
        arrays above are; None: not known (no market given).
    power_markets : tuple of PowerMarketParams
        The process of each other market node of the run's index sites, in the order
        they are drawn (:func:`hashpivot.scenarios.processes.power_prices`); empty: one
        process for every index site.
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
    subsidy_year_later_btc_per_block: FloatArray | None = None
    margin_elasticity_per_month: float = 0.0
    margin_lag_months: int = 1
    log_margin_center: FloatArray | None = None
    margin_cost_usd_per_ph_day: FloatArray | None = None
    power_reference_usd_per_mwh: float | None = None
    power_node: str | None = None
    power_markets: tuple[PowerMarketParams, ...] = ()

    @property
    def n_periods(self) -> int:
        """Number of periods. [-]"""
        return len(self.periods)

    @property
    def is_daily(self) -> bool:
        """True for daily steps."""
        return not self.periods.freqstr.startswith("M")

    def zero_volatility(self) -> ScenarioParams:
        """A copy with every source of randomness switched off (paths = center)."""
        z = np.zeros_like(self.dt_years)
        return replace(
            self,
            price_model="gbm",
            price_volatility_per_year=z,
            hashrate_noise_per_step=z.copy(),
            fees_sigma=0.0,
            power_innovation_sd=z.copy(),
            power_spike_probability=z.copy(),
            power_markets=tuple(replace(m, innovation_sd=z.copy(), spike_probability=z.copy())
                                for m in self.power_markets),
        )



def _dt_years(periods: pd.PeriodIndex) -> FloatArray:
    if periods.freqstr.startswith("M"):
        return np.asarray(periods.days_in_month, dtype=np.float64) / DAYS_PER_YEAR
    return np.full(len(periods), 1.0 / DAYS_PER_YEAR)




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
    power_node: str | None = None,
    other_markets: Sequence[IndexMarket] = (),
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
        the center in ``history`` mode.
    center : MarketPaths, optional
        The deterministic market (``n_paths = 1``) in ``deterministic`` mode.
    power_fit : PowerFit, optional
        Calibrated power model; default :data:`DEFAULT_POWER_FIT` for unset parameters.
    power_mean_usd_per_mwh : float, optional
        Mean index price when neither the spec nor the center gives one (the contract's
        expected index price). [USD/MWh]
    simulate_power : bool
        False: no power path (no index-priced contract).
    source : str
        File name for error messages.
    power_node : str, optional
        The first index site's market node (``iso:point``), whose process ``power_fit``
        and ``power_mean_usd_per_mwh`` are.
    other_markets : sequence of IndexMarket
        Each other market node of the run's index sites, with its own process (the
        ``[scenario] power_*`` parameters the file gives are every market's).

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
            raise InputError(Problem("scenario", "no periods and no center given", source))
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
            raise ValueError("the center must be a single path (n_paths = 1)")
        if not periods.equals(center.periods):
            problems.append(
                Problem("scenario.step", "anchored paths must use the center's periods", source)
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
    sigma_t = per_year(periods, vol, spec.btc_volatility_by_year)
    # with the margin response, the joint fit leaves the hashprice-change response at
    # 0.025 (s.e. 0.056): an unset elasticity is 0 rather than the change-only OLS
    margin_on = spec.hashrate_response == "margin"
    beta = need(
        spec.hashrate_elasticity, "hashrate_elasticity",
        0.0 if margin_on else (hr.elasticity if hr else None),
    )
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

    # ---- center paths ------------------------------------------------------------------
    price_c = np.ones(T)
    hash_c = np.ones(T)
    fees_c = np.ones(T)
    subsidy = np.ones(T)
    later: FloatArray | None = None
    power_c: FloatArray | None = None
    responded = False  # whether the hashrate center already follows the margin response
    if anchored and center is not None:
        price_c, hash_c, fees_c, subsidy, power_c = anchored_center(
            spec, center, periods, dt, sigma_t
        )
        later = center.subsidy_year_later_btc_per_block
        responded = "log_margin" in center.extra and spec.hashrate_trend_per_year is None
    elif cal is None:
        problems.append(
            Problem("scenario.anchor", "'history' needs the bundled BTC history", source)
        )
    else:
        price_c, hash_c, fees_c, subsidy, later = history_center(
            spec, periods, cal, dt, problems, source
        )
    if problems:
        raise InputError(problems)
    response = MarginResponse.from_spec(spec)
    log_margin_c: FloatArray | None = None
    if response is not None:
        hash_c, log_margin_c = respond_to_margin(
            periods, price_c, hash_c, fees_c, subsidy, response, already=responded
        )

    # ---- power ---------------------------------------------------------------------------
    first = power_process(spec, power_fit, power_mean_usd_per_mwh, periods, dt,
                           power_c if simulate_power else None, simulate_power)
    markets = tuple(
        market_params(m, power_process(
            spec, m.fit, m.mean_usd_per_mwh, periods, dt,
            center.power_by_market.get(m.node) if anchored and center is not None else None,
            simulate_power))
        for m in (other_markets if simulate_power else ()))
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
        subsidy_year_later_btc_per_block=later,
        power_center_usd_per_mwh=first.center_usd_per_mwh,
        power_phi=first.phi,
        power_innovation_sd=first.innovation_sd,
        power_spike_probability=first.spike_probability,
        power_spike_mean_log=first.spike_mean_log,
        price_center=spec.price_center,
        margin_elasticity_per_month=0.0 if response is None else response.elasticity_per_month,
        margin_lag_months=spec.hashrate_margin_lag_months,
        log_margin_center=log_margin_c,
        margin_cost_usd_per_ph_day=(
            None if response is None else response.cost_usd_per_ph_day(periods)
        ),
        power_reference_usd_per_mwh=first.reference_usd_per_mwh,
        power_node=power_node if simulate_power else None,
        power_markets=markets,
    )
