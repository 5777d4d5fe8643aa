"""Network hashrate that responds to miners' margins (``[scenario] hashrate_response``).

With ``hashrate_response = "margin"`` the network hashrate of the deterministic market
(:mod:`hashpivot.engines.pivot.market`) and of every Monte Carlo path
(:mod:`hashpivot.scenarios.processes`) grows at its exogenous rate while the marginal
fleet earns more than its power cost, and more slowly (or shrinks) while it does not.

Model
-----
Marginal fleet cost
    ``eff_t = eff_ref (1 - g)^(years since 2025-01-01)`` [J/TH] and
    ``cost_t = 0.024 eff_t p`` [USD/PH/day] (1 PH/s at ``eff`` J/TH draws ``1000 eff`` W,
    ``0.024 eff`` MWh a day) at the network power price ``p`` [USD/MWh].
Log margin
    ``m_t = log(hashprice_t / cost_t)`` with the network hashprice of
    :func:`hashpivot.mining.hashprice.hashprice_usd_per_ph_day`.
Response
    ``log H_t = log H_{t-1} + (log Hx_t - log Hx_{t-1}) + k dt_t min(m_s, 0)`` for
    ``t >= 1``, ``s = max(t - L, 0)``, ``dt_t`` the step in months, ``Hx`` the exogenous
    path. ``k = 0`` gives the exogenous path exactly; below cost (``m < 0``) growth is
    lower by ``k |m|`` per month, which turns it negative when ``k |m|`` exceeds the
    exogenous growth.

Calibration (:func:`fit_margin_response`)
    OLS on the bundled daily chain data (monthly means): ``dlogH_t = a + k m_{t-L} + e_t``
    on 2016-02..2025-09 (116 months, with the defaults below) gives ``k = 0.0593`` per month
    (OLS s.e. 0.0117, Newey-West s.e. 0.0182; intercept 0.0141 per month); see
    ``docs/methodology.md`` for what it assumes.
    Margins were below cost in only a few months of that window, so the slope is
    identified by the whole range of margins; the model applies it below cost only, where
    the user's exogenous growth is otherwise kept.

Defaults and sources (``docs/methodology.md``)
    * ``eff_ref = 30 J/TH``: the S19 class (29.5-34.5 J/TH, bundled ASIC catalog), the
      older generations still running (sold for 4-8 USD/TH in 2025), less
      efficient than the listed operators' 2025 fleets (15-21 J/TH).
    * ``g = 0.20 /year``: the efficiency frontier of the bundled catalog improved about
      20-25 %/year (S9 98 J/TH, 2017 -> S19 XP 21.5, 2022 -> S21 XP 13.5, 2024).
    * ``p = 50 USD/MWh``: between the listed operators' 37-40 USD/MWh (Riot 3.7, IREN 3.8,
      MARA 4.0 c/kWh) and TeraWulf's 81 (the operators' 2025 reports).
    Check: at the all-time-low hashprice of about 35 USD/PH/day (2025-11-22)
    ``cost = 0.024 * 30 * 0.8^0.89 * 50 = 29.5`` USD/PH/day: the marginal fleet was close
    to break-even, as a marginal fleet should be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.bitcoin import difficulty_from_hashrate
from hashpivot.exceptions import DataError
from hashpivot.mining.hashprice import hashprice_usd_per_ph_day

if TYPE_CHECKING:
    from hashpivot.models.risk import ScenarioSpec


#: Day the reference efficiency applies to.
EFFICIENCY_REFERENCE_DATE = pd.Timestamp("2025-01-01")
#: Marginal fleet efficiency at the reference date (S19 class). [J/TH]
MARGINAL_FLEET_EFFICIENCY_J_PER_TH = 30.0
#: Yearly fall of the marginal fleet's J/TH (catalog frontier, 2017-2024). [1/year]
MARGINAL_FLEET_EFFICIENCY_GAIN_PER_YEAR = 0.20
#: Power price the marginal fleet pays (listed operators' 2025 figures). [USD/MWh]
NETWORK_POWER_PRICE_USD_PER_MWH = 50.0
#: Lag of the margin the growth responds to. [month]
MARGIN_LAG_MONTHS = 1
#: Calibrated response of monthly log-hashrate growth to the log margin
#: (:func:`fit_margin_response` on the bundled history 2016-01-01..2025-09-26 with the
#: defaults above; ``tests/scenarios/test_margin.py`` checks it is reproduced). [1/month]
HASHRATE_MARGIN_ELASTICITY_PER_MONTH = 0.0593
#: OLS standard error of that coefficient (Newey-West, 6 lags: 0.0182). [1/month]
HASHRATE_MARGIN_ELASTICITY_SE_PER_MONTH = 0.0117
#: A spell below cost longer than this triggers the warning. [month]
LOSS_SPELL_MONTHS = 12
#: MWh drawn in a day by 1 PH/s at 1 J/TH (1000 W x 24 h). [MWh/(PH/s)/day per J/TH]
MWH_PER_PH_DAY_PER_J_PER_TH = 0.024
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class MarginResponse:
    """Resolved settings of the margin response (see the module docstring).

    Attributes
    ----------
    elasticity_per_month : float
        ``k``: monthly log-hashrate growth lost per unit of negative log margin. [1/month]
    lag_months : int
        ``L``. [month]
    efficiency_j_per_th : float
        Marginal fleet efficiency at 2025-01-01. [J/TH]
    efficiency_gain_per_year : float
        Yearly fall of that efficiency. [1/year]
    power_price_usd_per_mwh : float
        Network power price. [USD/MWh]
    """

    elasticity_per_month: float = HASHRATE_MARGIN_ELASTICITY_PER_MONTH
    lag_months: int = MARGIN_LAG_MONTHS
    efficiency_j_per_th: float = MARGINAL_FLEET_EFFICIENCY_J_PER_TH
    efficiency_gain_per_year: float = MARGINAL_FLEET_EFFICIENCY_GAIN_PER_YEAR
    power_price_usd_per_mwh: float = NETWORK_POWER_PRICE_USD_PER_MWH

    @classmethod
    def from_spec(cls, spec: ScenarioSpec | None) -> MarginResponse | None:
        """The response of ``[scenario]``, or None when ``hashrate_response`` is exogenous."""
        if spec is None or spec.hashrate_response != "margin":
            return None
        k = spec.hashrate_margin_elasticity_per_month
        return cls(
            elasticity_per_month=HASHRATE_MARGIN_ELASTICITY_PER_MONTH if k is None else k,
            lag_months=spec.hashrate_margin_lag_months,
            efficiency_j_per_th=spec.marginal_fleet_efficiency_j_per_th,
            efficiency_gain_per_year=spec.marginal_fleet_efficiency_gain_per_year,
            power_price_usd_per_mwh=spec.network_power_price_usd_per_mwh,
        )

    def cost_usd_per_ph_day(self, periods: pd.PeriodIndex) -> FloatArray:
        """Power cost of the marginal fleet in each period (at mid-period). [USD/PH/day]"""
        return marginal_cost_usd_per_ph_day(
            marginal_fleet_efficiency_j_per_th(
                periods, self.efficiency_j_per_th, self.efficiency_gain_per_year
            ),
            self.power_price_usd_per_mwh,
        )

    def describe(self) -> str:
        """One line for result echoes."""
        return (
            f"hashrate responds to the marginal fleet's margin: k = "
            f"{self.elasticity_per_month:.4f}/month per unit log margin below cost, lag "
            f"{self.lag_months} month(s); fleet {self.efficiency_j_per_th:g} J/TH in 2025 "
            f"improving {100 * self.efficiency_gain_per_year:g} %/year at "
            f"{self.power_price_usd_per_mwh:g} USD/MWh"
        )


def marginal_fleet_efficiency_j_per_th(
    periods: pd.PeriodIndex,
    efficiency_j_per_th: float = MARGINAL_FLEET_EFFICIENCY_J_PER_TH,
    gain_per_year: float = MARGINAL_FLEET_EFFICIENCY_GAIN_PER_YEAR,
) -> FloatArray:
    """``eff_ref (1 - g)^(years from 2025-01-01 to mid-period)``. [J/TH]"""
    start = periods.start_time
    mid = start + (periods.end_time - start) / 2
    years = (mid - EFFICIENCY_REFERENCE_DATE).total_seconds().to_numpy(np.float64) / (
        365.25 * 86_400.0
    )
    return np.asarray(efficiency_j_per_th * (1.0 - gain_per_year) ** years, dtype=np.float64)


def marginal_cost_usd_per_ph_day(efficiency_j_per_th: Any, power_price_usd_per_mwh: Any) -> Any:
    """Power cost of 1 PH/s for a day: ``0.024 eff p``. [USD/PH/day]

    Examples
    --------
    >>> round(marginal_cost_usd_per_ph_day(30.0, 50.0), 6)
    36.0
    """
    return MWH_PER_PH_DAY_PER_J_PER_TH * efficiency_j_per_th * power_price_usd_per_mwh


def network_hashprice_usd_per_ph_day(
    btc_price_usd: Any, network_hashrate_th_s: Any, subsidy_btc: Any, fees_btc_per_block: Any
) -> Any:
    """Hashprice of the network at a hashrate (difficulty at 600 s blocks). [USD/PH/day]"""
    return hashprice_usd_per_ph_day(
        btc_price_usd, difficulty_from_hashrate(network_hashrate_th_s), subsidy_btc,
        fees_btc_per_block,
    )


def apply_margin_response(
    log_margin_exogenous: FloatArray,
    step_months: FloatArray | float,
    elasticity_per_month: float,
    lag_steps: int,
) -> FloatArray:
    """Log-hashrate adjustment ``a`` of the response, given the exogenous log margin.

    Parameters
    ----------
    log_margin_exogenous : ndarray, shape (..., T)
        ``log(hashprice / cost)`` on the exogenous path. [-]
    step_months : float or ndarray (T,)
        Length of each step. [month]
    elasticity_per_month : float
        ``k``. [1/month]
    lag_steps : int
        ``L`` in steps (>= 1).

    Returns
    -------
    ndarray, shape (..., T)
        ``a_0 = 0``, ``a_t = a_{t-1} + k dt_t min(mx_s - a_s, 0)``, ``s = max(t - L, 0)``:
        the hashrate is ``Hx exp(a)`` and its log margin ``mx - a`` (hashprice falls as
        the hashrate rises).
    """
    mx = np.asarray(log_margin_exogenous, dtype=np.float64)
    T = mx.shape[-1]
    dtm = np.broadcast_to(np.asarray(step_months, dtype=np.float64), (T,))
    a = np.zeros(mx.shape)
    for t in range(1, T):
        s = max(t - lag_steps, 0)
        a[..., t] = a[..., t - 1] + elasticity_per_month * dtm[t] * np.minimum(
            mx[..., s] - a[..., s], 0.0
        )
    return a


def log_margin(
    periods: pd.PeriodIndex,
    btc_price_usd: Any,
    network_hashrate_th_s: Any,
    fees_btc_per_block: Any,
    subsidy_btc_per_block: Any,
    response: MarginResponse,
) -> FloatArray:
    """``log(network hashprice / marginal cost)`` per path and period. [-]"""
    hp = network_hashprice_usd_per_ph_day(
        btc_price_usd, network_hashrate_th_s, subsidy_btc_per_block, fees_btc_per_block
    )
    return np.asarray(np.log(np.asarray(hp) / response.cost_usd_per_ph_day(periods)))


def respond_to_margin(
    periods: pd.PeriodIndex,
    btc_price_usd: Any,
    network_hashrate_th_s: Any,
    fees_btc_per_block: Any,
    subsidy_btc_per_block: Any,
    response: MarginResponse,
    *,
    already: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Hashrate after the margin response and its log margin (arrays ``(..., T)``).

    ``already=True``: the hashrate has responded already (only the margin is computed).
    """
    hashrate = np.asarray(network_hashrate_th_s, dtype=np.float64)
    m = log_margin(periods, btc_price_usd, hashrate, fees_btc_per_block, subsidy_btc_per_block,
                   response)
    if already:
        return hashrate, m
    steps, lag = step_months_and_lag(periods, response.lag_months)
    a = apply_margin_response(m, steps, response.elasticity_per_month, lag)
    hashrate = hashrate * np.exp(a)
    m = log_margin(periods, btc_price_usd, hashrate, fees_btc_per_block, subsidy_btc_per_block,
                   response)
    return hashrate, m


