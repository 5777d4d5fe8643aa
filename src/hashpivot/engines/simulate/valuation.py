"""Per-path values of one strategy's cash flows: :func:`value_paths`.

One implementation for the chunks and for the deterministic reference, so that the two
agree to rounding: the NPV (merchant mining and contracted hosting each at their own rate
when they differ), the NPV with terminal value, and, with ``[pivot.tax]``, the NPV after
income tax and the tax the treasury pays.

After tax follows the pivot model (:mod:`hashpivot.engines.pivot.results`): the unlevered
tax (no interest deducted) is discounted at ``[pivot].discount_rate`` (or the run's
override) and subtracted from the unlevered NPV; a levered run subtracts the levered tax
(interest deducted) at the NPV's own rate. The treasury pays the levered tax: it is a
cash outflow of the company in the month it is due (:mod:`hashpivot.tax`: annual tax
booked in the year's last month).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hashpivot.engines.pivot.discounting import hosting_fcf_usd
from hashpivot.engines.pivot.taxes import strategy_taxes
from hashpivot.engines.pivot.terminal import terminal_value
from hashpivot.engines.simulate.task import ChunkTask, FloatArray

__all__ = ["PathValues", "value_paths"]


@dataclass(frozen=True)
class PathValues:
    """Per-path values of one strategy, arrays over the paths of a market.

    Attributes
    ----------
    npv_usd : ndarray, shape (P,)
        NPV of the run's cash flow (unlevered or levered). [USD]
    npv_with_tv_usd : ndarray, shape (P,), or None
        ``npv_usd`` plus the present value of the terminal value (unlevered runs with a
        terminal value). [USD]
    npv_after_tax_usd : ndarray, shape (P,), or None
        ``npv_usd`` minus the present value of the income tax (with ``[pivot.tax]``). [USD]
    levered_fcf_after_tax_usd : ndarray, shape (P, T)
        The levered free cash flow the treasury receives: after the levered tax when
        ``[pivot.tax]`` is given, else the pre-tax flow. [USD]
    """

    npv_usd: FloatArray
    npv_with_tv_usd: FloatArray | None
    npv_after_tax_usd: FloatArray | None
    levered_fcf_after_tax_usd: FloatArray


def value_paths(task: ChunkTask, cf: Any) -> PathValues:
    """NPVs of a strategy's cash flows ``cf`` (any number of paths) under ``task``.

    Parameters
    ----------
    task : ChunkTask
        Discount factors, terminal value, tax and the NPV's cash flow.
    cf : CashFlows
        The strategy's monthly cash flows, shape (P, T) each.

    Returns
    -------
    PathValues
    """
    unlevered = task.npv_cash_flow == "unlevered"
    flow = np.asarray(cf.unlevered_fcf_usd if unlevered else cf.levered_fcf_usd, np.float64)
    if task.hosting_discount_factors is not None and unlevered:
        host = hosting_fcf_usd(cf)
        npv = ((flow - host) * task.discount_factors).sum(axis=1) + (
            host * task.hosting_discount_factors
        ).sum(axis=1)
    else:
        npv = (flow * task.discount_factors).sum(axis=1)
    npv_tv = None
    if task.keeps_terminal_value:
        tv = terminal_value(cf, task.terminal_value, task.discount_rate,
                            task.hosting_discount_rate)
        npv_tv = npv + tv.present_value_usd
    levered = np.asarray(cf.levered_fcf_usd, dtype=np.float64)
    if task.tax is None:
        return PathValues(npv, npv_tv, None, levered)
    taxes = strategy_taxes(cf, task.tax, task.tax_shell_fraction)
    if unlevered:
        factors = (
            task.tax_discount_factors
            if task.tax_discount_factors is not None
            else task.discount_factors
        )
        after = npv - (taxes.unlevered_tax_usd * factors).sum(axis=1)
    else:
        after = npv - (taxes.levered_tax_usd * task.discount_factors).sum(axis=1)
    return PathValues(npv, npv_tv, after, levered - taxes.levered_tax_usd)
