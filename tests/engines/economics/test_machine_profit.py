"""``payback_halving_notes``: a payback past the next halving, by hand."""

from __future__ import annotations

import pytest

from hashpivot.engines.economics.machine_profit import machine_profit, payback_halving_notes


def test_payback_past_the_halving_by_hand_and_never_when_it_then_loses() -> None:
    # 1 PH/s at a hash value of 1e-3 BTC/PH/day, 50,000 USD: 50 USD/day of revenue with
    # a subsidy of 3 and fees of 1 BTC/block; 1 kW at 1,000 USD/MWh costs 24 USD/day
    row = machine_profit("m", 1000.0, 1000.0, 1e-3, 50_000.0, 1000.0, 0.0, 26 * 100.0)
    assert row.profit_usd_per_day == pytest.approx(26.0) and row.payback_days == 100.0
    # height 1,049,856: the halving (1,050,000, subsidy 1.5625) comes 144 blocks = 1 day on
    (note,) = payback_halving_notes([row], 3.125, 1.0, 1_049_856)
    after = 50 * (1.5625 + 1) / (3.125 + 1) - 24  # 7.0606... USD/day
    assert f"profit then falls to {after:,.2f} USD/day" in note
    assert note.endswith(f"the payback is {1 + (2600 - 26) / after:,.0f} days")
    assert "block 1,050,000, in about 1 days" in note
    # at 1,750 USD/MWh (42 USD/day) the machine loses money after the halving: never paid back
    dear = machine_profit("m", 1000.0, 1000.0, 1e-3, 50_000.0, 1750.0, 0.0, 800.0)
    assert dear.payback_days == pytest.approx(100.0)
    (never,) = payback_halving_notes([dear], 3.125, 1.0, 1_049_856)
    assert never.endswith("never (it mines at a loss after it)")
    # paid back before the halving, no price, or no height known: nothing to say
    assert payback_halving_notes([row], 3.125, 1.0, 1_050_000 - 144 * 200) == []
    assert payback_halving_notes([row], 3.125, 1.0, None) == []
    unpriced = machine_profit("m", 1000.0, 1000.0, 1e-3, 50_000.0, 1000.0)
    assert payback_halving_notes([unpriced], 3.125, 1.0, 1_049_856) == []


def test_a_payback_past_two_halvings_takes_the_second_by_hand() -> None:
    """A payback that runs past the halving after the next one halves the subsidy again
    there (it held the first halving's profit to the end: a finite payback where the
    machine mines at a loss after block 1,260,000)."""
    era = 210_000 / 144  # days between halvings at 600 s blocks
    # 50 USD/day of revenue at a subsidy of 3.125 and fees of 1 BTC/block (as above)
    revenue = {s: 50 * (s + 1) / (3.125 + 1) for s in (1.5625, 0.78125)}
    # 20 USD/day of power (1 kW at 833.33 USD/MWh): profit 30, then 11.06, then 1.59
    # (17,500 USD: 16,160 paid by the second halving, 1,340 after it: 842 days)
    cheap = machine_profit("m", 1000.0, 1000.0, 1e-3, 50_000.0, 20 / 0.024, 0.0, 17_500.0)
    p0, p1, p2 = (30.0, revenue[1.5625] - 20, revenue[0.78125] - 20)
    assert cheap.profit_usd_per_day == pytest.approx(p0)
    (note,) = payback_halving_notes([cheap], 3.125, 1.0, 1_049_856)
    paid = 1 + era + (17_500 - p0 - era * p1) / p2  # 1 day at p0, an era at p1, then p2
    assert f"profit then falls to {p1:,.2f} USD/day, then {p2:,.2f} USD/day past block " \
           f"1,260,000 (in about {1 + era:,.0f} days)" in note
    assert note.endswith(f"the payback is {paid:,.0f} days")
    # 24 USD/day of power: 7.06 after the first halving, -2.41 after the second
    dear = machine_profit("m", 1000.0, 1000.0, 1e-3, 50_000.0, 1000.0, 0.0, 26 + 7.06 * 1500)
    (never,) = payback_halving_notes([dear], 3.125, 1.0, 1_049_856)
    assert never.endswith("the payback is never (it mines at a loss after block 1,260,000)")
    assert f"then {revenue[0.78125] - 24:,.2f} USD/day past block 1,260,000" in never
