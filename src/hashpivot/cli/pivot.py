"""``hashpivot pivot`` (AI/HPC conversion vs keep mining) and ``hashpivot deals``."""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from hashpivot.cli.errors import handle_errors, options_for
from hashpivot.cli.inputs import load_site_file, with_input_warnings
from hashpivot.cli.options import (
    ConvertStart,
    JsonTableFlag,
    OnlySite,
    PivotOutDir,
    check_out_dir,
    collect,
    conversion_check,
    iso_month,
    site_check,
)
from hashpivot.cli.output import (
    json_records,
    jsonable,
)
from hashpivot.cli.tables import (
    compact_table,
    make_console,
    print_assumptions,
    print_strategy_table,
)
from hashpivot.exceptions import InputError, Problem
from hashpivot.reports.tables.pivot import (
    TORNADO_HEADER,
    market_line,
    pivot_caption,
    pivot_title,
    tornado_tables,
    verdict_lines,
)
from hashpivot.reports.tables.strategies import pivot_rows

if TYPE_CHECKING:
    from hashpivot.engines.pivot import PivotResult

_PIVOT_HELP = (
    "Value converting a site's megawatts to AI/HPC hosting against keeping them mining. "
    "Prints, per strategy (keep_mining baseline, convert_all, convert <MW> at a month, "
    "phased): NPV of unlevered free cash flow [USD] at [pivot].discount_rate, NPV vs the "
    "baseline [USD], IRR of the incremental flows [fraction/year], payback [months], "
    "contracted backlog [USD]; then a tornado of NPV(pivot) - NPV(baseline) and the "
    "break-even lease [USD per kW of critical IT per month]."
)
_DEALS_HELP = (
    "List the reference AI/HPC hosting deals signed by Bitcoin miners with their implied "
    "rent: contract value / (term x 12) / critical IT kW [USD/kW/month] and per MW-year "
    "[USD/MW-year]; GPU-cloud deals (the rent pays for GPUs) are kept out of the "
    "colocation range."
)


def _print_tables(result: PivotResult, console: Console) -> None:
    """The strategy table, the tornado tables and the lines under them
    (:mod:`hashpivot.reports.tables.pivot`, which the run page shows too)."""
    j = result.to_json_dict()
    print_strategy_table(
        console, pivot_title(j["inputs"]), list(j["strategies"]),
        pivot_rows(list(j["strategies"].values()), taxed=bool(j["inputs"].get("tax")),
                   levered=result.has_financing),
        caption=pivot_caption(j["inputs"], j.get("levered_basis")),
    )
    if j["levered_note"]:
        console.print(f"[dim]{escape(j['levered_note'])}[/dim]")
    for tornado in tornado_tables(j):
        tt = compact_table(tornado.title, tornado.caption)
        tt.add_column(TORNADO_HEADER[0], min_width=12)
        tt.add_column(TORNADO_HEADER[1], justify="right", min_width=16)
        for col in TORNADO_HEADER[2:]:
            tt.add_column(col, justify="right", no_wrap=True)
        for label, *cells in tornado.rows:
            tt.add_row(escape(label), *cells)
        console.print(tt)
    for line in verdict_lines(j):
        console.print(escape(line))
    for w in j["warnings"]:
        console.print(f"[yellow]note:[/yellow] {escape(w)}", markup=True, highlight=False)
    market = market_line(j["inputs"])
    if market:
        console.print(f"[dim]{escape(market)}[/dim]")


