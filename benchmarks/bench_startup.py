"""Start-up of the ``hashpivot`` command against ``python -c "import numpy"`` (issue 10).

Whole processes, in alternating pairs (command, reference, command, reference...) so that
both see the same machine load; the ratio is taken pair by pair and reported as median,
min and max, with each side's peak RSS (``os.wait4``) and the load average.

    python benchmarks/bench_startup.py [--pairs 9]

Target: every command within 3x of the reference (median ratio <= 3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from timing import fmt

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = [sys.executable, "-c", "import numpy"]
COMMANDS: dict[str, list[str]] = {
    "hashpivot --help": ["--help"],
    "hashpivot --version": ["--version"],
    "hashpivot hashprice ... --json": [
        "hashprice", "--btc-price-usd", "100000", "--difficulty", "100e12", "--json"
    ],
}


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time [s] and peak RSS [MiB] of one process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} exited with {proc.returncode}")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=9, help="Alternating pairs per command.")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _run(REFERENCE, env)  # warm the file cache once for both sides
    _run([sys.executable, "-m", "hashpivot", "--version"], env)
    print(
        f"{'command':34} {'median s':>9} {'ref s':>7} {'ratio median [min, max]':>24}"
        f" {'RSS MiB':>8} {'ref RSS':>8}"
    )
    for label, cli_args in COMMANDS.items():
        argv = [sys.executable, "-m", "hashpivot", *cli_args]
        ratios, times, refs, rss, ref_rss = [], [], [], [], []
        for _ in range(args.pairs):
            t, r = _run(argv, env)
            tr, rr = _run(REFERENCE, env)
            times.append(t)
            refs.append(tr)
            rss.append(r)
            ref_rss.append(rr)
            ratios.append(t / tr)
        print(
            f"{label:34} {statistics.median(times):9.3f} {statistics.median(refs):7.3f} "
            f"{fmt(ratios, spec='.2f'):>24} {max(rss):8.0f} {max(ref_rss):8.0f}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
