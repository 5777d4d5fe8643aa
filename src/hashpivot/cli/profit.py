"""``hashpivot profit``: one line per machine, what the public mining calculators answer."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

from hashpivot.cli import network as net
from hashpivot.cli.errors import handle_errors
from hashpivot.cli.network import CLI, LiveFlag, NetworkDay, check_positive
from hashpivot.cli.options import JsonFlag, collect
from hashpivot.cli.output import print_json
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.fields import POWER_PRICE_MAX_USD_PER_MWH

_HELP = (
    "Per machine: revenue, power cost and profit [USD/day], BTC/day, the breakeven power "
    "price [USD/MWh] and the payback [days] at a machine price, on a day of the history "
    "(default: the latest, bundled or fetched by `hashpivot data update`) or --live, with "
    "--btc-price-usd, --difficulty, --fees-btc-per-block overriding (as `cost`: its "
    "breakeven BTC price gives a zero profit here). "
    "Assumes each machine mines at its nameplate hashrate and power every hour (uptime "
    "1), with no site overhead (power overhead factor 1) and a pool fee of "
    "--pool-fee-fraction (default 0), where a site file defaults to an uptime of 0.95, an "
    "overhead of 1.05 and a pool fee of 0.015: the result prints these assumptions. "
    'Example: hashpivot profit "S21" "S21 XP" --power-price-usd-per-mwh 50'
)


@handle_errors
def profit_command(
    models: Annotated[
        list[str], typer.Argument(help='ASIC models from `hashpivot asics`, e.g. "S21 XP".')
    ],
    power_price_usd_per_mwh: Annotated[
        float,
        typer.Option("--power-price-usd-per-mwh", help="All-in power price. [USD/MWh]"),
    ],
    date: NetworkDay = None,
    btc_price_usd: net.BtcPrice = None,
    difficulty: net.Difficulty = None,
    fees_btc_per_block: net.Fees = None,
    live: LiveFlag = False,
    machine_price_usd: Annotated[
        float | None, typer.Option("--machine-price-usd", help="Price of one machine. [USD]")
    ] = None,
    machine_price_usd_per_th: Annotated[
        float | None,
        typer.Option("--machine-price-usd-per-th", help="Machine price per TH/s. [USD/(TH/s)]"),
    ] = None,
    pool_fee_fraction: Annotated[
        float | None,
        typer.Option("--pool-fee-fraction", help="Pool fee, e.g. 0.02; default 0. [-]"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Revenue, power cost and profit per machine per day."""
    from hashpivot.engines.economics.machine_profit import (
        machine_profit,
        payback_halving_notes,
        profit_assumptions,
    )
    from hashpivot.exceptions import UnknownAsicError
    from hashpivot.io import find_asic

    pool_fee_given = pool_fee_fraction is not None
    pool_fee_fraction = pool_fee_fraction or 0.0
    problems: list[Problem] = []
    check_positive(problems, "power-price-usd-per-mwh", power_price_usd_per_mwh, zero_ok=True,
                   most=POWER_PRICE_MAX_USD_PER_MWH)  # (a site's contract price's bound)
    check_positive(problems, "machine-price-usd", machine_price_usd, zero_ok=True)
    check_positive(problems, "machine-price-usd-per-th", machine_price_usd_per_th, zero_ok=True)
    if not (math.isfinite(pool_fee_fraction) and 0 <= pool_fee_fraction < 1):
        problems.append(
            Problem("--pool-fee-fraction", f"must be in [0, 1) (got {pool_fee_fraction})", CLI)
        )
    if machine_price_usd is not None and machine_price_usd_per_th is not None:
        problems.append(
            Problem(
                "--machine-price-usd",
                "give --machine-price-usd or --machine-price-usd-per-th, not both",
                CLI,
            )
        )
    specs = []
    for name in models:
        try:
            specs.append(find_asic(name))
        except UnknownAsicError as exc:
            problems.append(Problem("MODEL", str(exc), CLI))
    from hashpivot.cli.network import network_from_options, warn_if_stale

    network = collect(problems, lambda: network_from_options(
        date, btc_price_usd, difficulty, fees_btc_per_block, live))
    if problems or network is None:
        raise InputError(problems)
    rows = []
    for spec in specs:
        price = machine_price_usd
        if machine_price_usd_per_th is not None:
            price = machine_price_usd_per_th * spec.hashrate_th_s
        rows.append(
            machine_profit(
                spec.model,
                spec.hashrate_th_s,
                spec.power_w,
                network.hashvalue_btc_per_ph_day,
                network.btc_price_usd,
                power_price_usd_per_mwh,
                pool_fee_fraction,
                price,
            )
        )
    given = [flag for flag, value in (("--btc-price-usd", btc_price_usd),
                                      ("--difficulty", difficulty),
                                      ("--fees-btc-per-block", fees_btc_per_block))
             if value is not None]
    network_source = (f"the day's with {', '.join(given)} given" if given else "the day's")
    assumptions = profit_assumptions(pool_fee_fraction, pool_fee_given,
                                     network.hashprice_usd_per_ph_day, network_source)
    notes = payback_halving_notes(rows, network.subsidy_btc, network.fees_btc_per_block,
                                  network.height, network_source)
    from hashpivot.models.sanity import low_power_price_hint

    price_hint = low_power_price_hint(power_price_usd_per_mwh)
    if price_hint:  # (as a site file's contract price that low is warned of)
        notes.insert(0, f"--power-price-usd-per-mwh {power_price_usd_per_mwh:g}: {price_hint}")
    from hashpivot.cli.network import difficulty_note

    typo = None if difficulty is None else difficulty_note(difficulty)
    if typo:  # (as `hashprice` notes a difficulty typed in T)
        notes.insert(0, typo)
    conditions = {
        "date": network.date.isoformat() if network.date else None,
        "btc_price_usd": network.btc_price_usd,
        "difficulty": network.difficulty,
        "fees_btc_per_block": network.fees_btc_per_block,
        "subsidy_btc": network.subsidy_btc,
        "hashprice_usd_per_ph_day": network.hashprice_usd_per_ph_day,
        "power_price_usd_per_mwh": power_price_usd_per_mwh,
        "pool_fee_fraction": pool_fee_fraction,
        "source": network.source,
    }
    if as_json:
        print_json({"network": conditions, "machines": [r.as_dict() for r in rows],
                    "resolved_assumptions": assumptions, "notes": notes})
    else:
        _print_table(network, conditions, rows, power_price_usd_per_mwh, assumptions)
        from hashpivot.cli.tables import make_console

        console = make_console()
        for note in notes:
            console.print(f"note: {note}", markup=False)
    warn_if_stale(date, live)


