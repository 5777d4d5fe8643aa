"""Benchmark: hashpivot's dispatch LP against PyPSA (linopy + HiGHS) on the identical LP.

The instance is ``bench_dispatch.py``'s year (35,040 intervals of ERCOT HB_WEST 2024, ten
20 MW tranches from 15 to 35 J/TH, 50 MW of firm AI load, hashprice 50 USD/PH/day, adder
3 USD/MWh) with the site load's ramp limited to 20 MW per interval, which makes it an LP
that the exact fast path cannot solve. In PyPSA the same LP is: one bus; the grid a
generator priced at the interval's price plus the adder, its output ramp-limited to 20 MW
per snapshot; the firm AI load a fixed load; each tranche a generator with ``p`` in
[-20, 0] MW (a consumer) whose marginal cost is its hash value per MWh, so that consuming
earns it; snapshot weight 0.25 h. Its minimum cost is minus hashpivot's net margin.

Both run in fresh processes, alternating (hashpivot, PyPSA, hashpivot, ...); the figure
is the ratio PyPSA / hashpivot of each pair's wall time to an optimal LP (model build and
solve, inputs already in memory), with the relative difference of the two objectives.

PyPSA is an optional extra (``pip install 'hashpivot[bench]'``), never a runtime
dependency; without it the script says so and exits 0.

Run: ``python benchmarks/bench_dispatch_pypsa.py [--pairs 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RAMP_MW = 20.0
HERE = Path(__file__).resolve().parent


def run_hashpivot() -> dict[str, float]:
    """Build and solve the ramped LP with hashpivot; wall time and net margin."""
    sys.path.insert(0, str(HERE))
    from bench_dispatch import make_problem

    from hashpivot.power import solve

    problem = make_problem().replace(ramp_mw_per_interval=RAMP_MW)
    t0 = time.perf_counter()
    res = solve(problem, "lp")
    wall = time.perf_counter() - t0
    return {"seconds": wall, "net_margin_usd": float(res.summary()["net_margin_usd"])}


def run_pypsa() -> dict[str, float]:
    """The identical LP in PyPSA, solved by HiGHS through linopy."""
    sys.path.insert(0, str(HERE))
    import logging

    import numpy as np
    import pandas as pd
    import pypsa
    from bench_dispatch import make_problem

    logging.getLogger("pypsa").setLevel(logging.ERROR)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    p = make_problem()
    t = p.n_intervals
    snapshots = pd.RangeIndex(t)
    price = np.asarray(p.price_usd_per_mwh_series) + p.grid_adder_usd_per_mwh
    fee = 1.0 - p.pool_fee_fraction
    hp = float(np.mean(p.hashprice_usd_per_ph_day_series))
    t0 = time.perf_counter()
    n = pypsa.Network()
    n.set_snapshots(snapshots)
    n.snapshot_weightings = n.snapshot_weightings.astype(float) * 0.0 + float(
        p.interval_hours_series[0]
    )
    n.add("Bus", "site")
    p_nom_grid = sum(tr.power_mw for tr in p.tranches) + p.ai_firm_mw
    n.add("Generator", "grid", bus="site", p_nom=p_nom_grid,
          marginal_cost=pd.Series(price, index=snapshots),
          ramp_limit_up=RAMP_MW / p_nom_grid, ramp_limit_down=RAMP_MW / p_nom_grid)
    n.add("Load", "ai_firm", bus="site", p_set=p.ai_firm_mw)
    for tr in p.tranches:
        value = hp * tr.hashrate_ph_s * fee / 24.0 / tr.power_mw  # USD per MWh consumed
        n.add("Generator", tr.name, bus="site", p_nom=tr.power_mw, p_min_pu=-1.0,
              p_max_pu=0.0, marginal_cost=value)
    status, condition = n.optimize(solver_name="highs", solver_options={"threads": 1})
    wall = time.perf_counter() - t0
    if condition != "optimal":
        raise RuntimeError(f"PyPSA: {status} {condition}")
    return {"seconds": wall, "net_margin_usd": -float(n.objective)}


def _child(which: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which], capture_output=True, text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--child", choices=["hashpivot", "pypsa"])
    args = ap.parse_args()
    if args.child:
        res = run_hashpivot() if args.child == "hashpivot" else run_pypsa()
        print(json.dumps(res))
        return 0
    try:
        import pypsa
    except ImportError:
        print("PyPSA is not installed (pip install 'hashpivot[bench]'): comparison skipped")
        return 0
    load_before = os.getloadavg()
    ratios, ours, theirs, rel = [], [], [], []
    for _ in range(args.pairs):
        a = _child("hashpivot")
        b = _child("pypsa")
        ours.append(a["seconds"])
        theirs.append(b["seconds"])
        ratios.append(b["seconds"] / a["seconds"])
        rel.append(abs(a["net_margin_usd"] - b["net_margin_usd"]) / abs(a["net_margin_usd"]))
    print(json.dumps({
        "pypsa_version": pypsa.__version__,
        "pairs": args.pairs,
        "ratio_pypsa_over_hashpivot_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "hashpivot_s_median": statistics.median(ours),
        "pypsa_s_median": statistics.median(theirs),
        "net_margin_usd": a["net_margin_usd"],
        "objective_rel_diff_max": max(rel),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
