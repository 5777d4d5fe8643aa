"""Benchmark: what tenants that may not sign cost ``pivot`` and ``simulate``.

``examples/pivot-200mw.toml`` with the ``phased`` strategy as three halls: two for a tenant
signing with probability 0.6, one for a tenant at 0.8. The reference is the same file with
every hall certain (no ``probability_signing``). Each engine runs in alternating pairs
(certain, uncertain, certain, uncertain...), so load on a shared machine hits both alike:

* ``pivot``: ``run_pivot`` (the uncertain file also values the 3 other outcomes of the two
  signings for its expected NPV);
* ``simulate``: 20,000 paths in chunks of 5,000, one thread (the uncertain file draws the
  signings and runs ``phased`` once per outcome on that outcome's paths).

Reported: per engine the median [min, max] over the pairs of the ratio uncertain / certain
and of each time, peak RSS (``ru_maxrss``) and the load average before and after.

Run: ``.venv/bin/python benchmarks/bench_signing.py [--pairs 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models import Portfolio, validate_data

ROOT = Path(__file__).resolve().parents[1]
HALLS = [
    {"start": "2026-01", "gross_mw": 40.0, "tenant": "T1", "probability_signing": 0.6,
     "lease_usd_per_kw_month": 150.0},
    {"start": "2026-07", "gross_mw": 30.0, "tenant": "T1", "probability_signing": 0.6,
     "lease_usd_per_kw_month": 150.0},
    {"start": "2027-01", "gross_mw": 60.0, "tenant": "T2", "probability_signing": 0.8},
]


def portfolios() -> tuple[Portfolio, Portfolio]:
    """The example with the halls certain, and with their tenants' probabilities."""
    doc: dict[str, Any] = tomllib.loads((ROOT / "examples" / "pivot-200mw.toml").read_text())
    doc.setdefault("pivot", {})["strategies"] = ["phased"]
    out = []
    for uncertain in (False, True):
        d = json.loads(json.dumps(doc))
        d["sites"][0]["hosting"]["phases"] = [
            h if uncertain else {k: v for k, v in h.items() if k != "probability_signing"}
            for h in HALLS
        ]
        out.append(validate_data(Portfolio, d, "bench"))
    return out[0], out[1]


def pairs(n: int, ref: Callable[[], object], run: Callable[[], object]) -> dict[str, Any]:
    """``n`` alternating pairs: the ratio run / ref of each pair, and both times. [s]"""
    ref()
    run()  # warm-up (compiled kernels, caches)
    r_s, u_s = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        ref()
        t1 = time.perf_counter()
        run()
        t2 = time.perf_counter()
        r_s.append(t1 - t0)
        u_s.append(t2 - t1)
    ratios = [u / r for u, r in zip(u_s, r_s, strict=True)]

    def mmm(x: list[float]) -> list[float]:
        return [statistics.median(x), min(x), max(x)]

    return {"ratio": mmm(ratios), "certain_s": mmm(r_s), "uncertain_s": mmm(u_s)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5)
    args = ap.parse_args()
    certain, uncertain = portfolios()
    cfg = SimulationConfig(n_paths=20_000, chunk_paths=5_000, seed=7)
    load_before = os.getloadavg()
    out = {
        "pairs": args.pairs,
        "pivot": pairs(args.pairs, lambda: run_pivot(certain), lambda: run_pivot(uncertain)),
        "simulate_20000_paths": pairs(
            args.pairs,
            lambda: simulate(certain, cfg, threads=1),
            lambda: simulate(uncertain, cfg, threads=1),
        ),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
