"""Benchmark: listing every problem of a bad portfolio, against validating a good one of
the same size, as the document grows.

A portfolio of one site with ``n`` fleet lines, each giving ``count = true`` (a boolean
for a number: a problem) and an invalid ``end``, on a site of 1 MW (its capacity check is
hidden by them, so the second pass runs); the reference is the same document with
``count = 1`` and no ``end`` on an ample capacity, validated by pydantic alone
(``Portfolio.model_validate``), measured in the same run. Reported, for ``n`` = 500 and
4,000: bad / good as ``median [min, max]`` over the repeats, and the growth of the bad
document's time from 500 to 4,000 lines (8x the lines: about 8x when linear, 64x when
quadratic) as ``median [min, max]`` of the ratio of each repeat's times, the peak RSS of
the process (``ru_maxrss``: interpreter and libraries included) and the load average
before and after. Until 2026-12-06 the problems were matched against each other in pairs
(quadratic: about 40 s for the bad 4,000-line document then, hence 3 repeats).

Run: ``.venv/bin/python benchmarks/bench_validation.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from typing import Any

from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio
from hashpivot.models.loader import validate_data

SIZES = (500, 4000)


def document(n: int, bad: bool) -> dict[str, Any]:
    """One site with ``n`` fleet lines: each with ``count = true`` and an invalid ``end``
    on 1 MW when ``bad``, else ``count = 1`` on an ample capacity."""
    line: dict[str, Any] = {"hashrate_th_s": 200.0, "power_w": 3500.0,
                            "count": True if bad else 1}
    if bad:
        line["end"] = "not a day"
    return {"sites": [{"name": "A", "capacity_mw": 1.0 if bad else 1e4,
                       "power_contract": {"price_usd_per_mwh": 40.0},
                       "fleet": [dict(line) for _ in range(n)]}]}


def seconds(n: int, bad: bool) -> float:
    """Time to validate the document of :func:`document` (its problems listed). [s]"""
    data = document(n, bad)
    t0 = time.perf_counter()
    if bad:
        try:
            validate_data(Portfolio, data, "bench.toml")
        except InputError as exc:
            assert len(exc.problems) >= 2 * n  # every line's two problems
        else:
            raise AssertionError("the bad document validated")
    else:
        Portfolio.model_validate(data)
    return time.perf_counter() - t0


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}, {max(values):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    load0 = os.getloadavg()[0]
    seconds(SIZES[0], True)  # warm-up (imports, the ASIC catalog, pydantic's schemas)
    bad: dict[int, list[float]] = {n: [] for n in SIZES}
    good: dict[int, list[float]] = {n: [] for n in SIZES}
    for _ in range(args.repeats):
        for n in SIZES:
            good[n].append(seconds(n, False))
            bad[n].append(seconds(n, True))
    out = {f"bad_over_good_{n}": spread([b / g for b, g in zip(bad[n], good[n], strict=True)])
           for n in SIZES}
    out["bad_growth_500_to_4000"] = spread(
        [b / a for a, b in zip(bad[SIZES[0]], bad[SIZES[1]], strict=True)])
    out["good_growth_500_to_4000"] = spread(
        [b / a for a, b in zip(good[SIZES[0]], good[SIZES[1]], strict=True)])
    out["median_s_context"] = {f"{kind}_{n}": round(statistics.median(v[n]), 4)
                               for kind, v in (("bad", bad), ("good", good)) for n in SIZES}
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["load"] = f"{load0:.2f} -> {os.getloadavg()[0]:.2f}"
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
