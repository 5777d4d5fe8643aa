"""Income tax of a strategy's cash flows (``[pivot.tax]``): after-tax unlevered and levered
free cash flow, vectorized over paths.

Taxable income = EBITDA + ASIC resale (a gain: the displaced machines' tax basis is taken
as zero) - tax depreciation of the capex spent within the horizon (fleet replacements as
ASICs, from their purchase; the operator's hall capex split into shell and fit-out by the
sites' capex per IT MW, from the month each hall enters service: placed in service, IRC
167 and 168(k)) - deductible interest (levered only). The tax basis of the existing
fleet and halls is not modelled (a conservative simplification: it would lower the
tax). Rules: :mod:`hashpivot.tax`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.flows import CashFlows
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.models.tax import TaxSpec
from hashpivot.tax import annual_income_tax_usd, depreciation_rates, tax_depreciation_usd

__all__ = ["TaxFlows", "shell_share", "strategy_taxes"]



@dataclass(frozen=True)
class TaxFlows:
    """Income tax of one strategy, arrays of shape (n_paths, n_months).

    Attributes
    ----------
    depreciation_usd : ndarray
        Tax depreciation. [USD]
    unlevered_tax_usd : ndarray
        Tax without interest deductions (for the unlevered after-tax FCF). [USD]
    levered_tax_usd : ndarray
        Tax with the project debt's interest deducted (capped). [USD]
    """

    depreciation_usd: FloatArray
    unlevered_tax_usd: FloatArray
    levered_tax_usd: FloatArray


def shell_share(sites: list[SiteInputs]) -> float:
    """Share of the operator's hall capex that is the powered shell (39-year property): the
    operator-funded shell capex over all operator-funded capex per IT MW, averaged over the
    sites (exact for one site). [-]"""
    shares = []
    for s in sites:
        h = s.hosting
        total = h.operator_capex_usd_per_it_mw
        if total > 0:
            shell = h.shell_capex_usd_per_it_mw if h.shell_funded_by == "operator" else 0.0
            shares.append(shell / total)
    return float(np.mean(shares)) if shares else 0.0


def strategy_taxes(cf: CashFlows, tax: TaxSpec, shell_fraction: float) -> TaxFlows:
    """Tax depreciation and income tax of a strategy's cash flows.

    Parameters
    ----------
    cf : CashFlows
        Monthly cash flows (any number of paths).
    tax : TaxSpec
        Rate, depreciation, bonus, interest cap, loss rule.
    shell_fraction : float
        Share of hall capex that is shell (:func:`shell_share`). [-]

    Returns
    -------
    TaxFlows
    """
    method = tax.depreciation_method
    # each hall from the month it enters service (flows built by hand: as paid)
    hall = np.asarray(cf.hosting_capex_usd if cf.hosting_capex_in_service_usd is None
                      else cf.hosting_capex_in_service_usd, dtype=float)
    dep = tax_depreciation_usd(
        np.asarray(cf.replacement_capex_usd, dtype=float),
        depreciation_rates(method, tax.asic_recovery_years),
        tax.bonus_depreciation_fraction,
    )
    dep = dep + tax_depreciation_usd(
        hall * (1.0 - shell_fraction),
        depreciation_rates(method, tax.fit_out_recovery_years),
        tax.bonus_depreciation_fraction,
    )
    if shell_fraction > 0:
        dep = dep + tax_depreciation_usd(
            hall * shell_fraction,
            depreciation_rates("straight_line", tax.shell_recovery_years),
        )
    ebitda = np.asarray(cf.ebitda_usd, dtype=float)
    income = ebitda + np.asarray(cf.asic_resale_usd, dtype=float) - dep
    unlevered = annual_income_tax_usd(
        income, tax.income_tax_rate, loss_limit_fraction=tax.loss_limit_fraction,
        opening_loss_usd=tax.opening_loss_usd,
    ).tax_usd
    levered = annual_income_tax_usd(
        income, tax.income_tax_rate, np.asarray(cf.interest_usd, dtype=float), ebitda,
        tax.interest_limit_ebitda_fraction, tax.loss_limit_fraction, tax.opening_loss_usd,
    ).tax_usd
    return TaxFlows(dep, unlevered, levered)
