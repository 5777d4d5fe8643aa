"""Benchmark: measuring the dispatch flexibility curve of a site whose intervals are linked.

``measure_dispatch_uplift`` on ``examples/portfolio.toml``'s Odessa Grid (ERCOT HB_WEST
2024, 35,136 intervals, two fleet entries) as the file has it (the reference: no link
between intervals, the fast path at 21 multipliers) and with its intervals linked:

* ``ramp``: ``[sites.dispatch.limits] ramp_mw_per_interval = 10`` (each exact run a HiGHS
  LP over the year);
* ``flexible AI``: 30 MW of AI load of which 30 % moves within a day (an LP too).

A linked site pays the exact runs at :data:`~hashpivot.engines.pivot.uplift.measurement.
ANCHORS` (one before 2026-12-04) on top of the fast path's curve. In alternating pairs
(reference, linked) after one untimed call of each; reported: the ratio linked /
reference of each pair, median [min, max], the load average before and after and the
peak RSS of the process (``bench_pivot.py``'s ``pairs`` and ``fmt``).

Run: ``.venv/bin/python benchmarks/bench_uplift_linked.py [--pairs 3]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_pivot import fmt, pairs

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


def measure(site: Any) -> None:
    """One measurement of the site's curve (no cache)."""
    from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift

    uplift, note = measure_dispatch_uplift(site)
    assert uplift is not None, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs per case")
    args = parser.parse_args()
    load0 = os.getloadavg()
    sites = variants()
    ref = sites.pop("reference")
    results = {name: pairs(lambda: measure(ref), lambda s=site: measure(s), args.pairs)
               for name, site in sites.items()}
    load1 = os.getloadavg()
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f}; {args.pairs} "
          "alternating pairs per case")
    for name, (refs, linked) in results.items():
        ratios = [b / a for a, b in zip(refs, linked, strict=True)]
        print(f"{name}: linked / reference {fmt(ratios, 1.0, '.2f')} (reference, median: "
              f"{statistics.median(refs):.2f} s)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
