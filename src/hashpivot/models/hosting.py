"""Inputs of the AI/HPC pivot: ``[sites.hosting]``, ``[financing]`` and ``[pivot]``.

* :class:`HostingProjectSpec` (site level, ``Site.hosting``): what converting the site's
  megawatts to an AI/HPC data hall costs and earns (PUE, capex split into powered shell and
  fit-out with who funds each, build time, lease terms, opex, tenant default, ASIC resale).
* :class:`HostingRiskSpec` (``Site.hosting.risk``, optional): the hosting risk the Monte
  Carlo draws per path (construction delay, capex overrun, lease-up delay, tenant default).
* :class:`FinancingSpec` (portfolio level, ``Portfolio.financing``): project debt against
  the operator-funded hosting capex.
* :class:`PivotSpec` (portfolio level, ``Portfolio.pivot``): the deterministic market path,
  the horizon, the discount rate and which strategies to compare.

Every field has a default, so ``HostingProjectSpec()``, ``FinancingSpec()`` and
``PivotSpec()`` are valid. Defaults are calibrated on the reference deals bundled in
``hashpivot/data/ai_hosting_deals.csv`` and on the ranges in the project's domain notes
(``hashpivot deals`` lists them).

Example
-------
.. code-block:: toml

    [[sites]]
    name = "Rockdale"
      [sites.hosting]
      convertible_gross_mw = 200.0
      pue = 1.3
      lease_usd_per_kw_month = 130.0
      lease_escalator_per_year = 0.03
      lease_term_years = 12
      lease_structure = "triple_net"

    [financing]
    loan_to_cost_fraction = 0.8
    interest_rate = 0.085
    amortization_years = 10

    [pivot]
    horizon_years = 15
    discount_rate = 0.10
    btc_price_growth_per_year = 0.10
    convert_mw = 100.0
    convert_start = "2026-07"
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hashpivot.models.dates import MonthText
from hashpivot.models.tax import TaxSpec

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

Funder = Literal["operator", "tenant"]
LeaseStructure = Literal["triple_net", "modified_gross"]
StrategyKind = Literal["convert_all", "convert", "phased"]
_DEFAULT_STRATEGIES: tuple[StrategyKind, ...] = ("convert_all", "convert", "phased")


def _check_month(value: str | None) -> str | None:
    if value is not None and not _MONTH_RE.match(value):
        raise ValueError(f"expected a month as 'YYYY-MM', got {value!r}")
    return value


class HostingPhase(BaseModel):
    """One tranche of an explicit phased conversion plan."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    start: MonthText = Field(
        ...,
        description="Month construction of this tranche starts, 'YYYY-MM'; its MW stop "
        "mining that month.",
    )
    gross_mw: float = Field(..., gt=0, le=10_000, description="Gross (utility) MW converted. [MW]")

    @field_validator("start")
    @classmethod
    def _start_is_month(cls, v: str) -> str:
        _check_month(v)
        return v


