"""Inputs of the risk simulation: the portfolio-level ``[scenario]`` and ``[treasury]`` tables.

Both models are optional fields of :class:`hashpivot.models.Portfolio` (``scenario`` and
``treasury``); every field has a default, so ``ScenarioSpec()`` and ``TreasurySpec()`` are
valid and mean "calibrate everything on the bundled history, hold no BTC, no cash, no debt".

Example
-------
.. code-block:: toml

    [scenario]
    price_model = "gbm"                 # "gbm" | "bootstrap"
    calibration_start = 2019-01-01
    calibration_end = 2025-06-30
    btc_drift_per_year = 0.15           # overrides the calibrated drift [1/year]
    btc_volatility_per_year = 0.55      # overrides the calibrated volatility [1/sqrt(year)]
    price_hashrate_correlation = 0.3
    fees_btc_per_block = 0.03
    power_calibrate_on = "ercot:HB_WEST:2024"

      [scenario.btc_drift_by_year]      # calendar-year overrides of the drift
      2026 = -0.2

    [treasury]
    btc_held = 1500.0
    cash_usd = 80e6
    min_cash_usd = 20e6
    policy = "sell_to_cover"

      [[treasury.debt]]
      name = "2029 converts"
      principal_usd = 300e6
      interest_rate = 0.0225
      maturity = "2029-12"
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from hashpivot.models.dates import DayValue, ModelYear, MonthText, StartMonthText
from hashpivot.models.fields import (
    STRICT_CONFIG,
    AmountUsd,
    BlockHeight,
    BtcPriceUsd,
    Correlation,
    FeesBtcPerBlock,
    FractionPerYear,
    NetworkHashrateThS,
)

_POWER_CAL_RE = re.compile(r"^[a-z0-9_]+:[A-Za-z0-9_]+(:\d{4})?(:(rt|da))?$")
_MARGIN_FIELDS = (
    "hashrate_response",
    "hashrate_margin_elasticity_per_month",
    "hashrate_margin_lag_months",
    "marginal_fleet_efficiency_j_per_th",
    "marginal_fleet_efficiency_gain_per_year",
    "network_power_price_usd_per_mwh",
)


#: Largest monthly factor of ``power_seasonal_factors`` (they are normalized to average 1:
#: monthly prices in USD/MWh may be given as they are). [-]
SEASONAL_FACTOR_MAX = 1_000.0


class ScenarioSpec(BaseModel):
    """Stochastic market model: BTC price, network hashrate, fees, subsidy and power price.

    Every ``None`` means "calibrate on the bundled history" (see
    :mod:`hashpivot.scenarios` for each regression and estimator).
    """

    model_config = STRICT_CONFIG

    # --- time grid ---------------------------------------------------------------------
    step: Literal["monthly", "daily"] = Field(
        "monthly", description="Simulation step. Engines consume monthly steps."
    )
    start: StartMonthText | None = Field(
        None,
        description="First simulated month 'YYYY-MM', 2010-07 to 2140-12 (as [pivot] "
        "start); None = the month the deterministic "
        "pivot model starts (or the month after the bundled history).",
    )

    # --- BTC price ---------------------------------------------------------------------
    price_model: Literal["gbm", "bootstrap"] = Field(
        "gbm",
        description="'gbm': geometric Brownian motion; 'bootstrap': circular block "
        "bootstrap of historical monthly log returns.",
    )
    calibration_start: DayValue = Field(
        dt.date(2016, 1, 1), description="First day of the calibration window."
    )
    calibration_end: DayValue | None = Field(
        None, description="Last day of the calibration window; None = end of bundled data."
    )
    btc_drift_per_year: float | None = Field(
        None,
        ge=-5.0,
        le=5.0,
        description="GBM drift mu of dS/S = mu dt + sigma dW; None = calibrated. [1/year]",
    )
    btc_volatility_per_year: float | None = Field(
        None, ge=0.0, le=5.0, description="GBM volatility sigma; None = calibrated. [1/sqrt(year)]"
    )
    btc_drift_by_year: dict[ModelYear, float] = Field(
        default_factory=dict,
        description="Calendar-year overrides of the drift, e.g. {2026: -0.2}; keys 2010-2240 "
        "(the years a model can value), those the run does not reach noted. [1/year]",
    )
    btc_volatility_by_year: dict[ModelYear, float] = Field(
        default_factory=dict,
        description="Calendar-year overrides of the volatility; keys as btc_drift_by_year. "
        "[1/sqrt(year)]",
    )
    price_center: Literal["mean", "median"] = Field(
        "mean",
        description="What the center path (deterministic model or drift) is for the BTC "
        "price: its expectation ('mean', the GBM convention: the median falls below it by "
        "exp(-sigma^2 t / 2)) or its median ('median': log-symmetric around it; with the "
        "bootstrap the log price's mean is on it, the skew of the historical returns "
        "moving the median off it).",
    )
    btc_price_usd: BtcPriceUsd | None = Field(
        None,
        description="Starting BTC price; None = deterministic model / data. [USD]",
    )
    bootstrap_block_months: int = Field(
        6, ge=1, le=60, description="Block length of the block bootstrap. [month]"
    )

    # --- network hashrate --------------------------------------------------------------
    hashrate_elasticity: float | None = Field(
        None,
        ge=-5.0,
        le=5.0,
        description="Response of monthly log-hashrate growth to the lagged log-hashprice "
        "change; None = OLS on history (0 with hashrate_response = 'margin', where the joint "
        "fit leaves it at 0.025, s.e. 0.056). [-]",
    )
    hashrate_lag_months: int = Field(
        3,
        ge=1,
        le=24,
        description="Window of the hashrate response: monthly log-hashrate growth responds to "
        "the average monthly log-hashprice change over the previous L months. [month]",
    )
    hashrate_trend_per_year: float | None = Field(
        None,
        ge=-2.0,
        le=5.0,
        description="Trend of log-hashrate growth; None = OLS intercept (or the deterministic "
        "model's growth when anchored). [1/year]",
    )
    hashrate_volatility_per_year: float | None = Field(
        None, ge=0.0, le=5.0, description="Noise of log-hashrate growth; None = OLS residual."
    )
    network_hashrate_th_s: NetworkHashrateThS | None = Field(
        None, description="Starting network hashrate; None = deterministic/data. [TH/s]"
    )
    block_height: BlockHeight | None = Field(
        None, description="Block height at the start, at most 6,930,000 (the first height "
        "whose subsidy is 0, as [pivot] start_height); None = extrapolated. [blocks]"
    )
    blocks_per_day: float = Field(
        144.0, gt=0.0, le=1000.0, description="Blocks mined per day (600 s blocks). [1/day]"
    )
    price_hashrate_correlation: float | None = Field(
        None,
        ge=-1.0,
        le=1.0,
        description="Correlation of the price shock and the hashrate shock in the same "
        "month; None = calibrated (residual correlation). [-]",
    )

    hashrate_response: Literal["exogenous", "margin"] = Field(
        "exogenous",
        description="'exogenous': the network hashrate follows its growth assumption "
        "whatever miners earn; 'margin': its monthly log growth falls by "
        "-k * log(hashprice / marginal cost) while the marginal fleet mines below its power "
        "cost (deterministic path and every Monte Carlo path), and a path below cost for "
        "more than a year is reported.",
    )
    hashrate_margin_elasticity_per_month: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="k of hashrate_response = 'margin': monthly log-hashrate growth lost per "
        "unit of negative log margin; None = 0.0593, OLS on the bundled history 2016-2025 "
        "(s.e. 0.0117; docs/methodology.md). [1/month]",
    )
    hashrate_margin_lag_months: int = Field(
        1, ge=1, le=24, description="Lag of the margin the hashrate growth responds to. [month]"
    )
    marginal_fleet_efficiency_j_per_th: float = Field(
        30.0,
        gt=0.0,
        le=500.0,
        description="Efficiency of the marginal (least efficient running) fleet on 2025-01-01; "
        "default: S19 class 29.5-34.5 J/TH (bundled catalog). [J/TH]",
    )
    marginal_fleet_efficiency_gain_per_year: FractionPerYear = Field(
        0.20,
        description="Yearly fall of the marginal fleet's J/TH; default: the catalog's "
        "efficiency frontier, about 20-25 %/year 2017-2024. [1/year]",
    )
    network_power_price_usd_per_mwh: float = Field(
        50.0,
        gt=0.0,
        le=1000.0,
        description="Power price of the marginal fleet; default between listed operators' "
        "37-40 and TeraWulf's 81 USD/MWh (2025). [USD/MWh]",
    )

    # --- fees --------------------------------------------------------------------------
    fees_btc_per_block: FeesBtcPerBlock | None = Field(
        None, description="Mean fee level per block of the center path (each "
        "month's fees scatter lognormally around it, their median lower); None = the "
        "deterministic market's, or with anchor = 'history' the last 12 months' median "
        "taken to its mean. [BTC]"
    )
    fees_lognormal_sigma: float | None = Field(
        None, ge=0.0, le=5.0, description="Sigma of log fees each month; None = calibrated. [-]"
    )

    # --- power price (index contracts) -------------------------------------------------
    power_calibrate_on: str | None = Field(
        "ercot:HB_WEST:2024",
        description="Bundled market to calibrate the power model on ('iso:node[:year]'); "
        "not given: the first index site's own market where its prices are bundled (its "
        "latest year), else this default; None = use only the user-set parameters below.",
    )
    power_mean_usd_per_mwh: float | None = Field(
        None,
        gt=0.0,
        le=10_000.0,
        description="Long-run monthly mean index price, every index site's; None = each "
        "index site's own price_usd_per_mwh (the paths centred on the first one's, scaled "
        "to the others'). [USD/MWh]",
    )
    power_mean_reversion_per_year: float | None = Field(
        None,
        ge=0.0,
        le=365.0,
        description="OU speed kappa of log price; None = calibrated. [1/year]",
    )
    power_volatility_per_year: float | None = Field(
        None, ge=0.0, le=20.0, description="OU volatility of log price; None = calibrated."
    )
    power_spike_probability_per_month: float | None = Field(
        None, ge=0.0, le=1.0, description="Probability of a price spike in a month. [-]"
    )
    power_spike_mean_log: float | None = Field(
        None,
        ge=0.0,
        lt=1.0,
        description="Mean size of a spike in log price (exponential jump). [-]",
    )

    power_seasonal_factors: list[float] | None = Field(
        None,
        min_length=12,
        max_length=12,
        description="Multipliers of the mean power price for January..December (normalized "
        "to average 1; each > 0 and at most 1,000); None = calibrated; [1.0] * 12 = flat. "
        "[-]",
    )
    power_market_correlation: Correlation | None = Field(
        None,
        description="Correlation of the monthly power price shocks of each other index "
        "market (index sites on several markets, each with its own process) with the first "
        "index site's market; None = fitted on their bundled prices where they have 12 "
        "complete months in common, else 1 (ERCOT and NYISO: the markets moving as one). "
        "Not used with power_calibrate_on (one market's shape for every site). [-]",
    )
    anchor: Literal["deterministic", "history"] = Field(
        "deterministic",
        description="'deterministic': paths are centered on the pivot model's deterministic "
        "market (its price growth is the default drift; zero volatility reproduces it "
        "exactly); 'history': the center and drift come from the calibration window.",
    )

    @model_serializer(mode="wrap")
    def _omit_inactive_margin(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Echo the margin settings only when ``hashrate_response = 'margin'`` (they do
        nothing otherwise, and echoes of exogenous runs stay as they were)."""
        data: dict[str, Any] = handler(self)
        if self.hashrate_response == "exogenous":
            for name in _MARGIN_FIELDS:
                data.pop(name, None)
        return data

    @field_validator("btc_drift_by_year")
    @classmethod
    def _drift_overrides_in_range(cls, v: dict[int, float]) -> dict[int, float]:
        bad = {y: d for y, d in v.items() if not -5.0 <= d <= 5.0}
        if bad:
            raise ValueError(f"drift overrides must be within [-5, 5] per year; got {bad}")
        return v

    @field_validator("btc_volatility_by_year")
    @classmethod
    def _vol_overrides_in_range(cls, v: dict[int, float]) -> dict[int, float]:
        bad = {y: s for y, s in v.items() if not 0.0 <= s <= 5.0}
        if bad:
            raise ValueError(
                f"volatility overrides must be within [0, 5] per sqrt(year); got {bad}"
            )
        return v

    @field_validator("power_seasonal_factors")
    @classmethod
    def _positive_factors(cls, v: list[float] | None) -> list[float] | None:
        # (twelve factors of 1e308: their mean overflowed, and every month's price was
        # inf / inf; a multiplier of more than 1,000 is no season)
        if v is not None and any(not (0 < f <= SEASONAL_FACTOR_MAX) for f in v):
            raise ValueError(f"seasonal factors must all be > 0 and at most "
                             f"{SEASONAL_FACTOR_MAX:,.0f}")
        return v

    @field_validator("power_calibrate_on")
    @classmethod
    def _power_cal(cls, v: str | None) -> str | None:
        if v is not None and not _POWER_CAL_RE.match(v):
            raise ValueError(f"expected 'iso:node[:year][:da]', got {v!r}")
        return v

    @model_validator(mode="after")
    def _window(self) -> ScenarioSpec:
        if self.calibration_end is not None and self.calibration_end <= self.calibration_start:
            raise ValueError("calibration_end must be after calibration_start")
        return self