@handle_errors
def pivot_command(
    site_file: Annotated[
        Path,
        typer.Argument(help="Portfolio TOML (sites, [sites.hosting], [pivot], [financing])."),
    ],
    convert_mw: Annotated[
        float | None,
        typer.Option(
            "--convert-mw",
            help="Gross (utility) MW to convert in the 'convert' strategy, > 0. [MW]",
        ),
    ] = None,
    start: ConvertStart = None,
    site: OnlySite = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of tables.")
    ] = False,
    out: PivotOutDir = None,
) -> None:
    """Compare converting MW to AI/HPC hosting with keeping them mining."""
    from hashpivot.engines.pivot import run_pivot

    problems: list[Problem] = []  # every option's problem, listed with the file's
    mw_ok = convert_mw is None or (math.isfinite(convert_mw) and convert_mw > 0)
    if not mw_ok:
        problems.append(Problem("--convert-mw", f"must be a finite number > 0 (got "
                                f"{convert_mw})", "<command line>"))
    if start is not None:  # (None when bad: the MW are still checked against the file)
        start = collect(problems, partial(iso_month, start, "--start"))
    checks = [site_check(site)]
    if mw_ok:  # (the MW against the file's sites: skipped for a bad --convert-mw)
        checks.append(conversion_check(site, convert_mw, start, str(site_file),
                                       start_bad=any(p.path == "--start" for p in problems)))
    collect(problems, lambda: check_out_dir(out, command="pivot"))
    portfolio = load_site_file(site_file, problems, checks)
    try:
        with options_for({"site": "--site", "convert_mw": "--convert-mw", "start": "--start"}):
            result = run_pivot(portfolio, site_name=site, convert_mw=convert_mw, start=start,
                               source=str(site_file))
    except InputError as exc:  # engine problems name the field; add the file
        raise exc.with_source(str(site_file)) from None
    written: list[Path] = []
    if out is not None:
        from hashpivot.cli.out_folder import write_out_folder
        from hashpivot.reports.labels import sources_text
        from hashpivot.reports.pivot import write_pivot

        written = write_out_folder(out, "pivot", lambda folder: write_pivot(result, folder),
                                   sources_text(result.inputs))
    if json_out:
        payload = result.to_json_dict()
        if written:
            payload["files"] = [str(p) for p in written]
        typer.echo(json.dumps(jsonable(with_input_warnings(payload)), ensure_ascii=False))
        return
    console = make_console()
    _print_tables(result, console)
    print_assumptions(result.resolved_assumptions(), console)
    if written:
        console.print(f"wrote {len(written)} files to {out}", markup=False)


@handle_errors
def deals_command(
    json_out: JsonTableFlag = False,
) -> None:
    """List reference AI/HPC hosting deals with their implied rent."""
    from hashpivot.hosting.deals import deal_range, deals_table
    from hashpivot.io import load_hosting_deals

    table_df = deals_table(load_hosting_deals())
    rng = deal_range(table_df)
    if json_out:
        payload = {
            "count": len(table_df),
            "deals": json_records(table_df),
            "colocation_range": {
                "rate_min_usd_per_kw_month": rng.rate_min_usd_per_kw_month,
                "rate_max_usd_per_kw_month": rng.rate_max_usd_per_kw_month,
                "rate_median_usd_per_kw_month": rng.rate_median_usd_per_kw_month,
                "term_min_years": rng.term_min_years,
                "term_max_years": rng.term_max_years,
                "capex_min_usd_per_mw": rng.capex_min_usd_per_mw,
                "capex_max_usd_per_mw": rng.capex_max_usd_per_mw,
                "n_deals": rng.n_deals,
                "excluded": rng.excluded,
            },
        }
        typer.echo(json.dumps(jsonable(with_input_warnings(payload)), ensure_ascii=False))
        return
    from hashpivot.reports.tables.deals import deals_table as deals_run_table

    shown = deals_run_table(table_df, rng)  # (the market page's table too)
    caption, *lines = shown.notes
    table = compact_table(shown.title, caption)
    for i, heading in enumerate(shown.header):
        table.add_column(heading, justify="right" if i in shown.right else "left",
                         no_wrap=True)
    for row in shown.rows:
        table.add_row(*(escape(c) for c in row))
    console = make_console()
    console.print(table)
    for line in lines:
        console.print(line, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``pivot`` and ``deals`` to the ``hashpivot`` app."""
    app.command("pivot", help=_PIVOT_HELP)(pivot_command)
    app.command("deals", help=_DEALS_HELP)(deals_command)
