"""Each command's ``--out`` help names every file a run writes there, and a run writes
every file the help promises for every run (``pivot --out``'s help named the CSVs and
charts in words, not ``assumptions.csv``, the dispatch-uplift files nor ``run.json``; the
other commands' said "charts (PNG, HTML) and CSVs"). Small runs of the demo's files."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from hashpivot.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

#: A small run of each command with ``--out``: the dispatch and optimize examples
#: dispatch a site (the pivot and simulate runs of portfolio.toml write its uplift files).
RUNS: dict[str, list[str]] = {
    "backtest": ["backtest", str(EXAMPLES / "reverse-margin.toml"), "--start", "2024-01-01",
                 "--end", "2024-03-31"],
    "pivot": ["pivot", str(EXAMPLES / "portfolio.toml")],
    "simulate": ["simulate", str(EXAMPLES / "portfolio.toml"), "--paths", "50", "--seed", "7"],
    "dispatch": ["dispatch", str(EXAMPLES / "dispatch-west-texas.toml"),
                 "--market", "ercot:HB_WEST:2024"],
    "optimize": ["optimize", str(EXAMPLES / "portfolio.toml"), "--scenarios", "1",
                 "--oos-scenarios", "2", "--evpi-scenarios", "1", "--seed", "7",
                 "--time-limit", "30"],
}

#: A file name in a help text: a ``<part>`` stands for a name the run gives.
_NAME = re.compile(r"[a-z_<>]+\.(?:csv\.gz|csv|png|html|json|toml)")


def _out_help(command: str) -> str:
    group = typer.main.get_command(app)  # (its commands load when asked for)
    cmd = group.get_command(click.Context(group), command)  # type: ignore[attr-defined]
    (option,) = [p for p in cmd.params if "--out" in p.opts]
    return str(option.help)


def _named(pattern: str, name: str) -> bool:
    pieces = re.split(r"<[a-z_]+>", pattern)
    return re.fullmatch(".+".join(re.escape(p) for p in pieces), name) is not None


@pytest.mark.parametrize("command", sorted(RUNS))
def test_the_out_help_names_every_file_the_run_writes(command: str, tmp_path: Path) -> None:
    from hashpivot.reports.out_files import OUT_FILES

    out = tmp_path / "out"
    res = CliRunner().invoke(app, [*RUNS[command], "--out", str(out)])
    assert res.exit_code == 0, res.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                     and not p.name.startswith("."))
    help_text = _out_help(command)
    promised = _NAME.findall(help_text)
    unnamed = [n for n in written if not any(_named(p, n) for p in promised)]
    assert not unnamed, f"{command} --out writes files its help does not name: {unnamed}"
    assert "run.json" in written
    # every file the help promises for every run is written (the others say when)
    conditional = {f.pattern for f in OUT_FILES[command] if f.when}
    always = [p for p in promised if p != "run.json" and p not in conditional]
    missing = [p for p in always if not any(_named(p, n) for n in written)]
    assert not missing, f"{command} --out's help names files the run did not write: {missing}"
