"""``payback_halving_notes``: a payback past the next halving, by hand."""

from __future__ import annotations

import pytest

from hashpivot.engines.machine_profit import machine_profit, payback_halving_notes


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
