"""Timing helpers the benchmarks share: alternating pairs, ratios, median [min, max].

A time on a shared 2-core machine is evidence only as a ratio against a reference timed
in the same run, in alternating pairs (reference, stage, reference, stage...), so that
load hits both alike (``../shared/design/STYLE.md``, "Benchmarks are evidence"). A script
in this folder imports this module by its plain name: Python puts the script's folder
first on ``sys.path``.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call. [s]"""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def pairs(reference: Callable[[], object], stage: Callable[[], object], n: int
          ) -> tuple[list[float], list[float]]:
    """``n`` alternating pairs (reference, stage) after one untimed call of each. [s]"""
    reference()
    stage()
    ref, st = [], []
    for _ in range(n):
        ref.append(timed(reference))
        st.append(timed(stage))
    return ref, st


def ratios(reference: Sequence[float], stage: Sequence[float]) -> list[float]:
    """Each pair's stage time over its reference time. [-]"""
    return [b / a for a, b in zip(reference, stage, strict=True)]


def fmt(values: Sequence[float], scale: float = 1.0, spec: str = ".3f") -> str:
    """``median [min, max]`` of ``values x scale``."""
    v = [x * scale for x in values]
    return (f"{format(statistics.median(v), spec)} [{format(min(v), spec)}, "
            f"{format(max(v), spec)}]")


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (``ru_maxrss``). [MiB]"""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_average() -> float:
    """The 1-minute load average. [-]"""
    return os.getloadavg()[0]
