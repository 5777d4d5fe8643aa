"""glibc malloc settings (hashpivot.heap): applied once, the user's own settings win, and
they do what they are for: a multi-MB array allocated and freed again and again stops
page-faulting."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="mallopt settings are glibc's",
)

# 40 times: allocate and write three 8 MB arrays, then free them (as a chunk's temporaries
# come and go); print the minor page faults this took (each 4 KiB page written anew is
# one) and whether the settings were applied
LOOP = """
import resource, sys
import numpy as np
from hashpivot.heap import keep_large_arrays_on_heap
applied = keep_large_arrays_on_heap() if sys.argv[1] == "apply" else None
again = keep_large_arrays_on_heap() if applied is not None else None
a = np.ones(1_000_000); del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    a, b, c = np.ones(1_000_000), np.ones(1_000_000), np.ones(1_000_000)
    del a, b, c
print(applied, again, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _run(mode: str, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", LOOP, mode], capture_output=True, text=True,
                         check=True, env={**environ, **env})
    return out.stdout.split()


def test_large_arrays_stop_page_faulting_once_applied() -> None:
    applied, again, faults = _run("apply")
    assert applied == again == "True"
    _, _, default_faults = _run("skip")
    # 40 x 24 MB is ~234,000 pages written. By default glibc gives memory freed at the
    # top of the heap back and faults it in again (~49,000 faults with glibc 2.36);
    # kept on the heap, the pages are reused (~1,400: the first round and numpy's own)
    assert int(default_faults) > 20_000
    assert int(faults) < 5_000


def test_the_users_own_malloc_settings_win() -> None:
    applied, _, _ = _run("apply", MALLOC_TRIM_THRESHOLD_="131072")
    assert applied == "False"
