"""``hashpivot asics`` and ``hashpivot network``: the bundled market data on the command line."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape

from hashpivot.cli.errors import fail_input, handle_errors, options_for
from hashpivot.cli.network import LiveFlag, NetworkDay
from hashpivot.cli.options import MEMPOOL_API, JsonTableFlag, base_url_option, timeout_option
from hashpivot.cli.output import json_records
from hashpivot.cli.tables import compact_table, hashrate_with_unit, make_console, quantity_table
from hashpivot.exceptions import DataError, InputError, Problem

_ASICS_HELP = (
    "List the bundled ASIC catalog: hashrate [TH/s], power [W], efficiency [J/TH] "
    "(= W per TH/s), release year, cooling and the source file of each row."
)
_NETWORK_HELP = (
    "Bitcoin network state on a day from the daily history (bundled Coin Metrics data plus "
    "`hashpivot data update`; default: the latest day), or live from mempool.space with "
    "--live: BTC price [USD], "
    "difficulty [-], fees and subsidy per block [BTC], hashrate [TH/s], block height."
)


def _short_source(source: str) -> str:
    """``"marceloceccon_bitcoinmining/miners.json; release_year: cbeci/cbeci_miners.csv"``
    -> ``"marceloceccon, year: cbeci"`` (the table's compact form)."""
    out = []
    for part in (p.strip() for p in source.split(";")):
        prefix = ""
        if part.startswith("release_year:"):
            prefix, part = "year: ", part.split(":", 1)[1].strip()
        label = "manual" if "manual entry" in part else part.split("/")[0].split("_")[0]
        out.append(prefix + label)
    return ", ".join(out)


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@handle_errors
def asics_command(
    json_out: JsonTableFlag = False,
    manufacturer: Annotated[
        str | None,
        typer.Option(
            "--manufacturer",
            "-m",
            help="Keep one maker (case-insensitive), e.g. Bitmain, MicroBT, Canaan; a "
            "series name (Antminer, Whatsminer, AvalonMiner) works too.",
        ),
    ] = None,
) -> None:
    """List the bundled ASIC catalog."""
    from hashpivot.io.asics import load_asic_catalog

    cat = load_asic_catalog()
    if manufacturer:
        want = manufacturer.strip().lower()
        mask = (cat["manufacturer"].str.lower() == want) | cat["model"].str.lower().str.startswith(
            want + " "
        )
        if not mask.any():
            makers = ", ".join(sorted(cat["manufacturer"].unique()))
            fail_input(f"no ASIC from {manufacturer!r}; manufacturers: {makers}", "--manufacturer")
        cat = cat[mask]
    if json_out:
        _print_json({"count": len(cat), "asics": json_records(cat)})
        return
    console = make_console()
    with_source = console.width >= 110  # the source column fits only a wide terminal
    table = compact_table(
        f"ASIC catalog ({len(cat)} models)",
        ("source: raw file of the specs (and of the release year); " if with_source else
         "sources: a terminal of 110 columns or more, ")
        + "full names with --json and in hashpivot/data/PROVENANCE.md",
    )
    table.add_column("model", no_wrap=True)
    table.add_column("maker", no_wrap=True)
    for col in ("TH/s", "W", "J/TH", "year"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("cooling", no_wrap=True)
    if with_source:
        table.add_column("source", overflow="fold")
    for r in cat.itertuples(index=False):
        year_value: Any = r.release_year
        year = "" if pd.isna(year_value) else str(int(year_value))
        cells = [
            escape(str(r.model)),
            escape(str(r.manufacturer)),
            f"{r.hashrate_th_s:g}",
            f"{r.power_w:,.0f}",
            f"{r.efficiency_j_per_th:.2f}",
            year,
            escape(str(r.cooling)),
        ]
        table.add_row(*cells, *([escape(_short_source(str(r.source)))] if with_source else []))
    console.print(table)


@handle_errors
def network_command(
    date: NetworkDay = None,
    live: LiveFlag = False,
    json_out: JsonTableFlag = False,
    base_url: Annotated[str, base_url_option(" (with --live)")] = MEMPOOL_API,
    timeout_s: Annotated[float, timeout_option("live request")] = 10.0,
) -> None:
    """Show the Bitcoin network state on a day (bundled data) or now (--live)."""
    from hashpivot.io.bundled import btc_daily_range, network_state_on

    if live and date is not None:
        raise InputError(
            [Problem("--date", "use either --date or --live, not both", "<command line>")]
        )
    if live:
        from hashpivot.io.mempool import get_network_state

        with options_for({"base_url": "--base-url"}):
            state = get_network_state(base_url=base_url, timeout_s=timeout_s)
    else:
        if date is None:
            day = btc_daily_range()[1]
        else:
            from hashpivot.cli.options import iso_day

            day = dt.date.fromisoformat(iso_day(date, "--date"))
        try:
            state = network_state_on(day)
        except DataError as exc:
            fail_input(str(exc), "--date")
            return
    payload = state.as_dict()
    payload["reward_btc_per_block"] = state.fees_btc_per_block + state.subsidy_btc_per_block
    if json_out:
        _print_json({"network": payload})
        return
    table = quantity_table(f"Bitcoin network on {state.date.isoformat()}", title_justify="left")
    rows = (
        ("BTC price", f"{state.btc_price_usd:,.2f}", "USD/BTC"),
        ("difficulty", f"{state.difficulty:.6g}", "-"),
        ("hashrate from difficulty",
         *hashrate_with_unit(state.hashrate_from_difficulty_th_s, 1)),
        ("hashrate, source's estimate", *hashrate_with_unit(state.hashrate_th_s, 1)),
        ("block height", f"{state.height:,}", "-"),
        ("subsidy", f"{state.subsidy_btc_per_block:.6g}", "BTC/block"),
        ("fees", f"{state.fees_btc_per_block:.6g}", "BTC/block"),
        ("reward (subsidy + fees)", f"{payload['reward_btc_per_block']:.6g}", "BTC/block"),
    )
    for row in rows:
        table.add_row(*row)
    console = make_console()
    console.print(table)
    console.print(
        "hashrate from difficulty: difficulty x 2^32 / 600 s, what every engine uses; the "
        "source's estimate counts the blocks found that day (noisy)", markup=False,
        style="dim")
    console.print(state.source, markup=False, style="dim")


def register(app: typer.Typer) -> None:
    """Add ``asics`` and ``network`` to the ``hashpivot`` app."""
    app.command("asics", help=_ASICS_HELP)(asics_command)
    app.command("network", help=_NETWORK_HELP)(network_command)
