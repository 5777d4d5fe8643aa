"""The tables of a finished run, from its stored results (:func:`run_tables`): the tables
the CLI prints when it runs the engine (the other modules of :mod:`hashpivot.reports.tables`),
with their notes, and the resolved assumptions that can flip the verdict, each with its
source. The dashboard renders them as HTML (Jinja escapes every cell, ``_tables.html``),
``GET /api/runs/{id}/tables`` as JSON and ``hashpivot runs show ID --tables`` in the
terminal."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from hashpivot.reports.labels import simulate_caption, simulate_title
from hashpivot.reports.tables import cost, dispatch, pivot
from hashpivot.reports.tables import optimize as opt
from hashpivot.reports.tables.backtest import backtest_rows, backtest_title
from hashpivot.reports.tables.formats import fmt_assumption
from hashpivot.reports.tables.optimize import plan_title
from hashpivot.reports.tables.simulate import (
    REVERSE_MARGIN_TITLE,
    model_line,
    reverse_margin_table,
)
from hashpivot.reports.tables.strategies import (
    Row,
    pivot_rows,
    simulate_rows,
)
from hashpivot.reports.tables.treasury import POLICY_TITLE, policy_rows


@dataclass(frozen=True)
class RunTable:
    """One table of a finished run.

    Attributes
    ----------
    title : str
        Heading.
    header : tuple of str
        Column headings.
    rows : sequence of tuple of str
        Formatted cells.
    notes : tuple of str
        Sentences printed under the table (what labels mean, warnings).
    right : frozenset of int
        Columns that hold numbers (right-aligned).
    """

    title: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    notes: tuple[str, ...] = field(default=())
    right: frozenset[int] = field(default=frozenset())


def strategy_table(title: str, names: list[str], rows: list[Row],
                   notes: list[str]) -> RunTable:
    """Quantities down, strategies across, as the CLI prints them."""
    return RunTable(
        title=title,
        header=("quantity", "unit", *names),
        rows=[(q, unit, *cells) for q, unit, cells in rows],
        notes=tuple(notes),
        right=frozenset(range(2, 2 + len(names))),
    )


def assumptions_table(results: dict[str, Any]) -> RunTable | None:
    """The resolved assumptions (``results["resolved_assumptions"]``), or None."""
    rows = results.get("resolved_assumptions") or []
    if not rows:
        return None
    return RunTable(
        title="Resolved assumptions (default = not in the file)",
        header=("input", "value", "unit", "source"),
        rows=[(str(r.get("name", "")), fmt_assumption(r.get("value")), str(r.get("unit", "")),
               str(r.get("source", ""))) for r in rows],
    )


def _pivot(results: dict[str, Any], input_warnings: Collection[str]) -> list[RunTable]:
    """The strategy table with its caption, the tornado tables and the lines under them,
    as ``pivot`` prints them (its engine's warnings as ``note:`` lines; those about the
    input's units are the caller's, as ``warning:`` lines)."""
    strategies: dict[str, dict[str, Any]] = results.get("strategies") or {}
    inputs: dict[str, Any] = results.get("inputs") or {}
    rows = pivot_rows(list(strategies.values()), taxed=bool(inputs.get("tax")),
                      levered=results.get("levered_note") is None)
    notes = [pivot.pivot_caption(inputs, results.get("levered_basis"))]
    notes += [str(results["levered_note"])] if results.get("levered_note") else []
    tables = [strategy_table(pivot.pivot_title(inputs), list(strategies), rows, notes)]
    tables += [RunTable(t.title, _header(pivot.TORNADO_HEADER), t.rows, notes=(t.caption,),
                        right=frozenset({1, 2, 3, 4})) for t in pivot.tornado_tables(results)]
    market = pivot.market_line(inputs)
    tail = [*pivot.verdict_lines(results), *_engine_notes(results, input_warnings),
            *([market] if market else [])]
    tables[-1] = dataclasses.replace(tables[-1], notes=(*tables[-1].notes, *tail))
    return tables


def _simulate(results: dict[str, Any], input_warnings: Collection[str]) -> list[RunTable]:
    strategies: dict[str, dict[str, Any]] = results.get("strategies") or {}
    treasury_note = results.get("treasury_note")
    n = results.get("n_paths")
    rows, notes = simulate_rows(list(strategies.values()), treasury_given=treasury_note is None,
                                n_paths=n if isinstance(n, int) else None,
                                names=list(strategies))
    inputs: dict[str, Any] = results.get("inputs") or {}
    from hashpivot.engines.simulate.assumptions import center_overrides

    taxed = any("npv_after_tax_mean_usd" in s for s in strategies.values())
    caption = simulate_caption(inputs, taxed,
                               [f"[scenario] {f}" for f, _, _ in center_overrides(inputs)])
    notes = [caption, *notes, *([str(treasury_note)] if treasury_note else [])]
    notes += _engine_notes(results, input_warnings)
    policy = results.get("main_policy") if treasury_note is None else None
    title = (simulate_title(n, inputs, str(policy) if policy else None)
             if isinstance(n, int) else "Monte Carlo")
    tables = [strategy_table(title, list(strategies), rows, notes)]
    rm = reverse_margin_table(results)
    if rm is not None:
        tables.append(RunTable(REVERSE_MARGIN_TITLE, _header(rm.header), rm.rows,
                               notes=(rm.caption,), right=frozenset(range(1, len(rm.header)))))
    by_policy: dict[str, dict[str, Any]] = results.get("forced_sale_btc_by_policy") or {}
    policies = list(next(iter(by_policy.values()), {}))
    if len(policies) > 1 and treasury_note is None:
        tables.append(RunTable(POLICY_TITLE, ("strategy", *policies),
                                policy_rows(by_policy, policies),
                                right=frozenset(range(1, 1 + len(policies)))))
    return tables


def _optimize(results: dict[str, Any]) -> list[RunTable]:
    """The plan, its value beside the simple strategies (with the summary lines), the
    regulation rules that apply, the shadow prices and the resolved assumptions, as
    ``optimize`` prints them."""
    inputs = results.get("assumptions") or {}
    header = tuple(h.replace("\n", " ") for h in opt.PLAN_HEADER)
    tables = [
        RunTable(plan_title(inputs) if inputs.get("quarters") else "Plan", header,
                  list(opt.plan_rows(results)), notes=tuple(opt.plan_notes(results)),
                  right=frozenset({2, 3, 5})),
        RunTable(opt.VALUE_TITLE, opt.VALUE_HEADER, list(opt.value_rows(results)),
                  notes=(opt.value_note(results), *opt.summary_lines(results)),
                  right=frozenset(range(1, len(opt.VALUE_HEADER)))),
    ]
    rule_rows, sources = opt.rule_rows(results.get("applicable_rules") or [])
    if rule_rows:
        site, flat = "", list[tuple[str, ...]]()
        for heading, rule_id, binds, detail, number in rule_rows:
            if heading is not None:
                site = heading
            else:
                flat.append((site, rule_id, binds, detail, f"[{number}]"))
        tables.append(RunTable(opt.RULES_TITLE, ("site", "rule", "binds", "detail", "src"),
                                flat, notes=tuple(f"[{n}] {src}" for src, n in sources.items())))
    shadow = opt.shadow_rows(results)
    if shadow:
        tables.append(RunTable(opt.SHADOW_TITLE, opt.SHADOW_HEADER, list(shadow),
                                right=frozenset({2})))
    assumptions = assumptions_table(results)
    if assumptions is not None:
        tables.append(assumptions)
    tables[-1] = _with_warnings(tables[-1], results.get("warnings") or [])
    return tables


def _header(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(h.replace("\n", " ") for h in columns)


def _cost(results: dict[str, Any]) -> list[RunTable]:
    """The tables ``cost`` prints, in its order: the unit economics (headed by the market
    they are taken at), each fleet line, the cost views (cost per BTC, margin, reverse
    margin), the breakevens and the cost items."""
    if "cost_usd_per_day_direct" not in results:
        return []
    small = cost.is_small(results)
    n = results.get("network") or {}
    unit = RunTable(f"{cost.UNIT_TITLE}: {cost.network_line(str(results.get('portfolio', '')), n)}",
                    cost.UNIT_HEADER, cost.unit_rows(results), right=frozenset({1}))
    tables = [unit]
    fleet = results.get("fleet")
    if isinstance(fleet, list) and fleet:  # (a run stored before the fleet lines: none)
        rows, total = cost.fleet_rows(fleet, float(n.get("btc_price_usd", 0.0)), small)
        tables.append(RunTable(cost.FLEET_TITLE, _header(cost.fleet_header(small)),
                               [*rows, *([total] if total else [])],
                               notes=(cost.FLEET_NOTE,), right=frozenset(range(2, 7))))
    tables.append(RunTable("Cost views, per day", _header(cost.view_header(small)),
                           [(*cells, "YES" if reverse else "no")
                            for *cells, reverse in cost.view_rows(results)],
                           notes=(cost.view_note(results),), right=frozenset(range(1, 6))))
    tables.append(RunTable(cost.BREAKEVEN_TITLE, _header(cost.BREAKEVEN_HEADER),
                           cost.breakeven_rows(results), notes=(cost.BREAKEVEN_NOTE,),
                           right=frozenset({1, 2, 3})))
    items = results.get("cost_items")
    notes = tuple(f"note: {x}" for x in results.get("notes") or [])
    if isinstance(items, list) and items:
        big = cost.ledger_is_big(items)
        tables.append(RunTable(cost.LEDGER_TITLE, _header(cost.ledger_header(big)),
                               cost.ledger_rows(items, big), notes=(cost.LEDGER_NOTE, *notes),
                               right=frozenset({3, 4})))
    else:
        tables[-1] = dataclasses.replace(tables[-1], notes=notes)
    return tables


def _dispatch(results: dict[str, Any]) -> list[RunTable]:
    """The dispatch summary, as ``dispatch`` prints it."""
    if "net_margin_usd" not in results:
        return []
    notes = [dispatch.sources_line(results)]
    thresholds = dispatch.thresholds_line(results)
    notes += [thresholds] if thresholds else []
    if results.get("power_contract") and not results.get("resolved_assumptions"):
        # (a run stored before its resolved assumptions, whose contract row says it)
        notes.append(f"power contract: {results['power_contract']}")
    notes += [f"note: {line}" for line in dispatch.note_lines(results)]  # as the CLI's
    return [RunTable(dispatch.summary_title(results), ("item", "value", "unit"),
                      dispatch.summary_rows(results), notes=tuple(notes),
                      right=frozenset({1}))]


def _backtest(results: dict[str, Any], params: dict[str, Any]) -> list[RunTable]:
    """The backtest summary, as ``backtest`` prints it."""
    summary = results.get("summary") or {}
    if "btc_mined" not in summary:
        return []
    title = backtest_title(summary, str(params.get("start", "")), str(params.get("end", "")))
    return [RunTable(title, ("quantity", "value", "unit"), backtest_rows(summary),
                      notes=tuple(f"note: {x}" for x in results.get("notes") or []),
                      right=frozenset({1}))]


def _engine_notes(results: dict[str, Any], input_warnings: Collection[str]) -> list[str]:
    """The ``note:`` lines of a pivot or simulate run: its warnings but those about its
    input."""
    return [f"note: {w}" for w in results.get("warnings") or [] if w not in input_warnings]


def _with_warnings(table: RunTable, warnings: Sequence[str]) -> RunTable:
    """``table`` with a ``warning:`` line under it per one of ``warnings``."""
    lines = tuple(f"warning: {w}" for w in warnings)
    return table if not lines else RunTable(table.title, table.header, table.rows,
                                             (*table.notes, *lines), table.right)


def run_tables(kind: str, results: dict[str, Any], params: dict[str, Any] | None = None,
               input_warnings: Collection[str] = ()) -> list[RunTable]:
    """Every table of a finished run: ``pivot`` and ``simulate`` their strategies (and
    ``simulate`` its forced sales by policy), ``optimize`` its plan, value, rules and shadow
    prices, the three their resolved assumptions; ``cost`` its cost views and breakevens;
    ``dispatch`` and ``backtest`` their summaries (``cost`` and ``backtest`` then their
    resolved assumptions). ``params`` are the run's resolved
    parameters (the backtest's window). ``input_warnings`` are those of the run's
    ``warnings`` that are about its input (values in a doubtful unit,
    :func:`hashpivot.store.runs.input_warnings`): ``pivot`` and ``simulate`` say the rest as
    ``note:`` lines, as their CLI prints their engine's warnings, and these as ``warning:``
    lines under the last table, as every run page does and the CLI prints them.

    Empty for results without the keys these tables read, such as a run stored by a version
    whose results had another shape: its page then shows its charts and JSON only."""
    try:
        return _run_tables(kind, results, params or {}, input_warnings)
    except (AttributeError, KeyError, TypeError, ValueError):  # a shape they cannot read
        return []


def _run_tables(kind: str, results: dict[str, Any], params: dict[str, Any],
                input_warnings: Collection[str]) -> list[RunTable]:
    if kind == "optimize":
        return _optimize(results) if "plan" in results else []
    summaries = {"cost": _cost, "dispatch": _dispatch,
                 "backtest": lambda r: _backtest(r, params)}.get(kind)
    if summaries is not None:  # (their warnings: the portfolio's values in a doubtful unit)
        tables = summaries(results)
        assumptions = assumptions_table(results) if tables else None  # (cost, backtest)
        tables += [assumptions] if assumptions is not None else []
        warnings = results.get("warnings") or []
        return [*tables[:-1], _with_warnings(tables[-1], warnings)] if tables else []
    build = {"pivot": _pivot, "simulate": _simulate}.get(kind)
    if build is None or not results.get("strategies"):
        return []
    tables = build(results, input_warnings)
    assumptions = assumptions_table(results)
    tables = tables if assumptions is None else [*tables, assumptions]
    model = (model_line(results.get("inputs") or {}, results.get("timings_s") or {})
             if kind == "simulate" else None)
    if model:  # under the assumptions, as the CLI prints it
        tables[-1] = dataclasses.replace(tables[-1], notes=(*tables[-1].notes, model))
    warned = [w for w in results.get("warnings") or [] if w in input_warnings]
    return [*tables[:-1], _with_warnings(tables[-1], warned)]


__all__ = ["RunTable", "assumptions_table", "run_tables", "strategy_table"]