class DebtSpec(BaseModel):
    """One debt instrument of the treasury."""

    model_config = STRICT_CONFIG

    name: str = Field("debt", description="Label of the instrument.")
    principal_usd: AmountUsd = Field(
        0.0, description="Outstanding principal. [USD]"
    )
    interest_rate: float = Field(
        0.0, ge=0.0, le=1.0, description="Annual interest rate (fraction), paid monthly. [1/year]"
    )
    maturity: MonthText | None = Field(
        None, description="Month 'YYYY-MM' the principal is repaid (bullet), or a TOML date "
        "literal (its month); None = beyond horizon."
    )
    amortization: Literal["bullet", "linear"] = Field(
        "bullet",
        description="'bullet': principal repaid at maturity; 'linear': equal monthly "
        "repayments until maturity.",
    )


TreasuryPolicy = Literal["hold", "sell_all", "sell_to_cover", "min_cash"]


class TreasurySpec(BaseModel):
    """Balance sheet the operating cash flows run through: BTC, cash, debt and a sale policy.

    Policies (voluntary sales each month, before any forced sale):

    - ``hold``: keep every BTC mined;
    - ``sell_all``: sell the whole month's production;
    - ``sell_to_cover``: sell production up to the month's cash shortfall (costs and debt
      service not covered by USD revenue);
    - ``min_cash``: sell production only while cash is below ``target_cash_usd``.

    Whatever the policy, if cash would still end the month below ``min_cash_usd``, BTC held
    is sold to restore it: that is a *forced sale*. If selling every BTC held is not enough,
    the month is a *liquidity breach*.
    """

    model_config = STRICT_CONFIG

    btc_held: float = Field(
        0.0, ge=0.0, le=21e6, description="BTC on the balance sheet at start. [BTC]"
    )
    cash_usd: AmountUsd = Field(0.0, description="Cash at start. [USD]")
    min_cash_usd: AmountUsd = Field(0.0, description="Minimum cash balance. [USD]")
    target_cash_usd: AmountUsd | None = Field(
        None,
        description="Cash target of the 'min_cash' policy; None = 2 x minimum. [USD]",
    )
    policy: TreasuryPolicy = Field("sell_to_cover", description="Voluntary sale policy.")
    forced_sale_discount_fraction: float = Field(
        0.0, ge=0.0, lt=1.0, description="Haircut on the price of forced sales. [-]"
    )
    cash_interest_rate: float = Field(
        0.0, ge=0.0, le=1.0, description="Annual interest earned on cash (fraction). [1/year]"
    )
    debt: list[DebtSpec] = Field(default_factory=list, description="Debt instruments.")

    @model_validator(mode="after")
    def _target(self) -> TreasurySpec:
        if self.target_cash_usd is not None and self.target_cash_usd < self.min_cash_usd:
            raise ValueError("target_cash_usd must be >= min_cash_usd")
        return self

    @property
    def resolved_target_cash_usd(self) -> float:
        """Cash target of the ``min_cash`` policy. [USD]"""
        return self.target_cash_usd if self.target_cash_usd is not None else 2 * self.min_cash_usd


__all__ = ["DebtSpec", "ScenarioSpec", "TreasuryPolicy", "TreasurySpec"]
