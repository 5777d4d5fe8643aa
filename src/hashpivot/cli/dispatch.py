"""``hashpivot dispatch``: interval-by-interval dispatch of a hybrid site against prices."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from hashpivot.cli.errors import handle_errors, options_for, speak_options
from hashpivot.cli.options import DispatchOutDir, JsonFlag
from hashpivot.cli.output import jsonable
from hashpivot.cli.tables import compact_table, make_console, print_assumptions
from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.reports.tables.dispatch import (
    note_lines,
    sources_line,
    summary_rows,
    summary_title,
    thresholds_line,
)

if TYPE_CHECKING:
    from collections.abc import Callable

CLI = "<command line>"

_HELP = (
    "Dispatch a hybrid site (mining tranches + firm/flexible AI load) interval by interval "
    "against power prices: curtail mining when power [USD/MWh] costs more than its hash "
    "earns (hashprice [USD/PH/s/day]), serve the AI load always, use and resell a PPA, "
    "renewables, demand response and 4CP. Reports energy [MWh], money [USD], emissions "
    "[t CO2] and the comparison with always-on mining. The site is the first of the "
    "portfolio TOML (or --site); its [sites.dispatch] table sets the options."
)

@handle_errors
def dispatch_command(
    portfolio_file: Annotated[
        Path, typer.Argument(help="Portfolio TOML; its first site (or --site) is dispatched.")
    ],
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            help="Price file [USD/MWh]: ERCOT RTMLZHBSPP / SCED LMP / DAM SPP, NYISO "
            "he01..he24, or any CSV/Parquet with a timestamp and a price column.",
        ),
    ] = None,
    market: Annotated[
        str | None,
        typer.Option(
            "--market",
            help="Bundled prices, e.g. ercot:HB_WEST:2024 (15-min) or ercot:LZ_WEST:2023 "
            "(hourly); ercot:HB_WEST:2024:da for day-ahead; nyiso:WEST:2019 (hourly, NYISO zones).",
        ),
    ] = None,
    solver: Annotated[
        str | None,
        typer.Option(
            "--solver",
            help="auto (fast path unless ramps, min up/down or flexible AI need HiGHS), "
            "fast, or lp; default: the site's dispatch.solver (auto).",
        ),
    ] = None,
    hashprice: Annotated[
        float | None,
        typer.Option(
            "--hashprice-usd-per-ph-day",
            help="Constant hashprice [USD per PH/s per day], 0 to 1e6; default from the "
            "site's dispatch table or the bundled network data.",
        ),
    ] = None,
    site: Annotated[str | None, typer.Option("--site", help="Site name.")] = None,
    json_out: JsonFlag = False,
    out: DispatchOutDir = None,
) -> None:
    """Dispatch a hybrid site against power prices."""
    from hashpivot.cli.inputs import load_site_file, with_input_warnings
    from hashpivot.cli.options import check_out_dir, collect, collected, site_check
    from hashpivot.engines.dispatch import run_dispatch_file

    cli = "<command line>"  # every option's problem, listed with the file's
    problems: list[Problem] = []
    if solver is not None and solver not in ("auto", "fast", "lp"):
        problems.append(Problem("--solver", f"{solver!r} is not one of auto, fast, lp", cli))
    if hashprice is not None and not (math.isfinite(hashprice) and 0 <= hashprice <= 1e6):
        problems.append(Problem("--hashprice-usd-per-ph-day",
                                f"must be a number within 0-1e6 (got {hashprice:g})", cli))
    if prices is not None and market is not None:
        problems.append(Problem("--prices", "give either --prices or --market, not both", cli))
    try:
        folder = prices is not None and prices.is_dir()
        missing = prices is not None and not prices.exists()
    except OSError as exc:  # a name too long, a folder not searchable
        problems.append(Problem("--prices", f"cannot read {prices}: {exc.strerror or exc}",
                                cli))
        folder = missing = False
    if folder:
        problems.append(Problem("--prices", f"{prices} is a folder, not a file", cli))
    elif missing:
        problems.append(Problem("--prices", f"file not found: {prices}", cli))
    if market is not None:
        from hashpivot.engines.dispatch.sources import check_market

        problems += [Problem("--market", speak_options(p.message, {"prices_file": "--prices"}),
                             cli) for p in collected(lambda: check_market(market))]
    collect(problems, lambda: check_out_dir(out, command="dispatch"))
    # every problem at once; odd units warn
    load_site_file(portfolio_file, problems, [site_check(site)],
                   [side_files_check(portfolio_file, site)])
    price_option = "--prices" if prices is not None else "--market"
    options = {"site": "--site", "prices_file": "--prices", "market": "--market",
               "prices": price_option}
    spoken = {"prices_file": "--prices FILE", "hashprice": "--hashprice-usd-per-ph-day"}
    try:
        with options_for(options, spoken):
            result = run_dispatch_file(
                portfolio_file, prices_file=prices, market=market, site_name=site,
                solver=solver, hashprice=hashprice,
            )
    except DataError as exc:  # the bundled history does not cover the prices' days
        source = str(prices) if prices is not None else CLI
        message = speak_options(str(exc), {**options, **spoken})
        raise InputError(Problem(price_option, message, source)) from None
    written: list[Path] = []
    summary = jsonable(result.summary())
    if out is not None:
        from hashpivot.cli.out_folder import write_out_folder
        from hashpivot.reports.dispatch import write_dispatch
        from hashpivot.reports.labels import dispatch_sources_text

        written = write_out_folder(out, "dispatch", lambda folder: write_dispatch(result, folder),
                                   dispatch_sources_text(summary))
    if json_out:
        if written:
            summary["files"] = [str(p) for p in written]
        typer.echo(json.dumps(with_input_warnings(summary)))
        return
    console = make_console()
    table = compact_table(escape(summary_title(summary)))
    table.add_column("item", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    for row in summary_rows(summary):
        table.add_row(*row)
    console.print(table)
    console.print(sources_line(summary), highlight=False, markup=False)
    thresholds = thresholds_line(summary)
    if thresholds:
        console.print(thresholds, highlight=False, markup=False)
    for note in note_lines(summary):
        console.print(f"note: {note}", markup=False, highlight=False)
    print_assumptions(summary.get("resolved_assumptions") or [], console)
    for p in written:
        console.print(f"wrote {p}", markup=False)


def side_files_check(portfolio_file: Path, site: str | None
                     ) -> Callable[[dict[str, Any]], list[Problem]]:
    """The check of the side files the dispatched site names (its ``[sites.dispatch]``
    table's ``*_file``) on the document as read: each that is not there or not readable
    and values out of range, listed with the options' problems and the file's others,
    when that table is valid by itself
    (:func:`~hashpivot.engines.dispatch.sources.side_file_value_problems`; else its own
    problems are listed and its files not looked at)."""
    def check(document: dict[str, Any]) -> list[Problem]:
        from pydantic import ValidationError

        from hashpivot.engines.dispatch.sources import side_file_value_problems
        from hashpivot.io import region_timezone
        from hashpivot.models.dispatch import DispatchSpec
        from hashpivot.models.portfolio import find_site

        sites = document.get("sites")
        if not isinstance(sites, list):
            return []
        named = [SimpleNamespace(name=s.get("name") if isinstance(s, dict) else None)
                 for s in sites]
        try:
            position, _ = find_site(named, site)
            table = sites[position].get("dispatch") or {}
            spec = DispatchSpec.model_validate(table)
            region = sites[position].get("region")
            tz = region_timezone(region if isinstance(region, str) else None)
        except (InputError, ValidationError, AttributeError):  # (the schema names them)
            return []
        folder = portfolio_file.resolve().parent
        return [Problem(f"sites[{position}].{p.path}", p.message, p.source or str(portfolio_file))
                for p in side_file_value_problems(spec, folder, tz)]
    return check


def register(app: typer.Typer) -> None:
    """Add ``dispatch`` to the ``hashpivot`` app."""
    app.command("dispatch", help=_HELP)(dispatch_command)
