"""Benchmark: the run record (``run.json``) every ``--out`` folder ends with, against the
report it records.

``pivot`` on ``examples/pivot-200mw.toml``; each run is a fresh child process (the record
hashes the package's code and the bundled data once per process, cold, as a CLI command
does): it writes the report's files (``write_pivot``: CSVs, PNGs, HTML; the reference) and
then the record (``write_run_record``: provenance, output hashes; no command line in the
child, so no input file is hashed). Reported: record / report of each run as ``median
[min, max]``, the two times at the median, the largest peak RSS of the children
(``ru_maxrss``, interpreter and libraries included) and the load average before and after.

Run: ``.venv/bin/python benchmarks/bench_run_record.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_pivot import fmt

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pivot-200mw.toml"


def child(out: Path) -> None:
    """One run: the pivot result, then its report and its record timed; prints JSON."""
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
    print(json.dumps({"report_s": t1 - t0, "record_s": t2 - t1,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="child processes")
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
    load1 = os.getloadavg()
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f}; {args.runs} runs, "
          "each a fresh process")
    print(f"record / report: {fmt([r['record_s'] / r['report_s'] for r in runs], 1.0, '.3f')}")
    print(f"report, median: {statistics.median(r['report_s'] for r in runs):.3f} s; "
          f"record, median: {statistics.median(r['record_s'] for r in runs):.3f} s")
    print(f"peak RSS of a run: {max(r['peak_rss_mib'] for r in runs):.0f} MiB")


if __name__ == "__main__":
    main()
