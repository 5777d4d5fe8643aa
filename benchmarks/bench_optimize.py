"""Benchmark: the decision engine, 10 sites x 40 quarters x 500 scenarios to a 1 % gap.

Target (issue 12): under 60 s on 2 cores, model building under a fifth of the solve time,
coefficient, build and solve times reported separately.

The portfolio (``bench_portfolio``): 10 sites of 60-150 MW in ERCOT, PJM and Washington
(two fleet tranches each: Antminer S21 and S19j Pro), three tenants accepting every site,
hall blocks of 25 MW, a build capacity of 100 MW per quarter, an equity budget per year, a
debt capacity at 80 % loan-to-cost; a 10-year horizon (40 quarters); the market model
calibrated on the bundled history; objective 0.7 E[NPV] + 0.3 CVaR95 (the mean-CVaR rows
make the model dense: 500 rows x ~4,800 columns).

What is timed, in alternating pairs A B A B (each pair in this process, in that order):

A. the plan: scenario coefficients (500 paths, 2 chunks of 250), model build, HiGHS MILP
   to a 1 % gap (one thread, HiGHS's default on this model: the figure is for 2 cores
   because nothing else runs);
B. the reference: the LP relaxation of the same model on HiGHS (the practical floor of
   any solve of this model), and the bare numpy pass that generates the 500 market paths
   (the floor of the coefficient stage);
C. the center-path check ``optimize_plan`` adds: ``pivot``'s value of the plan found in A on
   its plan portfolio (``pivot_value_of_plan``: a ``run_pivot`` of the 10 sites), as a
   share of A's MILP solve.

Reported: median [min, max] of each stage, the ratios solve/LP, build/solve and
coefficients/paths, peak RSS (``ru_maxrss``) and the load average before and after.

Run: ``.venv/bin/python benchmarks/bench_optimize.py [--pairs 5] [--scenarios 500]
[--sga-usd-per-year 5e6] [--seed 7]`` (``--sga-usd-per-year`` gives each site a cash SG&A
item, whose floor takes binaries where a plan can reach it; ``--seed`` draws other
scenarios of the same law).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from typing import Any

SITE = """
[[sites]]
name = "{name}"
region = "{region}"
state = "{state}"
iso = "{region}"
power_source = "{source}"
capacity_mw = {capacity}
power_overhead_factor = 1.05
  [sites.power_contract]
  kind = "fixed"
  price_usd_per_mwh = {price}
  [[sites.fleet]]
  asic = "Antminer S21"
  count = {n_new}
  [[sites.fleet]]
  asic = "Antminer S19j Pro"
  count = {n_old}
  [[sites.cost_items]]
  name = "site staff"
  category = "site_opex"
  usd_per_year = {opex}
  [sites.hosting]
  pue = 1.25
  shell_capex_usd_per_it_mw = 3.0e6
  fit_out_capex_usd_per_it_mw = 6.0e6
  construction_months = {build}
  lease_usd_per_kw_month = 130.0
  asic_resale_usd_per_th = 5.0
"""

TAIL = """
[financing]
loan_to_cost_fraction = 0.8
[pivot]
horizon_years = 10
discount_rate = 0.12
[optimize]
block_mw = 25.0
build_mw_per_quarter = 100.0
equity_budget_usd_per_year = [300e6, 400e6, 400e6]
debt_capacity_usd = 4.0e9
  [[optimize.tenants]]
  name = "Hyperscaler"
  it_mw = 300.0
  lease_usd_per_kw_month = 154.0
  lease_term_years = 10
  earliest_start = "2026Q3"
  probability_signing = 0.6
  [[optimize.tenants]]
  name = "Neocloud"
  it_mw = 200.0
  lease_usd_per_kw_month = 121.0
  lease_term_years = 12
  probability_signing = 0.8
  [[optimize.tenants]]
  name = "Enterprise"
  it_mw = 50.0
  lease_usd_per_kw_month = 104.0
  probability_signing = 0.9
"""


#: A cash SG&A item per site (``--sga-usd-per-year``): the mining line's floor net of it
#: takes binaries in the model where a plan can reach it (``define_sga_floor``).
SGA = """  [[sites.cost_items]]
  name = "corporate"
  category = "sga_cash"
  usd_per_year = {sga}
