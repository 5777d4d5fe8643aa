"""Benchmark: the run record (``run.json``) every ``--out`` folder ends with, and the whole
``--out`` write (:func:`hashpivot.cli.out_folder.write_out_folder`), against the report.

``pivot`` on ``examples/pivot-200mw.toml``; each run is a fresh child process (the record
hashes the package's code and the bundled data once per process, cold, as a CLI command
does). In each child, one after another:

* ``report``: ``write_pivot`` (CSVs, PNGs, HTML) into an empty folder, after one untimed
  call (the chart engines' start-up is in none of the timings): the reference;
* ``record``: then ``write_run_record`` there (provenance, output hashes; no command line
  in the child, so no input file is hashed);
* ``out, first``: the folder check (``out_folder_problems``) and ``write_out_folder``
  into a new folder: the report written into a hidden folder, checked again, moved in,
  the record;
* ``out, again``: the same into that folder, which now holds the first run (every output
  hashed by each check, then replaced).

Reported: record / report and each ``out`` / report as ``median [min, max]``, the times at
the median, the largest peak RSS of the children (``ru_maxrss``, interpreter and libraries
included) and the load average before and after.

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
    from hashpivot.cli.app import INVOCATION
    from hashpivot.cli.out_folder import out_folder_problems, write_out_folder
    from hashpivot.cli.run_record import write_run_record
    from hashpivot.engines.pivot import run_pivot
    from hashpivot.models import load_portfolio
    from hashpivot.reports.pivot import write_pivot

    INVOCATION[:] = ["pivot"]  # (the record's command, as the CLI's)
    result = run_pivot(load_portfolio(EXAMPLE))
    write_pivot(result, out / "warm-up")  # (the chart engines' first call: not timed)
    t0 = time.perf_counter()
    written = write_pivot(result, out / "report")
    t1 = time.perf_counter()
    write_run_record(out / "report", written)
    t2 = time.perf_counter()
    times = {"report_s": t1 - t0, "record_s": t2 - t1}
    for key in ("out_first_s", "out_again_s"):
        t = time.perf_counter()
        assert not out_folder_problems(out / "out", "pivot")
        write_out_folder(out / "out", "pivot", lambda folder: write_pivot(result, folder))
        times[key] = time.perf_counter() - t
    print(json.dumps({**times,
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
    for key, name in (("record_s", "record"), ("out_first_s", "out, first"),
                      ("out_again_s", "out, again")):
        print(f"{name} / report: {fmt([r[key] / r['report_s'] for r in runs], 1.0, '.3f')}")
    keys = ("report_s", "record_s", "out_first_s", "out_again_s")
    print("medians: report, record, out first, out again: " + ", ".join(
        f"{statistics.median(r[key] for r in runs):.3f}" for key in keys) + " s")
    print(f"peak RSS of a run: {max(r['peak_rss_mib'] for r in runs):.0f} MiB")


if __name__ == "__main__":
    main()
