"""Find the inputs that move an engine's headline figures but that no row of its "Resolved
assumptions" names: the assumptions a reader cannot check beside the result.

Each field of the example's tables (set in the file or left at its default) is perturbed
in turn (``scripts/_assumption_sweep.py``: a number x0.5 and x2 within its bounds, each
other choice, a flag flipped, a date shifted six months; a list's last element left out,
one appended, its numbers x0.5 and x2, its order reversed; a mapping by year's values x0.5
and x2, its years one later) and the engine run through the library, the call its command
makes. A field *moves* the result when a headline
figure changes by more than 1e-9 relative: for ``pivot`` each strategy's NPV (unlevered,
with terminal value, levered, after tax) and which strategies run; for ``dispatch`` the
net margin and the always-on baseline's; for ``optimize`` (at 10 scenarios, compared at
its MIP gap, 1e-3: :data:`OPTIMIZE_GAP`) the objective, the expected NPV, the CVaR and
the plan's MW per site and start quarter. A field is *named* when a row is named ``[table]
field``, or a row's name or source names its table and the field, or a row of its table
changed its value with it (``[sites.fleet]`` shows each entry's count). The fields that
move but are not named are printed: each is a defect, or an input shown plainly elsewhere,
listed in :data:`ALLOWED` with the reason. Perturbations the models or the engine refuse
are counted, not run.

Run::

    python scripts/sweep_assumptions.py                      # pivot on its two examples
    python scripts/sweep_assumptions.py --engine dispatch    # the West Texas example
    python scripts/sweep_assumptions.py --engine optimize --quick   # the four-site example
    python scripts/sweep_assumptions.py --quick --tables sites.hosting,pivot
    python scripts/sweep_assumptions.py --engine simulate --lists-only   # lists, mappings

Exits 1 when a field moves the result and is neither named nor allowed.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _assumption_sweep import FieldResult, Leaf, Outcome, Runner, is_list, sweep, timed

from hashpivot.models import Portfolio

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

#: Fields that move the result without a row naming them, and why that is right: (engine,
#: table, field) -> reason. Each is an input the output shows in another way.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("pivot", "pivot", "strategies"):
        "which strategies run: the strategy table lists each by name, with a 'strategy "
        "<name>' row for each that converts",
    ("simulate", "pivot", "strategies"):
        "which strategies run: the strategy table lists each by name, with a 'strategy "
        "<name>' row for each that converts",
}


def _pivot(portfolio: Portfolio, source: str) -> Outcome:
    """``hashpivot pivot FILE``: its strategies' NPVs (and their expected values over the
    tenants' signings where a hall's tenant may not sign) and resolved assumptions."""
    from hashpivot.engines.pivot import run_pivot

    result = run_pivot(portfolio, source=source)
    figures: dict[str, float] = {}
    for s in result.strategies:
        for key in ("npv_usd", "npv_with_terminal_value_usd", "npv_levered_usd",
                    "npv_after_tax_usd", "npv_after_tax_with_terminal_value_usd",
                    "npv_levered_after_tax_usd"):
            figures[f"{s.name}.{key}"] = float(getattr(s, key))
        for key, value in (s.signing or {}).items():  # the value over the signings
            if key.startswith("expected_") and value is not None:
                figures[f"{s.name}.signing.{key}"] = float(value)
    return figures, result.resolved_assumptions()


def _dispatch(market: str) -> Runner:
    """``hashpivot dispatch FILE --market MARKET``: the net margin of the dispatch and of
    the always-on baseline, and the resolved assumptions (the prices loaded once)."""
    prices: dict[tuple[str, str], Any] = {}

    def run(portfolio: Portfolio, source: str) -> Outcome:
        from hashpivot.engines.dispatch.run import run_dispatch, select_site
        from hashpivot.engines.dispatch.sources import load_prices

        _, site = select_site(portfolio, None)
        key = (site.region, repr(site.power_contract))
        if key not in prices:
            prices[key] = load_prices(site, None, market)
        result = run_dispatch(site, prices[key], base_dir=Path(source).resolve().parent,
                              fleet_by_date=True)
        summary = result.summary()
        figures = {k: float(summary[k]) for k in ("net_margin_usd", "net_margin_always_on_usd")}
        return figures, list(summary.get("resolved_assumptions") or [])

    return run


def with_tables(document: dict[str, Any], dispatch_site: bool = True) -> dict[str, Any]:
    """The 200 MW example with the tables neither example has: ``[pivot.tax]`` (a 21 %
    rate), two ``[sites.hosting.phases]`` halls (one on its own rent, one signing with
    probability 0.8), ``[sites.hosting.risk]`` at its defaults, a corporate
    ``[[cost_items]]`` (40 M USD/year of SG&A) and, as a second site, the
    West Texas example's site with its ``[sites.dispatch]`` tables (pivot measures its
    flexibility on the bundled HB_WEST 2024 prices; left out where ``dispatch_site`` is
    False)."""
    out = dict(document)
    out["pivot"] = {**document["pivot"],
                    "tax": {"income_tax_rate": 0.21, "bonus_depreciation_fraction": 0.4}}
    site = dict(document["sites"][0])
    site["hosting"] = {
        **site["hosting"],
        "phases": [{"start": "2026-03", "gross_mw": 60.0, "tenant": "A",
                    "lease_usd_per_kw_month": 140.0},
                   {"start": "2027-03", "gross_mw": 60.0, "tenant": "B",
                    "probability_signing": 0.8}],
        "risk": {},
    }
    # a corporate cost: in no NPV (pivot), paid by the treasury (simulate)
    out["cost_items"] = [{"name": "corporate SG&A", "category": "sga_cash",
                          "usd_per_year": 40e6}]
    west_texas = tomllib.loads((EXAMPLES / "dispatch-west-texas.toml").read_text(encoding="utf-8"))
    out["sites"] = [site, *(west_texas["sites"] if dispatch_site else [])]
    return out


#: ``simulate``'s run: few paths and a fixed seed (a run well under a second), the years
#: reaching past the example's debt maturity (2030-12) so its terms can move the treasury.
SIMULATE_PATHS, SIMULATE_YEARS, SIMULATE_SEED = 500, 6, 2026
#: ``simulate``'s headline figures, per strategy (:meth:`SimulationResult.strategy_stats`,
#: the main treasury policy): the same seed draws the same paths, so any change is the
#: input's, compared at 1e-9 as pivot's.
SIMULATE_FIGURES = ("npv_mean_usd", "npv_p5_usd", "npv_deterministic_usd",
                    "prob_beats_baseline", "npv_with_tv_mean_usd", "npv_after_tax_mean_usd",
                    "prob_forced_sale", "expected_forced_sale_btc", "prob_liquidity_breach")


def _simulate(portfolio: Portfolio, source: str) -> Outcome:
    """``hashpivot simulate FILE --paths 500 --years 6 --seed 2026``: each strategy's
    :data:`SIMULATE_FIGURES` and the resolved assumptions."""
    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.engines.simulate.config import horizon_months_for
    from hashpivot.treasury import policy_order

    config = SimulationConfig(n_paths=SIMULATE_PATHS,
                              horizon_months=horizon_months_for(SIMULATE_YEARS),
                              seed=SIMULATE_SEED,
                              policies=tuple(policy_order(portfolio.treasury, None)))
    result = simulate(portfolio, config, threads=1, source=source)
    figures: dict[str, float] = {}
    for name in result.strategy_names:
        stats = result.strategy_stats(name)
        for key in SIMULATE_FIGURES:
            figures[f"{name}.{key}"] = float(stats.get(key, math.nan))
    return figures, result.resolved_assumptions()


#: ``optimize``'s run (``make demo``'s, smaller): few scenarios, one seed and the demo's risk
#: aversion, so the CVaR is in the objective. One solve of the plan is 3-5 s.
OPTIMIZE_SCENARIOS, OPTIMIZE_SEED, OPTIMIZE_RISK_AVERSION = 10, 7, 0.3
#: The plan's relative MIP gap and the relative change of a headline figure that counts as
#: a move in ``optimize``: solving the same input twice, or one perturbed by 1e-7 relative
#: (a cost item, a lease) or renamed, gives the same plan and objective to 1e-9 (HiGHS is
#: deterministic), but an input that changes the model without changing its optimum
#: (a limit that does not bind) may lead HiGHS to another plan within the gap: the
#: objective differs by up to the gap. [-]
OPTIMIZE_GAP = 1e-3


def _optimize(portfolio: Portfolio, source: str) -> Outcome:
    """``hashpivot optimize FILE --scenarios 10 --risk-aversion 0.3 --seed 7 --gap 1e-3``:
    the objective, the expected NPV, the CVaR at ``[optimize] cvar_alpha`` (the risk
    measure the objective weighs) and the plan's gross MW per site and start quarter
    (``plan[sites[1] 2026Q4]``, the site by its place: renaming it changes no figure's
    name; a plan that converts elsewhere or at another quarter has other names, a move of
    inf), and the resolved assumptions. The evaluation's comparisons, whose
    solves move no headline figure nor a row, are skipped: the EVPI, the expected-value plan
    (its solve reported stopped) and pivot's value of the plan (reported failed)."""
    from unittest import mock

    from hashpivot.exceptions import HashpivotError
    from hashpivot.optimize import OptimizeConfig, optimize_plan
    from hashpivot.optimize import run as engine
    from hashpivot.optimize.results import cvar_usd
    from hashpivot.optimize.solve import SolveStoppedError

    solves: list[int] = []
    solve = engine.solve_model

    def plan_only(*args: Any, **kwargs: Any) -> Any:
        solves.append(1)
        if len(solves) > 1:  # (the expected-value plan's)
            raise SolveStoppedError("skipped by the sweep")
        return solve(*args, **kwargs)

    def skipped(*args: Any, **kwargs: Any) -> Any:
        raise HashpivotError("skipped by the sweep")

    config = OptimizeConfig(n_scenarios=OPTIMIZE_SCENARIOS, seed=OPTIMIZE_SEED,
                            risk_aversion=OPTIMIZE_RISK_AVERSION, gap=OPTIMIZE_GAP,
                            oos_scenarios=2, evpi_scenarios=1, two_stage=False)
    with mock.patch.object(engine, "evpi_usd", lambda *a: (math.nan, 0, 0)), \
            mock.patch.object(engine, "pivot_value_of_plan", skipped), \
            mock.patch.object(engine, "solve_model", plan_only):
        result = optimize_plan(portfolio, config, source=source)
    figures = {"objective_usd": float(result.objective_usd),
               "expected_npv_usd": result.expected_npv_usd,
               "cvar_usd": float(cvar_usd(result.npv_usd, result.alpha))}
    index = {site.name: i for i, site in enumerate(portfolio.sites)}
    for row in result.plan.to_dict("records"):
        key = f"plan[sites[{index[row['site']]}] {row['quarter']}]"
        figures[key] = figures.get(key, 0.0) + float(row["gross_mw"])
    return figures, result.resolved_assumptions()


