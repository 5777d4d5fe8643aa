"""Fleet production: hashrate, power, energy and BTC mined by a fleet of ASICs.

Source: manufacturers' specification sheets (hashrate [TH/s], power [W], efficiency
[J/TH] = W / (TH/s)); pool payouts under FPPS net of the pool fee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hashpivot.units import HOURS_PER_DAY, W_PER_MW


@dataclass(frozen=True)
class FleetProduction:
    """Production figures of one fleet entry (or arrays of them).

    Attributes
    ----------
    hashrate_th_s : numeric
        Installed hashrate, all units running. [TH/s]
    effective_hashrate_th_s : numeric
        Hashrate times uptime. [TH/s]
    power_mw : numeric
        Power drawn at the meter when running, site overhead included. [MW]
    energy_mwh_per_day : numeric
        Energy used per day at the given uptime. [MWh/day]
    """

    hashrate_th_s: Any
    effective_hashrate_th_s: Any
    power_mw: Any
    energy_mwh_per_day: Any


def fleet_production(
    count: Any,
    hashrate_th_s: Any,
    efficiency_j_per_th: Any,
    uptime_fraction: Any = 1.0,
    power_overhead_factor: Any = 1.0,
) -> FleetProduction:
    """Hashrate, power and energy of ``count`` identical ASICs.

    Parameters
    ----------
    count : numeric
        Number of machines. [-]
    hashrate_th_s : numeric
        Hashrate of one machine. [TH/s]
    efficiency_j_per_th : numeric
        Machine efficiency. [J/TH]
    uptime_fraction : numeric
        Share of time running (curtailment, failures), 0-1. [-]
    power_overhead_factor : numeric
        Site power over ASIC power (cooling, losses), a PUE-like factor >= 1. [-]

    Returns
    -------
    FleetProduction
        ``power_mw = count * TH/s * J/TH * overhead / 1e6``;
        ``energy = power * 24 * uptime``.
    """
    total_th_s = count * hashrate_th_s
    power_mw = total_th_s * efficiency_j_per_th * power_overhead_factor / W_PER_MW
    return FleetProduction(
        hashrate_th_s=total_th_s,
        effective_hashrate_th_s=total_th_s * uptime_fraction,
        power_mw=power_mw,
        energy_mwh_per_day=power_mw * HOURS_PER_DAY * uptime_fraction,
    )


def btc_mined_per_day(
    effective_hashrate_th_s: Any, hashvalue_btc_per_th_day: Any, pool_fee_fraction: Any = 0.0
) -> Any:
    """BTC earned per day by an effective hashrate under FPPS.

    Parameters
    ----------
    effective_hashrate_th_s : numeric
        Hashrate actually running (after uptime). [TH/s]
    hashvalue_btc_per_th_day : numeric
        Expected BTC per TH/s per day. [BTC/(TH/s)/day]
    pool_fee_fraction : numeric
        Pool fee, 0-1. [-]

    Returns
    -------
    numeric
        BTC per day net of the pool fee. [BTC/day]
    """
    return effective_hashrate_th_s * hashvalue_btc_per_th_day * (1.0 - pool_fee_fraction)


def weighted_efficiency_j_per_th(hashrate_th_s: Any, efficiency_j_per_th: Any) -> float:
    """Hashrate-weighted mean efficiency of several fleet entries. [J/TH]

    Parameters
    ----------
    hashrate_th_s : array_like
        Installed hashrate of each entry. [TH/s]
    efficiency_j_per_th : array_like
        Efficiency of each entry. [J/TH]
    """
    import numpy as np  # here, not at import: `hashpivot hashprice` starts without numpy

    h = np.asarray(hashrate_th_s, dtype=float)
    e = np.asarray(efficiency_j_per_th, dtype=float)
    total = h.sum()
    return float((h * e).sum() / total) if total > 0 else float("nan")


def displacement_order(hashrate_th_s: Sequence[float], power_w: Sequence[float]) -> list[int]:
    """The order in which a conversion displaces a site's fleet entries: the least
    efficient (most J/TH) first, ties in file order (an operator retires and resells its
    oldest machines first).

    Parameters
    ----------
    hashrate_th_s : sequence of float
        Each entry's hashrate, file order. [TH/s]
    power_w : sequence of float
        Each entry's power. [W]

    Returns
    -------
    list of int
        Positions of the entries with machines (hashrate and power above 0); empty when
        one or none has any (the site is one block).
    """
    entries = [j for j, (h, w) in enumerate(zip(hashrate_th_s, power_w, strict=True))
               if h > 0 and w > 0]
    if len(entries) <= 1:
        return []
    return sorted(entries, key=lambda j: -power_w[j] / hashrate_th_s[j])
