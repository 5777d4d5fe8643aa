"""Discounting by risk: merchant mining and contracted hosting at their own rates.

``[pivot] mining_discount_rate`` and ``hosting_discount_rate`` (each defaulting to
``discount_rate``) discount the two business lines of a strategy's unlevered free cash
flow separately. Why they differ (public, secondary sources, 2024-2025): a 10-15 year lease
to an investment-grade or hyperscaler-backstopped tenant is financed at 80-85 %
loan-to-cost, close to corporate debt (high single digits); merchant mining carries BTC
price and hashprice risk, and listed miners' cost of equity is high (their convertible
notes price it; mid to high teens).

The hosting line is the halls' rent (with prepayment timing) minus their power, opex and
operator capex; the mining line is everything else (mining, the site's own costs, fleet
replacement, ASIC resale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hashpivot import finance
from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.flows import CashFlows


@dataclass(frozen=True)
class LineRates:
    """Annual discount rates of the two business lines (fractions). [1/year]"""

    mining: float
    hosting: float

    @property
    def differ(self) -> bool:
        """Whether the lines are discounted at different rates."""
        return self.mining != self.hosting

    def describe(self) -> str:
        """One line for tables and charts."""
        if not self.differ:
            return f"discount {100 * self.mining:.1f} %/year"
        return (
            f"discount: mining {100 * self.mining:.1f} %/year, contracted hosting "
            f"{100 * self.hosting:.1f} %/year"
        )


def line_rates(spec: Any, override: float | None = None) -> LineRates:
    """Rates of each line from a ``PivotSpec``.

    Parameters
    ----------
    spec : PivotSpec
        ``discount_rate`` with the optional ``mining_discount_rate`` and
        ``hosting_discount_rate``.
    override : float, optional
        A run's own rate (``simulate --discount-rate``): it discounts **both** lines, so
        the rate the run prints is the one it uses. [1/year]
    """
    if override is not None:
        return LineRates(float(override), float(override))
    base = float(spec.discount_rate)
    m = getattr(spec, "mining_discount_rate", None)
    h = getattr(spec, "hosting_discount_rate", None)
    return LineRates(base if m is None else float(m), base if h is None else float(h))


def override_note(spec: Any, override: float | None) -> str | None:
    """Say which of the file's line rates a run's own rate replaces (``None``: none).

    Parameters
    ----------
    spec : PivotSpec
        The file's ``[pivot]`` table.
    override : float, optional
        The run's rate. [1/year]
    """
    if override is None:
        return None
    split = [
        f"{name} {100 * float(v):.1f} %/year"
        for name, v in (
            ("mining_discount_rate", getattr(spec, "mining_discount_rate", None)),
            ("hosting_discount_rate", getattr(spec, "hosting_discount_rate", None)),
        )
        if v is not None and float(v) != float(override)
    ]
    if not split:
        return None
    return (
        f"the run's discount rate {100 * float(override):.1f} %/year replaces the file's "
        f"[pivot] {' and '.join(split)}: both business lines are discounted at "
        f"{100 * float(override):.1f} %/year; leave the run's rate unset to keep the "
        "file's split"
    )


def hosting_fcf_usd(cf: CashFlows) -> FloatArray:
    """Unlevered free cash flow of the hosting line, shape (P, T): the halls built and
    those already in service (``hosting_in_service_usd``, contracted rent). [USD]"""
    hp = 0.0 if cf.hosting_power_cost_usd is None else cf.hosting_power_cost_usd
    ho = 0.0 if cf.hosting_opex_usd is None else cf.hosting_opex_usd
    return np.asarray(
        cf.hosting_revenue_usd + cf.prepayment_usd - hp - ho - cf.hosting_capex_usd
        + cf.in_service_usd,
        dtype=np.float64,
    )


def unlevered_npv_usd(cf: CashFlows, rates: LineRates) -> Any:
    """NPV of the unlevered flows, each line at its rate (month-end, monthly compounding).

    Returns
    -------
    ndarray (P,)
        ``npv(r_mining, FCF - hosting FCF) + npv(r_hosting, hosting FCF)``; with equal
        rates exactly ``npv(r, FCF)``. [USD]
    """
    r_m = float(finance.periodic_rate(rates.mining))
    if not rates.differ:
        return finance.npv(r_m, cf.unlevered_fcf_usd)
    r_h = float(finance.periodic_rate(rates.hosting))
    host = hosting_fcf_usd(cf)
    mining = np.asarray(cf.unlevered_fcf_usd, dtype=np.float64) - host
    return finance.npv(r_m, mining) + finance.npv(r_h, host)


__all__ = [
    "LineRates", "hosting_fcf_usd", "line_rates", "override_note", "unlevered_npv_usd",
]