def loss_spell_mask(log_margin: FloatArray, min_steps: int) -> npt.NDArray[np.bool_]:
    """Whether each path has more than ``min_steps`` consecutive steps below cost.

    Parameters
    ----------
    log_margin : ndarray, shape (P, T)
        Log margin of the marginal fleet. [-]
    min_steps : int
        Longest harmless spell (12 months: "more than a year"). [steps]

    Returns
    -------
    ndarray of bool, shape (P,)
    """
    below = np.asarray(log_margin) < 0.0
    run = np.zeros(below.shape[0], dtype=np.int64)
    longest = np.zeros(below.shape[0], dtype=np.int64)
    for t in range(below.shape[1]):
        run = np.where(below[:, t], run + 1, 0)
        np.maximum(longest, run, out=longest)
    return np.asarray(longest > min_steps)


def first_loss_spell(log_margin: FloatArray, periods: pd.PeriodIndex, min_steps: int) -> str | None:
    """``"YYYY-MM..YYYY-MM"`` of the first spell below cost longer than ``min_steps``."""
    below = np.asarray(log_margin, dtype=np.float64).reshape(-1) < 0.0
    t = 0
    while t < below.size:
        if below[t]:
            u = t
            while u < below.size and below[u]:
                u += 1
            if u - t > min_steps:
                return f"{periods[t]}..{periods[u - 1]}"
            t = u
        else:
            t += 1
    return None


