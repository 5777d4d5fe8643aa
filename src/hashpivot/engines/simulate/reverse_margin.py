"""Paths in reverse margin per month (keep-mining): :func:`reverse_margin_counts`.

A month is in *direct* reverse margin when the cash cost (power + site opex + corporate
cash costs) exceeds the value of the BTC mined, or when the fleet is curtailed all month
(it mines nothing because power costs more than the hash earns); *total* adds the non-cash
costs (depreciation, stock-based compensation). One compiled pass over paths and months
(numba, cached) instead of a dozen numpy passes; the counts are those of the numpy
expressions (``tests/engines/simulate/test_reverse_margin.py`` checks them against numpy).
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.jit import cached_njit


@cached_njit(nogil=True, error_model="numpy")
def _counts(  # pragma: no cover - compiled
    btc: FloatArray, price: FloatArray, power: FloatArray, opex: FloatArray,
    mining_mw: FloatArray, corp: FloatArray, noncash: FloatArray,
    direct: FloatArray, total: FloatArray,
) -> None:
    n, T = btc.shape
    for i in range(n):
        for t in range(T):
            value = btc[i, t] * price[i, t]
            cash_cost = (power[i, t] + opex[i, t]) + corp[t]
            curtailed = btc[i, t] <= 0.0 and mining_mw[i, t] > 0.0
            if cash_cost > value or curtailed:
                direct[t] += 1.0
            if (cash_cost + noncash[t]) > value or curtailed:
                total[t] += 1.0


def reverse_margin_counts(
    btc_mined: FloatArray,
    btc_price_usd: FloatArray,
    power_cost_usd: FloatArray,
    opex_usd: FloatArray,
    mining_mw: FloatArray,
    corporate_cash_cost_usd: FloatArray,
    noncash_cost_usd: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Number of paths in direct and in total reverse margin each month.

    Parameters
    ----------
    btc_mined, btc_price_usd, power_cost_usd, opex_usd, mining_mw : ndarray, shape (P, T)
        [BTC], [USD], [USD], [USD], [MW] (MW still mining); broadcast views are accepted.
    corporate_cash_cost_usd, noncash_cost_usd : ndarray, shape (T,)
        [USD]

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
    _counts(
        full(btc_mined), full(btc_price_usd), full(power_cost_usd), full(opex_usd),
        full(mining_mw),
        np.ascontiguousarray(corporate_cash_cost_usd, dtype=np.float64),
        np.ascontiguousarray(noncash_cost_usd, dtype=np.float64), direct, total,
    )
    return direct, total


__all__ = ["reverse_margin_counts"]
