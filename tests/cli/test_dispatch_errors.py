"""Errors of the dispatch engine name inputs (issue 8 item 2); the CLI names its options.

The engine speaks of its arguments in backquotes (```prices_file```, ```market```,
```hashprice```) and of fields by their path in the file; ``hashpivot dispatch``
translates the arguments into the options a user typed (``--prices FILE``...).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.cli.errors import speak_options
from hashpivot.engines.dispatch import load_prices, resolve_hashprice
from hashpivot.exceptions import DataError, InputError
from hashpivot.models import load_portfolio
from hashpivot.models.dispatch import DispatchSpec

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "dispatch-west-texas.toml"
ENGINE = ROOT / "src" / "hashpivot" / "engines" / "dispatch"
runner = CliRunner()


def _example(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "site.toml"
    text = EXAMPLE.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def test_no_engine_module_names_an_option() -> None:
    for module in ENGINE.rglob("*.py"):
        flags = re.findall(r"[\"' (]--[a-z][\w-]+", module.read_text())
        assert not flags, (module.name, flags)


def test_engine_names_its_arguments(tmp_path: Path) -> None:
    site = load_portfolio(_example(tmp_path, 'market = "ercot:HB_WEST"', "")).sites[0]
    with pytest.raises(InputError) as none:
        load_prices(site, None, None)
    (problem,) = none.value.problems
    assert problem.path == "market" and "--" not in problem.message
    assert "`prices_file`" in problem.message and "`market`" in problem.message
    nope = load_portfolio(_example(tmp_path, '"ercot:HB_WEST"', '"ercot:NOPE"')).sites[0]
    with pytest.raises(InputError, match="give `prices_file`") as unknown:
        load_prices(nope, None, None)
    assert unknown.value.problems[0].path == "power_contract.market"
    index = pd.date_range("2099-01-01", periods=4, freq="h", tz="America/Chicago")
    with pytest.raises(DataError) as late:
        resolve_hashprice(index, DispatchSpec())
    assert "--" not in str(late.value)
    assert "`hashprice` or dispatch.hashprice_usd_per_ph_day" in str(late.value)


def test_cli_translates_arguments_into_options(tmp_path: Path) -> None:
    no_market = _example(tmp_path, 'market = "ercot:HB_WEST"', "")
    out = runner.invoke(app, ["dispatch", str(no_market)])
    assert out.exit_code == 2
    assert out.stderr.startswith(
        "error: <command line>: --market: give --prices FILE, or --market as iso:point:year"
    )
    prices = tmp_path / "prices.csv"
    stamps = pd.date_range("2099-01-01", periods=48, freq="h", tz="America/Chicago")
    prices.write_text("interval_start,price\n" + "".join(
        f"{t.isoformat()},{30 + i % 7}\n" for i, t in enumerate(stamps)))
    late = runner.invoke(app, ["dispatch", str(EXAMPLE), "--prices", str(prices)])
    assert late.exit_code == 2
    assert late.stderr.startswith(f"error: {prices}: --prices: ")
    assert "give a hashprice (--hashprice-usd-per-ph-day or dispatch." in late.stderr
    assert "`hashprice`" not in late.stderr


def test_speak_options_replaces_only_backquoted_arguments() -> None:
    words = {"market": "--market", "prices_file": "--prices FILE"}
    assert speak_options("the market: give `prices_file` or `market`", words) == (
        "the market: give --prices FILE or --market"
    )
