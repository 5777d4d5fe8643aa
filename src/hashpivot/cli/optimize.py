"""``hashpivot optimize``: which sites convert, how many MW, when and for which tenant."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hashpivot.cli.errors import handle_errors, options_for, speak_options
from hashpivot.cli.inputs import load_site_file
from hashpivot.cli.options import (
    DaskScheduler,
    DaskWorkers,
    JsonFlag,
    OptimizeOutDir,
    PortfolioFile,
    Seed,
    at_least_problems,
    check_out_dir,
    collect,
    seed_and_cluster_problems,
    shown,
)
from hashpivot.cli.output import escape_brackets, jsonable, print_json
from hashpivot.cli.tables import compact_table, make_console, print_assumptions
from hashpivot.exceptions import HashpivotError, InputError, Problem
from hashpivot.reports.tables.optimize import (
    PLAN_HEADER,
    RULES_TITLE,
    SHADOW_HEADER,
    SHADOW_TITLE,
    VALUE_HEADER,
    VALUE_TITLE,
    plan_notes,
    plan_rows,
    plan_title,
    rule_rows,
    shadow_rows,
    summary_lines,
    value_note,
    value_rows,
)
from hashpivot.run_defaults import DEFAULT_EVPI_SCENARIOS, DEFAULT_N_SCENARIOS

if TYPE_CHECKING:
    from collections.abc import Callable

    from hashpivot.optimize import PlanResult

_HELP = (
    "Plan the conversion of mining MW to AI/HPC hosting across the portfolio: for each "
    "site and quarter the gross MW [MW] whose construction starts (whole hall blocks of "
    "[optimize].block_mw) and the tenant, under the capex budget [USD/year], debt capacity "
    "[USD], build capacity [MW/quarter], tenants' demand [IT MW] and the regulation rules "
    "(bundled table plus [optimize].rules_file). Maximizes (1 - risk aversion) x expected "
    "NPV + risk aversion x CVaR [USD] of unlevered free cash flow at [pivot].discount_rate "
    "over --scenarios market paths of the scenario generator (the paths of `simulate "
    "--chunk-paths 250` for the same --seed: they are drawn in chunks of 250). Prints "
    "the plan, its NPV against keep-mining and the simple "
    "strategies on the same scenarios, the out-of-sample NPV with a 95 % interval, VSS, "
    "EVPI, the rules that apply and bind, and shadow prices of the limits."
)


#: The arguments of the optimizer its messages name in backquotes (```time_limit_s```),
#: as the options typed here (``--time-limit``).
OPTIONS = {"time_limit_s": "--time-limit", "fixed_through": "--fixed-through",
           "continuous": "--continuous", "oos_scenarios": "--oos-scenarios"}


def _spoken(line: str) -> str:
    """A line of the engine or of its tables with its arguments named as options."""
    return speak_options(line, OPTIONS)


def _print(r: PlanResult, console: Console) -> None:
    j = r.to_json()
    t = compact_table(plan_title(r.inputs))
    for col, just in zip(PLAN_HEADER, ("left", "left", "right", "right", "left", "right"),
                         strict=True):
        t.add_column(col, justify=just, no_wrap=col != "site")  # type: ignore[arg-type]
    for quarter, site, gross, it, tenant, capex in plan_rows(j):
        t.add_row(quarter, escape(site), gross, it, escape(tenant), capex)
    console.print(t)
    for line in plan_notes(j):
        console.print(f"[yellow]{escape(_spoken(line))}[/yellow]", highlight=False)

    v = compact_table(VALUE_TITLE, escape(_spoken(value_note(j))))
    for col, just in zip(VALUE_HEADER, ("left", "right", "right", "right", "right", "right"),
                         strict=True):
        v.add_column(col, justify=just)  # type: ignore[arg-type]
    for i, (name, *cells) in enumerate(value_rows(j)):
        v.add_row(f"[bold]{escape(name)}[/bold]" if i == 0 else escape(name), *cells)
    console.print(v)
    for line in summary_lines(j):
        console.print(_spoken(line))
    if len(r.rules):
        _print_rules(console, j["applicable_rules"])
    shadow = shadow_rows(j)
    if shadow:
        st = compact_table(SHADOW_TITLE)
        for col in SHADOW_HEADER:
            st.add_column(col)
        for row in shadow:
            st.add_row(*row)
        console.print(st)
    print_assumptions(r.resolved_assumptions(), console)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(_spoken(w))}", highlight=False)


def _print_rules(console: Console, rules: list[dict[str, Any]]) -> None:
    """The rules that apply, grouped by site, sources numbered once below the table."""
    rows, sources = rule_rows(rules)
    rt = compact_table(RULES_TITLE)
    rt.add_column("site / rule", no_wrap=True)
    rt.add_column("binds", no_wrap=True)
    rt.add_column("detail", min_width=16)
    rt.add_column("src", justify="right", no_wrap=True)
    for site, rule_id, binds, detail, number in rows:
        if site is not None:
            rt.add_row(f"[bold]{escape(site)}[/bold]", "", "", "")
        else:
            rt.add_row("  " + escape(rule_id), binds, escape(detail),
                       escape_brackets(f"[{number}]"))
    console.print(rt)
    for source, number in sources.items():
        console.print(f"[{number}] {source}", markup=False)


def rules_file_check(portfolio_file: Path) -> Callable[[dict[str, Any]], list[Problem]]:
    """The check of ``[optimize].rules_file`` on the document as read: a rules file that
    is not there, listed with the file's other problems (the plan's rules come from it).
    pivot and simulate stop on it too (since 2026-12-06:
    :func:`hashpivot.engines.pivot.regulation.portfolio_rules`), once the file's other
    problems are gone."""
    def check(document: dict[str, Any]) -> list[Problem]:
        from hashpivot.models.file_refs import beside, missing_file

        table = document.get("optimize")
        name = table.get("rules_file") if isinstance(table, dict) else None
        if not isinstance(name, str) or not name:
            return []  # (another type: the schema names it)
        source = str(portfolio_file)
        problem = missing_file(beside(name, source), "optimize.rules_file", source,
                               kind="rules file")
        return [] if problem is None else [problem]
    return check


def register(app: typer.Typer) -> None:
    """Add ``optimize`` to the app."""

    @app.command("optimize", help=_HELP)
    @handle_errors
    def optimize_cmd(
        portfolio_toml: PortfolioFile,
        scenarios: Annotated[
            int, typer.Option("--scenarios", help="In-sample market scenarios (1 to 1e6).")
        ] = DEFAULT_N_SCENARIOS,
        risk_aversion: Annotated[
            float,
            typer.Option("--risk-aversion",
                         help="Weight of the CVaR at [optimize].cvar_alpha (default "
                         "0.05: CVaR95), in [0, 1] [-]."),
        ] = 0.0,
        seed: Seed = 0,
        time_limit: Annotated[
            float,
            typer.Option("--time-limit",
                         help="HiGHS time limit of each solve, >= 0.1 (inf: none) [s]: "
                         "the plan's, then each of the evaluation's (the expected-value "
                         "plan, with --risk-aversion the risk-neutral plan, the --evpi-scenarios "
                         "perfect-information plans, the two-stage bound, each strategy's "
                         "valuation, the shadow prices' LP): a run can take several times it."),
        ] = 300.0,
        gap: Annotated[
            float,
            typer.Option("--gap", help="Relative MIP gap, 0 to 1 [fraction]."),
        ] = 1e-3,
        fixed_through: Annotated[
            str | None,
            typer.Option("--fixed-through",
                         help="Fix decisions up to this quarter (YYYYQn) to "
                         "[[optimize.committed]]: a rolling plan."),
        ] = None,
        continuous: Annotated[
            bool, typer.Option("--continuous", help="Continuous MW instead of hall blocks.")
        ] = False,
        oos_scenarios: Annotated[
            int | None,
            typer.Option("--oos-scenarios",
                         help="Out-of-sample scenarios, 2 to 1e6 (default: as many)."),
        ] = None,
        evpi_scenarios: Annotated[
            int, typer.Option("--evpi-scenarios",
                              help="Scenarios solved with perfect information for EVPI "
                              "(1 to 1e5).")
        ] = DEFAULT_EVPI_SCENARIOS,
        deterministic: Annotated[
            bool, typer.Option("--deterministic",
                               help="One scenario, every volatility zero and every tenant "
                               "signing (the path of pivot's table).")
        ] = False,
        workers: DaskWorkers = None,
        scheduler: DaskScheduler = None,
        as_json: JsonFlag = False,
        out: OptimizeOutDir = None,
    ) -> None:
        from hashpivot.models.optimize import _QUARTER_RE
        from hashpivot.optimize import OptimizeConfig, optimize_plan

        problems = seed_and_cluster_problems(seed, scheduler, workers)
        if fixed_through is not None and not _QUARTER_RE.match(fixed_through):
            problems.append(
                Problem("--fixed-through", f"{fixed_through!r} is not a quarter YYYYQn",
                        "<command line>")
            )
        problems += at_least_problems(
            scenarios=(scenarios, 1, 10**6), time_limit=(time_limit, 0.1), gap=(gap, 0.0, 1.0),
            oos_scenarios=(oos_scenarios, 2, 10**6), evpi_scenarios=(evpi_scenarios, 1, 10**5))
        if not 0.0 <= risk_aversion <= 1.0:  # (NaN fails)
            problems.append(Problem("--risk-aversion", f"must be in [0, 1] (got "
                                    f"{shown(risk_aversion)})", "<command line>"))
        collect(problems, lambda: check_out_dir(out, command="optimize"))
        portfolio = load_site_file(portfolio_toml, problems,  # listed with the file's
                                   document_checks=[rules_file_check(portfolio_toml)])
        config = OptimizeConfig(
            n_scenarios=scenarios,
            seed=seed,
            risk_aversion=risk_aversion,
            time_limit_s=time_limit,
            gap=gap,
            fixed_through=fixed_through,
            continuous=continuous,
            oos_scenarios=oos_scenarios,
            evpi_scenarios=evpi_scenarios,
            deterministic=deterministic,
        )
        try:
            with options_for({"fixed_through": "--fixed-through"},
                             {**OPTIONS, "scheduler": "--scheduler"}):  # (an argument)
                result = optimize_plan(portfolio, config, workers=workers,
                                       scheduler=scheduler, source=str(portfolio_toml))
        except InputError as exc:
            raise exc.with_source(str(portfolio_toml)) from None
        except OSError as exc:
            raise HashpivotError(f"cannot run the optimization: {exc}") from exc
        files: list[Path] = []
        if out is not None:
            from hashpivot.cli.out_folder import write_out_folder
            from hashpivot.reports.labels import sources_text
            from hashpivot.reports.optimize import write_optimize

            files = write_out_folder(out, "optimize", lambda folder: write_optimize(
                result, folder, portfolio, str(portfolio_toml)), sources_text(result.inputs))
        if as_json:
            print_json(dict(jsonable(result.to_json())))
            return
        console = make_console()
        _print(result, console)
        if out is not None:
            from hashpivot.optimize.plan_portfolio import (
                PLAN_PORTFOLIO_FILE,
                plan_portfolio_notes,
            )

            console.print(f"[dim]wrote {len(files)} files to {escape(str(out))}[/dim]")
            console.print("the plan as a portfolio, for pivot (after tax, tornado, "
                          "break-even) and simulate (risk, forced sales):")
            # on one line whatever its length, to be copied
            console.print(f"  hashpivot pivot {out / PLAN_PORTFOLIO_FILE}", markup=False,
                          soft_wrap=True)
            console.print("not valued by pivot and simulate as by the optimizer (also at "
                          "the head of the file):", markup=False)
            notes = Table.grid(padding=(0, 1))  # a hanging indent for wrapped notes
            notes.add_column(width=3, justify="right")
            notes.add_column()
            for note in plan_portfolio_notes(result.to_json()):
                notes.add_row("-", Text(note))
            console.print(notes)
