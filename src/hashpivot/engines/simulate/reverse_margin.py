"""Paths in reverse margin per month (keep-mining): :func:`reverse_margin_counts`.

A month is in *direct* reverse margin when the cash cost (power + site opex + corporate
cash costs) exceeds the value of the BTC mined, or when the fleet is curtailed all month
(it mines nothing because power costs more than the hash earns); *total* adds the non-cash
costs (depreciation, stock-based compensation). The month's BTC and power follow its days
while the monthly model pays a cost item 1/12 of its year whatever they are, so the cost
items are taken at ``cost``'s daily rate (``usd_per_year / 365.25`` a day) over the month's
days: the items of a month of ``d`` days times ``12 d / 365.25``. A month is then in
reverse margin when its cost per BTC at ``cost``'s rates exceeds the price, and a flat
market puts every month on the side of ``cost``'s breakeven BTC price that ``cost`` puts
each day (until 2026-12-07 a February's cost items weighed 8.7 % more per BTC than
``cost``'s, a 30-day month's 1.5 % more: half a percent above the breakeven, a month of
28 or 30 days was in reverse margin). One compiled pass over paths and months
(numba, cached) instead of a dozen numpy passes; the counts are those of the numpy
expressions (``tests/engines/simulate/test_reverse_margin.py`` checks them against numpy).
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.jit import cached_njit
from hashpivot.units import DAYS_PER_YEAR, MONTHS_PER_YEAR


@cached_njit(nogil=True, error_model="numpy")
def _counts(  # pragma: no cover - compiled
    btc: FloatArray, price: FloatArray, power: FloatArray, opex: FloatArray,
    mining_mw: FloatArray, corp: FloatArray, noncash: FloatArray, items_scale: FloatArray,
    direct: FloatArray, total: FloatArray,
) -> None:
    n, T = btc.shape
    for i in range(n):
        for t in range(T):
            value = btc[i, t] * price[i, t]
            cash_cost = power[i, t] + (opex[i, t] + corp[t]) * items_scale[t]
            curtailed = btc[i, t] <= 0.0 and mining_mw[i, t] > 0.0
            if cash_cost > value or curtailed:
                direct[t] += 1.0
            if (cash_cost + noncash[t] * items_scale[t]) > value or curtailed:
                total[t] += 1.0


def reverse_margin_counts(
    btc_mined: FloatArray,
    btc_price_usd: FloatArray,
    power_cost_usd: FloatArray,
    opex_usd: FloatArray,
    mining_mw: FloatArray,
    corporate_cash_cost_usd: FloatArray,
    noncash_cost_usd: FloatArray,
    days_per_month: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Number of paths in direct and in total reverse margin each month.

    Parameters
    ----------
    btc_mined, btc_price_usd, power_cost_usd, opex_usd, mining_mw : ndarray, shape (P, T)
        [BTC], [USD], [USD], [USD], [MW] (MW still mining); broadcast views are accepted.
    corporate_cash_cost_usd, noncash_cost_usd : ndarray, shape (T,)
        [USD]
    days_per_month : ndarray, shape (T,), optional
        Calendar days of each month: the cost items (``opex_usd``, the corporate and
        non-cash costs, 1/12 of a year each month) are scaled by ``12 d / 365.25``, to
        ``cost``'s daily rate over the month's days; None: taken as they are. [day]

    Returns
    -------
    direct, total : ndarray, shape (T,)
        Counts of paths (as floats). [-]
    """
    P, T = np.shape(btc_mined)

    def full(a: FloatArray) -> FloatArray:
        return np.broadcast_to(np.asarray(a, dtype=np.float64), (P, T))

    direct = np.zeros(T)
    total = np.zeros(T)
    scale = (np.ones(T) if days_per_month is None else
             np.asarray(days_per_month, dtype=np.float64) * MONTHS_PER_YEAR / DAYS_PER_YEAR)
    _counts(
        full(btc_mined), full(btc_price_usd), full(power_cost_usd), full(opex_usd),
        full(mining_mw),
        np.ascontiguousarray(corporate_cash_cost_usd, dtype=np.float64),
        np.ascontiguousarray(noncash_cost_usd, dtype=np.float64),
        np.ascontiguousarray(scale), direct, total,
    )
    return direct, total


__all__ = ["reverse_margin_counts"]
