"""Tests of ``hashpivot optimize`` (typer CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from tests.cli.cli_inputs import optimize_portfolio_file

runner = CliRunner()
KEYS = (
    "plan", "expected_npv_usd", "expected_npv_baseline_usd", "expected_terminal_value_usd",
    "expected_terminal_value_baseline_usd", "best_simple_strategy",
    "expected_npv_best_simple_usd", "out_of_sample_npv_usd", "vss_usd", "evpi_usd",
    "cvar95_usd", "status", "mip_gap", "build_seconds", "solve_seconds", "binding_rules",
    "assumptions", "center_path_check", "sampling_check",
)


def test_json_has_the_documented_keys_and_is_one_object(tmp_path: Path) -> None:
    pf = optimize_portfolio_file(tmp_path)
    args = ["optimize", pf, "--scenarios", "20", "--seed", "7", "--evpi-scenarios", "3",
            "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for k in KEYS:
        assert k in data, k
    assert set(data["out_of_sample_npv_usd"]) >= {"mean", "ci95_low", "ci95_high"}
    # CVaR95 out of sample: 20 paths leave one in the tail, too few for an interval
    c = data["out_of_sample_cvar_usd"]
    assert (c["tail_paths"], c["n_scenarios"]) == (1, 20)
    assert c["difference"] == pytest.approx(c["plan"] - c["baseline"])
    assert c["plan_ci95_half"] is None and c["difference_ci95_half"] is None
    more = json.loads(runner.invoke(app, [*args, "--oos-scenarios", "200"]).stdout)
    c = more["out_of_sample_cvar_usd"]
    assert (c["tail_paths"], c["n_scenarios"]) == (10, 200)
    assert c["plan_ci95_half"] > 0 and c["baseline_ci95_half"] > 0
    assert c["difference_ci95_half"] >= 0  # 0 when the plan converts nothing
    assert data["status"] == "ok"
    again = json.loads(runner.invoke(app, args).stdout)
    assert again["plan"] == data["plan"]  # same seed, same plan


def test_tables_files_and_bad_input(tmp_path: Path) -> None:
    pf = optimize_portfolio_file(tmp_path)
    res = runner.invoke(app, ["optimize", pf, "--scenarios", "10", "--evpi-scenarios", "2",
                              "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "Value on the same scenarios" in res.stdout
    for f in ("plan.csv", "plan_gantt.png", "npv_distribution.png", "optimize.html",
              "assumptions.csv"):
        assert (tmp_path / "out" / f).is_file()
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    names = (tmp_path / "out" / "assumptions.csv").read_text().splitlines()[1:]
    assert [n.split(",")[0] for n in names][:3] == [
        r["name"] for r in result["resolved_assumptions"]][:3]
    # the strategies file: every feasible row, the plan's included, with its terminal value
    strategies = pd.read_csv(tmp_path / "out" / "strategies.csv")
    feasible = strategies[strategies["feasible"]]
    assert feasible["name"].iloc[0] == "optimized_plan"
    assert feasible["expected_terminal_value_usd"].notna().all()
    assert feasible["expected_terminal_value_usd"].iloc[0] == pytest.approx(
        result["expected_terminal_value_usd"])
    bad = runner.invoke(app, ["optimize", pf, "--fixed-through", "2027-06"])
    assert bad.exit_code == 2
    assert "--fixed-through" in bad.output


def test_out_writes_the_plan_as_a_portfolio_that_pivot_values(tmp_path: Path) -> None:
    pf = optimize_portfolio_file(tmp_path)
    out = tmp_path / "out"
    res = runner.invoke(app, ["optimize", pf, "--scenarios", "10", "--evpi-scenarios", "2",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    plan = pd.read_csv(out / "plan.csv")
    assert len(plan) > 0  # teeth: there is a plan to value
    assert f"  hashpivot pivot {out / 'plan_portfolio.toml'}\n" in res.stdout
    assert "not valued by pivot and simulate as by the optimizer" in res.stdout
    assert "  - pivot values the plan on the central market path" in res.stdout
    valued = runner.invoke(app, ["pivot", str(out / "plan_portfolio.toml"), "--json"])
    assert valued.exit_code == 0, valued.output
    data = json.loads(valued.stdout)
    assert list(data["strategies"]) == ["keep_mining", "phased"]
    assert data["strategies"]["phased"]["converted_gross_mw"] == pytest.approx(
        plan["gross_mw"].sum())


def test_a_missing_rules_file_is_listed_with_the_files_other_problems(tmp_path: Path) -> None:
    pf = Path(optimize_portfolio_file(tmp_path))
    text = pf.read_text().replace("capacity_mw = 60.0", "capacity_mw = -60.0")
    assert "capacity_mw = -60.0" in text
    pf.write_text(text + '\n[optimize]\nrules_file = "extra.csv"\n')
    res = runner.invoke(app, ["optimize", str(pf), "--scenarios", "0"])
    assert res.exit_code == 2, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: <command line>: --scenarios: must be in [1, 1,000,000] (got 0)",
        f"error: {pf}: sites[0].capacity_mw: Input should be greater than 0 (got -60.0)",
        f"error: {pf}: optimize.rules_file: rules file not found: "
        f"{tmp_path.resolve() / 'extra.csv'}",
    ], res.output


@pytest.mark.parametrize("quarter", ["2090Q1", "1990Q1"])
def test_a_fixed_through_quarter_outside_the_plan_is_refused_at_the_option(
        tmp_path: Path, quarter: str) -> None:
    """--fixed-through 2090Q1 (beyond the horizon) fixed every quarter to the committed
    entries (none): an empty plan of value 0, status ok; 1990Q1 fixed nothing. Both are
    refused at the option, with the plan's quarters, as the API refuses its parameter."""
    from hashpivot.exceptions import InputError
    from hashpivot.models import load_portfolio
    from hashpivot.optimize import resolve_problem

    pf = optimize_portfolio_file(tmp_path)
    bad = runner.invoke(app, ["optimize", pf, "--fixed-through", quarter, "--scenarios", "2",
                              "--evpi-scenarios", "1"])
    assert bad.exit_code == 2, bad.output
    assert f"<command line>: --fixed-through: {quarter} is outside the plan's quarters" in \
        " ".join(bad.output.split())
    with pytest.raises(InputError) as info:
        resolve_problem(load_portfolio(pf), fixed_through=quarter)
    assert [p.path for p in info.value.problems] == ["fixed_through"]


