"""Tests of ``hashpivot pivot`` and ``hashpivot deals`` (typer CLI); the engine's tests are
in tests/engines/pivot/test_pivot.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.engines.pivot_inputs import BASE_TOML


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    from hashpivot.cli import pivot as cli_pivot

    a = typer.Typer()
    cli_pivot.register(a)
    return a


@pytest.fixture
def toml_file(tmp_path: Path) -> Path:
    p = tmp_path / "site.toml"
    p.write_text(BASE_TOML)
    return p


def test_cli_pivot_json(app: typer.Typer, toml_file: Path) -> None:
    res = CliRunner().invoke(
        app, ["pivot", str(toml_file), "--json", "--convert-mw", "30", "--start", "2026-04"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert "convert_30mw_2026-04" in d["strategies"]
    assert d["breakeven_lease_usd_per_kw_month"] > 0
    assert d["strategies"]["keep_mining"]["irr_fraction"] is None


def test_cli_pivot_table_and_out(app: typer.Typer, toml_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["pivot", str(toml_file), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "keep_mining" in res.stdout and "break-even lease" in res.stdout
    # the tornado says which NPV it varies, and the base difference both ways
    flat = " ".join(res.stdout.split())
    assert "NPVs to the horizon (at the base: " in flat
    assert "; with the terminal value: " in flat.split("NPVs to the horizon", 1)[1][:80]
    assert "The same with the terminal value (both NPVs with TV)" in flat
    for name in (
        "cumulative_cash_flow.png",
        "cumulative_cash_flow.html",
        "tornado.png",
        "tornado.html",
        "tornado_with_tv.png",
        "tornado_with_tv.html",
        "summary.csv",
        "tornado.csv",
        "cash_flows_keep_mining.csv",
    ):
        assert (out / name).stat().st_size > 0
    assert "cdn.plot.ly" not in (out / "tornado.html").read_text()[:5000]
    # the assumptions printed with the table, with their sources, in a file too
    import pandas as pd

    assumptions = pd.read_csv(out / "assumptions.csv")
    assert list(assumptions.columns) == ["name", "value", "unit", "source"]
    row = assumptions.set_index("name").loc["[sites.hosting] lease_usd_per_kw_month"]
    assert float(row["value"]) > 0 and row["source"] in ("file", "default")
    assert "[pivot] discount_rate" in set(assumptions["name"])


def test_cli_pivot_bad_input(app: typer.Typer, toml_file: Path) -> None:
    res = CliRunner().invoke(app, ["pivot", str(toml_file), "--convert-mw", "500"])
    assert res.exit_code == 2
    # the option's value is the command line's problem, not the file's
    assert "<command line>: --convert-mw: 500 MW exceeds" in res.output
    # --start alone takes the file's [pivot] convert_mw (50 MW), as simulate does ...
    res = CliRunner().invoke(app, ["pivot", str(toml_file), "--start", "2027-01", "--json"])
    assert res.exit_code == 0, res.output
    assert "convert_50mw_2027-01" in res.output
    # ... and with no MW figure anywhere it is refused at the option
    no_mw = toml_file.with_name("no_mw.toml")
    no_mw.write_text(toml_file.read_text().replace("convert_mw = 50.0", ""))
    res = CliRunner().invoke(app, ["pivot", str(no_mw), "--start", "2027-01"])
    assert res.exit_code == 2
    assert "<command line>: --start: a construction start needs a MW figure" in res.output
    res = CliRunner().invoke(
        app, ["pivot", str(toml_file), "--convert-mw", "5", "--start", "2026-13"]
    )
    assert res.exit_code == 2
    res = CliRunner().invoke(app, ["pivot", str(toml_file) + ".missing"])
    assert res.exit_code == 2


def test_cli_deals(app: typer.Typer) -> None:
    res = CliRunner().invoke(app, ["deals", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    rows = {r["deal"]: r for r in d["deals"]}
    assert rows["core_scientific_coreweave_initial"]["rate_usd_per_kw_month"] == pytest.approx(
        121.53, abs=0.01
    )
    assert rows["iren_microsoft"]["kind"] == "gpu_cloud"
    assert d["colocation_range"]["n_deals"] >= 5
    res = CliRunner().invoke(app, ["deals"])
    assert res.exit_code == 0 and "GPU" in res.stdout


def test_cli_pivot_one_tornado_without_terminal_value(app: typer.Typer, tmp_path: Path) -> None:
    """With every terminal-value method "none" the NPVs with TV are the NPVs: one tornado."""
    p = tmp_path / "no_tv.toml"
    p.write_text(BASE_TOML + "\n[pivot.terminal_value]\nmining_method = 'none'\n"
                 "hosting_method = 'none'\n")
    res = CliRunner().invoke(app, ["pivot", str(p)])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.stdout.split())
    assert "Sensitivity of NPV(" in flat
    assert "The same with the terminal value" not in flat
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["pivot", str(p), "--out", str(out)]).exit_code == 0
    assert (out / "tornado.png").is_file() and not (out / "tornado_with_tv.png").exists()


def test_convert_listed_without_a_mw_figure_is_refused(tmp_path: Path) -> None:
    """``strategies = ["convert"]`` and no ``convert_mw``: the strategy was dropped without
    a word (and a ``convert_start`` before the model start was never checked)."""
    from hashpivot.cli.app import app

    text = (Path(__file__).parents[2] / "examples" / "pivot-200mw.toml").read_text()
    no_mw = tmp_path / "no_mw.toml"
    no_mw.write_text(text.replace("convert_mw = 100.0\n", "").replace(
        'convert_start = "2026-01"', 'convert_start = "2020-07"').replace(
        'strategies = ["convert_all", "convert", "phased"]', 'strategies = ["convert"]'))
    for command in (["pivot"], ["simulate", "--paths", "200"]):
        res = CliRunner().invoke(app, [*command, str(no_mw)])
        assert res.exit_code == 2, res.output
        assert (f"error: {no_mw}: pivot.strategies: 'convert' needs a MW figure: set [pivot] "
                "convert_mw or give --convert-mw") in res.output.replace("\n", " "), res.output
    # the default list (as a stored run's resolved document writes it out) runs without
    # convert, as before
    default = tmp_path / "default.toml"
    default.write_text(text.replace("convert_mw = 100.0\n", "").replace(
        'strategies = ["convert_all", "convert", "phased"]',
        'strategies = ["convert_all", "convert", "phased"]  # the default'))
    res = CliRunner().invoke(app, ["pivot", str(default), "--json"])
    assert res.exit_code == 0, res.output
    # with --convert-mw it runs, and the file's start is checked
    res = CliRunner().invoke(app, ["pivot", str(no_mw), "--convert-mw", "50"])
    assert res.exit_code == 2
    assert "pivot.convert_start: 2020-07 is before the model start" in res.output
