"""Benchmark: ``run_pivot`` on a swap chain of N dated fleet lines of different powers.

A swap (``mining/slots.py``): fleet lines dated one after the other that together draw more
than the site's capacity replace one another on the same power. N lines of different powers
make N bands, each holding every line that covers it: N(N+1)/2 units, each valued as a
tranche. The chain is ``examples/pivot-200mw.toml`` with its fleet replaced by N lines of
50,000 machines at 200 TH/s and 3,400 to 3,712 W, each installed 3 months from 2025-10, the
next starting the day after; every line after the first is bought (15 USD/TH, 4 years).

Timed in alternating pairs against the reference, the same file with its one undated line
(N = 1), after one untimed call of each: ``run_pivot`` of the chains of 10, 20 and 40
lines over the reference (median [min, max]), the 40-line chain over the 20-line one pair
by pair (4 for a cost quadratic in the lines, 2 for a linear one), peak RSS and the load.

Run: ``.venv/bin/python benchmarks/bench_swap_chain.py [--pairs 3]``
"""

from __future__ import annotations

import argparse
import os
import re
import resource
from pathlib import Path

from bench_pivot import fmt, pairs

from hashpivot.engines import pivot as pv
from hashpivot.models import Portfolio, parse_portfolio

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "pivot-200mw.toml"


def chain_portfolio(n: int) -> Portfolio:
    """The example with a swap chain of ``n`` lines (the module docstring)."""
    text = EXAMPLE.read_text()
    fleet = re.search(r"  \[\[sites\.fleet\]\].*?uptime_fraction = 0\.95\n", text, re.S)
    assert fleet is not None, "the example's fleet line moved"
    perm = [(7 * k) % n for k in range(n)] if n % 7 else list(range(n))  # powers shuffled
    lines = []
    for k in range(n):
        y, m = divmod(9 + 3 * k, 12)  # installed from 2025-10 + 3k months
        ye, me = divmod(9 + 3 * k + 2, 12)
        line = (f'  [[sites.fleet]]\n  name = "line {k}"\n  count = 50000\n'
                f'  hashrate_th_s = 200.0\n  power_w = {3400 + 8 * perm[k]:.1f}\n'
                '  uptime_fraction = 0.95\n')
        if n > 1 and k > 0:
            line += (f'  start = "{2025 + y}-{m + 1:02d}-01"\n  capex_usd_per_th = 15.0\n'
                     '  depreciation_years = 4.0\n')
        if n > 1 and k < n - 1:
            line += f'  end = "{2025 + ye}-{me + 1:02d}"\n'
        lines.append(line)
    return parse_portfolio(text.replace(fleet.group(0), "\n".join(lines)), f"chain of {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs per chain")
    args = parser.parse_args()
    load0 = os.getloadavg()
    reference = chain_portfolio(1)
    ref = {}
    runs = {}
    for n in (10, 20, 40):
        chain = chain_portfolio(n)
        ref[n], runs[n] = pairs(lambda: pv.run_pivot(reference),
                                lambda c=chain: pv.run_pivot(c), args.pairs)
    load1 = os.getloadavg()
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f}; {args.pairs} "
          "alternating pairs per chain")
    print(f"reference, run_pivot of the one-line site: {fmt(ref[10], 1000, '.0f')} ms")
    for n in (10, 20, 40):
        print(f"chain of {n} lines ({n * (n + 1) // 2} units): "
              f"{fmt([s / r for s, r in zip(runs[n], ref[n], strict=True)])} x the reference")
    growth = [a / b for a, b in zip(runs[40], runs[20], strict=True)]
    print(f"40 lines / 20 lines: {fmt(growth)} (4 quadratic, 2 linear)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
