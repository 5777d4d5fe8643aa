"""``cost`` and ``backtest`` print the assumptions that can flip their cost per BTC, with
their sources, as ``pivot`` does: each site's uptime, pool fee and power overhead factor
(from the file or the model's default, each entry's uptime where they differ), its ASIC
depreciation and the network conditions' source, in the table, in ``--json``
(``resolved_assumptions``) and in backtest's ``--out`` folder (``assumptions.csv``)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from tests.portfolio_toml import contract, machines, portfolio_toml, site, table

runner = CliRunner()

#: Site A sets its pool fee (0.02) and one entry's uptime (0.9), defaults its overhead
#: (1.05) and the other entry's uptime (0.95), and prices no machine; site B, an index
#: contract, sets its overhead (1.1) and its machines' price and life and defaults the rest.
MIXED = portfolio_toml(
    "mixed",
    site("A", contract(40.0), machines("new", 200.0, 3500.0, 1000),
         machines("old", 100.0, 3000.0, 1000, uptime_fraction=0.9, capex_usd_per_th=None),
         pool_fee_fraction=0.02),
    site("B", contract(50.0, "index", market="ercot:HB_WEST"),
         machines("B rigs", 200.0, 3500.0, 500, capex_usd_per_th=18.0,
                  depreciation_years=4.0),
         power_overhead_factor=1.1),
)


def _rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows}


def _check_site_terms(rows: dict[str, dict[str, Any]]) -> None:
    up_a = rows["A: [sites.fleet] uptime_fraction, weighted by hashrate"]
    # 200,000 TH/s at 0.95 and 100,000 TH/s at 0.9, weighted by hashrate
    assert up_a["value"] == pytest.approx((200_000 * 0.95 + 100_000 * 0.9) / 300_000)
    assert up_a["source"] == "file and default: new 0.95 (default), old 0.9 (file)"
    assert rows["A: [sites] pool_fee_fraction"] == {
        "name": "A: [sites] pool_fee_fraction", "value": 0.02, "unit": "-", "source": "file"}
    assert (rows["A: [sites] power_overhead_factor"]["value"],
            rows["A: [sites] power_overhead_factor"]["source"]) == (1.05, "default")
    up_b = rows["B: [sites.fleet] uptime_fraction, weighted by hashrate"]
    assert (up_b["value"], up_b["source"]) == (0.95, "default")
    assert (rows["B: [sites] pool_fee_fraction"]["value"],
            rows["B: [sites] pool_fee_fraction"]["source"]) == (0.015, "default")
    assert (rows["B: [sites] power_overhead_factor"]["value"],
            rows["B: [sites] power_overhead_factor"]["source"]) == (1.1, "file")
    dep_a = rows["A: [sites.fleet] ASIC depreciation"]
    assert dep_a["value"] == "none"
    assert dep_a["source"].startswith("not in the file")
    dep_b = rows["B: [sites.fleet] ASIC depreciation"]
    assert dep_b["value"] == "18 USD/TH over 4 years"
    assert dep_b["source"].startswith("file; straight-line")
    power_b = rows["B: [sites.power_contract]"]
    assert power_b["value"] == "index ercot:HB_WEST: expected 50 USD/MWh"
    assert "expected price throughout" in power_b["source"]
    items = rows["[sites.cost_items] and [cost_items]"]
    assert (items["value"], items["source"].startswith("not in the file")) == ("none", True)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.toml"
    path.write_text(MIXED)
    return path


def test_cost_json_has_each_site_term_with_its_source(mixed: Path) -> None:
    res = runner.invoke(app, ["cost", str(mixed), "--date", "2024-06-01",
                              "--btc-price-usd", "70000", "--json"])
    assert res.exit_code == 0, res.output
    rows = _rows(json.loads(res.stdout)["resolved_assumptions"])
    _check_site_terms(rows)
    # the day given, the price given for the run, the other figures the day's data
    assert (rows["network day"]["value"], rows["network day"]["source"]) == (
        "2024-06-01", "given")
    assert (rows["BTC price"]["value"], rows["BTC price"]["source"]) == (70_000, "run setting")
    assert rows["difficulty"]["source"].startswith("Coin Metrics")
    assert rows["difficulty"]["source"].endswith("on 2024-06-01")


def test_cost_latest_day_is_said_to_be_the_default(mixed: Path) -> None:
    res = runner.invoke(app, ["cost", str(mixed), "--json"])
    assert res.exit_code == 0, res.output
    day = _rows(json.loads(res.stdout)["resolved_assumptions"])["network day"]
    assert day["source"] == "default: the latest day of the data"


def test_cost_table_prints_the_assumptions(mixed: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    res = runner.invoke(app, ["cost", str(mixed), "--date", "2024-06-01"])
    assert res.exit_code == 0, res.output
    out = res.stdout[res.stdout.index("Resolved assumptions"):]
    # (the input column folds a long field name onto the next line)
    assert re.search(r"A: \[sites\]\s+0\.02\s+-\s+file\s*\n\s*pool_fee_fraction", out)
    assert re.search(r"B: \[sites\]\s+1\.1\s+-\s+file\s*\n\s*power_overhead_factor", out)
    assert re.search(r"A: \[sites\]\s+1\.05\s+-\s+default\s*\n\s*power_overhead", out)


def test_backtest_json_table_and_out_folder(mixed: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["backtest", str(mixed), "--start", "2024-01-01", "--end", "2024-01-31"]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    rows = _rows(json.loads(res.stdout)["resolved_assumptions"])
    _check_site_terms(rows)
    history = rows["network conditions"]
    assert history["value"] == "each day's, 2024-01-01 to 2024-01-31 (31 days)"
    assert "Coin Metrics" in history["source"]
    assert "run-rate" in rows["B: [sites.fleet] ASIC depreciation"]["source"]

    monkeypatch.setenv("COLUMNS", "120")
    out_dir = tmp_path / "bt"
    res = runner.invoke(app, [*args, "--out", str(out_dir)])
    assert res.exit_code == 0, res.output
    assert re.search(r"B: \[sites\]\s+0\.015\s+-\s+default\s*\n\s*pool_fee_fraction",
                     res.stdout)
    with (out_dir / "assumptions.csv").open(encoding="utf-8") as f:
        written = {r["name"]: r for r in csv.DictReader(f)}
    assert (written["A: [sites] pool_fee_fraction"]["value"],
            written["A: [sites] pool_fee_fraction"]["source"]) == ("0.02", "file")


def test_a_site_of_one_entry_has_no_prefix_and_no_breakdown(tmp_path: Path) -> None:
    path = tmp_path / "one.toml"
    path.write_text(portfolio_toml("one", site("home", contract(50.0),
                                               table(asic="Antminer S21", count=10))))
    res = runner.invoke(app, ["cost", str(path), "--date", "2024-06-01", "--json"])
    assert res.exit_code == 0, res.output
    rows = _rows(json.loads(res.stdout)["resolved_assumptions"])
    up = rows["[sites.fleet] uptime_fraction, weighted by hashrate"]
    assert (up["value"], up["source"]) == (0.95, "default")


def test_cost_names_the_machines_written_off_on_its_day(tmp_path: Path) -> None:
    """The ASIC depreciation row of ``cost`` gave the purchase price and life of machines
    written off by its day as if the total view counted them: it names them (their
    depreciation counts 0 that day, the ledger has no ASIC depreciation line)."""
    path = tmp_path / "old.toml"
    path.write_text(portfolio_toml("old", site(
        "home", contract(50.0),
        machines("old rigs", 100.0, 3000.0, 100, capex_usd_per_th=10.0,
                 depreciation_years=3.0, start="2019-01-01"),
        machines("new rigs", 200.0, 3500.0, 100, capex_usd_per_th=18.0,
                 depreciation_years=3.0, start="2023-01-01"))))
    res = runner.invoke(app, ["cost", str(path), "--date", "2024-06-01", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    dep = _rows(out["resolved_assumptions"])["[sites.fleet] ASIC depreciation"]
    assert dep["value"] == "10-18 USD/TH over 3 years"
    assert ("written off by 2024-06-01, none counted that day: old rigs (from 2019-01-01, "
            "3 years);") in dep["source"]
    assert "new rigs (" not in dep["source"]
    # only the new rigs' depreciation is in the ledger: 200 TH/s x 100 x 18 USD/TH / 3
    (line,) = [c for c in out["cost_items"] if c["name"].startswith("ASIC depreciation")]
    assert line["usd_per_year"] == pytest.approx(200 * 100 * 18 / 3)
    # on a day both depreciate, none is named
    res = runner.invoke(app, ["cost", str(path), "--date", "2021-06-01", "--json"])
    assert res.exit_code == 0, res.output
    dep = _rows(json.loads(res.stdout)["resolved_assumptions"])[
        "[sites.fleet] ASIC depreciation"]
    assert "written off" not in dep["source"].split("; straight-line")[0]


def test_cost_prints_what_its_breakevens_hold_fixed() -> None:
    example = Path(__file__).parents[2] / "examples" / "reverse-margin.toml"
    res = runner.invoke(app, ["cost", str(example), "--btc-price-usd", "95000",
                              "--difficulty", "117e12", "--fees-btc-per-block", "0.03"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "each holds the rest of the day fixed: hashprice after uptime" in text
    assert "the power-tagged cost items (demand charges) unchanged" in text
