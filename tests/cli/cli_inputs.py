"""Inputs shared by the CLI tests: a bundled history row read without hashpivot, and a
two-site portfolio file for ``optimize``."""

from __future__ import annotations

import csv
import gzip
from importlib import resources
from pathlib import Path

from tests.optimize.conftest import portfolio_text, site_toml


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
