"""Find the inputs that move an engine's headline figures but that no row of its "Resolved
assumptions" names: the assumptions a reader cannot check beside the result.

Each scalar field of the example's tables (set in the file or left at its default) is
perturbed in turn (``scripts/_assumption_sweep.py``: a number x0.5 and x2 within its
bounds, each other choice, a flag flipped, a date shifted six months) and the engine run
through the library, the call its command makes. A field *moves* the result when a headline
figure changes by more than 1e-9 relative: for ``pivot`` each strategy's NPV (unlevered,
with terminal value, levered, after tax) and which strategies run; for ``dispatch`` the
net margin and the always-on baseline's. A field is *named* when a row is named ``[table]
field``, or a row's name or source names its table and the field, or a row of its table
changed its value with it (``[sites.fleet]`` shows each entry's count). The fields that
move but are not named are printed: each is a defect, or an input shown plainly elsewhere,
listed in :data:`ALLOWED` with the reason. Perturbations the models or the engine refuse
are counted, not run.

Run::

    python scripts/sweep_assumptions.py                      # pivot on its two examples
    python scripts/sweep_assumptions.py --engine dispatch    # the West Texas example
    python scripts/sweep_assumptions.py --quick --tables sites.hosting,pivot

Exits 1 when a field moves the result and is neither named nor allowed.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _assumption_sweep import FieldResult, Leaf, Outcome, Runner, sweep, timed

from hashpivot.models import Portfolio

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

#: Fields that move the result without a row naming them, and why that is right: (engine,
#: table, field) -> reason. Each is an input the output shows in another way.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("pivot", "pivot", "strategies"):
        "which strategies run: the strategy table lists each by name, with a 'strategy "
        "<name>' row for each that converts",
}


def _pivot(portfolio: Portfolio, source: str) -> Outcome:
    """``hashpivot pivot FILE``: its strategies' NPVs and resolved assumptions."""
    from hashpivot.engines.pivot import run_pivot

    result = run_pivot(portfolio, source=source)
    figures: dict[str, float] = {}
    for s in result.strategies:
        for key in ("npv_usd", "npv_with_terminal_value_usd", "npv_levered_usd",
                    "npv_after_tax_usd"):
            figures[f"{s.name}.{key}"] = float(getattr(s, key))
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


@dataclass(frozen=True)
class Case:
    """An engine on an example file."""

    engine: str
    example: str
    runner: Runner


def cases(engine: str) -> list[Case]:
    """The examples each engine is swept on."""
    if engine == "pivot":
        return [Case("pivot", "pivot-200mw.toml", _pivot),
                Case("pivot", "reverse-margin.toml", _pivot)]
    if engine == "dispatch":
        return [Case("dispatch", "dispatch-west-texas.toml", _dispatch("ercot:HB_WEST:2024"))]
    raise SystemExit(f"unknown engine {engine!r}: pivot or dispatch")


def run_case(case: Case, tables: Sequence[str] = (), quick: bool = False,
             progress: Callable[[str], None] | None = None,
             document: dict[str, Any] | None = None) -> tuple[list[FieldResult], list[float]]:
    """Sweep one example (only the fields of ``tables`` where given; ``quick``: one
    perturbation a field); the results and each run's time [s]."""
    path = EXAMPLES / case.example
    if document is None:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    runner, times = timed(case.runner)

    def keep(leaf: Leaf) -> bool:
        return not tables or leaf.table in tables

    return sweep(document, str(path), runner, keep, first_only=quick,
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
        f"== {case.engine} on examples/{case.example} ({seconds:.0f} s)",
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
    parser.add_argument("--engine", default="pivot", help="pivot (default) or dispatch")
    parser.add_argument("--tables", default="",
                        help="only these tables, comma-separated (sites.hosting,pivot)")
    parser.add_argument("--quick", action="store_true",
                        help="one perturbation a field (the first its bounds allow)")
    parser.add_argument("--verbose", action="store_true", help="every field's outcome")
    args = parser.parse_args(argv)
    tables = [t for t in args.tables.split(",") if t]
    failed = 0
    for case in cases(args.engine):
        t0 = time.perf_counter()
        results, _ = run_case(case, tables, args.quick)
        for line in report(case, results, time.perf_counter() - t0):
            print(line)
        if args.verbose:
            for r in results:
                print(f"  {r.leaf.dotted:<52} moved {r.moved:9.2e} named {r.named or '-':<10}"
                      f" tried {len(r.tried)} refused {len(r.refused)}")
        failed += len(missing(case, results))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