def _stdout_of(*args: str, cwd: Path) -> str:
    """The whole stdout of ``python -m hashpivot ARGS`` in a process of its own (through
    ``main``, as a user runs it: native output on file descriptor 1 included)."""
    import os
    import subprocess
    import sys

    import hashpivot

    src = str(Path(hashpivot.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [src, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-m", "hashpivot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_json_stdout_is_one_document_for_the_demo_and_a_file_with_warnings(
        tmp_path: Path) -> None:
    """``optimize --json``'s whole stdout decodes as one JSON document, on the demo and on
    a file with input warnings and a user rules file of two conversion bans at one site
    (reported as 'Extra data' after the document); the warnings are in it, not after it."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    fast = ["--deterministic", "--evpi-scenarios", "1", "--json"]
    demo = json.loads(_stdout_of("optimize", str(examples / "portfolio.toml"), *fast,
                                 cwd=tmp_path))
    assert demo["strategies"]["convert_all_now"]["converted_mw"] > 0
    (tmp_path / "rules.csv").write_text(
        "rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
        "connected_after,connected_before,effect,value,effective_start,effective_end,"
        "source,summary\n"
        "ban_q2,,,ERCOT,,,,,,forbid_conversion,,2026-04-01,2026-06-30,T,no conversion\n"
        "ban_q4,,,ERCOT,,,,,,forbid_conversion,,2026-10-01,2026-12-31,T,no conversion\n")
    text = (examples / "pivot-200mw.toml").read_text()
    assert "price_usd_per_mwh = 38.0" in text
    (tmp_path / "two-bans.toml").write_text(
        text.replace("price_usd_per_mwh = 38.0", "price_usd_per_mwh = 3.8")  # c/kWh?
        + '\n[optimize]\nblock_mw = 25.0\nrules_file = "rules.csv"\n\n'
        '  [[optimize.tenants]]\n  name = "T"\n  it_mw = 100.0\n'
        '  lease_usd_per_kw_month = 120.0\n')
    for extra in ([], ["--scenarios", "5", "--seed", "7"]):
        args = ["optimize", "two-bans.toml", *(fast[1:] if extra else fast), *extra]
        data = json.loads(_stdout_of(*args, cwd=tmp_path))
        assert any("is below 10: is it in c/kWh?" in w for w in data["warnings"])


def test_a_misspelt_rules_file_stops_optimize_and_pivot_listing_every_problem(
        tmp_path: Path) -> None:
    """An unknown column (``stat`` beside ``state``) was dropped without a word, and a
    state or grid operator no site can have (``Texas``, ``ERCTO``) left its rule
    unapplied: the run went on (exit 0) as if the rules were not there. Each is an error
    line with the file, the rule's line and its column; exit 2."""
    pf = Path(optimize_portfolio_file(tmp_path))
    header = ("rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
              "connected_after,connected_before,effect,value,effective_start,effective_end,"
              "source,summary")
    rules = tmp_path / "rules.csv"
    rules.write_text(f"{header},stat\n"
                     "cap,X,Texas,ERCOT,,,,,,cap_mw,10,,,src,s,TX\n"
                     "fee,X,TX,ERCTO,,,,,,add_cost_usd,1,,,src,s,\n")
    pf.write_text(pf.read_text() + '\n[optimize]\nrules_file = "rules.csv"\n')
    for command in (["optimize", "--scenarios", "2"], ["pivot"]):
        res = runner.invoke(app, [*command, str(pf)])
        assert res.exit_code == 2, res.output
        errors = [line for line in res.output.splitlines()
                  if line.startswith("error: ")]
        assert errors == [
            f"error: {rules}: rules: line 1: unknown column 'stat'; did you mean 'state'?",
            f"error: {rules}: rules[0].state: line 2: 'Texas' is not a state or province "
            "code; write its code: TX",
            f"error: {rules}: rules[1].iso: line 3: 'ERCTO' is not a grid operator "
            "hashpivot knows; did you mean ERCOT?",
        ], res.output
