"""The fleet replacement decision's cash flow difference per MW in one compiled pass:
:func:`flow_difference_usd`.

The same arithmetic as two calls of
:func:`hashpivot.engines.pivot.replacement.mw_cash_flow_usd` (without a dispatch uplift)
and their difference, element by element in the same order, so the figures are bitwise
identical (``tests/engines/pivot/test_fleet.py``). numpy makes about fifteen passes
over ``(paths, months)`` arrays for them; this loop reads each input once and writes the
difference once. Compiled on first use and cached on disk (``cache=True``); releases the
GIL.
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.jit import cached_njit


@cached_njit(nogil=True, error_model="numpy", inline="always")
def _mw_flow(  # pragma: no cover - compiled
    th: float, hp: float, days: float, power: float, v: float
) -> float:
    rev = th * hp
    rev = rev * days
    if rev > power + v:  # mined (np.where(mined, margin - v, 0.0))
        return (rev - power) - v
    return 0.0


@cached_njit(nogil=True, error_model="numpy")
def _flow_difference(  # pragma: no cover - compiled
    th_new: FloatArray, th_old: FloatArray, hp: FloatArray, pp: FloatArray,
    days: FloatArray, energy: FloatArray, v: FloatArray, out: FloatArray,
) -> None:
    P, L = out.shape
    for i in range(P):
        for t in range(L):
            h = hp[i, t]
            power = energy[t] * pp[i, t]
            out[i, t] = (_mw_flow(th_new[i, t], h, days[t], power, v[t])
                         - _mw_flow(th_old[i, t], h, days[t], power, v[t]))


def flow_difference_usd(
    new_th_s_per_mw: FloatArray,
    old_th_s_per_mw: FloatArray,
    hashprice_usd_per_th_day: FloatArray,
    power_price_usd_per_mwh: FloatArray,
    days: FloatArray,
    energy_mwh_per_mw: FloatArray,
    variable_opex_usd_per_mw_month: FloatArray | float,
) -> FloatArray:
    """``mw_cash_flow_usd(new, ...) - mw_cash_flow_usd(old, ...)`` without an uplift.

    Parameters
    ----------
    new_th_s_per_mw, old_th_s_per_mw : ndarray (P or 1, L) or (L,)
        Hashrate per mining MW of the new machines and of the fleet kept. [TH/s/MW]
    hashprice_usd_per_th_day : ndarray (P, L)
        Forecast hash price. [USD/(TH/s)/day]
    power_price_usd_per_mwh : ndarray (P or 1, L) or (L,)
        Forecast power price. [USD/MWh]
    days, energy_mwh_per_mw : ndarray (L,)
        Days and energy per MW of each month. [day, MWh/MW]
    variable_opex_usd_per_mw_month : ndarray (L,) or float
        Variable site costs in a month mined. [USD/MW/month]

    Returns
    -------
    ndarray (P, L)
        The cash flow per MW with the new machines less with the old. [USD/MW/month]
    """
    hp = np.asarray(hashprice_usd_per_th_day, dtype=np.float64)
    shape = hp.shape
    L = shape[-1]

    def grid(a: FloatArray) -> FloatArray:
        return np.broadcast_to(np.asarray(a, dtype=np.float64), shape)

    def row(a: FloatArray | float) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.float64), (L,)))

    out = np.empty(shape)
    _flow_difference(grid(new_th_s_per_mw), grid(old_th_s_per_mw), hp,
                     grid(power_price_usd_per_mwh), row(days), row(energy_mwh_per_mw),
                     row(variable_opex_usd_per_mw_month), out)
    return out


__all__ = ["flow_difference_usd"]
