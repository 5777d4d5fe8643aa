"""Inputs of the pivot model (``[pivot]``, portfolio level: ``Portfolio.pivot``).

* :class:`PivotSpec`: the deterministic market path, the horizon, the discount rates, the
  fleet's ageing and replacement, and which strategies to compare;
* :class:`SensitivitySpec` (``[pivot.sensitivity]``): the tornado's swings;
* :class:`TerminalValueSpec` (``[pivot.terminal_value]``): each line's value after the
  horizon;
* the income tax (``[pivot.tax]``) is :class:`hashpivot.models.tax.TaxSpec`.

Every field has a default, so ``PivotSpec()`` is valid.

Example
-------
.. code-block:: toml

    [pivot]
    horizon_years = 15
    discount_rate = 0.10
    btc_price_growth_per_year = 0.10
    convert_mw = 100.0
    convert_start = "2026-07"
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from hashpivot.models.dates import MonthText, StartMonthText
from hashpivot.models.fields import (
    STRICT_CONFIG,
    BlockHeight,
    BtcPriceUsd,
    DiscountRate,
    EbitdaMultiple,
    FeesBtcPerBlock,
    FractionPerYear,
    GrowthPerYear,
    NetworkHashrateThS,
    SiteMw,
    Years,
)
from hashpivot.models.repeats import each_once
from hashpivot.models.tax import TaxSpec

StrategyKind = Literal["convert_all", "convert", "phased"]
_DEFAULT_STRATEGIES: tuple[StrategyKind, ...] = ("convert_all", "convert", "phased")

#: The field path of the convert strategy's start in a portfolio, which a run's ``start``
#: overrides: a start given but invalid leaves that field's problems out (they would be
#: of a value the run does not use).
FILE_START_FIELD = "pivot.convert_start"


class SensitivitySpec(BaseModel):
    """Low/high swings of the tornado (``[pivot.sensitivity]``)."""

    model_config = STRICT_CONFIG

    btc_price_fraction: float = Field(
        0.3, ge=0, lt=1, description="BTC price at start x (1 -/+ this). [-]"
    )
    hashrate_growth_delta_per_year: float = Field(
        0.1, ge=0, le=1, description="Network hashrate growth -/+ this. [1/year]"
    )
    lease_rate_fraction: float = Field(
        0.2, ge=0, lt=1, description="Lease rate x (1 -/+ this). [-]"
    )
    capex_fraction: float = Field(0.25, ge=0, lt=1, description="Capex x (1 -/+ this). [-]")
    pue_delta: float = Field(0.1, ge=0, le=1, description="PUE -/+ this (floored at 1). [-]")
    build_delay_months: int = Field(
        6, ge=0, le=60, description="Construction takes this many months longer. [month]"
    )
    tenant_default_probability_per_year: FractionPerYear = Field(
        0.05, description="Stressed tenant default probability. [1/year]"
    )
    discount_rate_delta: float = Field(
        0.02,
        ge=0,
        le=0.2,
        description="Discount rate -/+ this: every rate of the unlevered NPV moves by the "
        "same step (discount_rate, and mining_discount_rate and hosting_discount_rate when "
        "set; each floored at 0, as the file's), both strategies revalued (the fleet's "
        "replacement decisions too). 2 percentage points, the usual WACC sensitivity of a "
        "valuation (a 10 % WACC read as 8-12 %). [1/year]",
    )
    lease_term_delta_years: float = Field(
        5.0,
        ge=0,
        le=20,
        description="Initial lease term -/+ this, in whole months, floored at 1 year: every "
        "converted site's lease_term_years and every hall's own term move by the same "
        "step. 5 years: the bundled deals run 5 (IREN-Microsoft) to 15 years (AWS, "
        "CoreWeave), so a 12-year term read as 7-17 spans them. [year]",
    )
    btc_price_growth_delta_per_year: float = Field(
        0.1,
        ge=0,
        le=1,
        description="BTC price growth -/+ this (its low end floored at -99 %/year). The "
        "same default as hashrate_growth_delta_per_year, so that the two growth rows, side "
        "by side, are read on the same step. [1/year]",
    )


class TerminalValueSpec(BaseModel):
    """Value of each business line at the end of the horizon (``[pivot.terminal_value]``).

    Defaults: mining at an exit multiple of 8x its final-year EBITDA (listed miners trade
    around 6-12x EV/EBITDA, 2024-2025 secondary sources); hosting on its contracts, the
    lease rent still contracted after the horizon (with the expected renewals) net of the
    hall's power and opex, valued explicitly, nothing after the last term.
    """

    model_config = STRICT_CONFIG

    mining_method: Literal["none", "gordon", "exit_multiple"] = Field(
        "exit_multiple",
        description="Mining after the horizon: none, Gordon growth of the final-year FCF, "
        "or a multiple of the final-year EBITDA.",
    )
    mining_ebitda_multiple: EbitdaMultiple = Field(
        8.0, description="EV/EBITDA of mining at exit (listed miners 6-12x). [-]"
    )
    hosting_method: Literal["none", "contract", "gordon", "exit_multiple"] = Field(
        "contract",
        description="Hosting after the horizon: none; contract (remaining contracted rent "
        "and expected renewals, net of hall power and opex, valued explicitly); Gordon "
        "growth of the final-year FCF; or a multiple of the final-year EBITDA.",
    )
    hosting_ebitda_multiple: EbitdaMultiple = Field(
        20.0,
        description="EV/EBITDA of hosting at exit (data-center operators 20-25x). [-]",
    )
    growth_per_year: float = Field(
        0.0,
        gt=-0.5,
        lt=0.2,
        description="Perpetual growth after the horizon for Gordon values; must be below "
        "the discount rate. [1/year]",
    )


class PivotSpec(BaseModel):
    """Deterministic market path, horizon and strategies of the pivot model (``[pivot]``)."""

    model_config = STRICT_CONFIG

    horizon_years: int = Field(15, ge=1, le=40, description="Model horizon. [year]")
    discount_rate: DiscountRate = Field(
        0.10,
        description="Annual discount rate, nominal as every rate of the model (none "
        "negative: no cost of capital values a later dollar above a dollar now); monthly "
        "rate = (1 + r)^(1/12) - 1. [1/year]",
    )
    mining_discount_rate: DiscountRate | None = Field(
        None,
        description="Rate of the merchant mining line (BTC and hashprice risk; listed "
        "miners' cost of equity is in the mid to high teens); None = discount_rate. [1/year]",
    )
    hosting_discount_rate: DiscountRate | None = Field(
        None,
        description="Rate of the contracted hosting line (a hyperscaler-backstopped lease "
        "is financed near corporate debt, high single digits); None = discount_rate. "
        "[1/year]",
    )
    start: StartMonthText | None = Field(
        None,
        description="First modelled month 'YYYY-MM', 2010-07 (the bundled history's "
        "first month) to 2140-12; None = the month after the latest bundled day.",
    )

    # --- market path ---------------------------------------------------------------------
    btc_price_usd: BtcPriceUsd | None = Field(
        None, description="BTC price at start; None = latest bundled day. [USD]"
    )
    btc_price_growth_per_year: GrowthPerYear = Field(
        0.10, description="Compound annual BTC price growth. [1/year]"
    )
    network_hashrate_th_s: NetworkHashrateThS | None = Field(
        None,
        description="Network hashrate at start; None = latest bundled day. [TH/s]",
    )
    network_hashrate_growth_per_year: GrowthPerYear = Field(
        0.20, description="Compound annual network hashrate growth. [1/year]"
    )
    fees_btc_per_block: FeesBtcPerBlock | None = Field(
        None,
        description="Average fees per block; None = 90-day mean of the bundled data (or "
        "0.03). [BTC]",
    )
    start_height: BlockHeight | None = Field(
        None,
        description="Block height at start, at most 6,930,000 (the first height whose "
        "subsidy is 0); None = latest bundled day's height (advances 144 blocks per day). "
        "[-]",
    )

    # --- fleet ---------------------------------------------------------------------------
    fleet_hashrate_decay_per_year: FractionPerYear = Field(
        0.03,
        description="Yearly loss of fleet hashrate from ageing and failures at constant "
        "power (compound). [1/year]",
    )
    fleet_replacement_years: Years | None = Field(
        4.0,
        description="Every this many years the fleet may be replaced, at the same power, "
        "by machines of the then current efficiency; each path replaces where the "
        "discounted cash flows of the new machines over the old to the horizon, with the "
        "change in the mining terminal value, beat the capex (forecast from what is known "
        "at the decision month; docs/methodology.md); None = never replace. [year]",
    )
    replacement_efficiency_j_per_th: float = Field(
        16.0,
        ge=1.0,
        le=200,
        description="Efficiency of replacement machines bought at start (S21-class "
        "~15-17.5); later purchases improve by replacement_efficiency_gain_per_year. [J/TH]",
    )
    replacement_efficiency_gain_per_year: FractionPerYear = Field(
        0.08,
        description="Yearly improvement (fall) of the J/TH of machines available for "
        "replacement. [1/year]",
    )
    replacement_capex_usd_per_th: float = Field(
        15.0, ge=0, le=200, description="Price of replacement machines. [USD/TH]"
    )

    # --- strategies ----------------------------------------------------------------------
    strategies: list[StrategyKind] = Field(
        default_factory=lambda: list(_DEFAULT_STRATEGIES),
        description="Strategies compared to the always-computed baseline 'keep_mining'; "
        "'convert' needs convert_mw (in this table, or given with the run).",
    )
    convert_mw: SiteMw | None = Field(
        None, description="Gross MW of the 'convert' strategy. [MW]"
    )
    convert_start: MonthText | None = Field(
        None, description="Construction start of the 'convert' strategy 'YYYY-MM'; None = start."
    )
    sensitivity: SensitivitySpec = Field(
        default_factory=SensitivitySpec, description="Tornado swings."
    )
    terminal_value: TerminalValueSpec = Field(
        default_factory=TerminalValueSpec,
        description="Value of mining and hosting after the horizon (NPV is reported with "
        "and without it).",
    )
    tax: TaxSpec | None = Field(
        None,
        description="Corporate income tax ([pivot.tax]); absent: figures are pre-tax.",
    )

    @field_validator("strategies")
    @classmethod
    def _each_strategy_once(cls, v: list[StrategyKind]) -> list[StrategyKind]:
        """A repeated strategy was valued once without a word."""
        return list(each_once(v, "strategies", "give each strategy once"))

    @model_validator(mode="after")
    def _gordon_below_rates(self) -> PivotSpec:
        """A Gordon value needs its growth below the rate of the line it values."""
        mining = (self.discount_rate if self.mining_discount_rate is None
                  else self.mining_discount_rate)
        hosting = (self.discount_rate if self.hosting_discount_rate is None
                   else self.hosting_discount_rate)
        message = gordon_rate_problem(self.terminal_value, mining, hosting)
        if message:
            raise ValueError(f"terminal_value.{message}")
        return self


def gordon_rate_problem(tv: TerminalValueSpec, mining_rate: float, hosting_rate: float
                        ) -> str:
    """What is wrong when a Gordon terminal value grows as fast as its line's rate.

    Parameters
    ----------
    tv : TerminalValueSpec
        ``[pivot.terminal_value]``.
    mining_rate, hosting_rate : float
        Annual discount rates of the lines. [1/year]

    Returns
    -------
    str
        ``""`` when every Gordon line has ``growth_per_year`` below its rate.
    """
    rates = {"mining": mining_rate, "hosting": hosting_rate}
    methods = {"mining": tv.mining_method, "hosting": tv.hosting_method}
    low = [f"{line} {rates[line]:g}" for line, m in methods.items()
           if m == "gordon" and tv.growth_per_year >= rates[line]]
    if not low:
        return ""
    return (f"growth_per_year ({tv.growth_per_year:g}) must be below the discount rate of "
            f"each line valued by Gordon growth ({', '.join(low)}): the perpetuity has no "
            "finite value")


__all__ = [
    "FILE_START_FIELD",
    "PivotSpec",
    "SensitivitySpec",
    "StrategyKind",
    "TerminalValueSpec",
    "gordon_rate_problem",
]
