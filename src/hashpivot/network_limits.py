"""Checks of the network figures a cost is computed with, in one place for the command
line (``hashpivot cost``, ``hashprice``: ``--btc-price-usd``, ``--difficulty``,
``--fees-btc-per-block``) and the service's cost runs
(:mod:`hashpivot.store.run_params`, :mod:`hashpivot.store.run_steps.cost`): the same figures
are refused on every surface, each at its own flag or parameter. No imports at load
(the CLI reads it when it starts)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashpivot.engines.economics import NetworkConditions
    from hashpivot.models import Portfolio

#: Protocol and market limits of the network figures, (low, high) by field: a BTC price
#: below 100 M USD [USD], a difficulty >= 1 (its definition) [-], fees below the largest
#: block reward ever paid [BTC/block], a block subsidy at most the first era's 50 BTC
#: [BTC].
NETWORK_LIMITS: dict[str, tuple[float, float]] = {
    "btc_price_usd": (0.0, 1e8),
    "difficulty": (1.0, 1e18),
    "fees_btc_per_block": (0.0, 100.0),
    "subsidy_btc": (0.0, 50.0),
}


def out_of_range(field: str, value: float | None) -> str | None:
    """The problem of a finite positive ``value`` of the network figure ``field`` outside
    its :data:`NETWORK_LIMITS`; None when it is within them, None, not finite or not
    positive (checked on their own)."""
    lo, hi = NETWORK_LIMITS[field]
    if value is not None and math.isfinite(value) and value > 0 and not lo <= value <= hi:
        return f"must be within {lo:g}-{hi:g} (got {value:g})"
    return None


#: A refused difficulty under this is said to be perhaps typed in T (1e12): 117 for the
#: 117e12 of 2025 (the network's passed 1e4 in 2010). [-]
T_TYPO_BELOW = 1e4


def t_typo_hint(difficulty: float) -> str:
    """``"if it is in T (1e12), use 117e12"`` for a difficulty under :data:`T_TYPO_BELOW`
    (a difficulty typed in T); ``""`` otherwise. The words of ``cost``'s refusal of a
    difficulty below its fleet (:func:`fleet_exceeds_network`, the CLI's and the
    service's) and of ``hashprice``'s note on one far below the network's
    (:func:`hashpivot.cli.network.difficulty_note`).

    Parameters
    ----------
    difficulty : float
        As given. [-]
    """
    if difficulty < T_TYPO_BELOW:
        return f"if it is in T (1e12), use {difficulty:g}e12"
    return ""


def fleet_exceeds_network(
    portfolio: Portfolio, network: NetworkConditions, source: str
) -> str | None:
    """The problem of a given difficulty whose network is smaller than the portfolio's own
    fleet, which it includes (the machines running on the network's day, as the cost is
    computed): a typo, said to be one of units when the difficulty is under
    :data:`T_TYPO_BELOW` and 1e12 times it would hold the fleet (117 for 117e12). None
    when the network holds the fleet.

    Parameters
    ----------
    portfolio : Portfolio
        Its fleet. [TH/s]
    network : NetworkConditions
        With the given difficulty. [-]
    source : str
        What the message names the portfolio by (its file).
    """
    import numpy as np
    import pandas as pd

    from hashpivot.bitcoin import hashrate_from_difficulty

    day = None if network.date is None else pd.DatetimeIndex([pd.Timestamp(network.date)])
    fleet_th_s = sum(
        e.total_hashrate_th_s for s in portfolio.sites
        for e, runs in zip(s.fleet, np.ones(len(s.fleet), dtype=bool) if day is None
                           else s.running_on(day)[:, 0], strict=True)
        if runs)
    network_th_s = hashrate_from_difficulty(network.difficulty)
    if fleet_th_s <= network_th_s:
        return None
    hint = t_typo_hint(network.difficulty)
    in_t = f"; {hint}" if hint and fleet_th_s <= network_th_s * 1e12 else ""
    return (f"the network it implies ({network_th_s:.4g} TH/s) is smaller than the fleet of "
            f"{source} ({fleet_th_s:.4g} TH/s){in_t}")


__all__ = ["NETWORK_LIMITS", "fleet_exceeds_network", "out_of_range", "t_typo_hint"]
