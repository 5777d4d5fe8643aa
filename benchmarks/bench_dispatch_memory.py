"""Benchmark: peak memory of ``dispatch --prices`` on a large user price file.

For each size it writes a synthetic 5-minute price CSV (``make_price_file.py``: ISO
timestamps with UTC offsets, America/Chicago) and runs, each in a fresh child process of
this interpreter,

* ``read``: :func:`hashpivot.io.read_prices_auto` on the file alone;
* ``dispatch``: the CLI, ``python -m hashpivot dispatch examples/dispatch-west-texas.toml
  --prices FILE --solver fast --hashprice-usd-per-ph-day 50 --json`` (the example's
  PPA, solar, demand response and 4CP, over every interval of the file);

and reports the child's peak RSS (``ru_maxrss`` from ``os.wait4``: interpreter and
libraries included) and the bytes per interval above the same command on a 10,000-row
file (the reference measured in the same run: what the interpreter, the libraries and the
bundled data take). Wall-clock times and the load average are printed for context only.

Run: ``python benchmarks/bench_dispatch_memory.py [--rows 2000000 ...] [--ten-million]
[--keep DIR]`` (default 2,000,000 rows, about a minute; ``--ten-million`` adds 10M rows,
several minutes and about 2 GB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "dispatch-west-texas.toml"
GENERATOR = Path(__file__).parent / "make_price_file.py"
REFERENCE_ROWS = 10_000

READ = (
    "import sys; from hashpivot.io import read_prices_auto; "
    "s = read_prices_auto(sys.argv[1], None, 'America/Chicago'); print(len(s))"
)


def peak_rss(argv: list[str]) -> tuple[int, float, int]:
    """Run ``argv`` as a child; its peak RSS [bytes], wall time [s] and exit code.

    Linux starts a child's ``ru_maxrss`` at its parent's RSS (it survives ``exec``), so
    this process imports neither numpy nor pandas and writes the files in other children.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        print(f"  exit {proc.returncode}: {err.strip()[:300]}")
    return usage.ru_maxrss * 1024, wall, proc.returncode


def dispatch_argv(prices: Path) -> list[str]:
    """The measured CLI command."""
    return [sys.executable, "-m", "hashpivot", "dispatch", str(EXAMPLE), "--prices",
            str(prices), "--solver", "fast", "--hashprice-usd-per-ph-day", "50", "--json"]


def main() -> None:
    """Measure every size and print one line per command."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[2_000_000])
    ap.add_argument("--ten-million", action="store_true", help="also 10,000,000 rows")
    ap.add_argument("--keep", type=Path, help="folder for the price files (kept, reused)")
    args = ap.parse_args()
    sizes = sorted(set(args.rows + ([10_000_000] if args.ten_million else [])))
    folder_ctx = tempfile.TemporaryDirectory() if args.keep is None else None
    folder = Path(folder_ctx.name) if folder_ctx else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    print(f"dispatch --prices memory; load average before {os.getloadavg()[0]:.2f}")
    try:
        files = {}
        for rows in [REFERENCE_ROWS, *sizes]:
            path = folder / f"prices_5min_{rows}.csv"
            if not path.exists():  # in a child: this process stays small (see peak_rss)
                subprocess.run([sys.executable, str(GENERATOR), str(path), "--rows", str(rows)],
                               check=True, stdout=subprocess.DEVNULL)
            files[rows] = path
        ref_read, _, _ = peak_rss([sys.executable, "-c", READ, str(files[REFERENCE_ROWS])])
        ref_disp, _, _ = peak_rss(dispatch_argv(files[REFERENCE_ROWS]))
        print(f"  reference ({REFERENCE_ROWS:,} rows): read {ref_read / 2**20:,.0f} MiB, "
              f"dispatch {ref_disp / 2**20:,.0f} MiB")
        print(f"  {'rows':>12} {'command':>9} {'peak RSS MiB':>13} {'bytes/interval':>15} "
              f"{'wall s':>7}")
        for rows in sizes:
            for name, argv, ref in (
                ("read", [sys.executable, "-c", READ, str(files[rows])], ref_read),
                ("dispatch", dispatch_argv(files[rows]), ref_disp),
            ):
                rss, wall, code = peak_rss(argv)
                per = (rss - ref) / (rows - REFERENCE_ROWS)
                print(f"  {rows:>12,} {name:>9} {rss / 2**20:>13,.0f} {per:>15,.0f} "
                      f"{wall:>7.1f}" + ("" if code == 0 else f"  (exit {code})"))
    finally:
        if folder_ctx:
            folder_ctx.cleanup()
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
