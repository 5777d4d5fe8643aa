"""Tests of ``hashpivot dispatch`` (typer CLI); the engine's tests are in
tests/engines/dispatch/test_dispatch.py and test_resolve.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from hashpivot.cli.app import app
from tests.engines.dispatch_inputs import EXAMPLE, PRICES, SUMMARY_KEYS, TWO_SITES_TOML
from tests.portfolio_toml import contract, machines, portfolio_toml, site

runner = CliRunner()


def test_cli_json_and_out(tmp_path: Path) -> None:
    res = runner.invoke(app, ["dispatch", str(EXAMPLE), "--prices",
                              str(PRICES),
                              "--hashprice-usd-per-ph-day", "45", "--json", "--out",
                              str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in SUMMARY_KEYS:
        assert key in out
    for name in ("dispatch_heatmap.png", "dispatch_price_duration.png", "dispatch_monthly.png",
                 "dispatch.html", "dispatch_schedule.csv", "dispatch_monthly.csv",
                 "dispatch_summary.json"):
        assert (tmp_path / name).stat().st_size > 0
    html = (tmp_path / "dispatch.html").read_text()
    # plotly.js is embedded (works offline), not loaded from a CDN
    assert 'src="https://cdn.plot.ly' not in html and len(html) > 1_000_000


def test_cli_table_and_bad_input(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["dispatch", str(EXAMPLE), "--prices",
                             str(PRICES),
                             "--hashprice-usd-per-ph-day", "45"])
    assert ok.exit_code == 0 and "net margin, always on" in ok.stdout
    both = runner.invoke(app, ["dispatch", str(EXAMPLE), "--market", "ercot:HB_WEST:2024",
                               "--prices", str(PRICES)])
    assert both.exit_code == 2 and "not both" in both.output
    bad_market = runner.invoke(app, ["dispatch", str(EXAMPLE), "--market", "ercot:HB_WEST:1999"])
    assert bad_market.exit_code == 2 and "no bundled prices" in bad_market.output
    bad_site = runner.invoke(app, ["dispatch", str(EXAMPLE), "--site", "Mars", "--prices",
                                   str(PRICES)])
    assert bad_site.exit_code == 2 and "no site named 'Mars'" in bad_site.output
    missing = runner.invoke(app, ["dispatch", str(tmp_path / "none.toml")])
    assert missing.exit_code == 2
    bad_solver = runner.invoke(app, ["dispatch", str(EXAMPLE), "--solver", "cplex"])
    assert bad_solver.exit_code == 2
    toml = tmp_path / "tight.toml"
    toml.write_text(EXAMPLE.read_text().replace("import_mw = 300.0", "import_mw = 20.0"))
    tight = runner.invoke(app, ["dispatch", str(toml), "--prices",
                                str(PRICES),
                                "--hashprice-usd-per-ph-day", "45"])
    assert tight.exit_code == 2 and "firm AI load" in tight.output


def test_cli_unreadable_price_file_is_bad_input(tmp_path: Path) -> None:
    # A user's price file that cannot be parsed is bad input: exit 2, one line naming the
    # file, the option and the first bad value (not an internal error, exit 1).
    bad = tmp_path / "prices.csv"
    bad.write_text("interval_start,price\nnotatime,12\n2024-01-01 00:15,13\n")
    res = runner.invoke(app, ["dispatch", str(EXAMPLE), "--prices", str(bad)])
    assert res.exit_code == 2, res.output
    assert f"{bad}: --prices: " in res.output and "'notatime'" in res.output
    assert "Traceback" not in res.output


def test_side_file_problems_name_the_site_field_and_file(tmp_path: Path) -> None:
    # The emissions file covers only the first hour of the prices: exit 2 (bad input),
    # at the field's full path in the portfolio file, with that file's name.
    toml = tmp_path / "two.toml"
    toml.write_text(TWO_SITES_TOML)
    prices = tmp_path / "prices.csv"
    idx = pd.date_range("2024-08-19", periods=8, freq="h", tz="America/Chicago")
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": np.arange(8.0)}).to_csv(prices, index=False)
    pd.DataFrame({"interval_start": idx[:1].strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "tco2_per_mwh": [0.4]}).to_csv(tmp_path / "mef.csv", index=False)
    res = CliRunner().invoke(app, ["dispatch", str(toml), "--site", "Beta", "--prices",
                                   str(prices)])
    assert res.exit_code == 2, res.output
    assert f"error: {toml}: sites[1].dispatch.emissions_file: emissions factor series" in (
        res.output.replace("\n", " ")
    )
    missing = CliRunner().invoke(app, ["dispatch", str(toml), "--site", "Gamma", "--prices",
                                       str(prices)])
    assert missing.exit_code == 2
    assert "--site: no site named 'Gamma'" in missing.output


def test_dispatch_cli_on_ny_site_with_bundled_nyiso(tmp_path: Path) -> None:
    toml = tmp_path / "ny.toml"
    toml.write_text(portfolio_toml(
        "NY test",
        site("Upstate", contract(30.0, "index", adder_usd_per_mwh=2.0, market="nyiso:WEST"),
             machines("S19j Pro", 104.0, 3068.0, 5000), region="NYISO", capacity_mw=20.0),
    ))
    res = CliRunner().invoke(
        app,
        ["dispatch", str(toml), "--market", "nyiso:WEST:2019",
         "--hashprice-usd-per-ph-day", "45", "--json"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["intervals"] == 364 * 24
    assert out["start"] == "2019-01-02 00:00:00-05:00"
    assert out["net_margin_usd"] >= out["net_margin_always_on_usd"] - 1e-6


def test_listed_4cp_peaks_outside_the_prices_are_a_note(tmp_path: Path) -> None:
    """The dispatch example's four 4CP peaks moved to 2019 against the 2024 prices: no
    charge, and the table now says why (it said "4CP transmission charge 0 USD" alone);
    one of four moved: 3 charged, a note for the fourth."""
    text = (Path(__file__).parents[2] / "examples" / "dispatch-west-texas.toml").read_text()
    assert text.count("      2024-0") == 4
    for moved, words in ((4, "4 of the 4 listed 4CP peak intervals"),
                         (1, "1 of the 4 listed 4CP peak intervals")):
        path = tmp_path / f"moved{moved}.toml"
        path.write_text(text.replace("      2024-0", "      2019-0", moved))
        res = CliRunner().invoke(app, ["dispatch", str(path), "--market", "ercot:HB_WEST:2024"])
        assert res.exit_code == 0, res.output
        note = " ".join(res.output.split())
        assert f"note: {words} (dispatch.four_cp.peak_intervals; 2019-06-27 16:45:00" in note
        assert ("no 4CP peak interval falls in the horizon: no charge" in note) == (moved == 4)


def _with_ppa_end(tmp_path: Path, end: str, field: str = "end") -> Path:
    """The dispatch example with ``field = end`` (more lines after it) in its PPA block."""
    path = tmp_path / "ppa_end.toml"
    text = EXAMPLE.read_text()
    old = "price_usd_per_mwh = 32.0\n    resale_allowed = true\n"
    assert old in text
    path.write_text(text.replace(old, old + f"    {field} = {end}\n"))
    return path


def test_dispatch_says_a_ppa_ended_before_the_prices_is_dispatched_regardless(
        tmp_path: Path) -> None:
    """A block whose ``end`` (2024-07) is before the price file's last day (2024-08-21)
    is dispatched over the whole file, with a note; one that ends in the file's last
    month has none."""
    args = ["--prices", str(PRICES), "--hashprice-usd-per-ph-day", "45"]
    early = runner.invoke(app, ["dispatch", str(_with_ppa_end(tmp_path, '"2024-07"')), *args])
    assert early.exit_code == 0, early.output
    assert "PPA end 2024-07" in early.stdout and "regardless" in early.stdout
    same = runner.invoke(app, ["dispatch", str(_with_ppa_end(tmp_path, "2024-08-01")), *args])
    assert same.exit_code == 0, same.output
    assert "PPA end" not in same.stdout


def test_a_ppa_end_that_is_no_month_is_bad_input(tmp_path: Path) -> None:
    """``end = "2027-13"`` or ``"soon"``: exit code 2, at its field path."""
    for end in ('"2027-13"', '"soon"'):
        res = runner.invoke(app, ["dispatch", str(_with_ppa_end(tmp_path, end)), "--prices",
                                  str(PRICES)])
        assert res.exit_code == 2, res.output
        assert "sites[0].dispatch.ppa.end" in res.output, res.output


def test_dispatch_says_a_ppa_starting_after_the_prices_begin_is_dispatched_regardless(
        tmp_path: Path) -> None:
    """A block whose ``start`` (2024-09) is after the price file's first month (2024-08)
    is dispatched over the whole file, with a note; one that starts in the file's first
    month has none."""
    args = ["--prices", str(PRICES), "--hashprice-usd-per-ph-day", "45"]
    late = runner.invoke(app, ["dispatch", str(_with_ppa_end(tmp_path, '"2024-09"', "start")),
                               *args])
    assert late.exit_code == 0, late.output
    note = " ".join(late.stdout.split())
    assert ("PPA start 2024-09: the dispatch values the block over the whole price file "
            "regardless (from 2024-08-19); pivot, simulate and optimize settle it from "
            "2024-09 only") in note
    same = runner.invoke(app, ["dispatch", str(_with_ppa_end(tmp_path, '"2024-08"', "start")),
                               *args])
    assert same.exit_code == 0, same.output
    assert "PPA start" not in same.stdout


def test_a_ppa_start_after_its_end_is_bad_input(tmp_path: Path) -> None:
    """``start = "2031-01"`` with ``end = "2030-12"``: exit code 2 in dispatch and pivot,
    one line at the start's field path, no traceback."""
    path = _with_ppa_end(tmp_path, '"2031-01"\n    end = "2030-12"', "start")
    for command in (["dispatch", str(path), "--prices", str(PRICES)], ["pivot", str(path)]):
        res = runner.invoke(app, command)
        assert res.exit_code == 2, res.output
        assert ("sites[0].dispatch.ppa.start: start '2031-01' is after end '2030-12': the "
                "block would settle in no month") in " ".join(res.output.split())
        assert "Traceback" not in res.output


