"""``hashpivot pivot`` without ``[financing]``: no levered view shown as something else."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from hashpivot.cli.app import app

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"
runner = CliRunner()


def _without_financing(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"\n\[financing\]\n(?:[^\[\n].*\n|\n)*?(?=\n?\[)", "\n", text)
    assert "[financing]" not in text
    out = tmp_path / "no_financing.toml"
    out.write_text(text, encoding="utf-8")
    return out


def test_no_financing_has_no_levered_figures(tmp_path: Path) -> None:
    site = _without_financing(tmp_path)
    res = runner.invoke(app, ["pivot", str(site), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["levered_note"].startswith("no [financing] given")
    for s in data["strategies"].values():
        assert s["npv_levered_usd"] is None and s["irr_levered_fraction"] is None
        assert s["npv_usd"] is not None
    table = runner.invoke(app, ["pivot", str(site)], env={"COLUMNS": "160"})
    assert table.exit_code == 0, table.output
    assert "NPV levered" not in table.stdout and "IRR levered" not in table.stdout
    assert "no [financing] given" in table.stdout


def test_with_financing_the_levered_figures_are_shown() -> None:
    res = runner.invoke(app, ["pivot", str(EXAMPLE), "--json"])
    data = json.loads(res.stdout)
    assert data["levered_note"] is None
    assert data["strategies"]["convert_all"]["npv_levered_usd"] is not None


def test_resolved_assumptions_echo_defaults_and_file_values(tmp_path: Path) -> None:
    """Every assumption that can flip the verdict is echoed with where it came from."""
    res = runner.invoke(app, ["pivot", str(EXAMPLE), "--json"])
    rows = {r["name"]: r for r in json.loads(res.stdout)["resolved_assumptions"]}
    assert rows["[pivot] horizon_years"]["value"] == 15
    assert rows["[pivot] horizon_years"]["source"] == "file"
    assert rows["[pivot] btc_price_growth_per_year"]["source"] == "file"
    assert rows["[pivot] btc_price_usd"]["source"].startswith("bundled")  # not in the file
    # the data's licence asks to be named where it is used: with the day, on every row the
    # start's state fills (it read 'bundled Coin Metrics data, <day>', no licence)
    day = rows["[pivot] start"]["source"].rsplit(", ", 1)[1]
    for name in ("[pivot] start", "[pivot] btc_price_usd", "[pivot] network_hashrate_th_s"):
        assert rows[name]["source"] == (
            f"bundled Coin Metrics Community Network Data (CC BY-NC 4.0), {day}"), name
    assert rows["[pivot.terminal_value]"]["source"] == "default"
    assert rows["[pivot.tax]"]["value"].startswith("pre-tax")
    table = runner.invoke(app, ["pivot", str(_without_financing(tmp_path))],
                          env={"COLUMNS": "160"})
    assert "Resolved assumptions" in table.stdout
    assert "none: no project debt" in table.stdout