"""


def bench_portfolio(n_sites: int = 10, sga_usd_per_year: float = 0.0) -> Any:
    """The benchmark portfolio (see the module docstring), each site with a cash SG&A
    item of ``sga_usd_per_year`` [USD/year] when positive."""
    from hashpivot.models import parse_portfolio

    regions = [("ERCOT", "TX", "grid"), ("PJM", "PA", "grid"), ("BPA", "WA", "hydro")]
    parts = ['name = "bench optimize"\n']
    for i in range(n_sites):
        region, state, source = regions[i % 3]
        capacity = 60.0 + 10.0 * (i % 10)
        # miners fill ~90 % of the capacity: 55 % S21, 45 % S19j Pro by power
        n_new = int(0.9 * capacity * 0.55e6 / (3500 * 1.05))
        n_old = int(0.9 * capacity * 0.45e6 / (3050 * 1.05))
        site = SITE.format(
            name=f"site {i:02d}", region=region, state=state, source=source,
            capacity=capacity, price=30.0 + 2.0 * (i % 7), n_new=n_new, n_old=n_old,
            opex=40e3 * capacity, build=12 + 3 * (i % 3),
        )
        if sga_usd_per_year > 0:
            site = site.replace("  [sites.hosting]", SGA.format(sga=sga_usd_per_year)
                                + "  [sites.hosting]")
        parts.append(site)
    parts.append(TAIL)
    return parse_portfolio("".join(parts), "bench")


def _run_once(pf: Any, n_scenarios: int, gap: float, seed: int = 7) -> dict[str, float]:
    """A: the plan (coefficients, build, MILP). B: the LP relaxation, the bare paths."""
    import numpy as np

    from hashpivot.optimize import ObjectiveSpec, build_plan_model, resolve_problem
    from hashpivot.optimize.run import coefficient_task, scenario_params
    from hashpivot.optimize.scenarios import run_coefficient_chunks, scenario_chunks
    from hashpivot.optimize.solve import solve_model
    from hashpivot.scenarios import generate_chunk

    p = resolve_problem(pf)
    params, _ = scenario_params(p, seed)
    chunks = scenario_chunks(seed, n_scenarios, 250)
    t0 = time.perf_counter()
    c = run_coefficient_chunks(coefficient_task(p, params), chunks)
    t1 = time.perf_counter()
    pm = build_plan_model(p, c, ObjectiveSpec(0.3))
    t2 = time.perf_counter()
    sol, rep = solve_model(pm.m, pm.integer, t2 - t1, 600.0, gap, threads=1)
    t3 = time.perf_counter()
    from hashpivot.optimize.evaluate import plan_frame
    from hashpivot.optimize.plan_portfolio import pivot_value_of_plan

    x_mw = sol[pm.m.variables["conversion"]].reshape(p.n_offers, p.n_quarters) * p.unit_mw
    rows = [{str(k): v for k, v in r.items()} for r in plan_frame(p, x_mw).to_dict("records")]
    tc = time.perf_counter()
    pivot_value_of_plan(pf, rows, p.n_months // 12, str(p.start))
    t_lp = time.perf_counter()
    check_s = t_lp - tc
    _, lp = solve_model(pm.m, False, 0.0, 600.0, 0.0, threads=1)
    t4 = time.perf_counter()
    for _, size, ss in chunks:
        np.asarray(generate_chunk(params, ss, size).hashvalue_btc_per_th_day).sum()
    t5 = time.perf_counter()
    return {
        "coefficients_s": t1 - t0, "build_s": t2 - t1, "solve_s": t3 - t2,
        "lp_relaxation_s": t4 - t_lp, "paths_s": t5 - t4, "mip_gap": rep.mip_gap,
        "pivot_check_s": check_s,
        "n_variables": rep.n_variables, "n_constraints": rep.n_constraints,
        "n_nonzeros": rep.n_nonzeros, "status": 0.0 if rep.status == "ok" else 1.0,
        "n_offers": p.n_offers, "n_quarters": p.n_quarters,
        "objective_musd": -rep.objective, "lp_objective_musd": -lp.objective,
        "floor_scenarios": _floor_scenarios(p, c),
    }


def _floor_scenarios(p: Any, c: Any) -> float:
    """Scenarios given the floor's binaries; NaN on code without them."""
    try:  # (its home since 1bf855b; before it, optimize.model: a tree measured alternately)
        from hashpivot.optimize.scenario_npv import floor_scenarios
    except ImportError:
        try:
            from hashpivot.optimize.model import floor_scenarios
        except ImportError:
            return float("nan")
    return float((floor_scenarios(p, c) > 0).sum())


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} [{min(values):.3f}, {max(values):.3f}]"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--scenarios", type=int, default=500)
    ap.add_argument("--sites", type=int, default=10)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=7,
                    help="the scenarios' seed (default 7, as make bench runs it)")
    ap.add_argument("--sga-usd-per-year", type=float, default=0.0,
                    help="a cash SG&A item per site [USD/year] (default none)")
    args = ap.parse_args()
    load0 = os.getloadavg()
    pf = bench_portfolio(args.sites, args.sga_usd_per_year)
    runs = [_run_once(pf, args.scenarios, args.gap, args.seed) for _ in range(args.pairs)]
    load1 = os.getloadavg()
    r0 = runs[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; load average before {load0[0]:.2f}, after "
          f"{load1[0]:.2f}")
    print(f"model: {args.sites} sites, {r0['n_offers']:.0f} offers x {r0['n_quarters']:.0f} "
          f"quarters, {args.scenarios} scenarios of seed {args.seed} "
          f"({r0['floor_scenarios']:.0f} with the SG&A "
          f"floor's binaries); {r0['n_variables']:,.0f} variables, "
          f"{r0['n_constraints']:,.0f} rows, {r0['n_nonzeros']:,.0f} nonzeros")
    keys = ("coefficients_s", "build_s", "solve_s", "lp_relaxation_s", "paths_s")
    for k in keys:
        print(f"{k:>18}: {_fmt([r[k] for r in runs])} s")
    total = [r["coefficients_s"] + r["build_s"] + r["solve_s"] for r in runs]
    print(f"{'plan total':>18}: {_fmt(total)} s   (target < 60 s)")
    print(f"{'build / solve':>18}: {_fmt([r['build_s'] / r['solve_s'] for r in runs])}"
          "   (target < 0.2)")
    print(f"{'MILP / LP relax.':>18}: "
          f"{_fmt([r['solve_s'] / r['lp_relaxation_s'] for r in runs])}")
    print(f"{'pivot check / MILP':>18}: "
          f"{_fmt([r['pivot_check_s'] / r['solve_s'] for r in runs])}")
    print(f"{'coef. / bare paths':>18}: "
          f"{_fmt([r['coefficients_s'] / r['paths_s'] for r in runs])}")
    print(f"{'MIP gap':>18}: {max(r['mip_gap'] for r in runs):.4f} (max), all optimal: "
          f"{all(r['status'] == 0 for r in runs)}; objective {r0['objective_musd']:.1f} "
          f"M USD, LP bound {r0['lp_objective_musd']:.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':>18}: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
