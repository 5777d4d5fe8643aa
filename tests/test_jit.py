"""The kernels where numba finds no writable cache folder (a read-only install whose home
folder cannot be written either): compiled without the cache, with a warning, where
``njit(cache=True)`` raised at import and ``simulate`` stopped with an internal error
(hashpivot.jit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from hashpivot import jit

ROOT = Path(__file__).resolve().parents[1]


def test_no_cache_folder_compiles_without_the_cache_and_warns_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from numba.core import config

    # numba's locator of a cell of IPython only: none for a file, as where none is writable
    monkeypatch.setattr(config, "CACHE_LOCATOR_CLASSES", "IPythonCacheLocator")
    monkeypatch.setattr(jit, "_warned", [False])

    def twice(a):  # type: ignore[no-untyped-def]
        return a * 2.0

    def thrice(a):  # type: ignore[no-untyped-def]
        return a * 3.0

    with pytest.warns(RuntimeWarning, match="set NUMBA_CACHE_DIR"):
        f = jit.cached_njit(nogil=True)(twice)
    assert f(np.ones(2)).tolist() == [2.0, 2.0]
    assert type(f._cache).__name__ == "NullCache"  # compiled in this process only

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once a process, not once per kernel
        g = jit.cached_njit(nogil=True)(thrice)
    assert g(np.ones(1)).tolist() == [3.0]


def test_simulate_runs_where_no_cache_folder_can_be_written(tmp_path: Path) -> None:
    # numba's locators of a cell of IPython only: none for a file, as none is writable
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "NUMBA_CACHE_LOCATOR_CLASSES": "IPythonCacheLocator"}
    out = subprocess.run(
        [sys.executable, "-m", "hashpivot", "simulate",
         str(ROOT / "examples" / "pivot-200mw.toml"), "--paths", "8", "--years", "1",
         "--threads", "1", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-500:]
    assert "set NUMBA_CACHE_DIR to a writable folder" in out.stderr
    assert json.loads(out.stdout)["n_paths"] == 8
