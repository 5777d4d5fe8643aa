"""Inputs shared by the CLI tests: a bundled history row read without hashpivot, a
two-site portfolio file for ``optimize``, and the console script run in-process."""

from __future__ import annotations

import csv
import gzip
from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from hashpivot.cli.app import main
from tests.optimize.optimize_inputs import portfolio_text, site_toml

_runner = CliRunner()


def run_main(*args: str) -> tuple[int, str, str]:
    """Run the console script's entry point (usage errors as the user sees them): exit
    code, stdout and stderr; a traceback or an internal error fails the test."""
    code = 0
    with _runner.isolation() as (out, err, _):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        stdout = out.getvalue().decode()
        stderr = err.getvalue().decode()
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    return code, stdout, stderr


def raw_history_row(day: str) -> dict[str, str]:
    """The day's row read straight from the bundled gzip with the csv module."""
    raw = resources.files("hashpivot").joinpath("data", "btc_daily.csv.gz").read_bytes()
    for row in csv.DictReader(gzip.decompress(raw).decode().splitlines()):
        if row["date"] == day:
            return row
    raise AssertionError(day)


def optimize_portfolio_file(tmp_path: Path) -> str:
    """Write a two-site portfolio (A with 60 MW, B leasing at 120 USD/kW/month, 8 years)
    for ``optimize`` into ``tmp_path``; return its path."""
    path = tmp_path / "pf.toml"
    path.write_text(portfolio_text(site_toml("A", capacity=60.0), site_toml("B", lease=120.0),
                                   years=8))
    return str(path)
