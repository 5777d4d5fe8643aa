"""CLI: cost, hashprice and backtest; JSON contracts and clean errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hashpivot.cli import economics

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "reverse-margin.toml")
BAD = Path(__file__).parents[1] / "data" / "bad"

app = typer.Typer()
economics.register(app)
runner = CliRunner()

def test_a_difficulty_typed_in_t_gets_a_note_and_its_result() -> None:
    """``--difficulty 117`` (meant 117e12) is valid (a difficulty is >= 1) but 1e-12 of the
    network's: a note under the table and in the JSON's ``notes`` names the bundled latest
    day's difficulty and the likely fix, in the words of ``cost``'s refusal of such a
    difficulty (``network_limits.t_typo_hint``); it was on stderr only, not in --json.
    2012's difficulty (3e6) and today's get none."""
    note = ("--difficulty 117 is 8.2e-13 of the network's on 2025-09-26 (1.42e+14); "
            "if it is in T (1e12), use 117e12")
    res = runner.invoke(app, ["hashprice", "--btc-price-usd", "95000", "--difficulty", "117",
                              "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["difficulty"] == 117.0 and out["notes"] == [note]
    res = runner.invoke(app, ["hashprice", "--btc-price-usd", "95000", "--difficulty", "117"])
    assert res.exit_code == 0 and " ".join(res.stdout.split()).endswith(f"note: {note}")
    cost = runner.invoke(app, ["cost", EXAMPLE, "--difficulty", "117"])
    assert cost.exit_code == 2 and "; if it is in T (1e12), use 117e12" in cost.output
    for fine in ("3e6", "117e12"):
        res = runner.invoke(app, ["hashprice", "--btc-price-usd", "95000", "--difficulty",
                                  fine, "--json"])
        assert res.exit_code == 0 and "note:" not in res.output
        assert json.loads(res.stdout)["notes"] == []


COST_KEYS = {
    "hashprice_usd_per_ph_day",
    "btc_per_day",
    "cost_per_btc_direct_usd",
    "cost_per_btc_total_usd",
    "margin_direct_fraction",
    "margin_total_fraction",
    "reverse_margin_direct",
    "reverse_margin_total",
    "breakeven_btc_price_direct_usd",
    "breakeven_btc_price_total_usd",
    "breakeven_power_price_usd_per_mwh",
    "cost_items",
}


def test_hashprice_json() -> None:
    res = runner.invoke(
        app, ["hashprice", "--btc-price-usd", "100000", "--difficulty", "100e12", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert round(out["hashprice_usd_per_ph_day"], 2) == 62.86
    assert out["hashvalue_btc_per_ph_day"] == pytest.approx(6.28642737865448e-4)
    res = runner.invoke(
        app,
        [
            "hashprice",
            "--btc-price-usd",
            "1e5",
            "--difficulty",
            "1e14",
            "--height",
            "1050000",
            "--json",
        ],
    )
    assert json.loads(res.stdout)["hashprice_usd_per_ph_day"] == pytest.approx(31.4321368932724)


def test_cost_json_contract() -> None:
    args = [
        "cost",
        EXAMPLE,
        "--btc-price-usd",
        "95000",
        "--difficulty",
        "117e12",
        "--fees-btc-per-block",
        "0.03",
        "--json",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= COST_KEYS
    assert out["reverse_margin_total"] is True
    assert out["cost_per_btc_direct_usd"] == pytest.approx(74_600, rel=0.02)
    assert {"name", "category", "usd_per_year", "usd_per_btc"} <= set(out["cost_items"][0])


def test_cost_from_history_date_and_table() -> None:
    res = runner.invoke(app, ["cost", EXAMPLE, "--date", "2024-04-19"])
    assert res.exit_code == 0, res.output
    assert "Cost views" in res.stdout and "direct" in res.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["hashprice", "--btc-price-usd", "-5", "--difficulty", "0"],
            ["--btc-price-usd: must be a finite number > 0", "--difficulty: must be"],
        ),
        (
            [
                "hashprice",
                "--btc-price-usd",
                "5",
                "--difficulty",
                "1e14",
                "--subsidy-btc",
                "1",
                "--height",
                "5",
            ],
            ["give --subsidy-btc or --height, not both"],
        ),
        # a subsidy above the first era's 50 BTC (the service's runs refused it; hashprice
        # printed null hashprices, exit 0, for 1e308)
        (
            ["hashprice", "--btc-price-usd", "1e5", "--difficulty", "1e14", "--subsidy-btc",
             "1e308"],
            ["--subsidy-btc: must be within 0-50 (got 1e+308)"],
        ),
        (
            ["hashprice", "--btc-price-usd", "1e5", "--difficulty", "1e14", "--subsidy-btc",
             "51"],
            ["--subsidy-btc: must be within 0-50 (got 51)"],
        ),
        (["cost", EXAMPLE, "--date", "1999-01-01"], ["--date:"]),
        (["cost", str(BAD / "unknown_asic.toml")], ["sites[0].fleet[1].asic: unknown ASIC"]),
        (
            ["cost", str(BAD / "wrong_unit_type.toml")],
            ["price_usd_per_mwh: expected a number, not text (got '4 c/kWh')",
             "power_kw: unknown field"],
        ),
        (
            ["backtest", EXAMPLE, "--start", "2025-01-01", "--end", "2024-01-01"],
            ["--end: must not be before --start"],
        ),
        (["backtest", EXAMPLE, "--start", "2001-01-01", "--end", "2002-01-01"], ["--start/--end:"]),
    ],
)
def test_bad_input_exit_2_one_line_per_problem(args: list[str], expected: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for text in expected:
        assert text in res.output
    assert all(line.startswith("error: ") for line in res.stderr.strip().splitlines())


def test_backtest_writes_outputs(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "backtest",
            EXAMPLE,
            "--start",
            "2024-01-01",
            "--end",
            "2024-06-30",
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["summary"]["days"] == 182
    for name in ("backtest.csv", "backtest.png", "backtest.html"):
        assert (tmp_path / name).stat().st_size > 1000


def test_console_script_usage_errors_are_one_line_exit_2() -> None:
    # The real entry point (not CliRunner): typer/click usage errors are translated too.
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hashpivot", *args], capture_output=True, text=True, timeout=60
        )

    res = run("hashprice", "--btc-price-usd", "abc", "--difficulty", "1")
    assert res.returncode == 2
    assert res.stderr.startswith("error: <command line>: Invalid value for '--btc-price-usd'")
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = run("cost", str(BAD / "negative_power.toml"))
    assert res.returncode == 2 and "sites[0].fleet[0].power_w" in res.stderr
    res = run("hashprice", "--btc-price-usd", "100000", "--difficulty", "100e12", "--json")
    assert (
        res.returncode == 0
        and round(json.loads(res.stdout)["hashprice_usd_per_ph_day"], 2) == 62.86
    )


def test_engine_problems_name_the_file(tmp_path: Path) -> None:
    # A portfolio that validates but has nothing mining: the engine's problem must name
    # the file like every validation problem ("error: FILE: sites: ...").
    p = tmp_path / "no_fleet.toml"
    p.write_text('[[sites]]\nname = "A"\n[sites.power_contract]\nprice_usd_per_mwh = 40\n')
    backtest = ["backtest", str(p), "--start", "2024-01-01", "--end", "2024-01-31"]
    for args in (["cost", str(p)], backtest):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        assert res.stderr.strip() == f"error: {p}: sites: no site has a fleet: nothing mines"
