"""Tests of ``hashpivot simulate`` (typer CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.cli.simulate import JSON_KEYS

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parents[1] / "data"
SITE = str(DATA / "simulate_site.toml")
runner = CliRunner()


def test_json_has_the_headline_keys_per_strategy() -> None:
    res = runner.invoke(app, ["simulate", SITE, "--paths", "400", "--years", "2", "--seed",
                              "7", "--chunk-paths", "200", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)  # exactly one JSON object on stdout
    assert set(data["strategies"]) == {"keep_mining", "convert_all"}
    for stats in data["strategies"].values():
        assert list(stats)[: len(JSON_KEYS)] == list(JSON_KEYS)
    assert data["n_paths"] == 400
    assert data["inputs"]["seed"] == 7
    assert data["inputs"]["power_fit"] is not None  # index contract: power simulated
    assert len(data["prob_reverse_margin_direct_by_month"]) == 24
    # the same seed gives the same figures
    again = runner.invoke(app, ["simulate", SITE, "--paths", "400", "--years", "2", "--seed",
                                "7", "--chunk-paths", "200", "--json"])
    assert json.loads(again.stdout)["strategies"] == data["strategies"]


def test_tables_and_output_files(tmp_path: Path) -> None:
    res = runner.invoke(app, ["simulate", SITE, "--paths", "300", "--years", "1",
                              "--price-model", "gbm", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "P(beats keep)" in res.stdout
    for name in ("summary.csv", "fan_quantiles.csv", "reverse_margin.csv",
                 "forced_sales_by_policy.csv", "assumptions.csv", "npv_samples.csv.gz",
                 "fan_btc_price_usd.png",
                 "fan_hashprice_usd_per_ph_day.png", "fan_cash_usd.png", "npv_histogram.png",
                 "forced_sales_by_policy.png", "simulate.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    html = (tmp_path / "simulate.html").read_text(encoding="utf-8")
    assert 'src="https://cdn' not in html  # plotly.js inlined: works offline
    assert html.count("<script") >= 6


def test_bad_input_exits_2_with_one_line_per_problem() -> None:
    res = runner.invoke(app, ["simulate", SITE, "--policy", "yolo"])
    assert res.exit_code == 2
    assert "--policy" in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["simulate", SITE, "--workers", "2", "--scheduler", "tcp://x:1"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["simulate", str(DATA / "does-not-exist.toml")])
    assert res.exit_code == 2


def test_without_treasury_liquidity_says_no_treasury_given(tmp_path: Path) -> None:
    """No ``[treasury]``: no 100 % "breach" from a zero-cash default (issue 9)."""
    text = (DATA / "simulate_site.toml").read_text(encoding="utf-8")
    site = tmp_path / "no_treasury.toml"
    site.write_text(text.split("[treasury]")[0], encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(site), "--paths", "200", "--years", "1",
                              "--chunk-paths", "200", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["treasury_note"].startswith("no treasury given")
    assert data["inputs"]["treasury_given"] is False
    for stats in data["strategies"].values():
        assert stats["prob_liquidity_breach"] is None
        assert stats["expected_forced_sale_btc"] is None
    table = runner.invoke(app, ["simulate", str(site), "--paths", "200", "--years", "1",
                                "--chunk-paths", "200"])
    assert table.exit_code == 0, table.output
    assert "no treasury given" in table.stdout
    # the table to add is named (rich once read "[treasury]" as markup and dropped it)
    assert "add [treasury] (btc_held" in table.stdout
    assert "P(liquidity breach)" not in table.stdout
    # with the table, the same figures are real numbers
    res = runner.invoke(app, ["simulate", SITE, "--paths", "200", "--years", "1",
                              "--chunk-paths", "200", "--json"])
    data = json.loads(res.stdout)
    assert data["treasury_note"] is None
    assert all(s["prob_liquidity_breach"] is not None for s in data["strategies"].values())


def test_forced_sale_price_dash_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    res = runner.invoke(app, ["simulate", str(ROOT / "examples" / "pivot-200mw.toml"),
                              "--paths", "200", "--years", "2", "--seed", "7"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    sold = next(x for x in lines if x.startswith("E[BTC sold, duress]")).split()[-4:]
    price = next(x for x in lines if x.startswith("avg forced-sale price")).split()[-4:]
    for s, p in zip(sold, price, strict=True):
        assert (p == "—") == (float(s.replace(",", "")) < 1.0), (s, p)
    if "—" in price:
        # the caption wraps where the terminal ends a line: compare with single spaces
        assert "where E[BTC sold] < 1 BTC" in " ".join(" ".join(lines).split())


def test_memory_estimate_is_printed_and_a_run_that_cannot_fit_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the limit from the environment: far below the estimate, so nothing runs
    monkeypatch.setenv("HASHPIVOT_MAX_MEMORY_MIB", "400")
    res = runner.invoke(app, ["simulate", SITE, "--paths", "10000000", "--json"])
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith("memory estimate: ") and "10,000,000 paths x " in lines[0]
    assert lines[-1].startswith("error: <command line>: --paths: 10,000,000 paths need an ")
    assert "400 MiB available (--max-memory-mib)" in lines[-1]
    # the option wins over the environment; a small run fits and prints its estimate
    res = runner.invoke(app, ["simulate", SITE, "--paths", "300", "--chunk-paths", "100",
                              "--years", "1", "--max-memory-mib", "100000", "--json"])
    assert res.exit_code == 0, res.output
    assert "memory estimate: " in res.stderr and "300 paths x " in res.stderr
    json.loads(res.stdout)


def test_a_limit_below_the_fixed_memory_names_the_options_to_lower() -> None:
    # the engine names its arguments (`chunk_paths`, `threads`); the CLI speaks of flags
    res = runner.invoke(app, ["simulate", SITE, "--paths", "1000", "--max-memory-mib", "1",
                              "--json"])
    assert res.exit_code == 2, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert "1 MiB available (--max-memory-mib)" in last
    assert last.endswith("lower --chunk-paths or --threads"), last
    assert "`" not in last


def test_the_help_gives_the_probabilities_in_the_unit_the_table_prints() -> None:
    """``simulate --help`` said the probabilities print as [fraction]; the table prints
    them in % (``--json`` and the CSVs hold fractions), and the reverse-margin table's
    rows are the first month, every twelfth and the last (every month in the files)."""
    from hashpivot.cli.simulate import _HELP

    res = runner.invoke(app, ["simulate", SITE, "--paths", "300", "--years", "2"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    unit = next(ln.split()[2] for ln in lines if ln.startswith("P(beats keep) "))
    assert unit == "%"
    help_text = " ".join(_HELP.split())
    assert f"keep_mining [{unit}]" in help_text and f"every BTC) [{unit}]" in help_text
    months = [ln.split()[0] for ln in lines[lines.index(next(
        ln for ln in lines if ln.startswith("P(reverse margin)"))) + 4:][:3]]
    assert months == ["2026-01", "2026-12", "2027-12"], months
    assert "the first month, every twelfth and the last" in help_text
