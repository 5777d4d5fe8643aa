"""The ``hashpivot.treasury`` package: its public names, each defined in the module of its
concept, and what importing it loads (no numba: the compiled kernel is imported when it
runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import hashpivot.treasury as treasury

ROOT = Path(__file__).resolve().parents[2]

#: Where each public name of the package is defined.
HOMES = {
    "POLICIES": "policies",
    "policy_order": "policies",
    "DebtSchedule": "debt",
    "debt_schedule": "debt",
    "TreasuryResult": "recursion",
    "rounding_tolerance_usd": "recursion",
    "run_treasury": "recursion",
    "treasury_summary": "recursion",
    "TreasuryPathSummary": "path_summary",
}


def test_every_public_name_is_re_exported_from_the_module_of_its_concept() -> None:
    assert sorted(treasury.__all__) == sorted(HOMES)
    for name, home in HOMES.items():
        module = sys.modules[f"hashpivot.treasury.{home}"]
        assert name in module.__all__, (name, home)
        assert getattr(treasury, name) is getattr(module, name), name


def test_importing_the_package_loads_no_numba() -> None:
    probe = ("import sys, hashpivot.treasury\n"
             "print(sorted(m for m in ('numba', 'hashpivot.treasury.kernel') "
             "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "[]"
