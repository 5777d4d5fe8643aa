"""A site's opex and ASIC resale on many paths in one compiled pass each: :func:`site_opex`
and :func:`resale`.

The same arithmetic as the numpy expressions of
:func:`hashpivot.engines.pivot.site_flows.site_cash_flows` (which are the readable
reference and serve small path counts), element by element in the same order, so the
figures are bitwise identical (``tests/engines/pivot/test_fleet.py``). numpy makes three
passes over ``(paths, months)`` arrays for each, two of them into new arrays; one loop
(a row of months times a grid of paths and months, then a row or two added) reads its
inputs once and writes the result once. Compiled on first use and cached on
disk (``cache=True``); they release the GIL.
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.jit import cached_njit


@cached_njit(nogil=True, error_model="numpy")
def _row_times_grid(  # pragma: no cover - compiled
    row: FloatArray, grid: FloatArray, then: FloatArray, last: FloatArray, scale: float,
    resale: bool, out: FloatArray,
) -> None:
    """``out = ((row * grid) + then) + last`` (the opex), or with ``resale``
    ``out = last + ((row * grid) * scale)`` (``last`` one row or one per path)."""
    n, T = out.shape
    flat = last.shape[0] == 1
    for i in range(n):
        r = 0 if flat else i
        for t in range(T):
            x = row[t] * grid[i, t]
            if resale:
                out[i, t] = last[r, t] + (x * scale)
            else:
                out[i, t] = (x + then[t]) + last[0, t]


def _row(a: FloatArray) -> FloatArray:
    return np.ascontiguousarray(a, dtype=np.float64)


def site_opex(variable_usd: FloatArray, running: FloatArray, fixed_usd: FloatArray,
              sga_usd: FloatArray) -> FloatArray:
    """``(variable[None, :] * running + fixed[None, :]) + sga``, shape (P, T). [USD]

    Parameters
    ----------
    variable_usd, fixed_usd, sga_usd : ndarray, shape (T,)
        The month's variable items in a month mined, its fixed site items and its cash
        SG&A. [USD]
    running : ndarray, shape (P, T)
        The share of each month the variable items are paid for. [-]
    """
    run = np.asarray(running, dtype=np.float64)
    out = np.empty(run.shape)
    _row_times_grid(_row(variable_usd), run, _row(fixed_usd), _row(sga_usd)[None, :], 1.0,
                    False, out)
    return out


def resale(before_usd: FloatArray, released_mw: FloatArray, th_s_per_mw: FloatArray,
           usd_per_th: float) -> FloatArray:
    """``before + (released_mw[None, :] * th_s_per_mw * usd_per_th)``, shape (P, T). [USD]

    Parameters
    ----------
    before_usd : ndarray, shape (1 or P, T)
        The resale of the site's tranches before. [USD]
    released_mw : ndarray, shape (T,)
        MW released each month. [MW]
    th_s_per_mw : ndarray, shape (P, T)
        Hashrate per MW of the machines released. [TH/s/MW]
    usd_per_th : float
        Resale price. [USD/(TH/s)]
    """
    per_mw = np.asarray(th_s_per_mw, dtype=np.float64)
    out = np.empty(per_mw.shape)
    _row_times_grid(_row(released_mw), per_mw, np.empty(0),
                    np.asarray(before_usd, dtype=np.float64), float(usd_per_th), True, out)
    return out


__all__ = ["resale", "site_opex"]
