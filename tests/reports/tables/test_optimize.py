"""The tables of ``optimize`` (hashpivot.reports.tables.optimize) on a hand-made result."""

from __future__ import annotations

from hashpivot.reports.tables import optimize as opt
from tests.optimize_result import plan_result_json


def test_plan_and_value_rows_by_hand() -> None:
    j = plan_result_json()
    assert opt.plan_title(j["assumptions"]) == (
        "Plan: 100 scenarios, 2025Q4..2035Q3, risk aversion 0.3, blocks of 25 MW")
    # a deterministic run says what its one scenario is: E[NPV] has every tenant signing
    assert opt.plan_title({**j["assumptions"], "deterministic": True}).startswith(
        "Plan: deterministic (the central path, every volatility zero, every tenant "
        "signing), 2025Q4..2035Q3")
    assert opt.plan_rows(j) == [
        ("2026Q3 (committed)", "Pecos", "100", "80.0", "Hyperscaler A", "720.0"),
        ("2026Q4", "Pecos", "50", "40.0", "Hyperscaler A", "360.0"),
    ]
    assert opt.value_rows(j) == [
        ("optimized plan", "410.7", "48.3", "212.3", "-57.2", "150"),  # 100 + 50 MW
        ("keep_mining", "358.9", "61.2", "0.0", "-78.7", "0"),
        ("convert_all_now", "infeasible", "-", "-", "-", "150"),
    ]
    empty = plan_result_json(plan=False)
    assert opt.plan_rows(empty) == [("-", "keep mining everywhere", "0", "0", "-", "-")]
    assert opt.value_rows(empty)[0][5] == "0"
    # a plan stored before the optimizer valued the terminal value or gave the sampling
    # error of its means: "-", not an error
    del j["expected_terminal_value_usd"], j["strategies"]["keep_mining"][
        "expected_terminal_value_usd"]
    del j["expected_npv_ci95_half_usd"], j["strategies"]["keep_mining"][
        "expected_npv_ci95_half_usd"]
    assert [row[2:4] for row in opt.value_rows(j)] == [("-", "-")] * 3


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


def test_out_of_sample_cvar_line_by_hand() -> None:
    j = plan_result_json()
    assert opt.cvar_lines(j) == []  # a result stored before the line: none
    j["out_of_sample_cvar_usd"] = {
        "plan": 19.74e6, "plan_ci95_half": 21.0e6, "baseline": -47.6e6,
        "baseline_ci95_half": 8.46e6, "difference": 67.34e6, "difference_ci95_half": 20.7e6,
        "tail_paths": 5, "n_scenarios": 100}
    line = ("CVaR95 out of sample (mean of the worst 5 of 100 paths): plan 19.7 ± 21.0 M "
            "USD, keep-mining -47.6 ± 8.5; plan minus keep-mining 67.3 ± 20.7 (paired); "
            "in sample -57.2")
    few = ("; with 5 paths in the tail these intervals are too narrow (asymptotic): run "
           "more scenarios (`oos_scenarios`)")
    assert opt.cvar_lines(j) == [line + few]
    lines = opt.summary_lines(j)
    assert lines[3] == line + few  # right after the paired value over keep-mining
    j["out_of_sample_cvar_usd"] |= {"tail_paths": 20, "n_scenarios": 400}
    assert opt.cvar_lines(j)[0].endswith("(paired); in sample -57.2")
    # one path in the tail: no interval (null in the JSON), no ±
    j["out_of_sample_cvar_usd"] |= {"plan_ci95_half": None, "baseline_ci95_half": None,
                                      "difference_ci95_half": None, "tail_paths": 1,
                                      "n_scenarios": 20}
    assert "plan 19.7 M USD, keep-mining -47.6; plan minus keep-mining 67.3 (paired)" in (
        opt.cvar_lines(j)[0])
    # a result stored before the tail followed [optimize] cvar_alpha: CVaR95, as it was
    j["out_of_sample_cvar95_usd"] = j.pop("out_of_sample_cvar_usd")
    assert opt.cvar_lines(j)[0].startswith("CVaR95 out of sample (mean of the worst 1 of 20")


def test_the_cvar_is_named_by_its_tail() -> None:
    assert [opt.cvar_name(a) for a in (0.05, 0.1, 0.2, 0.025, 0.01)] == [
        "CVaR95", "CVaR90", "CVaR80", "CVaR97.5", "CVaR99"]


def test_the_value_note_says_what_the_strategies_convert_and_how_tenants_sign() -> None:
    j = plan_result_json()
    j["assumptions"]["tenants"] = [
        {"name": "Hyperscaler A", "probability_signing": 0.6, "scenarios_signed": 54},
        {"name": "Neocloud B", "probability_signing": 0.8, "scenarios_signed": 82},
    ]
    note = opt.value_note(j)
    assert note.startswith(opt.VALUE_NOTE)
    # optimize's convert_all_now is not pivot's convert_all; it is paced
    assert "convert_all_now = every site's convertible MW" in note
    assert "each quarter filled up to build_mw_per_quarter" in note
    assert "not pivot's convert_all: every convertible MW from the first month" in note
    assert note.endswith(
        "tenants' signings are drawn per scenario (probability_signing): in a scenario "
        "where a tenant does not sign, its halls are not built and their MW keep mining "
        "(scenarios signed of 100: Hyperscaler A 54, Neocloud B 82)")
    # the dashboard's value table carries the same note
    from hashpivot.reports.tables.runs import run_tables

    value = next(t for t in run_tables("optimize", j) if t.title == opt.VALUE_TITLE)
    assert value.notes[0] == note
    # deterministic: every tenant signs; a result stored before the counts: no counts
    assert opt.value_note({**j, "assumptions": {**j["assumptions"], "deterministic": True}}
                          ).endswith("; every tenant signs (deterministic)")
    for t in j["assumptions"]["tenants"]:
        del t["scenarios_signed"]
    assert opt.value_note(j).endswith("their MW keep mining")
