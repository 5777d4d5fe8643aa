"""A strategy's free cash flows from its summed site arrays in one compiled pass:
:func:`assemble`.

The same arithmetic as the numpy expressions at the end of
:func:`hashpivot.engines.pivot.cashflows._cash_flows_resolved` (which are the readable
reference and serve small path counts), element by element in the same order, so the
figures are bitwise identical (``tests/engines/pivot/test_fleet.py``). numpy makes about ten
passes over ``(paths, months)`` arrays for the power cost, opex, capex, energy and the
unlevered and levered flows; this loop reads each input once and writes each output once.
Compiled on first use and cached on disk (``cache=True``); releases the GIL.
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.jit import cached_njit


@cached_njit(nogil=True, error_model="numpy")
def _assemble(  # pragma: no cover - compiled
    mining_revenue: FloatArray, power_cost: FloatArray, opex: FloatArray, repl: FloatArray,
    resale: FloatArray, energy: FloatArray, h_power: FloatArray, h_opex: FloatArray,
    h_capex: FloatArray, fixed_part: FloatArray, debt_net: FloatArray, h_energy: FloatArray,
    add_opex: bool, add_capex: bool, add_energy: bool,
    opex_out: FloatArray, capex_out: FloatArray, unlevered: FloatArray, levered: FloatArray,
    energy_out: FloatArray,
) -> None:
    n, T = power_cost.shape
    flat = resale.shape[0] == 1
    for i in range(n):
        r = 0 if flat else i
        for t in range(T):
            pc = power_cost[i, t] + h_power[t]
            power_cost[i, t] = pc
            ox = opex[i, t]
            rp = repl[i, t]
            if add_opex:
                opex_out[i, t] = ox + h_opex[t]
            if add_capex:
                capex_out[i, t] = rp + h_capex[t]
            u = mining_revenue[i, t] - pc
            u = u - ox
            u = u + fixed_part[t]
            u = u - rp
            u = u + resale[r, t]
            unlevered[i, t] = u
            levered[i, t] = u + debt_net[t]
            if add_energy:
                energy_out[i, t] = energy[i, t] + h_energy[t]


def assemble(
    mining_revenue_usd: FloatArray,
    power_cost_usd: FloatArray,
    opex_usd: FloatArray,
    replacement_capex_usd: FloatArray,
    resale_usd: FloatArray,
    energy_mwh: FloatArray,
    hosting_power_cost_usd: FloatArray,
    hosting_opex_usd: FloatArray,
    hosting_capex_usd: FloatArray,
    hosting_fixed_part_usd: FloatArray,
    debt_draw_less_service_usd: FloatArray,
    hosting_energy_mwh: FloatArray,
) -> dict[str, FloatArray]:
    """Power cost, opex, capex, energy and the unlevered and levered free cash flows.

    Parameters
    ----------
    mining_revenue_usd, opex_usd, replacement_capex_usd : ndarray, shape (P, T)
        Summed over the sites. [USD]
    power_cost_usd : ndarray, shape (P, T)
        Mining power cost summed over the sites; the hosting power cost is added to it
        in place, as numpy's ``+=`` does. [USD]
    resale_usd : ndarray, shape (P, T) or (1, T)
        ASIC resale. [USD]
    energy_mwh : ndarray, shape (P, T)
        Mining energy. [MWh]
    hosting_power_cost_usd, hosting_opex_usd, hosting_capex_usd : ndarray, shape (T,)
        The halls' power cost, opex and capex (with the regulation fees). [USD]
    hosting_fixed_part_usd : ndarray, shape (T,)
        Hosting revenue - opex - capex + prepayments. [USD]
    debt_draw_less_service_usd : ndarray, shape (T,)
        Project-debt draws minus its service. [USD]
    hosting_energy_mwh : ndarray, shape (T,)
        The halls' energy. [MWh]

    Returns
    -------
    dict
        ``power_cost`` (``power_cost_usd`` itself), ``opex``, ``capex`` and ``energy``
        (the mining arrays themselves, no copy, where the hosting row is all zero: adding
        zeros changes nothing, none of them holds a negative zero), ``unlevered`` and
        ``levered``; shape (P, T) each. [USD, MWh]
    """
    add_opex = bool(hosting_opex_usd.any())
    add_capex = bool(hosting_capex_usd.any())
    add_energy = bool(hosting_energy_mwh.any())
    shape = power_cost_usd.shape
    empty = np.empty((0, 0))
    out = {
        "power_cost": power_cost_usd,
        "opex": np.empty(shape) if add_opex else opex_usd,
        "capex": np.empty(shape) if add_capex else replacement_capex_usd,
        "unlevered": np.empty(shape),
        "levered": np.empty(shape),
        "energy": np.empty(shape) if add_energy else energy_mwh,
    }

    def row(a: FloatArray) -> FloatArray:
        return np.ascontiguousarray(a, dtype=np.float64)

    _assemble(
        mining_revenue_usd, power_cost_usd, opex_usd, replacement_capex_usd, resale_usd,
        energy_mwh, row(hosting_power_cost_usd), row(hosting_opex_usd),
        row(hosting_capex_usd), row(hosting_fixed_part_usd),
        row(debt_draw_less_service_usd), row(hosting_energy_mwh),
        add_opex, add_capex, add_energy,
        out["opex"] if add_opex else empty, out["capex"] if add_capex else empty,
        out["unlevered"], out["levered"], out["energy"] if add_energy else empty,
    )
    return out


__all__ = ["assemble"]
