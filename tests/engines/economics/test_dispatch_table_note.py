"""cost and backtest price a site's power at its power_contract and say that its
[sites.dispatch] table (PPA, solar, availability, curtailment...) is valued by
``hashpivot dispatch`` only: they priced the dispatch example at 35 + 3 USD/MWh without a
word, where dispatch's effective price is 28.69."""

from __future__ import annotations

from pathlib import Path

from hashpivot.engines.economics.backtest import run_backtest
from hashpivot.engines.economics.dispatch_table_note import dispatch_table_notes
from hashpivot.engines.economics.network_conditions import NetworkConditions
from hashpivot.engines.economics.unit_economics import compute_unit_economics
from hashpivot.models import load_portfolio

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NET = NetworkConditions(btc_price_usd=95_000, difficulty=117e12, fees_btc_per_block=0.03)


def test_cost_and_backtest_say_what_they_leave_to_dispatch() -> None:
    pf = load_portfolio(EXAMPLES / "dispatch-west-texas.toml")
    (note,) = dispatch_table_notes(pf)
    assert note.startswith("West Texas: power priced at its power_contract (sites[0]), 38 "
                           "USD/MWh (index ercot:HB_WEST 35 + adder 3) on every MWh")
    for part in ("a 150 MW PPA at 32 USD/MWh", "50 MW of solar at 28 USD/MWh",
                 "availability 0.97", "50 MW of demand response", "the 4CP charge",
                 'a dispatch of this file (site "West Texas") values them'):
        assert part in note, part
    assert "--" not in note and "hashpivot" not in note  # (the web shows it too: no command)
    assert note in compute_unit_economics(pf, NET).notes
    assert note in run_backtest(pf, "2024-01-01", "2024-01-31").notes
    # no dispatch table, or a site the result leaves out (not connected): no note
    assert dispatch_table_notes(load_portfolio(EXAMPLES / "reverse-margin.toml")) == []
    assert dispatch_table_notes(pf, set()) == []
    odessa = load_portfolio(EXAMPLES / "portfolio.toml")  # connected on 2026-02-01
    assert [n for n in run_backtest(odessa, "2024-01-01", "2024-01-31").notes
            if "power_contract" in n] == []
