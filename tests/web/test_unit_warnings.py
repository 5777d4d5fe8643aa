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


@pytest.mark.parametrize(("kind", "params"), [
    ("pivot", {}), ("simulate", {"paths": 50, "years": 1, "seed": 7})])
def test_a_run_of_the_pivot_engines_says_warning_as_the_cli(
        sqlite_db: tuple[str, None], tmp_path: Path, kind: str, params: dict[str, object]
) -> None:
    """``hashpivot pivot FILE`` and ``simulate`` print a value in a doubtful unit as a
    ``warning:`` line, as ``cost`` does and as the cost, backtest, dispatch and optimize
    run pages show it; their run pages and ``GET /api/runs/{id}/tables`` said it as a
    ``note:`` among the engine's notes (the 200 MW example at 3.8 USD/MWh)."""
    import html

    from tests.web.conftest import add_key, make_client, wait_run

    text = (EXAMPLE.parent / "pivot-200mw.toml").read_text().replace(
        "price_usd_per_mwh = 38.0", "price_usd_per_mwh = 3.8")
    assert "price_usd_per_mwh = 3.8 " in text
    path = tmp_path / "cents-200mw.toml"
    path.write_text(text)
    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    argv = [kind, str(path), *(["--paths", "50", "--years", "1", "--seed", "7"]
                               if kind == "simulate" else [])]
    out = CliRunner().invoke(app, argv, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    cli = [line.removeprefix(f"warning: {path}: ") for line in out.stderr.splitlines()
           if line.startswith(f"warning: {path}: ")]
    assert cli and "c/kWh" in cli[0]
    with make_client(*sqlite_db) as client:
        add_key(client)
        r = client.post("/api/portfolios/import", content=text.encode(),
                        headers={"Content-Type": "application/toml"})
        assert r.status_code == 201, r.text
        r = client.post("/api/runs", json={"kind": kind, "portfolio_id": r.json()["id"],
                                           "params": params})
        assert r.status_code == 202, r.text
        run = wait_run(client, r.json()["id"])
        assert run["status"] == "succeeded", run
        notes = [n for t in client.get(f"/api/runs/{run['id']}/tables").json()
                 for n in t["notes"]]
        page = html.unescape(client.get(f"/runs/{run['id']}").text)
    assert [f"warning: {w}" for w in cli if f"warning: {w}" in notes] == [
        f"warning: {w}" for w in cli]
    assert not [n for n in notes if n.startswith("note: ") and n[6:] in cli]
    for w in cli:
        assert f"warning: {w}" in page, w


def test_a_run_s_input_warnings_are_validated_once_per_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each view of a run's tables (``GET /api/runs/{id}/tables``, its page) validated
    its whole portfolio again to tell its warnings about its input: 2-16 ms, 6-60 % of
    the tables' time (``benchmarks/bench_run_page_warnings.py``). A document's warnings
    are worked out once: a later read of the same stored inputs (a new copy, as each
    request reads them) validates nothing, another document gets its own, and a run
    stored before ``as_given`` still gets its warnings."""
    import copy
    import uuid

    import hashpivot.store.runs as runs

    calls: list[object] = []
    validate = runs.stored_portfolio

    def counted(inputs: dict[str, object]) -> object:
        calls.append(inputs)
        return validate(inputs)

    monkeypatch.setattr(runs, "stored_portfolio", counted)
    _, portfolio = parse_toml(_cents_file(tmp_path).read_text())
    portfolio = portfolio.model_copy(update={"name": f"cached {uuid.uuid4()}"})
    inputs = resolve_inputs("cost", portfolio, {})
    expected = _cli_warnings(_cents_file(tmp_path))
    first = runs.input_warnings(copy.deepcopy(inputs))
    assert first[:len(expected)] == expected and "c/kWh" in first[0]
    assert len(calls) == 1
    assert runs.input_warnings(copy.deepcopy(inputs)) == first
    assert len(calls) == 1  # (the same document: not validated again)
    fixed = copy.deepcopy(inputs)
    for doc in (fixed["portfolio"], fixed["as_given"]):
        doc["sites"][0]["power_contract"]["price_usd_per_mwh"] = 35.0
    assert runs.input_warnings(fixed) == []
    assert len(calls) == 2
    old = copy.deepcopy(inputs)
    del old["as_given"]  # (stored before as_given: its resolved document)
    assert runs.input_warnings(old) == first