def step_months_and_lag(periods: pd.PeriodIndex, lag_months: int) -> tuple[FloatArray, int]:
    """Step lengths in months and the lag in steps (daily: ``round(L * 30.44)`` days)."""
    if periods.freqstr.startswith("M"):
        return np.ones(len(periods)), int(lag_months)
    return np.full(len(periods), 1.0 / _DAYS_PER_MONTH), max(1, round(lag_months * _DAYS_PER_MONTH))


def loss_spell_note(
    log_margin: FloatArray, periods: pd.PeriodIndex, response: MarginResponse
) -> str | None:
    """The note for a deterministic path with a spell below cost of more than a year."""
    steps_per_month = 1 if periods.freqstr.startswith("M") else _DAYS_PER_MONTH
    spell = first_loss_spell(log_margin, periods, round(LOSS_SPELL_MONTHS * steps_per_month))
    if spell is None:
        return None
    return (
        f"the whole network mines at a loss for more than a year ({spell}): the network "
        f"hashprice is below the power cost of the marginal fleet "
        f"({response.efficiency_j_per_th:g} J/TH in 2025, -"
        f"{100 * response.efficiency_gain_per_year:g} %/year, at "
        f"{response.power_price_usd_per_mwh:g} USD/MWh); miners would unplug before that"
    )