@dataclass(frozen=True)
class Case:
    """An engine on an example file (or on a variant of it: ``variant`` makes the
    document swept from the file's, ``label`` says which)."""

    engine: str
    example: str
    runner: Runner
    variant: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    label: str = ""
    #: The relative change of a headline figure that counts as a move. [-]
    tol: float = 1e-9

    def document(self) -> dict[str, Any]:
        """The document swept."""
        doc = tomllib.loads((EXAMPLES / self.example).read_text(encoding="utf-8"))
        return doc if self.variant is None else self.variant(doc)


def cases(engine: str) -> list[Case]:
    """The examples each engine is swept on."""
    if engine == "pivot":
        return [Case("pivot", "pivot-200mw.toml", _pivot),
                Case("pivot", "reverse-margin.toml", _pivot),
                Case("pivot", "pivot-200mw.toml", _pivot, with_tables,
                     "+ [pivot.tax], [sites.hosting.phases], [sites.hosting.risk], "
                     "[[cost_items]], a [sites.dispatch] site")]
    if engine == "simulate":
        return [Case("simulate", "pivot-200mw.toml", _simulate),
                Case("simulate", "pivot-200mw.toml", _simulate,
                     partial(with_tables, dispatch_site=False),
                     "+ [pivot.tax], [sites.hosting.phases], [sites.hosting.risk], "
                     "[[cost_items]]")]
    if engine == "dispatch":
        return [Case("dispatch", "dispatch-west-texas.toml", _dispatch("ercot:HB_WEST:2024"))]
    if engine == "optimize":
        return [Case("optimize", "portfolio.toml", _optimize, tol=OPTIMIZE_GAP)]
    raise SystemExit(f"unknown engine {engine!r}: pivot, simulate, dispatch or optimize")


