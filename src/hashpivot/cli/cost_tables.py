"""The tables of ``hashpivot cost``: unit economics, per fleet line, cost views,
breakevens, the cost items (amounts per day in USD or k USD as the size needs) and the
resolved assumptions. Their rows are :mod:`hashpivot.reports.tables.cost`'s, which the
dashboard shows too."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from hashpivot.cli.tables import compact_table, make_console, print_assumptions
from hashpivot.reports.tables.cost import (
    BREAKEVEN_HEADER,
    BREAKEVEN_NOTE,
    BREAKEVEN_TITLE,
    FLEET_NOTE,
    FLEET_TITLE,
    LEDGER_NOTE,
    LEDGER_TITLE,
    UNIT_HEADER,
    UNIT_TITLE,
    breakeven_rows,
    fleet_header,
    fleet_rows,
    is_small,
    ledger_header,
    ledger_is_big,
    ledger_rows,
    network_line,
    unit_rows,
    view_header,
    view_note,
    view_rows,
)


def print_cost(result: Any) -> None:
    """Print the tables of a :class:`~hashpivot.engines.economics.UnitEconomics`."""
    console = make_console()
    d = result.to_dict()
    f = result.figures
    console.print(network_line(result.portfolio_name, d["network"]), markup=False)
    t = compact_table(UNIT_TITLE)
    for i, col in enumerate(UNIT_HEADER):
        t.add_column(col, justify="right" if i == 1 else "left", no_wrap=True)
    for row in unit_rows(f):
        t.add_row(*row)
    console.print(t)
    small = is_small(f)
    _print_fleet_lines(console, d, small)
    v = compact_table("Cost views, per day", view_note(f))
    for i, col in enumerate(view_header(small)):
        v.add_column(col, justify="right" if i else "left", no_wrap=True)
    for *cells, reverse in view_rows(f):
        v.add_row(*cells, "[red]YES[/red]" if reverse else "no")
    console.print(v)
    b = compact_table(BREAKEVEN_TITLE, BREAKEVEN_NOTE)
    for i, col in enumerate(BREAKEVEN_HEADER):
        b.add_column(col, justify="right" if i else "left", no_wrap=True)
    for be in breakeven_rows(f):
        b.add_row(*be)
    console.print(b)
    _print_ledger(console, d["cost_items"])
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    print_assumptions(result.resolved_assumptions(), console)


def _print_fleet_lines(console: Any, d: dict[str, Any], small: bool) -> None:
    """One row per fleet entry, then the total (:func:`~hashpivot.reports.tables.cost.
    fleet_rows`)."""
    t = compact_table(FLEET_TITLE, FLEET_NOTE)
    site, model, *numbers = fleet_header(small)
    t.add_column(site)  # wraps: the numbers and the model stay whole
    t.add_column(model, no_wrap=True)
    for col in numbers:
        t.add_column(col, justify="right", no_wrap=True)
    rows, total = fleet_rows(d["fleet"], float(d["network"]["btc_price_usd"]), small)
    for row in rows:
        t.add_row(escape(row[0]), escape(row[1]), *row[2:])
    if total is not None:
        t.add_section()
        t.add_row(*total)
    console.print(t)


def _print_ledger(console: Any, items: list[dict[str, Any]]) -> None:
    """The cost items (:func:`~hashpivot.reports.tables.cost.ledger_rows`)."""
    big = ledger_is_big(items)
    led = compact_table(LEDGER_TITLE, LEDGER_NOTE)
    item, category, scope, *numbers, views = ledger_header(big)
    led.add_column(item, min_width=20)
    led.add_column(category, width=12)
    led.add_column(scope)  # a site name wraps, the numbers stay whole
    for col in numbers:
        led.add_column(col, justify="right", no_wrap=True)
    led.add_column(views, no_wrap=True)
    for row in ledger_rows(items, big):
        led.add_row(escape(row[0]), escape(row[1]), escape(row[2]), *row[3:])
    console.print(led)


__all__ = ["print_cost"]
