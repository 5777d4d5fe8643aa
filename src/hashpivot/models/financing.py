"""Project debt of the AI/HPC pivot (``[financing]``, portfolio level: ``Portfolio.financing``).

Every field has a default, so ``FinancingSpec()`` is valid (all equity).

Example
-------
.. code-block:: toml

    [financing]
    loan_to_cost_fraction = 0.8
    interest_rate = 0.085
    amortization_years = 10
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from hashpivot.models.fields import STRICT_CONFIG, DiscountRate, Years


class FinancingSpec(BaseModel):
    """Project debt against the operator-funded hosting capex (``[financing]``).

    Each month's capex is funded ``loan_to_cost_fraction`` by debt and the rest by equity.
    Interest (``interest_rate / 12`` a month: nominal, 8.84 %/year effective at 8.5 %) is
    paid in cash monthly during construction, not capitalized into the loan (the equity
    pays it; rolled up, the levered NPV would be a few per cent higher:
    ``docs/methodology.md``); from the month the hall is ready the
    balance amortizes as a level annuity over ``amortization_years`` (in the NPV, a balloon
    at the end of the horizon repays whatever is left; the treasury of ``simulate`` leaves
    it outstanding).
    """

    model_config = STRICT_CONFIG

    loan_to_cost_fraction: float = Field(
        0.0,
        ge=0,
        le=0.95,
        description="Debt share of operator-funded hosting capex; lenders went to 80-85 % "
        "against creditworthy leases. 0 = all equity. [-]",
    )
    interest_rate: float = Field(
        0.085, ge=0, le=0.5, description="Annual (nominal) interest rate of the project "
        "debt, paid monthly at rate / 12 (as the treasury's debt): 8.5 % costs 8.84 %/year "
        "effective; paid in cash during construction too, not capitalized. [1/year]"
    )
    amortization_years: Years = Field(
        10.0, description="Amortization period after completion. [year]"
    )
    upfront_fee_fraction: float = Field(
        0.01, ge=0, le=0.1, description="Arrangement fee on each draw, paid at draw. [-]"
    )
    equity_discount_rate: DiscountRate = Field(
        0.15,
        description="Cost of equity: levered (equity) free cash flow is discounted at it, "
        "not at the unlevered [pivot].discount_rate, so cheap debt does not inflate the "
        "levered NPV; effective annual, monthly rate = (1 + r)^(1/12) - 1 (the "
        "interest_rate is nominal). Listed miners' equity is volatile; 15 %/year is a "
        "conservative default. [1/year]",
    )



__all__ = ["FinancingSpec"]