def run_case(case: Case, tables: Sequence[str] = (), quick: bool = False,
             progress: Callable[[str], None] | None = None,
             document: dict[str, Any] | None = None, fields: str = "all",
             ) -> tuple[list[FieldResult], list[float]]:
    """Sweep one example (only the fields of ``tables`` where given; ``quick``: one
    perturbation a field; ``fields``: ``"all"``, ``"scalars"`` or ``"lists"``, the fields
    holding a list or a mapping, :func:`~_assumption_sweep.is_list`); the results and each
    run's time [s]."""
    if fields not in ("all", "scalars", "lists"):
        raise ValueError(f"fields: 'all', 'scalars' or 'lists', not {fields!r}")
    path = EXAMPLES / case.example
    if document is None:
        document = case.document()
    runner, times = timed(case.runner)

    def keep(leaf: Leaf) -> bool:
        if fields != "all" and is_list(leaf) != (fields == "lists"):
            return False
        return not tables or leaf.table in tables

    return sweep(document, str(path), runner, keep, tol=case.tol, first_only=quick,
                 progress=progress), times


def missing(case: Case, results: Sequence[FieldResult]) -> list[FieldResult]:
    """The fields that move the result, no row names, and :data:`ALLOWED` does not list."""
    return [r for r in results if r.moved and not r.named
            and (case.engine, r.leaf.table, r.leaf.name) not in ALLOWED]