class HostingRiskSpec(BaseModel):
    """Hosting risk realised per path in the Monte Carlo (``[sites.hosting.risk]``).

    Without this table ``simulate`` values hosting in expectation (the deterministic
    build, lease-up and expected tenant default of the pivot model: no spread). With it,
    each path draws, for each conversion phase, a construction delay, a capex overrun, a
    lease-up delay and (``tenant_default = "realised"``) the month the tenant defaults,
    from a random stream of its own (the market paths stay those of the same seed).
    ``pivot`` is not affected. All spreads zero and ``tenant_default = "expected"`` give
    the no-risk values on every path.

    Defaults and sources: Foresight Works (data on data-centre builds, quoted by Fierce
    Network, 2025): 9 in 10 data-centre projects finish late, by 34 % of the schedule on
    average (mean delay 0.34 of ``construction_months``; the spread is an assumption);
    construction cost overruns: a construction-industry figure (secondary) has nine in ten
    building projects over budget with a median overrun near 28 %; guaranteed-maximum-price
    hall contracts pass less of it to the owner, hence a 10 % mean with a 10 % spread
    (an assumption below that figure); lease-up (commissioning and tenant
    ramp after the hall is ready) one month on average (assumption); re-letting an AI hall
    after a default takes about a year at a 20 % lower rent (assumption: a new tenant, and
    fit-out changes, in a market where wholesale colocation is scarce).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    construction_delay_fraction_mean: float = Field(
        0.34, ge=0, le=5,
        description="Mean construction delay as a fraction of construction_months "
        "(Foresight Works: 34 % on average). Gamma distributed, rounded to months. [-]",
    )
    construction_delay_fraction_sd: float = Field(
        0.30, ge=0, le=5, description="Standard deviation of that fraction. [-]"
    )
    capex_overrun_fraction_mean: float = Field(
        0.10, gt=-0.5, le=5,
        description="Mean capex overrun of the operator-funded capex (0.1 = 10 % over "
        "budget); lognormal factor. Overruns are equity-funded: the project debt is "
        "sized on the budget. [-]",
    )
    capex_overrun_fraction_sd: float = Field(
        0.10, ge=0, le=5, description="Standard deviation of the overrun. [-]"
    )
    lease_up_delay_months_mean: float = Field(
        1.0, ge=0, le=60,
        description="Mean months between the hall being ready and rent starting, beyond "
        "rent_start_lag_months (commissioning, tenant ramp); gamma, rounded. [month]",
    )
    lease_up_delay_months_sd: float = Field(
        1.0, ge=0, le=60, description="Standard deviation of the lease-up delay. [month]"
    )
    tenant_default: Literal["realised", "expected"] = Field(
        "realised",
        description="'realised': each path draws the month the tenant defaults (hazard "
        "tenant_default_probability_per_year from rent start); the hall then stands "
        "vacant re_lease_downtime_months, collecting default_recovery_fraction of the "
        "rent (guarantees, claims), and is re-let at (1 - re_lease_rent_haircut_fraction) "
        "of the rent for the rest of the lease schedule. 'expected': the pivot model's "
        "expected-value collection factor on every path.",
    )
    re_lease_downtime_months: int = Field(
        12, ge=0, le=120,
        description="Months a hall stands vacant after a default before a new tenant's "
        "rent starts. [month]",
    )
    re_lease_rent_haircut_fraction: float = Field(
        0.2, ge=0, le=1,
        description="Rent of the new tenant below the defaulted lease's. [-]",
    )


class HostingProjectSpec(BaseModel):
    """An AI/HPC hosting conversion of one site (``[sites.hosting]``).

    Capex is per critical IT MW (IT MW = gross MW / PUE). Under a triple-net lease the tenant
    pays the power and the recoverable opex; under modified gross the operator pays the
    power of the hall (IT load x PUE) and the opex out of the rent.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # --- size and efficiency -------------------------------------------------------------
    convertible_gross_mw: float | None = Field(
        None,
        gt=0,
        le=10_000,
        description="Gross (utility) MW that can be converted; None = the site's "
        "capacity_mw, else the fleet's power including the site overhead. [MW]",
    )
    pue: float = Field(
        1.3,
        ge=1.0,
        le=3.0,
        description="Power usage effectiveness of the AI hall: gross MW / critical IT MW. "
        "New AI halls are designed at ~1.15-1.3; deals imply 1.25-1.45. [-]",
    )

    # --- capex ---------------------------------------------------------------------------
    shell_capex_usd_per_it_mw: float = Field(
        3.0e6,
        ge=0,
        le=1e8,
        description="Powered shell capex (building, substation upgrades) per critical IT "
        "MW. [USD/MW]",
    )
    shell_funded_by: Funder = Field("operator", description="Who pays for the powered shell.")
    fit_out_capex_usd_per_it_mw: float = Field(
        6.0e6,
        ge=0,
        le=1e8,
        description="Fit-out capex (electrical, liquid cooling) per critical IT MW. Miner "
        "conversions total ~8-11 M USD per IT MW with the shell. [USD/MW]",
    )
    fit_out_funded_by: Funder = Field(
        "operator",
        description="Who pays for the fit-out ('tenant' as CoreWeave at Core Scientific).",
    )
    construction_months: int = Field(
        12,
        ge=1,
        le=60,
        description="Months from construction start to the hall being ready for service; "
        "capex is spread evenly over them and the converted MW mine nothing. [month]",
    )

    # --- phased plan ---------------------------------------------------------------------
    phases: list[HostingPhase] = Field(
        default_factory=list,
        description="Explicit phased conversion plan for the 'phased' strategy; empty = "
        "phased_tranches equal tranches phase_interval_months apart from the pivot start.",
    )
    phased_tranches: int = Field(
        3, ge=1, le=24, description="Number of equal tranches of the default phased plan. [-]"
    )
    phase_interval_months: int = Field(
        12, ge=0, le=120, description="Months between tranches of the default phased plan. [month]"
    )

    # --- lease ---------------------------------------------------------------------------
    lease_usd_per_kw_month: float = Field(
        130.0,
        gt=0,
        le=2_000,
        description="Rent per kW of critical IT per month in the first lease year; miner "
        "colocation deals imply ~100-180. [USD/kW/month]",
    )
    lease_escalator_per_year: float = Field(
        0.03, ge=-0.1, le=0.2, description="Annual rent escalator (0.03 = 3 %/year). [1/year]"
    )
    lease_term_years: float = Field(
        12.0, gt=0, le=40, description="Initial lease term from rent start. [year]"
    )
    renewal_options: int = Field(
        1, ge=0, le=10, description="Number of tenant renewal options after the term. [-]"
    )
    renewal_term_years: float = Field(
        5.0, gt=0, le=20, description="Length of each renewal. [year]"
    )
    renewal_probability: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Probability the tenant exercises each renewal (expected-value "
        "treatment; renewals are never counted in the contracted backlog). [-]",
    )
    rent_start_lag_months: int = Field(
        0,
        ge=0,
        le=36,
        description="Months after the hall is ready before rent starts (free rent). [month]",
    )
    lease_structure: LeaseStructure = Field(
        "triple_net",
        description="'triple_net': tenant pays power and recoverable opex; "
        "'modified_gross': operator pays power at the PUE and the opex.",
    )
    it_load_factor: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Average IT load / contracted IT capacity; sets the power the operator "
        "pays under modified gross. [-]",
    )
    hosting_power_price_usd_per_mwh: float | None = Field(
        None,
        ge=-1_000,
        le=5_000,
        description="Power price of the hall under modified gross; None = the site's power "
        "contract price plus adder. [USD/MWh]",
    )
    prepayment_fraction: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of the initial-term rent the tenant prepays at construction "
        "start, credited pro rata against every rent payment of the term. [-]",
    )

    # --- opex ----------------------------------------------------------------------------
    opex_usd_per_it_mw_year: float = Field(
        150_000.0,
        ge=0,
        le=1e7,
        description="Facility opex (staff, maintenance, insurance) per IT MW per year, "
        "escalated with the lease escalator. [USD/MW/year]",
    )
    nnn_operator_opex_fraction: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of facility opex the operator keeps paying under a triple-net "
        "lease (non-recoverable items). [-]",
    )

    # --- tenant credit -------------------------------------------------------------------
    tenant_default_probability_per_year: float = Field(
        0.01,
        ge=0,
        lt=1,
        description="Annual probability the tenant defaults (constant hazard). [1/year]",
    )
    default_recovery_fraction: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Share of the rent still collected after a default (re-leasing, "
        "guarantees, backstops); expected-value treatment. [-]",
    )

    # --- the replaced miners -------------------------------------------------------------
    asic_disposition: Literal["sell", "redeploy"] = Field(
        "sell",
        description="'sell': the replaced ASICs are resold at asic_resale_usd_per_th when "
        "their MW stop mining; 'redeploy': they keep mining elsewhere at the site's power "
        "price (no resale).",
    )
    asic_resale_usd_per_th: float = Field(
        4.0,
        ge=0,
        le=100,
        description="Resale price of the replaced ASICs; older generations trade at ~4-8. [USD/TH]",
    )

    # --- risk in the Monte Carlo ---------------------------------------------------------
    risk: HostingRiskSpec | None = Field(
        None,
        description="Construction delay, capex overrun, lease-up delay and realised tenant "
        "default drawn per path in simulate ([sites.hosting.risk]); None = hosting valued "
        "in expectation on every path (no spread).",
    )

    @model_validator(mode="after")
    def _phases_sorted(self) -> HostingProjectSpec:
        starts = [p.start for p in self.phases]
        if starts != sorted(starts):
            raise ValueError("phases must be listed in order of their start month")
        return self

    @property
    def capex_usd_per_it_mw(self) -> float:
        """Total capex (shell + fit-out) per critical IT MW, whoever funds it. [USD/MW]"""
        return self.shell_capex_usd_per_it_mw + self.fit_out_capex_usd_per_it_mw

    @property
    def operator_capex_usd_per_it_mw(self) -> float:
        """Capex per critical IT MW the operator funds. [USD/MW]"""
        total = 0.0
        if self.shell_funded_by == "operator":
            total += self.shell_capex_usd_per_it_mw
        if self.fit_out_funded_by == "operator":
            total += self.fit_out_capex_usd_per_it_mw
        return total


