"""The backtest's notes on a fleet the window did not hold as it stands
(:mod:`hashpivot.engines.economics.backtest_notes`), checked by hand.

An audit (2026-12-06) found the demo backtest (`reverse-margin.toml`, 2020-01-01 to
2025-09-26) charging 1,213 M USD of depreciation to machines that cost 634 M USD (no
``start``: depreciated on every day) and mining with a fleet 37 % of the 2020 network,
with no word of either.
"""

from __future__ import annotations

from pathlib import Path

from hashpivot.engines.economics.backtest import run_backtest
from hashpivot.io import load_btc_daily
from hashpivot.models import load_portfolio, parse_portfolio
from tests.portfolio_toml import contract, portfolio_toml, site, table

#: 1,000 machines of 100 TH/s (100 PH/s) bought at 15 USD/TH over 2 years: 1.5 M USD.
PRICED = dict(count=1000, hashrate_th_s=100, efficiency_j_per_th=20, uptime_fraction=1.0,
              capex_usd_per_th=15.0, depreciation_years=2.0)


def _notes(first: str, last: str, **entry: object) -> list[str]:
    """The notes of a backtest from ``first`` to ``last`` of site A with one entry."""
    text = portfolio_toml("hand", site("A", contract(50), table(**{**PRICED, **entry}),
                                       power_overhead_factor=1.0, pool_fee_fraction=0.0))
    return run_backtest(parse_portfolio(text), first, last).notes


def test_an_undated_entry_charged_past_its_cost_is_said_so() -> None:
    # 3 years of days (1,095) at 1.5 M / 2 years / 365.25 days: 2.2485 M, 1.50x its cost
    (note,) = [n for n in _notes("2021-01-01", "2023-12-31") if "without a start" in n]
    days = 1095
    charged = 1.5e6 / 2.0 / 365.25 * days
    assert f"{charged / 1e6:,.1f} M USD against their purchase cost of 1.5 M USD" in note
    assert f"({charged / 1.5e6:.2f}x)" in note and "(1.50x)" in note
    assert "(A: " in note and "sites[0].fleet[0].start" in note


def test_within_its_life_or_with_a_start_nothing_is_said() -> None:
    assert not [n for n in _notes("2022-01-01", "2023-06-30") if "without a start" in n]
    dated = _notes("2021-01-01", "2023-12-31", start="2021-01-01")
    assert not [n for n in dated if "without a start" in n]


def test_a_fleet_that_is_a_large_share_of_the_network_is_said_so() -> None:
    # 100 PH/s beside the network of 2014-01-01 (difficulty ~1.4e9: ~10 PH/s): its share
    # of a network that holds it, and the BTC it would then mine, by hand
    day = load_btc_daily("2014-01-01", "2014-01-01")
    network_ph_s = float(day["difficulty"].iloc[0]) * 2**32 / 600 / 1e15
    share = 100 / (network_ph_s + 100)
    (note,) = [n for n in _notes("2014-01-01", "2014-01-01") if "network's hashrate" in n]
    assert f"up to {100 * share:.1f} %" in note
    assert f"0.10 EH/s running beside the {network_ph_s / 1e3:,.2f}" in note
    assert f"they fall {100 * share:.1f} % that day and {100 * share:.1f} % over" in note
    # at uptime 0.5 the fleet runs 50 PH/s: its share is that of 50 (BTC mined count it so)
    (half,) = [n for n in _notes("2014-01-01", "2014-01-01", uptime_fraction=0.5)
               if "network's hashrate" in n]
    assert f"up to {100 * 50 / (network_ph_s + 50):.1f} %" in half
    # 100 PH/s of 2025's ~900 EH/s: 0.01 %, nothing said
    assert not [n for n in _notes("2025-01-01", "2025-01-31") if "network's hashrate" in n]


def test_an_entry_that_ends_is_charged_on_the_days_it_runs() -> None:
    """The note said every day of the window for entries with an ``end``; the charge was
    (and is) of the days they run: 2021-01-01 to 2023-09-30, 1,003 days."""
    (note,) = [n for n in _notes("2021-01-01", "2023-12-31", end="2023-10-01")
               if "without a start" in n]
    charged = 1.5e6 / 2.0 / 365.25 * 1003
    assert "depreciated on every day of the window they run" in note
    assert f"{charged / 1e6:,.1f} M USD" in note and f"({charged / 1.5e6:.2f}x)" in note


def test_the_demo_backtest_says_both() -> None:
    pf = load_portfolio(Path(__file__).resolve().parents[3] / "examples" / "reverse-margin.toml")
    notes = run_backtest(pf, "2020-01-01", "2025-09-26").notes
    assert any("without a start" in n and "(1.91x)" in n for n in notes), notes
    assert any("up to 25.9 % of the network's hashrate" in n for n in notes), notes


def test_days_with_costs_and_no_mining_are_said_so() -> None:
    # site opex of 365.25 M USD a year (1 M USD a day) from the window's first day; the
    # machines start on its 11th day: 10 days carry 10 M USD and mine nothing
    from tests.portfolio_toml import site_opex

    text = portfolio_toml("hand", site(
        "A", contract(50), table(**{**PRICED, "start": "2024-01-11"}),
        cost_items=[site_opex("rent", 365.25e6)],
        power_overhead_factor=1.0, pool_fee_fraction=0.0))
    result = run_backtest(parse_portfolio(text), "2024-01-01", "2024-01-31")
    (note,) = [n for n in result.notes if "no machine mines" in n]
    assert note.startswith("on 10 of the window's 31 days costs run but no machine mines "
                           "(first 2024-01-01, last 2024-01-10"), note
    assert "their 10.0 M USD of total-view cost count" in note
    # with the machines there from the first day, nothing is said
    whole = portfolio_toml("hand", site(
        "A", contract(50), table(**PRICED), cost_items=[site_opex("rent", 365.25e6)],
        power_overhead_factor=1.0, pool_fee_fraction=0.0))
    assert not [n for n in run_backtest(parse_portfolio(whole), "2024-01-01",
                                        "2024-01-31").notes if "no machine mines" in n]
