"""Cost of the run record (``run.json``) that every ``--out`` folder ends with.

``pivot`` on ``examples/pivot-200mw.toml`` with ``--out``, in a fresh child process per
run (the record's hashes of the package's code and data are computed once per process, as
for a CLI command): the time to write the report's files (``write_pivot``: CSVs, PNGs,
HTML) and then the record (``write_run_record``: provenance, input and output hashes).
Reported: the ratio record / report of each run, median [min, max], with the load average
before and after.

Run: ``.venv/bin/python benchmarks/bench_run_record.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pivot-200mw.toml"


def child(out: Path) -> None:
    """One run: the pivot result, then its report and record timed; prints JSON."""
    from hashpivot.cli.run_record import write_run_record
    from hashpivot.engines.pivot import run_pivot
    from hashpivot.models import load_portfolio
    from hashpivot.reports.pivot import write_pivot

    result = run_pivot(load_portfolio(EXAMPLE))
    t0 = time.perf_counter()
    written = write_pivot(result, out)
    t1 = time.perf_counter()
    write_run_record(out, written)
    t2 = time.perf_counter()
    print(json.dumps({"report_s": t1 - t0, "record_s": t2 - t1}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    load0 = os.getloadavg()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, __file__, "--child", tmp],
                                  capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    ratios = [r["record_s"] / r["report_s"] for r in runs]
    print(json.dumps({
        "runs": args.runs,
        "ratio_record_over_report_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "report_s_median": round(statistics.median(r["report_s"] for r in runs), 3),
        "record_s_median": round(statistics.median(r["record_s"] for r in runs), 3),
        "load_before": [round(x, 2) for x in load0],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }, indent=1))


if __name__ == "__main__":
    main()
