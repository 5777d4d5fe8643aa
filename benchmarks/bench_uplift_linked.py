"""Benchmark: measuring the dispatch flexibility curve of a site whose intervals are linked.

``measure_dispatch_uplift`` on ``examples/portfolio.toml``'s Odessa Grid (ERCOT HB_WEST
2024, 35,136 intervals, two fleet entries) as the file has it (the reference: no link
between intervals, the fast path at 21 multipliers) and with its intervals linked:

* ``ramp``: ``[sites.dispatch.limits] ramp_mw_per_interval = 10`` (each exact run a HiGHS
  LP over the year);
* ``flexible AI``: 30 MW of AI load of which 30 % moves within a day (an LP too).

A linked site pays the exact runs at :data:`~hashpivot.engines.pivot.dispatch_uplift.
ANCHORS` (one before 2026-12-04) on top of the fast path's curve. In alternating pairs
(reference, linked) after one untimed call of each; reported: the ratio linked /
reference of each pair, median [min, max], and the load average before and after.

Run: ``.venv/bin/python benchmarks/bench_uplift_linked.py [--pairs 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.toml"


def variants() -> dict[str, Any]:
    """The site as in the file and with its intervals linked two ways."""
    from hashpivot.models import load_portfolio

    site = load_portfolio(EXAMPLE).site("Odessa Grid")
    assert site.dispatch is not None
    spec = site.dispatch
    ramp = spec.model_copy(update={"limits": spec.limits.model_copy(
        update={"ramp_mw_per_interval": 10.0})})
    flexible = spec.model_copy(update={"ai_load_mw": 30.0, "ai_flexible_fraction": 0.3})
    return {"reference": site,
            "ramp": site.model_copy(update={"dispatch": ramp}),
            "flexible AI": site.model_copy(update={"dispatch": flexible})}


def timed(site: Any) -> float:
    """Seconds of one measurement of the curve (no cache)."""
    from hashpivot.engines.pivot.dispatch_uplift import measure_dispatch_uplift

    t0 = time.perf_counter()
    uplift, note = measure_dispatch_uplift(site)
    elapsed = time.perf_counter() - t0
    assert uplift is not None, note
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs per case")
    args = parser.parse_args()
    load0 = os.getloadavg()
    sites = variants()
    ref = sites.pop("reference")
    results = {}
    for name, site in sites.items():
        timed(ref), timed(site)
        ratios, refs = [], []
        for _ in range(args.pairs):
            a = timed(ref)
            b = timed(site)
            refs.append(a)
            ratios.append(b / a)
        results[name] = (ratios, refs)
    load1 = os.getloadavg()
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f}; {args.pairs} "
          "alternating pairs per case")
    for name, (ratios, refs) in results.items():
        print(f"{name}: linked / reference {statistics.median(ratios):.2f} "
              f"[{min(ratios):.2f}, {max(ratios):.2f}] (reference, median: "
              f"{statistics.median(refs):.2f} s)")


if __name__ == "__main__":
    main()