class FinancingSpec(BaseModel):
    """Project debt against the operator-funded hosting capex (``[financing]``).

    Each month's capex is funded ``loan_to_cost_fraction`` by debt and the rest by equity.
    Interest is paid monthly during construction; from the month the hall is ready the
    balance amortizes as a level annuity over ``amortization_years`` (a balloon at the end
    of the horizon repays whatever is left).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    loan_to_cost_fraction: float = Field(
        0.0,
        ge=0,
        le=0.95,
        description="Debt share of operator-funded hosting capex; lenders went to 80-85 % "
        "against creditworthy leases. 0 = all equity. [-]",
    )
    interest_rate: float = Field(
        0.085, ge=0, le=0.5, description="Annual interest rate of the project debt. [1/year]"
    )
    amortization_years: float = Field(
        10.0, gt=0, le=40, description="Amortization period after completion. [year]"
    )
    upfront_fee_fraction: float = Field(
        0.01, ge=0, le=0.1, description="Arrangement fee on each draw, paid at draw. [-]"
    )
    equity_discount_rate: float = Field(
        0.15,
        gt=-0.99,
        le=1.0,
        description="Cost of equity: levered (equity) free cash flow is discounted at it, "
        "not at the unlevered [pivot].discount_rate, so cheap debt does not inflate the "
        "levered NPV. Listed miners' equity is volatile; 15 %/year is a conservative "
        "default. [1/year]",
    )


class SensitivitySpec(BaseModel):
    """Low/high swings of the tornado (``[pivot.sensitivity]``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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
    tenant_default_probability_per_year: float = Field(
        0.05, ge=0, lt=1, description="Stressed tenant default probability. [1/year]"
    )


class TerminalValueSpec(BaseModel):
    """Value of each business line at the end of the horizon (``[pivot.terminal_value]``).

    Defaults: mining at an exit multiple of 8x its final-year EBITDA (listed miners trade
    around 6-12x EV/EBITDA, 2024-2025 secondary sources); hosting on its contracts, the
    lease rent still contracted after the horizon (with the expected renewals) net of the
    hall's power and opex, valued explicitly, nothing after the last term.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    mining_method: Literal["none", "gordon", "exit_multiple"] = Field(
        "exit_multiple",
        description="Mining after the horizon: none, Gordon growth of the final-year FCF, "
        "or a multiple of the final-year EBITDA.",
    )
    mining_ebitda_multiple: float = Field(
        8.0, ge=0, le=50, description="EV/EBITDA of mining at exit (listed miners 6-12x). [-]"
    )
    hosting_method: Literal["none", "contract", "gordon", "exit_multiple"] = Field(
        "contract",
        description="Hosting after the horizon: none; contract (remaining contracted rent "
        "and expected renewals, net of hall power and opex, valued explicitly); Gordon "
        "growth of the final-year FCF; or a multiple of the final-year EBITDA.",
    )
    hosting_ebitda_multiple: float = Field(
        20.0,
        ge=0,
        le=50,
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

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    horizon_years: int = Field(15, ge=1, le=40, description="Model horizon. [year]")
    discount_rate: float = Field(
        0.10,
        gt=-0.99,
        le=1.0,
        description="Annual discount rate; monthly rate = (1 + r)^(1/12) - 1. [1/year]",
    )
    mining_discount_rate: float | None = Field(
        None,
        gt=-0.99,
        le=1.0,
        description="Rate of the merchant mining line (BTC and hashprice risk; listed "
        "miners' cost of equity is in the mid to high teens); None = discount_rate. [1/year]",
    )
    hosting_discount_rate: float | None = Field(
        None,
        gt=-0.99,
        le=1.0,
        description="Rate of the contracted hosting line (a hyperscaler-backstopped lease "
        "is financed near corporate debt, high single digits); None = discount_rate. "
        "[1/year]",
    )
    start: MonthText | None = Field(
        None,
        description="First modelled month 'YYYY-MM'; None = the month after the latest "
        "bundled day.",
    )

    # --- market path ---------------------------------------------------------------------
    btc_price_usd: float | None = Field(
        None, gt=0, le=1e8, description="BTC price at start; None = latest bundled day. [USD]"
    )
    btc_price_growth_per_year: float = Field(
        0.10, gt=-1, le=5, description="Compound annual BTC price growth. [1/year]"
    )
    network_hashrate_th_s: float | None = Field(
        None,
        gt=0,
        le=1e12,
        description="Network hashrate at start; None = latest bundled day. [TH/s]",
    )
    network_hashrate_growth_per_year: float = Field(
        0.20, gt=-1, le=5, description="Compound annual network hashrate growth. [1/year]"
    )
    fees_btc_per_block: float | None = Field(
        None,
        ge=0,
        le=100,
        description="Average fees per block; None = 90-day mean of the bundled data (or "
        "0.03). [BTC]",
    )
    start_height: int | None = Field(
        None,
        ge=0,
        le=20_000_000,
        description="Block height at start; None = latest bundled day's height "
        "(advances 144 blocks per day). [-]",
    )

    # --- fleet ---------------------------------------------------------------------------
    fleet_hashrate_decay_per_year: float = Field(
        0.03,
        ge=0,
        lt=1,
        description="Yearly loss of fleet hashrate from ageing and failures at constant "
        "power (compound). [1/year]",
    )
    fleet_replacement_years: float | None = Field(
        4.0,
        gt=0,
        le=40,
        description="Replace the fleet every this many years with machines of the then "
        "current efficiency at the same power; None = never replace. [year]",
    )
    replacement_efficiency_j_per_th: float = Field(
        16.0,
        ge=1.0,
        le=200,
        description="Efficiency of replacement machines bought at start (S21-class "
        "~15-17.5); later purchases improve by replacement_efficiency_gain_per_year. [J/TH]",
    )
    replacement_efficiency_gain_per_year: float = Field(
        0.08,
        ge=0,
        lt=1,
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
        "'convert' needs convert_mw (or --convert-mw).",
    )
    convert_mw: float | None = Field(
        None, gt=0, le=10_000, description="Gross MW of the 'convert' strategy. [MW]"
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

    @field_validator("start", "convert_start")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        return _check_month(v)


__all__ = [
    "FinancingSpec",
    "HostingPhase",
    "HostingProjectSpec",
    "HostingRiskSpec",
    "PivotSpec",
    "SensitivitySpec",
    "TerminalValueSpec",
]
