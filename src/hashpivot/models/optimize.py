"""Inputs of the portfolio decision engine: ``[optimize]`` and its tenant pipeline.

* :class:`TenantSpec` (``[[optimize.tenants]]``): a prospective tenant: critical IT MW it
  would lease, first-year rent, escalator, term, earliest start and probability of signing.
* :class:`CommittedConversion` (``[[optimize.committed]]``): a conversion already decided
  (fixed by ``--fixed-through`` in a rolling plan).
* :class:`OptimizeSpec` (``[optimize]``): decision grid (quarters, hall blocks), the capex
  budget and debt capacity, build capacity, the risk measure and the user's rules file.

Every field has a default, so ``OptimizeSpec()`` is valid: without tenants each site is
leased on its own ``[sites.hosting]`` terms with unlimited demand.

Example
-------
.. code-block:: toml

    [optimize]
    block_mw = 25.0
    build_mw_per_quarter = 100.0
    equity_budget_usd_per_year = [300e6, 300e6, 400e6]
    debt_capacity_usd = 1.5e9

      [[optimize.tenants]]
      name = "Hyperscaler A"
      it_mw = 150.0
      lease_usd_per_kw_month = 140.0
      lease_escalator_per_year = 0.03
      lease_term_years = 15
      earliest_start = "2026Q3"
      probability_signing = 0.7
"""

from __future__ import annotations

import re
from typing import Self

import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from hashpivot.models.dates import QuarterText
from hashpivot.models.field_checks import field_problems
from hashpivot.models.fields import (
    STRICT_CONFIG,
    AmountUsd,
    EscalatorPerYear,
    FileName,
    LeaseUsdPerKwMonth,
    ProbabilitySigning,
    SiteMw,
    Years,
)

_QUARTER_RE = re.compile(r"^\d{4}Q[1-4]$")


def _check_quarter(value: str | None) -> str | None:
    if value is not None and not _QUARTER_RE.match(value):
        raise ValueError(f"expected a quarter as 'YYYYQn' (e.g. 2026Q3), got {value!r}")
    return value


def quarter_period(value: str) -> pd.Period:
    """A ``'YYYYQn'`` string as a quarterly :class:`pandas.Period`."""
    return pd.Period(value, freq="Q")


class TenantSpec(BaseModel):
    """A prospective tenant of the pipeline (``[[optimize.tenants]]``)."""

    model_config = STRICT_CONFIG

    name: str = Field(..., min_length=1, description="Tenant name.")
    it_mw: SiteMw = Field(
        ..., description="Critical IT MW the tenant would lease. [MW]"
    )
    lease_usd_per_kw_month: LeaseUsdPerKwMonth = Field(
        ..., description="First-year rent per critical IT kW. [USD/kW/month]"
    )
    lease_escalator_per_year: EscalatorPerYear = Field(
        0.03, description="Annual rent escalator. [1/year]"
    )
    lease_term_years: Years = Field(
        12.0, description="Initial lease term. [year]"
    )
    earliest_start: QuarterText | None = Field(
        None, description="First quarter a hall for this tenant may start, 'YYYYQn'."
    )
    probability_signing: ProbabilitySigning = Field(
        1.0,
        description="Probability the tenant signs; drawn once per scenario: a plan builds "
        "for this tenant only where it signs. [-]",
    )
    sites: list[str] | None = Field(
        None, description="Sites the tenant accepts; None: every site with hosting terms."
    )

    @field_validator("earliest_start")
    @classmethod
    def _quarter(cls, v: str | None) -> str | None:
        return _check_quarter(v)

    @field_validator("sites")
    @classmethod
    def _each_site_once(cls, v: list[str] | None) -> list[str] | None:
        """At least one site, each once, also ignoring case (a site is found by its name
        ignoring case: :func:`~hashpivot.models.portfolio.find_site`): ``[]`` made a
        tenant no site could host, a repeat offered it the same site twice."""
        from hashpivot.models.portfolio import name_key, repeat_how

        if v is None:
            return v
        if not v:
            raise ValueError("give at least one site, or leave sites out for every site "
                             "with hosting terms")
        first: dict[str, int] = {}
        for j, name in enumerate(v):
            i = first.setdefault(name_key(name), j)
            if i != j:
                raise ValueError(f"sites[{j}] repeats sites[{i}] ({v[i]!r})"
                                 f"{repeat_how(v[i], name)}: name each "
                                 "site once (a site is found by its name ignoring case)")
        return v


