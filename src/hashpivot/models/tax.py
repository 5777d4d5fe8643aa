"""Income tax inputs of the pivot model (``[pivot.tax]``); absent = pre-tax figures.

Defaults and their sources are those of :mod:`hashpivot.tax` (US federal rules as of 2025).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from hashpivot.models.fields import STRICT_CONFIG, Fraction
from hashpivot.tax import MACRS_HALF_YEAR

__all__ = ["PIVOT_AFTER_TAX", "TaxSpec"]

#: How ``pivot``'s after-tax figures (NPV after tax, after tax with TV, NPV levered after
#: tax) are made of the tax: the end of :meth:`TaxSpec.describe`, after the tax's terms
#: (an engine printing other figures says its own instead:
#: :func:`hashpivot.engines.pivot.model_assumptions.tax_row`).
PIVOT_AFTER_TAX = (
    "the tax discounted at [pivot] discount_rate "
    "(the lines' own rates are the pre-tax flows'); 'after tax with TV': the "
    "contract and Gordon terminal values taxed at the income tax rate as their "
    "cash flows (capex after the horizon deducted as paid, no depreciation of what "
    "was built before), an exit multiple as it is (a buyer's price) but for a PPA "
    "block's months after the horizon, taxed as a contract's; the levered "
    "tax (interest deducted) at [financing] equity_discount_rate, as the levered "
    "flows (construction interest deducted as paid, not capitalized into the hall)"
)


class TaxSpec(BaseModel):
    """Corporate income tax of the project (``[pivot.tax]``)."""

    model_config = STRICT_CONFIG

    income_tax_rate: float = Field(
        0.21, ge=0, le=0.6,
        description="Income tax rate: 21 % US federal (IRC 11(b)); add the state rate. [-]",
    )
    depreciation_method: Literal["macrs", "straight_line"] = Field(
        "macrs",
        description="Tax depreciation of ASICs and fit-out: 'macrs' (IRS Pub 946 Table A-1, "
        "half-year convention) or 'straight_line'; shells are always straight line.",
    )
    asic_recovery_years: int = Field(
        5, ge=1, le=20,
        description="Recovery period of ASICs (5-year property, computers). [year]",
    )
    fit_out_recovery_years: int = Field(
        15, ge=1, le=39,
        description="Recovery period of the AI hall fit-out (electrical, cooling: 15-year "
        "qualified improvement property). [year]",
    )
    shell_recovery_years: int = Field(
        39, ge=1, le=40,
        description="Recovery period of the powered shell (nonresidential real property, "
        "straight line). [year]",
    )
    bonus_depreciation_fraction: Fraction = Field(
        1.0,
        description="Bonus depreciation of ASICs and fit-out in the year placed in service: "
        "100 % for property acquired after 2025-01-19 (IRC 168(k), Public Law 119-21); "
        "never for shells. [-]",
    )
    interest_limit_ebitda_fraction: float | None = Field(
        0.30, ge=0, le=1,
        description="Interest deductible up to this share of EBITDA, the rest carried "
        "forward (IRC 163(j)); omit for no cap. [-]",
    )
    loss_limit_fraction: Fraction = Field(
        0.80,
        description="Share of a year's taxable income a loss carry-forward may offset "
        "(IRC 172). [-]",
    )
    opening_loss_usd: float = Field(
        0.0, ge=0, le=1e12, description="Loss carry-forward at the start. [USD]"
    )

    @model_validator(mode="after")
    def _macrs_periods(self) -> TaxSpec:
        if self.depreciation_method == "macrs":
            allowed = sorted(MACRS_HALF_YEAR)
            for name in ("asic_recovery_years", "fit_out_recovery_years"):
                if getattr(self, name) not in allowed:
                    raise ValueError(
                        f"{name} must be a MACRS recovery period ({allowed}) with "
                        "depreciation_method = 'macrs'"
                    )
        return self

    def describe(self) -> str:
        """One line for reports: rate, depreciation, bonus, interest cap, loss rule and the
        loss carried in, then how ``pivot``'s after-tax figures are made of the tax
        (:data:`PIVOT_AFTER_TAX`)."""
        cap = (
            "no interest cap"
            if self.interest_limit_ebitda_fraction is None
            else f"interest up to {100 * self.interest_limit_ebitda_fraction:.0f} % of EBITDA"
        )
        carried = (
            "no loss carried in"
            if self.opening_loss_usd == 0
            else f"{self.opening_loss_usd / 1e6:,.1f} M USD carried in"
        )
        return (
            f"after-tax: income tax {100 * self.income_tax_rate:.1f} %; "
            f"{self.depreciation_method.replace('_', ' ')} "
            f"ASICs {self.asic_recovery_years} y, fit-out {self.fit_out_recovery_years} y, "
            f"shell {self.shell_recovery_years} y straight line; bonus "
            f"{100 * self.bonus_depreciation_fraction:.0f} %; {cap}; losses carried forward "
            f"(up to {100 * self.loss_limit_fraction:.0f} % of a year's income; {carried} "
            "(opening_loss_usd)); existing "
            "fleet's tax basis not modelled; rent taxed as earned (a prepayment as it is "
            f"credited: IRC 467); {PIVOT_AFTER_TAX}"
        )
