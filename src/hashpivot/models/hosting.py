"""Inputs of an AI/HPC hosting conversion: ``[sites.hosting]`` and its ``risk`` table.

* :class:`HostingProjectSpec` (site level, ``Site.hosting``): what converting the site's
  megawatts to an AI/HPC data hall costs and earns (PUE, capex split into powered shell and
  fit-out with who funds each, build time, lease terms, opex, tenant default, ASIC resale);
* :class:`HostingPhase`: one tranche of an explicit phased plan (``phases``);
* :class:`HostingInService`: a hall already leased and in service (``in_service``), in
  every strategy alike;
* :class:`HostingRiskSpec` (``Site.hosting.risk``, optional): the hosting risk the Monte
  Carlo draws per path (construction delay, capex overrun, lease-up delay, tenant default).

The portfolio-level tables of the pivot live beside it: ``[financing]`` in
:mod:`hashpivot.models.financing` and ``[pivot]`` in :mod:`hashpivot.models.pivot` (both
re-exported here).

Every field has a default, so ``HostingProjectSpec()`` is valid. Defaults are calibrated
on the reference deals bundled in ``hashpivot/data/ai_hosting_deals.csv`` and on the
ranges in the project's domain notes (``hashpivot deals`` lists them).

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
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from hashpivot.models.dates import MonthText
from hashpivot.models.field_checks import field_problems
from hashpivot.models.fields import (
    STRICT_CONFIG,
    EscalatorPerYear,
    Fraction,
    FractionPerYear,
    LeaseUsdPerKwMonth,
    ProbabilitySigning,
    SiteMw,
    Years,
)
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.pivot import PivotSpec, SensitivitySpec, TerminalValueSpec

Funder = Literal["operator", "tenant"]
LeaseStructure = Literal["triple_net", "modified_gross"]


class HostingPhase(BaseModel):
    """One tranche (a hall) of an explicit phased conversion plan; it may be leased on its
    own terms (a tenant's rent, escalator and term), its other terms are the site's.
    ``hashpivot optimize --out`` writes its plan in these tables (``plan_portfolio.toml``)."""

    model_config = STRICT_CONFIG

    start: MonthText = Field(
        ...,
        description="Month construction of this tranche starts, 'YYYY-MM'; its MW stop "
        "mining that month.",
    )
    gross_mw: SiteMw = Field(..., description="Gross (utility) MW converted. [MW]")
    tenant: str | None = Field(
        None, min_length=1, description="Tenant of this hall (a label in the reports)."
    )
    lease_usd_per_kw_month: LeaseUsdPerKwMonth | None = Field(
        None,
        description="First-year rent of this hall's lease; not set: the site's "
        "lease_usd_per_kw_month. [USD/kW/month]",
    )
    lease_escalator_per_year: EscalatorPerYear | None = Field(
        None, description="Annual rent escalator of this hall's lease; not set: the "
        "site's. [1/year]"
    )
    lease_term_years: Years | None = Field(
        None, description="Initial term of this hall's lease; not set: the site's. [year]"
    )
    probability_signing: ProbabilitySigning | None = Field(
        None,
        description="Probability the hall's tenant signs (the halls of one tenant sign "
        "together, tenants independently; every hall of a tenant gives the same). pivot "
        "values the strategy as written and its expected value over the signings; simulate "
        "draws the signings per path (a hall not signed is not built: its MW mine on). Not "
        "set: 1. [-]",
    )

    @property
    def resolved_probability_signing(self) -> float:
        """``probability_signing``, or 1 when not set (the hall is built). [-]"""
        return 1.0 if self.probability_signing is None else float(self.probability_signing)

    def lease_terms(self) -> dict[str, float]:
        """The lease terms this phase sets, by their ``[sites.hosting]`` field name."""
        return {
            k: float(v)
            for k in LEASE_TERM_FIELDS
            if (v := getattr(self, k)) is not None
        }


#: The lease terms a hall (a phase, a tenant) may set for itself; the other hosting terms
#: are the site's.
LEASE_TERM_FIELDS = ("lease_usd_per_kw_month", "lease_escalator_per_year", "lease_term_years")


class HostingInService(BaseModel):
    """A hall already built and leased (``[[sites.hosting.in_service]]``): its gross MW are
    taken from the site's ``capacity_mw`` in every strategy (they neither mine nor convert)
    and its net rent is a stream of the site in every strategy alike, keep-mining included
    (:mod:`hashpivot.engines.pivot.in_service`). Its capex is sunk; its rent runs from
    ``lease_start`` through ``lease_end`` (no renewal, no default); its power and opex
    follow the site's ``[sites.hosting]`` lease structure and opex terms."""

    model_config = STRICT_CONFIG

    gross_mw: SiteMw = Field(
        ..., description="Gross (utility) MW the hall draws, taken from the site's "
        "capacity_mw for mining and conversion in every strategy. [MW]")
    tenant: str | None = Field(
        None, min_length=1, description="Tenant of the hall (a label in the reports).")
    pue: float | None = Field(
        None, ge=1.0, le=3.0,
        description="Power usage effectiveness of the hall: IT MW = gross_mw / pue; not "
        "set: the site's [sites.hosting] pue. [-]")
    lease_start: MonthText = Field(
        ..., description="Month the lease's rent started, 'YYYY-MM' (a TOML date: its "
        "month); the escalator counts whole lease years from it.")
    lease_end: MonthText = Field(
        ..., description="Last month of rent, 'YYYY-MM' (a TOML date: its month); no "
        "renewal is counted after it. A lease ended before the model start is not "
        "counted (a note).")
    lease_usd_per_kw_month: LeaseUsdPerKwMonth = Field(
        ..., description="Rent per kW of critical IT per month in the lease's first year "
        "(from lease_start), as the contract states it. [USD/kW/month]")
    lease_escalator_per_year: EscalatorPerYear | None = Field(
        None, description="Annual rent escalator, applied at each lease anniversary "
        "(also escalates the hall's opex); not set: the site's. [1/year]")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.lease_end < self.lease_start:
            raise field_problems("HostingInService", [(
                ("lease_end",), f"lease_end {self.lease_end} is before lease_start "
                f"{self.lease_start}", self.lease_end)])
        return self

    def it_mw(self, site_pue: float) -> float:
        """Critical IT MW: ``gross_mw / pue`` (the hall's, else ``site_pue``). [MW]"""
        return float(self.gross_mw) / float(self.pue if self.pue is not None else site_pue)


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

    model_config = STRICT_CONFIG

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
        "rent (guarantees, claims) and drawing no power, and is re-let at "
        "(1 - re_lease_rent_haircut_fraction) of the rent for the rest of the lease "
        "schedule; under modified gross both shares are of the rent net of the hall's "
        "power, which the new tenant pays in full. 'expected': the pivot model's "
        "expected-value collection factor on every path.",
    )
    re_lease_downtime_months: int = Field(
        12, ge=0, le=120,
        description="Months a hall stands vacant after a default before a new tenant's "
        "rent starts. [month]",
    )
    re_lease_rent_haircut_fraction: Fraction = Field(
        0.2,
        description="Rent of the new tenant below the defaulted lease's (under modified "
        "gross, of the rent net of the hall's power, which the new tenant pays in "
        "full). [-]",
    )

    def describe(self) -> str:
        """One line for reports: each distribution's mean and spread, and how a tenant's
        default is drawn."""
        if self.tenant_default == "realised":
            default = (f"realised: vacant {self.re_lease_downtime_months} months "
                       "(re_lease_downtime_months), then re-let "
                       f"{100 * self.re_lease_rent_haircut_fraction:g} % lower "
                       "(re_lease_rent_haircut_fraction)")
        else:
            default = "expected: the pivot model's expected collection on every path"
        return (
            f"construction delay mean {self.construction_delay_fraction_mean:g} (sd "
            f"{self.construction_delay_fraction_sd:g}) of construction_months; capex overrun "
            f"mean {100 * self.capex_overrun_fraction_mean:g} % (sd "
            f"{100 * self.capex_overrun_fraction_sd:g} %); lease-up delay mean "
            f"{self.lease_up_delay_months_mean:g} (sd {self.lease_up_delay_months_sd:g}) "
            f"months; tenant_default {default}"
        )

    @model_validator(mode="after")
    def _spread_has_a_mean(self) -> Self:
        """A delay's spread needs a mean above 0: a delay is never negative, and with a
        mean of 0 every draw was 0, the spread given ignored without a word."""
        problems = [
            ((sd,), f"a spread of a delay needs {mean} > 0 (a delay is never negative: "
                    f"with {mean} = 0 every path has none); give {mean} or set {sd} to 0",
             getattr(self, sd))
            for mean, sd in (("construction_delay_fraction_mean",
                              "construction_delay_fraction_sd"),
                             ("lease_up_delay_months_mean", "lease_up_delay_months_sd"))
            if getattr(self, mean) == 0 and getattr(self, sd) > 0
        ]
        if problems:
            raise field_problems("HostingRiskSpec", problems)
        return self