def _print_table(
    network: Any, conditions: dict[str, Any], rows: list[Any], power_price_usd_per_mwh: float,
    assumptions: list[dict[str, Any]],
) -> None:
    from rich.markup import escape

    from hashpivot.cli.tables import compact_table, make_console, print_assumptions
    from hashpivot.reports.tables.formats import fmt_num

    console = make_console()
    console.print(
        f"{conditions['date']}: BTC {network.btc_price_usd:,.0f} USD, hashprice "
        f"{network.hashprice_usd_per_ph_day:,.2f} USD/PH/day, power "
        f"{power_price_usd_per_mwh:g} USD/MWh ({network.source})",
        markup=False,
    )
    table = compact_table(
        caption="per machine; breakeven = power price at which the profit is zero; "
        "payback = machine price / profit",
    )
    table.add_column("model", no_wrap=True)
    for col in (
        "TH/s", "revenue\nUSD/day", "power\nUSD/day", "profit\nUSD/day", "BTC/day",
        "breakeven\nUSD/MWh", "payback\ndays",
    ):
        table.add_column(col, justify="right", no_wrap=True)
    for r in rows:
        table.add_row(
            escape(r.model),
            f"{r.hashrate_th_s:g}",
            fmt_num(r.revenue_usd_per_day, ",.2f"),
            fmt_num(r.power_cost_usd_per_day, ",.2f"),
            fmt_num(r.profit_usd_per_day, ",.2f"),
            fmt_num(r.btc_per_day, ".6f"),
            fmt_num(r.breakeven_power_price_usd_per_mwh, ",.1f"),
            fmt_num(r.payback_days, ",.0f"),
        )
    console.print(table)
    print_assumptions(assumptions, console)


def register(app: typer.Typer) -> None:
    """Add ``profit`` to the app."""
    app.command("profit", help=_HELP)(profit_command)
