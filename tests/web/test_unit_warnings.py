"""A stored run warns of a value in a doubtful unit as the CLI does on the same file: a
contract price of 3.5 USD/MWh (3.5 c/kWh typed in the wrong unit) ran on the dashboard
with no word of it, where ``hashpivot cost FILE`` prints ``warning: ... is it in c/kWh?``
and lists it in its ``--json`` ``warnings``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hashpivot.reports.tables.runs import run_tables
from hashpivot.store.portfolios import parse_toml
from hashpivot.store.runs import execute_run, resolve_inputs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dispatch-west-texas.toml"


def _cents_file(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text().replace("price_usd_per_mwh = 35.0", "price_usd_per_mwh = 3.5")
    assert "price_usd_per_mwh = 3.5" in text
    path = tmp_path / "cents.toml"
    path.write_text(text)
    return path


def _cli_warnings(path: Path) -> list[str]:
    """The ``--json`` warnings of ``hashpivot cost FILE`` about the file, without its name
    (a stored run has no file)."""
    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    out = CliRunner().invoke(app, ["cost", str(path), "--json"])
    assert out.exit_code == 0, out.output
    warnings = json.loads(out.stdout)["warnings"]
    return [w.removeprefix(f"{path}: ") for w in warnings if w.startswith(f"{path}: ")]


@pytest.mark.parametrize("kind", ["cost", "backtest", "dispatch"])
def test_a_run_warns_of_a_value_in_a_doubtful_unit_as_the_cli(tmp_path: Path,
                                                                kind: str) -> None:
    path = _cents_file(tmp_path)
    expected = _cli_warnings(path)
    assert expected and "c/kWh" in expected[0]
    _, portfolio = parse_toml(path.read_text())
    inputs = resolve_inputs(kind, portfolio, {})
    results = execute_run(inputs).results
    assert results["warnings"][:len(expected)] == expected
    notes = [n for t in run_tables(kind, results, inputs["params"]) for n in t.notes]
    assert [f"warning: {w}" for w in expected if f"warning: {w}" in notes] == [
        f"warning: {w}" for w in expected]