def test_resolved_assumptions_printed_in_json_and_csv(tmp_path: Path) -> None:
    """The table of resolved assumptions closes the output (after the notes), as every
    other engine's; the same rows are ``resolved_assumptions`` in ``--json`` and
    ``assumptions.csv`` in ``--out``."""
    argv = ["dispatch", str(EXAMPLE), "--prices", str(PRICES)]
    text = runner.invoke(app, argv, env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    title = lines.index("Resolved assumptions (default = not in the file)")
    assert max(i for i, line in enumerate(lines) if line.startswith("note: ")) < title
    assert any(line.startswith("[sites.dispatch.ppa]") and "150 MW at 32 USD/MWh" in line
               and line.rstrip().endswith("file") for line in lines[title:])
    # the contract's row says how it is applied (the line "power contract: ..." did)
    assert not any(line.startswith("power contract: ") for line in lines)
    assert any(line.startswith("[sites.power_contract]")
               and line.rstrip().endswith("file; index price + adder 3 USD/MWh")
               for line in lines[title:])
    res = runner.invoke(app, [*argv, "--json", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["resolved_assumptions"]
    assert {"name": "prices", "value": rows[0]["value"], "unit": "USD/MWh",
            "source": "run setting"} == rows[0]
    assert {"name": "[sites.dispatch] availability_fraction, the site's uptime (the "
                    "dispatch curtails)", "value": 0.97, "unit": "-", "source": "file"} in rows
    csv = pd.read_csv(tmp_path / "assumptions.csv", keep_default_na=False)
    assert list(csv.columns) == ["name", "value", "unit", "source"]
    assert list(csv["name"]) == [r["name"] for r in rows]
    assert list(csv["source"]) == [r["source"] for r in rows]
    summary = json.loads((tmp_path / "dispatch_summary.json").read_text())
    assert summary["resolved_assumptions"] == rows