# --------------------------------------------------------------------------------------
# calibration
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarginFit:
    """OLS of monthly log-hashrate growth on the lagged log margin.

    Attributes
    ----------
    elasticity_per_month : float
        Slope ``k``. [1/month]
    elasticity_se_per_month : float
        OLS standard error of ``k``. [1/month]
    elasticity_hac_se_per_month : float
        Newey-West (HAC, 6 lags, Bartlett weights) standard error of ``k``. [1/month]
    intercept_per_month : float
        ``a``: growth at zero margin. [1/month]
    n_months : int
        Observations. [-]
    months_below_cost : int
        Observations whose lagged margin is negative. [-]
    first_month, last_month : str
        Regression window (``YYYY-MM``).
    """

    elasticity_per_month: float
    elasticity_se_per_month: float
    elasticity_hac_se_per_month: float
    intercept_per_month: float
    n_months: int
    months_below_cost: int
    first_month: str
    last_month: str


def fit_margin_response(
    monthly: pd.DataFrame,
    response: MarginResponse | None = None,
    hac_lags: int = 6,
) -> MarginFit:
    """Regress monthly log-hashrate growth on the lagged log margin of the marginal fleet.

    Parameters
    ----------
    monthly : pandas.DataFrame
        From :func:`hashpivot.scenarios.calibration.monthly_history` (monthly means of
        price, hashrate, fees and subsidy).
    response : MarginResponse, optional
        Cost settings (efficiency, its gain, power price) and lag ``L``; defaults above.
    hac_lags : int
        Lags of the Newey-West standard error. [month]

    Returns
    -------
    MarginFit
        ``dlogH_t = a + k m_{t-L} + e_t`` by OLS over the months where both exist.
    """
    r = response or MarginResponse()
    idx = pd.PeriodIndex(monthly.index, freq="M")
    hp = network_hashprice_usd_per_ph_day(
        monthly["price_usd"].to_numpy(np.float64),
        monthly["hashrate_th_s"].to_numpy(np.float64),
        monthly["subsidy_btc_per_block"].to_numpy(np.float64),
        monthly["fees_btc_per_block"].to_numpy(np.float64),
    )
    m = np.log(np.asarray(hp) / r.cost_usd_per_ph_day(idx))
    lh = np.log(monthly["hashrate_th_s"].to_numpy(np.float64))
    L = r.lag_months
    # consecutive months only: a gap in the monthly table breaks the differences
    pos = np.asarray([(p - idx[0]).n for p in idx])
    y = np.full(lh.shape, np.nan)
    x = np.full(lh.shape, np.nan)
    for i in range(len(idx)):
        j = np.searchsorted(pos, pos[i] - 1)
        if j < i and pos[j] == pos[i] - 1:
            y[i] = lh[i] - lh[j]
        s = np.searchsorted(pos, pos[i] - L)
        if s < i and pos[s] == pos[i] - L:
            x[i] = m[s]
    ok = np.isfinite(y) & np.isfinite(x)
    n = int(ok.sum())
    if n < 24:
        raise DataError(f"need at least 24 months to calibrate the margin response, got {n}")
    A = np.column_stack([np.ones(n), x[ok]])
    coef, *_ = np.linalg.lstsq(A, y[ok], rcond=None)
    resid = y[ok] - A @ coef
    xtx_inv = np.linalg.inv(A.T @ A)
    s2 = float(resid @ resid) / (n - 2)
    se = math.sqrt(s2 * xtx_inv[1, 1])
    # Newey-West: S = sum_l w_l sum_t (x_t e_t)(x_{t-l} e_{t-l})', w_l = 1 - l / (H + 1)
    u = A * resid[:, None]
    S = u.T @ u
    for lag in range(1, hac_lags + 1):
        w = 1.0 - lag / (hac_lags + 1)
        g = u[lag:].T @ u[:-lag]
        S += w * (g + g.T)
    cov_hac = xtx_inv @ S @ xtx_inv * n / (n - 2)
    months = idx[ok]
    return MarginFit(
        elasticity_per_month=float(coef[1]),
        elasticity_se_per_month=se,
        elasticity_hac_se_per_month=float(math.sqrt(cov_hac[1, 1])),
        intercept_per_month=float(coef[0]),
        n_months=n,
        months_below_cost=int((x[ok] < 0).sum()),
        first_month=str(months[0]),
        last_month=str(months[-1]),
    )
