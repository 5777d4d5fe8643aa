"""Benchmark: Monte Carlo risk, 100,000 paths x 120 months x 3 strategies (issue 4).

Targets: under 3 s and under 2 GiB peak memory locally on 2 cores; the Dask LocalCluster
figures beside it: ``--workers 2`` (starting the cluster is part of the run) and an already
running 2-worker cluster reached by its address (``--scheduler``). The Dask peak RSS is the
client process only. Every case runs in a fresh subprocess so that its peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which includes the interpreter and the
imported libraries, ~150 MB) is its own; ``tracemalloc`` peaks (numpy allocations tracked)
are measured in a separate run of the same case because tracing slows numpy down.

The portfolio: one 200 MW site (52,000 Antminer S21, fixed 38 USD/MWh, site opex), the
pivot strategies keep_mining, convert_all and phased; the treasury runs under the
portfolio's policy (``sell_to_cover``) only, or under all four policies ("4 policies").
The market model is calibrated on the bundled history (setup time is reported apart: the
calibration and the deterministic market are computed once per run).

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--paths 100000] [--skip-dask]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

PORTFOLIO_TOML = """
name = "bench 200 MW"
[[sites]]
name = "West Texas 200"
region = "ERCOT"
capacity_mw = 200.0
power_overhead_factor = 1.05
pool_fee_fraction = 0.015
  [sites.power_contract]
  kind = "{kind}"
  price_usd_per_mwh = 38.0
  [[sites.fleet]]
  asic = "Antminer S21"
  count = 52000
  uptime_fraction = 0.95
  [[sites.cost_items]]
  name = "site staff"
  category = "site_opex"
  usd_per_year = 10e6
  [sites.hosting]
  convertible_gross_mw = 200.0
  pue = 1.3
[financing]
loan_to_cost_fraction = 0.8
interest_rate = 0.085
amortization_years = 10
[pivot]
horizon_years = 10
discount_rate = 0.10
strategies = ["convert_all", "phased"]
[treasury]
btc_held = 1500.0
cash_usd = 80e6
min_cash_usd = 20e6
policy = "sell_to_cover"
"""


def run_case(paths: int, threads: int, workers: int | None, policies: str, kind: str,
             trace: bool, warm_cluster: int | None = None) -> dict[str, float]:
    """One measured run in this process; prints a JSON line."""
    import resource
    import tracemalloc

    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.models import parse_portfolio
    from hashpivot.treasury import POLICIES

    pf = parse_portfolio(PORTFOLIO_TOML.format(kind=kind), "bench.toml")
    pols = POLICIES if policies == "all" else None
    cfg = SimulationConfig(n_paths=paths, horizon_months=120, seed=7, policies=pols)
    scheduler = None
    cluster = None
    if warm_cluster:
        import dask
        from dask.distributed import LocalCluster

        from hashpivot.executors import WORKER_MALLOC_ENV

        env = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_MALLOC_ENV}
        with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
            cluster = LocalCluster(n_workers=warm_cluster, threads_per_worker=1,
                                   processes=True, dashboard_address=None)
        scheduler = cluster.scheduler_address
    # warm-up: imports, bundled data caches, calibration caches, workers (not timed)
    simulate(pf, SimulationConfig(n_paths=100, horizon_months=120, seed=1, policies=pols),
             scheduler=scheduler)
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    res = simulate(pf, cfg, threads=threads, workers=workers, scheduler=scheduler)
    wall = time.perf_counter() - t0
    if cluster is not None:
        cluster.close()
    out = {
        "wall_s": wall,
        "setup_s": res.timings_s["setup"],
        "chunks_s": res.timings_s["chunks"],
        "chunk_cpu_sum_s": res.timings_s["chunk_cpu_sum"],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "strategies": len(res.strategy_names),
        "npv_mean_keep_mining_usd": float(res.npv_usd["keep_mining"].mean()),
    }
    if trace:
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(json.dumps(out))
    return out


def _sub(args: list[str]) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--case", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--case", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--policies", default="main")
    ap.add_argument("--kind", default="fixed")
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--warm-cluster", type=int, default=None)
    a = ap.parse_args()
    if a.case:
        run_case(a.paths, a.threads, a.workers, a.policies, a.kind, a.trace, a.warm_cluster)
        return

    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{a.paths:,} paths x 120 months x 3 strategies (keep_mining, convert_all, phased)")
    cases: list[tuple[str, list[str]]] = [
        ("local, 1 thread", ["--threads", "1"]),
        ("local, 2 threads", ["--threads", "2"]),
        ("local, 2 threads, index power", ["--threads", "2", "--kind", "index"]),
        ("local, 2 threads, 4 policies", ["--threads", "2", "--policies", "all"]),
    ]
    if not a.skip_dask:
        cases.append(("Dask --workers 2 (incl. start-up)", ["--workers", "2"]))
        cases.append(("Dask, running 2-worker cluster", ["--warm-cluster", "2"]))
    print(f"{'case':34s} {'wall s':>7s} {'paths s':>8s} {'setup s':>8s} {'peak RSS MiB':>13s}")
    for label, extra in cases:
        r = _sub(["--paths", str(a.paths), *extra])
        print(f"{label:34s} {r['wall_s']:7.2f} {r['chunks_s']:8.2f} {r['setup_s']:8.2f} "
              f"{r['peak_rss_mib']:13.0f}")
    t = _sub(["--paths", str(a.paths), "--threads", "2", "--trace"])
    print(f"tracemalloc peak (local, 2 threads): {t['tracemalloc_peak_mib']:.0f} MiB "
          f"(traced run: {t['wall_s']:.2f} s)")


if __name__ == "__main__":
    main()