def _short(value: Any, width: int = 24) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def report(case: Case, results: Sequence[FieldResult], seconds: float) -> list[str]:
    """The sweep's counts, its defects and the allowed fields, as lines."""
    tried = [r for r in results if r.tried]
    moved = [r for r in tried if r.moved]
    named = [r for r in moved if r.named]
    allowed = [r for r in moved if not r.named
               and (case.engine, r.leaf.table, r.leaf.name) in ALLOWED]
    bad = missing(case, results)
    refused = sum(len(r.refused) for r in results)
    runs = sum(len(r.tried) for r in results)
    all_refused = sum(not r.tried and bool(r.refused) for r in results)
    untried = sum(not r.tried and not r.refused for r in results)
    lines = [
        f"== {case.engine} on examples/{case.example}"
        f"{' ' + case.label if case.label else ''} ({seconds:.0f} s)",
        f"fields {len(results)}, tried {len(tried)} (runs {runs}; refused {refused} "
        f"perturbations, {all_refused} fields all refused; {untried} fields with no "
        f"perturbation), moved {len(moved)}, named {len(named)}, allowed {len(allowed)}, "
        f"missing {len(bad)}",
    ]
    errors = [r for r in results if r.errors]
    for r in errors:
        lines.append(f"  ERROR {r.leaf.dotted} = {_short(r.errors[0][0])}: {r.errors[0][1]}")
    if bad:
        lines.append("MOVES THE RESULT, NAMED BY NO ROW:")
        lines.append(f"  {'field':<48} {'perturbed to':<24} {'moved':>9}  source")
        for r in bad:
            lines.append(f"  {r.leaf.dotted:<48} {_short(r.moved_by):<24} {r.moved:>9.2e}  "
                         f"{'file' if r.leaf.in_file else 'default'}")
    for r in allowed:
        lines.append(f"  allowed: {r.leaf.dotted}: "
                     f"{ALLOWED[(case.engine, r.leaf.table, r.leaf.name)]}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="pivot",
                        help="pivot (default), simulate, dispatch or optimize")
    parser.add_argument("--case", type=int, action="append",
                        help="only this case of the engine (0: the first example; "
                        "repeatable)")
    parser.add_argument("--tables", default="",
                        help="only these tables, comma-separated (sites.hosting,pivot)")
    parser.add_argument("--quick", action="store_true",
                        help="one perturbation a field (the first its bounds allow)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--lists-only", action="store_true",
                      help="only the fields holding a list or a mapping by year")
    only.add_argument("--scalars-only", action="store_true",
                      help="only the fields holding one value")
    parser.add_argument("--verbose", action="store_true", help="every field's outcome")
    args = parser.parse_args(argv)
    fields = "lists" if args.lists_only else "scalars" if args.scalars_only else "all"
    tables = [t for t in args.tables.split(",") if t]
    failed = 0
    for i, case in enumerate(cases(args.engine)):
        if args.case and i not in args.case:
            continue
        t0 = time.perf_counter()
        results, _ = run_case(case, tables, args.quick, fields=fields)
        for line in report(case, results, time.perf_counter() - t0):
            print(line)
        if args.verbose:
            for r in results:
                print(f"  {r.leaf.dotted:<52} moved {r.moved:9.2e} named {r.named or '-':<10}"
                      f" tried {len(r.tried)} refused {len(r.refused)}"
                      f"{' by ' + _short(r.moved_by) if r.moved else ''}")
        failed += len(missing(case, results))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
