"""Profit of one machine a day: what the public mining calculators answer.

Revenue [USD/day] = hashrate [PH/s] * hash value [BTC/PH/day] * (1 - pool fee) * price;
power cost [USD/day] = power [MW] * 24 h * power price [USD/MWh]; the breakeven power price
sets the two equal; payback = machine price / daily profit, at the day's network held
constant (as the calculators do): where that payback runs past the next halving,
:func:`payback_halving_notes` gives the payback with the subsidy halved on schedule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hashpivot.bitcoin import block_subsidy_btc, next_halving_height
from hashpivot.units import (
    HALVING_INTERVAL_BLOCKS,
    HOURS_PER_DAY,
    SECONDS_PER_DAY,
    TARGET_BLOCK_INTERVAL_S,
    TH_PER_PH,
    W_PER_MW,
)

#: Blocks a day at the 600 s target, to date the halvings from a height. [1/day]
_BLOCKS_PER_DAY = SECONDS_PER_DAY / TARGET_BLOCK_INTERVAL_S

#: What a machine's profit assumes that a site file sets otherwise: name, value, unit,
#: source (the pool fee is the run's, :func:`profit_assumptions`).
_NAMEPLATE = (
    ("uptime", 1.0, "-", "model: the nameplate hashrate every hour (a site file's "
     "[[sites.fleet]] uptime_fraction defaults to 0.95)"),
    ("power overhead factor", 1.0, "-", "model: the machine's power at the wall only, no "
     "site overhead (a site file's [[sites]] power_overhead_factor defaults to 1.05)"),
)


@dataclass(frozen=True)
class MachineProfit:
    """Daily economics of one machine at given network conditions and power price.

    Attributes
    ----------
    model : str
        Catalog name.
    hashrate_th_s, power_w, efficiency_j_per_th : float
        Nameplate hashrate [TH/s], power [W] and efficiency [J/TH].
    btc_per_day : float
        BTC mined after the pool fee. [BTC/day]
    revenue_usd_per_day, power_cost_usd_per_day, profit_usd_per_day : float
        [USD/day]
    breakeven_power_price_usd_per_mwh : float
        Power price at which profit is zero. [USD/MWh]
    machine_price_usd : float or None
        Price of one machine. [USD]
    payback_days : float or None
        Machine price / daily profit; None without a price or when profit <= 0. [days]
    """

    model: str
    hashrate_th_s: float
    power_w: float
    efficiency_j_per_th: float
    btc_per_day: float
    revenue_usd_per_day: float
    power_cost_usd_per_day: float
    profit_usd_per_day: float
    breakeven_power_price_usd_per_mwh: float
    machine_price_usd: float | None
    payback_days: float | None

    def as_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


def profit_assumptions(pool_fee_fraction: float, pool_fee_given: bool,
                       hashprice_usd_per_ph_day: float | None = None,
                       network_source: str = "the day's") -> list[dict[str, Any]]:
    """The assumptions of :func:`machine_profit` that can flip its profit, each with its
    source, as the engines' resolved-assumptions rows (``name``, ``value``, ``unit``,
    ``source``): the pool fee (the run's, else 0) [-], the uptime (1) [-], the power
    overhead factor (1) [-], each beside the default of a site file, and, when given, the
    hashprice the payback holds for its whole length [USD/(PH/s)/day], from
    ``network_source`` (the day's, or the figures given instead of the day's)."""
    rows: list[dict[str, Any]] = [
        {"name": "pool fee", "value": pool_fee_fraction, "unit": "-",
         "source": ("run setting" if pool_fee_given else "default (a site file's "
                    "[[sites]] pool_fee_fraction defaults to 0.015)")},
        *({"name": name, "value": value, "unit": unit, "source": source}
          for name, value, unit, source in _NAMEPLATE),
    ]
    if hashprice_usd_per_ph_day is not None:
        rows.append({"name": "hashprice for the payback", "value": hashprice_usd_per_ph_day,
                     "unit": "USD/PH/day",
                     "source": f"{network_source}, held for the whole payback: no difficulty "
                     "growth (a halving inside the payback is noted)"})
    return rows


def payback_halving_notes(
    rows: Sequence[MachineProfit],
    subsidy_btc: float,
    fees_btc_per_block: float,
    height: int | None,
    network_source: str = "the day's",
) -> list[str]:
    """A note per machine whose payback runs past the next halving, with the payback
    once the subsidy halves on schedule at that halving and every later one the payback
    reaches (the day's price, difficulty and fees otherwise).

    Parameters
    ----------
    rows : sequence of MachineProfit
        The machines (:func:`machine_profit`).
    subsidy_btc : float
        Block subsidy of the day. [BTC]
    fees_btc_per_block : float
        Average fees per block of the day. [BTC]
    height : int or None
        Block height at the end of the day; None (unknown): no notes. [blocks]
    network_source : str
        Whose price, difficulty and fees the notes hold: the day's, or the figures given
        instead of the day's.

    Returns
    -------
    list of str
        Empty when no payback reaches the next halving, estimated ``(H - height) / 144``
        days after the day (600 s blocks), the later ones 210,000 / 144 days apart. In the
        era after halving ``k`` the revenue is scaled by ``(s_k + fees) / (s0 + fees)``
        (``s_k`` that era's subsidy, Bitcoin Core's ``GetBlockSubsidy``), so the machine
        price is paid back by ``d_1 p0 + (d_2 - d_1) p_1 + ...`` with ``d_k`` the days to
        halving ``k``, ``p0`` the day's profit and ``p_k`` the profit after halving
        ``k``; never once a ``p_k <= 0`` comes
        first (the subsidy only falls).
    """
    reward = subsidy_btc + fees_btc_per_block
    if height is None or not reward > 0:
        return []
    halving = next_halving_height(height)
    days = (halving - height) / _BLOCKS_PER_DAY
    era_days = HALVING_INTERVAL_BLOCKS / _BLOCKS_PER_DAY
    notes = []
    for r in rows:
        if r.payback_days is None or r.payback_days <= days or r.machine_price_usd is None:
            continue
        crossed, paid = _eras_to_payback(r, fees_btc_per_block, reward, halving, days,
                                         era_days)
        after = crossed[0][2]
        past = "".join(f", then {profit:,.2f} USD/day past block {block:,} (in about "
                       f"{start:,.0f} days)" for block, start, profit in crossed[1:])
        with_halving = (f"{paid:,.0f} days" if paid is not None else
                        "never (it mines at a loss after it)" if len(crossed) == 1 else
                        f"never (it mines at a loss after block {crossed[-1][0]:,})")
        notes.append(
            f"{r.model}: the payback of {r.payback_days:,.0f} days runs past the next "
            f"halving (block {halving:,}, in about {days:,.0f} days), where the subsidy "
            f"falls from {subsidy_btc:g} to {block_subsidy_btc(halving):g} BTC: with "
            f"the price, difficulty and fees held ({network_source}) the profit then "
            f"falls to {after:,.2f} USD/day{past} and the payback is {with_halving}")
    return notes


def _eras_to_payback(r: MachineProfit, fees_btc_per_block: float, reward_btc: float,
                     halving: int, days: float, era_days: float
                     ) -> tuple[list[tuple[int, float, float]], float | None]:
    """The halvings a payback crosses from ``halving`` (``days`` away, the next ones
    ``era_days`` apart), each as ``(height, days to it, profit after it)`` [blocks, days,
    USD/day], and the payback [days]: None when a profit after a halving is <= 0."""
    assert r.machine_price_usd is not None
    left = r.machine_price_usd - days * r.profit_usd_per_day  # [USD] at the first halving
    block, start = halving, days
    crossed: list[tuple[int, float, float]] = []
    while True:
        subsidy = block_subsidy_btc(block)
        profit = (r.revenue_usd_per_day * (subsidy + fees_btc_per_block) / reward_btc
                  - r.power_cost_usd_per_day)
        crossed.append((block, start, profit))
        if profit <= 0:
            return crossed, None
        if subsidy == 0 or left <= profit * era_days:  # (no subsidy left: the last era)
            return crossed, start + left / profit
        left -= profit * era_days
        block, start = block + HALVING_INTERVAL_BLOCKS, start + era_days


def machine_profit(
    model: str,
    hashrate_th_s: float,
    power_w: float,
    hashvalue_btc_per_ph_day: float,
    btc_price_usd: float,
    power_price_usd_per_mwh: float,
    pool_fee_fraction: float = 0.0,
    machine_price_usd: float | None = None,
) -> MachineProfit:
    """Daily revenue, power cost, profit, breakeven power price and payback of a machine.

    Parameters
    ----------
    model : str
        Name shown in the result.
    hashrate_th_s : float
        Hashrate. [TH/s]
    power_w : float
        Power at the wall. [W]
    hashvalue_btc_per_ph_day : float
        Network hash value (subsidy + fees). [BTC/(PH/s)/day]
    btc_price_usd : float
        BTC price. [USD/BTC]
    power_price_usd_per_mwh : float
        All-in power price. [USD/MWh]
    pool_fee_fraction : float
        Pool fee. [-]
    machine_price_usd : float, optional
        Price of the machine, for the payback. [USD]

    Returns
    -------
    MachineProfit
    """
    btc_per_day = hashrate_th_s / TH_PER_PH * hashvalue_btc_per_ph_day * (1 - pool_fee_fraction)
    revenue = btc_per_day * btc_price_usd
    energy_mwh_per_day = power_w / W_PER_MW * HOURS_PER_DAY
    cost = energy_mwh_per_day * power_price_usd_per_mwh
    profit = revenue - cost
    payback = None
    if machine_price_usd is not None and profit > 0:
        payback = machine_price_usd / profit
    return MachineProfit(
        model=model,
        hashrate_th_s=hashrate_th_s,
        power_w=power_w,
        efficiency_j_per_th=power_w / hashrate_th_s if hashrate_th_s > 0 else math.nan,
        btc_per_day=btc_per_day,
        revenue_usd_per_day=revenue,
        power_cost_usd_per_day=cost,
        profit_usd_per_day=profit,
        breakeven_power_price_usd_per_mwh=revenue / energy_mwh_per_day,
        machine_price_usd=machine_price_usd,
        payback_days=payback,
    )
