"""The ``hashpivot.io`` package: its public readers and fetchers, and what importing it loads."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import hashpivot.io


def _public_io_functions() -> set[str]:
    """``read_*``, ``get_*``, ``load_*`` and ``fetch_*`` functions defined in io's modules."""
    names: set[str] = set()
    for info in pkgutil.iter_modules(hashpivot.io.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"hashpivot.io.{info.name}")
        for name, obj in vars(module).items():
            if (
                callable(obj)
                and getattr(obj, "__module__", "") == module.__name__
                and name.startswith(("read_", "get_", "load_", "fetch_"))
            ):
                names.add(name)
    return names


def test_every_reader_and_fetcher_is_exported() -> None:
    names = _public_io_functions()
    # the package's own readers and fetchers, by name (a new one must be added here and to io)
    assert {"read_ercot_rtm_spp", "read_nyiso_zonal", "read_price_file", "get_network_state",
            "get_ercot_spp", "load_market_prices", "fetch_daily_history"} <= names
    missing = sorted(names - set(hashpivot.io.__all__))
    assert missing == []
    for name in names:
        assert getattr(hashpivot.io, name) is not None


def test_importing_io_loads_neither_the_solver_stack_nor_httpx() -> None:
    # a fresh interpreter: readers must not pull in power/ (scipy, HiGHS) or the network client
    code = (
        "import sys, hashpivot.io; "
        "print(sorted(m for m in ('hashpivot.power', 'scipy', 'highspy', 'httpx') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