class CommittedConversion(BaseModel):
    """A conversion already committed (``[[optimize.committed]]``)."""

    model_config = STRICT_CONFIG

    site: str = Field(..., min_length=1, description="Site name.")
    quarter: QuarterText = Field(
        ..., description="Quarter construction starts, 'YYYYQn': one the plan's own "
        "conversions may start in (after the tenant's earliest_start, the site's "
        "connection and the regulation rules' study delays and bans; an error otherwise).")
    gross_mw: SiteMw = Field(..., description="Gross MW converted. [MW]")
    tenant: str | None = Field(
        None, description="Tenant name; None: the site's own [sites.hosting] terms."
    )

    @field_validator("quarter")
    @classmethod
    def _quarter(cls, v: str) -> str:
        _check_quarter(v)
        return v


class OptimizeSpec(BaseModel):
    """Settings of the portfolio decision engine (``[optimize]``)."""

    model_config = STRICT_CONFIG

    horizon_years: int | None = Field(
        None, ge=1, le=40, description="Planning horizon; None: [pivot].horizon_years. [year]"
    )
    block_mw: float | None = Field(
        25.0,
        gt=0,
        le=1_000,
        description="Gross MW of a hall block: conversions are whole blocks (a MILP); None: "
        "continuous MW (an LP). [MW]",
    )
    build_mw_per_quarter: float | None = Field(
        None,
        gt=0,
        le=100_000,
        description="Gross MW whose construction may start in one quarter across the "
        "portfolio (contractors, transformers); None: no limit. [MW/quarter]",
    )
    equity_budget_usd_per_year: list[AmountUsd] | AmountUsd | None = Field(
        None,
        description="Operator capex paid from equity (capex x (1 - loan_to_cost)) per "
        "model year; a list gives years 1, 2, ... (the last value repeats); None: no limit. "
        "[USD/year]",
    )
    debt_capacity_usd: AmountUsd | None = Field(
        None,
        description="Most project debt drawn over the horizon (capex x loan_to_cost, "
        "[financing].loan_to_cost_fraction); None: no limit. [USD]",
    )
    tenants: list[TenantSpec] = Field(
        default_factory=list,
        description="Tenant pipeline; empty: each site leases on its [sites.hosting] terms.",
    )
    committed: list[CommittedConversion] = Field(
        default_factory=list, description="Conversions already committed (rolling plan)."
    )
    cvar_alpha: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="Tail of the CVaR: the mean NPV of the worst alpha of scenarios. [-]",
    )
    two_stage_after_years: Years = Field(
        1.0,
        description="The two-stage bound lets decisions from this year on react per "
        "scenario. [year]",
    )
    rules_file: FileName | None = Field(
        None,
        description="CSV of extra regulation rules (the bundled table's columns, no "
        "other), relative to the portfolio file. An unknown or missing column, a row "
        "whose cells do not line up with the header, a state or grid operator no site "
        "can have and a bad cell are errors, all listed with the file, the line and the "
        "column (docs/methodology.md, 'Rules files').",
    )

    @field_validator("equity_budget_usd_per_year")
    @classmethod
    def _budget(cls, v: list[float] | float | None) -> list[float] | float | None:
        if isinstance(v, list) and not v:
            raise ValueError("give at least one year, or leave it out for no limit")
        return v

    @model_validator(mode="after")
    def _unique_tenants(self) -> Self:
        names = [t.name for t in self.tenants]
        first: dict[str, int] = {}
        repeats = [(("tenants", j, "name"), f"repeats the name of tenants[{i}] ({name!r}): "
                    "tenant names must be unique (a committed conversion names its tenant)",
                    name) for j, name in enumerate(names)
                   if (i := first.setdefault(name, j)) != j]
        known = set(names)
        offered = (f"give one of [[optimize.tenants]]: {', '.join(names)}" if names else
                   "there is no [[optimize.tenants]]: leave tenant out for the site's own "
                   "[sites.hosting] terms")
        unknown = [(("committed", i, "tenant"), f"no tenant named {c.tenant!r}; {offered}",
                    c.tenant) for i, c in enumerate(self.committed)
                   if c.tenant is not None and c.tenant not in known]
        if repeats or unknown:
            raise field_problems("OptimizeSpec", repeats + unknown)
        return self

    def budget_usd(self, year: int) -> float:
        """Equity budget of model year ``year`` (0-based); ``inf`` without a limit. [USD]"""
        v = self.equity_budget_usd_per_year
        if v is None:
            return float("inf")
        if isinstance(v, list):
            return float(v[min(year, len(v) - 1)])
        return float(v)

    def budget_field(self, year: int) -> str:
        """The field path that gives model year ``year``'s budget (0-based): a list's item
        (the last repeats) or the one value."""
        v = self.equity_budget_usd_per_year
        if isinstance(v, list):
            return f"optimize.equity_budget_usd_per_year[{min(year, len(v) - 1)}]"
        return "optimize.equity_budget_usd_per_year"
