"""A site's monthly mining volumes on many paths in one compiled pass: :func:`mine`.

The same arithmetic as the numpy expressions of
:func:`hashpivot.engines.pivot.mining._site_mining` (which is the readable reference
and serves small path counts), element by element in the same order, so the figures are
bitwise identical (``tests/engines/pivot/test_fleet.py``). numpy needs about a dozen passes over
``(paths, months)`` arrays for these five outputs; this loop reads its inputs once and
writes each output once. Compiled on first use and cached on disk (``cache=True``);
releases the GIL.
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.jit import cached_njit


@cached_njit(nogil=True, error_model="numpy")
def _mine(  # pragma: no cover - compiled
    mining_mw: FloatArray, th_s_per_mw: FloatArray, hashprice: FloatArray, hv: FloatArray,
    price_mwh: FloatArray, days: FloatArray, energy_full: FloatArray, variable: FloatArray,
    net: float, btc: FloatArray, revenue: FloatArray, power: FloatArray, energy: FloatArray,
    running: FloatArray,
) -> None:
    n, T = btc.shape
    flat = price_mwh.shape[0] == 1
    for i in range(n):
        r = 0 if flat else i
        for t in range(T):
            th = mining_mw[t] * th_s_per_mw[i, t]  # installed TH/s of the running MW
            rev = (th * hashprice[i, t]) * days[t]
            pw = energy_full[t] * price_mwh[r, t]
            if rev > pw + variable[t]:  # mined when revenue beats power and variable costs
                btc[i, t] = ((th * hv[i, t]) * net) * days[t]
                revenue[i, t] = rev
                power[i, t] = pw
                energy[i, t] = energy_full[t]
                running[i, t] = 1.0
            else:
                btc[i, t] = 0.0
                revenue[i, t] = 0.0
                power[i, t] = 0.0
                energy[i, t] = 0.0
                running[i, t] = 0.0


def mine(
    mining_mw: FloatArray,
    th_s_per_mw: FloatArray,
    hashprice_usd_per_th_day: FloatArray,
    hashvalue_btc_per_th_day: FloatArray,
    power_price_usd_per_mwh: FloatArray,
    days: FloatArray,
    energy_full_mwh: FloatArray,
    variable_opex_usd: FloatArray,
    net_fraction: float,
) -> dict[str, FloatArray]:
    """BTC, revenue, power cost, energy and the running flag of a site, shape (P, T).

    Parameters
    ----------
    mining_mw : ndarray, shape (T,)
        MW still mining. [MW]
    th_s_per_mw : ndarray, shape (P, T)
        Installed hashrate per mining MW. [TH/s/MW]
    hashprice_usd_per_th_day : ndarray, shape (P, T)
        Net of uptime and pool fee. [USD/(TH/s)/day]
    hashvalue_btc_per_th_day : ndarray, shape (P, T)
        [BTC/(TH/s)/day]
    power_price_usd_per_mwh : ndarray, shape (P, T) or (1, T)
        [USD/MWh]
    days : ndarray, shape (T,)
        Days per month. [day]
    energy_full_mwh : ndarray, shape (T,)
        Energy of the mining MW if they run all month. [MWh]
    variable_opex_usd : ndarray, shape (T,)
        Variable site costs of the mining MW in a month they run (curtailing saves them).
        [USD]
    net_fraction : float
        Uptime x (1 - pool fee). [-]

    Returns
    -------
    dict
        ``btc``, ``mining_revenue``, ``power_cost``, ``energy``, ``running`` (1.0 in a
        month mined: revenue above the power cost and the variable costs; else 0.0), zero
        in the months not mined.
    """
    P, T = th_s_per_mw.shape
    out = {k: np.empty((P, T)) for k in ("btc", "mining_revenue", "power_cost", "energy",
                                          "running")}
    _mine(
        np.ascontiguousarray(mining_mw, dtype=np.float64), th_s_per_mw,
        hashprice_usd_per_th_day, hashvalue_btc_per_th_day, power_price_usd_per_mwh,
        np.ascontiguousarray(days, dtype=np.float64),
        np.ascontiguousarray(energy_full_mwh, dtype=np.float64),
        np.ascontiguousarray(variable_opex_usd, dtype=np.float64), float(net_fraction),
        out["btc"], out["mining_revenue"], out["power_cost"], out["energy"], out["running"],
    )
    return out


__all__ = ["mine"]
