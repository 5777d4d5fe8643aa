"""The tables of ``hashpivot cost``: unit economics, per fleet line, cost views,
breakevens and the cost items (amounts per day in USD or k USD as the size needs)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from hashpivot.cli.tables import make_console
from hashpivot.reports.tables.cost import (
    BREAKEVEN_HEADER,
    BREAKEVEN_TITLE,
    breakeven_rows,
    day_amount,
    day_unit,
    is_small,
    view_header,
    view_note,
    view_rows,
)
from hashpivot.reports.tables.formats import fmt_amount
from hashpivot.reports.tables.formats import fmt_number as _fmt


def print_cost(result: Any) -> None:
    """Print the tables of a :class:`~hashpivot.engines.unit_economics.UnitEconomicsResult`."""
    from hashpivot.cli.tables import btc_with_unit, compact_table, hashrate_with_unit

    console = make_console()
    f = result.figures
    n = result.network
    when = f" on {n.date}" if n.date else ""
    console.print(
        f"{result.portfolio_name}: BTC {fmt_amount(n.btc_price_usd)} USD, difficulty "
        f"{n.difficulty:.4g}, fees {n.fees_btc_per_block:.4f} BTC/block, subsidy "
        f"{n.subsidy_btc} BTC{when} ({n.source})",
        markup=False,
    )
    t = compact_table("Unit economics")
    t.add_column("quantity", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column("unit", no_wrap=True)
    hr, hr_unit = hashrate_with_unit(f["hashrate_th_s"])
    btc, btc_unit = btc_with_unit(f["btc_per_day"], "/day")
    power_mw = f["power_mw"]
    power, power_unit = (
        (_fmt(power_mw, 1), "MW") if power_mw >= 1 else (_fmt(power_mw * 1e3, 2), "kW")
    )
    rows = [
        ("hashprice", _fmt(f["hashprice_usd_per_ph_day"], 2), "USD/PH/day"),
        ("fleet hashrate", hr, hr_unit),
        ("fleet efficiency", _fmt(f["fleet_efficiency_j_per_th"], 2), "J/TH"),
        ("power", power, power_unit),
        ("BTC mined", btc, btc_unit),
        ("power cost per BTC", fmt_amount(f["power_cost_per_btc_usd"]), "USD/BTC"),
    ]
    for row in rows:
        t.add_row(*row)
    console.print(t)
    small = is_small(f)
    _print_fleet_lines(console, result, small)
    v = compact_table("Cost views, per day", view_note(f))
    for i, col in enumerate(view_header(small)):
        v.add_column(col, justify="right" if i else "left", no_wrap=True)
    for *cells, reverse in view_rows(f):
        v.add_row(*cells, "[red]YES[/red]" if reverse else "no")
    console.print(v)
    b = compact_table(BREAKEVEN_TITLE)
    for i, col in enumerate(BREAKEVEN_HEADER):
        b.add_column(col, justify="right" if i else "left", no_wrap=True)
    for be in breakeven_rows(f):
        b.add_row(*be)
    console.print(b)
    _print_ledger(console, result)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)


def _print_fleet_lines(console: Any, result: Any, small: bool) -> None:
    """One row per fleet entry: hashrate, BTC/day, revenue, power cost and the profit
    after power [USD/day], then the total."""

    from hashpivot.cli.tables import btc_with_unit, compact_table, hashrate_with_unit

    price = result.network.btc_price_usd
    fl = result.fleet
    t = compact_table(
        "Per fleet line, per day",
        "revenue after pool fees; power = energy at the site's contract price; profit "
        "after power, before the other cost items below",
    )
    t.add_column("site")  # wraps: the numbers and the model stay whole
    t.add_column("model", no_wrap=True)
    t.add_column("hashrate", justify="right", no_wrap=True)
    t.add_column("BTC mined", justify="right", no_wrap=True)
    for col in ("revenue", "power", "profit"):
        t.add_column(f"{col}\n{day_unit(small)}", justify="right", no_wrap=True)
    totals = [0.0, 0.0]
    for r in fl.itertuples(index=False):
        revenue = float(r.btc_per_day) * price
        power = float(r.energy_mwh_per_day * r.power_price_usd_per_mwh)
        totals[0] += revenue
        totals[1] += power
        t.add_row(
            escape(str(r.site)),
            escape(str(r.label)),
            " ".join(hashrate_with_unit(float(r.hashrate_th_s), 1)),
            " ".join(btc_with_unit(float(r.btc_per_day))),
            day_amount(revenue, small),
            day_amount(power, small),
            day_amount(revenue - power, small),
        )
    if len(fl) > 1:
        t.add_section()
        t.add_row(
            "total",
            "",
            " ".join(hashrate_with_unit(float(fl["hashrate_th_s"].sum()), 1)),
            " ".join(btc_with_unit(float(fl["btc_per_day"].sum()))),
            day_amount(totals[0], small),
            day_amount(totals[1], small),
            day_amount(totals[0] - totals[1], small),
        )
    console.print(t)


_VIEW_LETTERS = (("direct", "D"), ("total", "T"), ("production", "P"), ("all_in", "A"))


def _print_ledger(console: Any, result: Any) -> None:

    from hashpivot.cli.tables import compact_table

    big = bool((result.ledger["usd_per_year"].abs() >= 1e5).any())
    led = compact_table(
        "Cost items",
        "views that count the item: D direct, T total, P production, A all-in",
    )
    led.add_column("item", min_width=20)
    led.add_column("category", width=12)
    led.add_column("scope")  # a site name wraps, the numbers stay whole
    led.add_column("M USD\n/year" if big else "USD\n/year", justify="right", no_wrap=True)
    led.add_column("USD\n/BTC", justify="right", no_wrap=True)
    led.add_column("views", no_wrap=True)
    for row in result.ledger.itertuples():
        views = " ".join(
            letter if getattr(row, f"in_{view}") else "-" for view, letter in _VIEW_LETTERS
        )
        led.add_row(
            escape(str(row.name)),
            escape(str(row.category).replace("_", " ")),
            escape(str(row.scope)),
            _fmt(row.usd_per_year / 1e6, 1) if big else _fmt(row.usd_per_year),
            _fmt(row.usd_per_btc),
            views,
        )
    console.print(led)


__all__ = ["print_cost"]