class HostingProjectSpec(BaseModel):
    """An AI/HPC hosting conversion of one site (``[sites.hosting]``).

    Capex is per critical IT MW (IT MW = gross MW / PUE). Under a triple-net lease the tenant
    pays the power and the recoverable opex; under modified gross the operator pays the
    power of the hall (IT load x PUE) and the opex out of the rent.
    """

    model_config = STRICT_CONFIG

    # --- size and efficiency -------------------------------------------------------------
    convertible_gross_mw: SiteMw | None = Field(
        None,
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
        3, ge=0, le=24, description="Number of equal tranches of the default phased plan "
        "(0: the site does not convert in the 'phased' strategy). [-]"
    )
    phase_interval_months: int = Field(
        12, ge=0, le=120, description="Months between tranches of the default phased plan. [month]"
    )

    in_service: list[HostingInService] = Field(
        default_factory=list,
        description="Halls already built and leased ([[sites.hosting.in_service]]): their "
        "gross MW are taken from capacity_mw and their net rent counted in every strategy "
        "alike, keep-mining included.",
    )

    # --- lease ---------------------------------------------------------------------------
    lease_usd_per_kw_month: LeaseUsdPerKwMonth = Field(
        130.0,
        description="Rent per kW of critical IT per month in the first lease year; miner "
        "colocation deals imply ~100-180. [USD/kW/month]",
    )
    lease_escalator_per_year: EscalatorPerYear = Field(
        0.03, description="Annual rent escalator (0.03 = 3 %/year). [1/year]"
    )
    lease_term_years: Years = Field(
        12.0, description="Initial lease term from rent start. [year]"
    )
    renewal_options: int = Field(
        1, ge=0, le=10, description="Number of tenant renewal options after the term. [-]"
    )
    renewal_term_years: float = Field(
        5.0, gt=0, le=20, description="Length of each renewal. [year]"
    )
    renewal_probability: Fraction = Field(
        0.5,
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
    it_load_factor: Fraction = Field(
        0.8,
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
    prepayment_fraction: Fraction = Field(
        0.0,
        description="Share of the initial-term rent the tenant prepays at construction "
        "start, credited pro rata against every rent payment of the term. [-]",
    )

    # --- opex ----------------------------------------------------------------------------
    opex_usd_per_it_mw_year: float = Field(
        150_000.0,
        ge=0,
        le=1e7,
        description="Facility opex (staff, maintenance, insurance) per IT MW per year, "
        "escalated with the lease escalator, paid while a lease is in force (renewals in "
        "expectation; an empty hall after the last lease is not valued). [USD/MW/year]",
    )
    nnn_operator_opex_fraction: Fraction = Field(
        0.1,
        description="Share of facility opex the operator keeps paying under a triple-net "
        "lease (non-recoverable items). [-]",
    )

    # --- tenant credit -------------------------------------------------------------------
    tenant_default_probability_per_year: FractionPerYear = Field(
        0.01,
        description="Annual probability the tenant defaults (constant hazard). [1/year]",
    )
    default_recovery_fraction: Fraction = Field(
        0.4,
        description="Share of the rent still collected after a default (re-leasing, "
        "guarantees, backstops); expected-value treatment. Under modified gross it is a "
        "share of the rent net of the hall's power: the power is paid, and its part of "
        "the rent collected, in full as if leased. [-]",
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
    def in_service_gross_mw(self) -> float:
        """Gross MW of the halls already in service (``in_service``), taken from the
        site's capacity in every strategy. [MW]"""
        return float(sum(h.gross_mw for h in self.in_service))

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


__all__ = [
    "LEASE_TERM_FIELDS",
    "FinancingSpec",
    "HostingInService",
    "HostingPhase",
    "HostingProjectSpec",
    "HostingRiskSpec",
    "PivotSpec",
    "SensitivitySpec",
    "TerminalValueSpec",
]
