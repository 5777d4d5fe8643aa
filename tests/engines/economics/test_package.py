"""The ``hashpivot.engines.economics`` package: its public names, each defined in the
module of its concept, and what importing it loads (none of its modules: each is loaded
when one of its names is first asked for)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hashpivot.engines.economics as economics

ROOT = Path(__file__).resolve().parents[3]

#: Where each public name of the package is defined.
HOMES = {
    "NetworkConditions": "network_conditions",
    "UnitEconomics": "unit_economics",
    "compute_unit_economics": "unit_economics",
    "idle_fleet_problems": "unit_economics",
    "BacktestResult": "backtest",
    "run_backtest": "backtest",
    "MachineProfit": "machine_profit",
    "payback_halving_notes": "machine_profit",
    "profit_assumptions": "machine_profit",
}


def test_every_public_name_is_re_exported_from_the_module_of_its_concept() -> None:
    assert sorted(economics.__all__) == sorted(HOMES)
    for name, home in HOMES.items():
        module = importlib.import_module(f"hashpivot.engines.economics.{home}")
        assert getattr(economics, name) is getattr(module, name), name
        assert getattr(module, name).__module__ == module.__name__, name


def test_a_name_the_package_lacks_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'cost_per_btc'"):
        economics.cost_per_btc  # noqa: B018


def test_importing_the_package_loads_none_of_its_modules() -> None:
    """``profit`` reaches its module through the package: it must not load the cost
    engine's (pandas, the models) or the backtest's with it."""
    probe = ("import sys, hashpivot.engines.economics, hashpivot.engines.economics.machine_profit\n"
             "print(sorted(m for m in sys.modules if m.startswith('hashpivot.engines.')))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == str(["hashpivot.engines.economics",
                                      "hashpivot.engines.economics.machine_profit"])
