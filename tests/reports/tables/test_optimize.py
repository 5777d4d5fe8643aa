"""The tables of ``optimize`` (hashpivot.reports.tables.optimize) on a hand-made result."""

from __future__ import annotations

from hashpivot.reports.tables import optimize as opt
from tests.optimize_result import plan_result_json


def test_plan_and_value_rows_by_hand() -> None:
    j = plan_result_json()
    assert opt.plan_title(j["assumptions"]) == (
        "Plan: 100 scenarios, 2025Q4..2035Q3, risk aversion 0.3, blocks of 25 MW")
    assert opt.plan_rows(j) == [
        ("2026Q3 (committed)", "Pecos", "100", "80.0", "Hyperscaler A", "720.0"),
        ("2026Q4", "Pecos", "50", "40.0", "Hyperscaler A", "360.0"),
    ]
    assert opt.value_rows(j) == [
        ("optimized plan", "410.7", "212.3", "-57.2", "150"),  # 100 + 50 MW
        ("keep_mining", "358.9", "0.0", "-78.7", "0"),
        ("convert_all_now", "infeasible", "-", "-", "150"),
    ]
    empty = plan_result_json(plan=False)
    assert opt.plan_rows(empty) == [("-", "keep mining everywhere", "0", "0", "-", "-")]
    assert opt.value_rows(empty)[0][4] == "0"
    # a plan stored before the optimizer valued the terminal value: "-", not an error
    del j["expected_terminal_value_usd"], j["strategies"]["keep_mining"][
        "expected_terminal_value_usd"]
    assert [row[2] for row in opt.value_rows(j)] == ["-", "-", "-"]


def test_summary_lines_rules_and_shadow_prices_by_hand() -> None:
    j = plan_result_json()
    lines = opt.summary_lines(j)
    # 51.9 - (212.35 - 12.4): the plan's terminal value over keep-mining's taken out
    assert lines[0] == ("value over keep-mining 51.9 M USD (to the horizon, without the "
                        "terminal value: -148.1); over the best simple strategy "
                        "(keep_mining) 51.9 M USD")
    del j["expected_terminal_value_baseline_usd"]  # a plan stored before terminal values
    assert opt.summary_lines(j)[0] == ("value over keep-mining 51.9 M USD; over the best "
                                       "simple strategy (keep_mining) 51.9 M USD")
    assert lines[1] == ("out of sample (100 scenarios, another seed): E[NPV] 636.9 M USD, "
                        "95 % CI 396.4 .. 877.3; in sample 410.7")
    assert "paired): 6.2 M USD, 95 % CI -77.2 .. 89.7; in sample 51.9" in lines[2]
    assert lines[4].startswith("HiGHS milp: optimal, gap 0.000 %, 1,865 variables, 892 rows")
    rows, sources = opt.rule_rows(j["applicable_rules"])
    assert sources == {"SB 1929": 1, "SB 6": 2}  # numbered once, in order of first use
    assert rows == [
        ("Pecos", "", "", "", 0),
        (None, "tx_sb1929_registration", "no", "obligation recorded", 1),
        (None, "tx_sb6_study_fee", "yes", "100,000 USD paid", 2),
        ("Odessa", "", "", "", 0),
        (None, "tx_sb1929_registration", "no", "obligation recorded", 1),
    ]
    assert opt.shadow_rows(j) == [("build capacity", "2026Q3", "3.53e+04", "USD per MW")]
