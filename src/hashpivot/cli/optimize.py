"""``hashpivot optimize``: which sites convert, how many MW, when and for which tenant."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from hashpivot.cli.errors import handle_errors
from hashpivot.cli.inputs import load_site_file
from hashpivot.cli.options import (
    ChartsOutDir,
    DaskScheduler,
    DaskWorkers,
    JsonFlag,
    PortfolioFile,
    Seed,
    check_out_dir,
    seed_and_cluster_problems,
)
from hashpivot.cli.output import escape_brackets, fmt_musd, fmt_num, jsonable, print_json
from hashpivot.cli.tables import compact_table, make_console
from hashpivot.exceptions import HashpivotError, InputError, Problem

if TYPE_CHECKING:
    from hashpivot.optimize import PlanResult

_HELP = (
    "Plan the conversion of mining MW to AI/HPC hosting across the portfolio: for each "
    "site and quarter the gross MW [MW] whose construction starts (whole hall blocks of "
    "[optimize].block_mw) and the tenant, under the capex budget [USD/year], debt capacity "
    "[USD], build capacity [MW/quarter], tenants' demand [IT MW] and the regulation rules "
    "(bundled table plus [optimize].rules_file). Maximizes (1 - risk aversion) x expected "
    "NPV + risk aversion x CVaR [USD] of unlevered free cash flow at [pivot].discount_rate "
    "over --scenarios market paths of the scenario generator (the paths of `simulate` for "
    "the same --seed). Prints the plan, its NPV against keep-mining and the simple "
    "strategies on the same scenarios, the out-of-sample NPV with a 95 % interval, VSS, "
    "EVPI, the rules that apply and bind, and shadow prices of the limits."
)


def _print(r: PlanResult, console: Console) -> None:
    j = r.to_json()
    inp = r.inputs
    t = compact_table(
        f"Plan: {inp['n_scenarios']} scenarios, {inp['quarters'][0]}..{inp['quarters'][1]}"
        f", risk aversion {inp['risk_aversion']:g}, blocks of {inp['unit_mw']:g} MW"
    )
    for col, just in (("quarter", "left"), ("site", "left"), ("gross MW", "right"),
                      ("IT MW", "right"), ("tenant", "left"), ("capex\nM USD", "right")):
        t.add_column(col, justify=just, no_wrap=col != "site")  # type: ignore[arg-type]
    for row in j["plan"]:
        t.add_row(str(row["quarter"]) + (" (committed)" if row["committed"] else ""),
                  escape(str(row["site"])), fmt_num(row["gross_mw"], ",.0f"),
                  fmt_num(row["it_mw"], ",.1f"), escape(str(row["tenant"])),
                  fmt_musd(row["operator_capex_usd"]))
    if not len(r.plan):
        t.add_row("-", "keep mining everywhere", "0", "0", "-", "-")
    console.print(t)

    v = compact_table("Value on the same scenarios [M USD]",
                      "NPV of unlevered FCF of the whole portfolio; CVaR95 = mean of the "
                      "worst 5 % of scenarios")
    v.add_column("plan or strategy")
    v.add_column("E[NPV]", justify="right")
    v.add_column("CVaR95", justify="right")
    v.add_column("MW converted", justify="right")
    v.add_row("[bold]optimized plan[/bold]", fmt_musd(j["expected_npv_usd"]),
              fmt_musd(j["cvar95_usd"]), fmt_num(float(r.plan["gross_mw"].sum()), ",.0f"))
    for name, s in j["strategies"].items():
        v.add_row(name, fmt_musd(s["expected_npv_usd"]) if s["feasible"] else "infeasible",
                  fmt_musd(s["cvar95_usd"]), fmt_num(s["converted_mw"], ",.0f"))
    console.print(v)
    oos = j["out_of_sample_npv_usd"]
    lines = [
        f"value over keep-mining {fmt_musd(j['value_over_baseline_usd'])} M USD; over the "
        f"best simple strategy ({j['best_simple_strategy']}) "
        f"{fmt_musd(j['value_over_best_simple_usd'])} M USD",
        f"out of sample ({oos['n_scenarios']} scenarios, another seed): E[NPV] "
        f"{fmt_musd(oos['mean'])} M USD, 95 % CI {fmt_musd(oos['ci95_low'])} .. "
        f"{fmt_musd(oos['ci95_high'])}; in sample {fmt_musd(j['expected_npv_usd'])}",
        f"value over keep-mining out of sample (paired): "
        f"{fmt_musd(j['out_of_sample_value_over_baseline_usd']['mean'])} M USD, 95 % CI "
        f"{fmt_musd(j['out_of_sample_value_over_baseline_usd']['ci95_low'])} .. "
        f"{fmt_musd(j['out_of_sample_value_over_baseline_usd']['ci95_high'])}; in sample "
        f"{fmt_musd(j['in_sample_value_over_baseline_usd'])}",
        f"VSS {fmt_musd(j['vss_usd'])} M USD (vs the plan optimal on the expected scenario); "
        f"EVPI {fmt_musd(j['evpi_usd'])} M USD; two-stage bound (decide after year one per "
        f"path, LP relaxation) {fmt_musd(j['two_stage_bound_usd'])} M USD vs objective "
        f"{fmt_musd(j['objective_usd'])}",
        f"HiGHS {j['solver']}: {j['termination_condition']}, gap {100 * j['mip_gap']:.3f} %, "
        f"{j['n_variables']:,} variables, {j['n_constraints']:,} rows; coefficients "
        f"{j['coefficient_seconds']:.2f} s, build {j['build_seconds']:.3f} s, solve "
        f"{j['solve_seconds']:.2f} s",
    ]
    for line in lines:
        console.print(line)
    if len(r.rules):
        _print_rules(console, j["applicable_rules"])
    if len(r.shadow_prices):
        st = compact_table("Shadow prices (LP relaxation)")
        for col in ("limit", "at", "price", "unit"):
            st.add_column(col)
        for sp in j["shadow_prices"]:
            st.add_row(str(sp["limit"]), str(sp["label"]), fmt_num(sp["shadow_price"], ",.3g"),
                       str(sp["unit"]))
        console.print(st)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")


def _print_rules(console: Console, rules: list[dict[str, Any]]) -> None:
    """The rules that apply, grouped by site, sources numbered once below the table."""
    from rich.markup import escape

    sources: dict[str, int] = {}
    rt = compact_table(
        "Regulation rules that apply (binds = the rule changes the plan)"
    )
    rt.add_column("site / rule", no_wrap=True)
    rt.add_column("binds", no_wrap=True)
    rt.add_column("detail", min_width=16)
    rt.add_column("src", justify="right", no_wrap=True)
    site = None
    for rule in rules:
        if rule["site"] != site:
            site = rule["site"]
            rt.add_row(f"[bold]{escape(str(site))}[/bold]", "", "", "")
        number = sources.setdefault(str(rule["source"]), len(sources) + 1)
        rt.add_row(
            "  " + escape(str(rule["rule_id"])),
            "yes" if rule["binds"] else "no",
            escape(str(rule["detail"])),
            escape_brackets(f"[{number}]"),
        )
    console.print(rt)
    for source, number in sources.items():
        console.print(f"[{number}] {source}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``optimize`` to the app."""

    @app.command("optimize", help=escape_brackets(_HELP))
    @handle_errors
    def optimize_cmd(
        portfolio_toml: PortfolioFile,
        scenarios: Annotated[
            int, typer.Option("--scenarios", help="In-sample market scenarios.", min=1)
        ] = 200,
        risk_aversion: Annotated[
            float,
            typer.Option("--risk-aversion", help=escape_brackets("Weight of CVaR95 [0..1]."),
                         min=0.0, max=1.0),
        ] = 0.0,
        seed: Seed = 0,
        time_limit: Annotated[
            float,
            typer.Option("--time-limit", help=escape_brackets("HiGHS time limit [s]."), min=0.1),
        ] = 300.0,
        gap: Annotated[
            float,
            typer.Option("--gap", help=escape_brackets("Relative MIP gap [fraction]."), min=0.0),
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
            typer.Option("--oos-scenarios", help="Out-of-sample scenarios (default: as many).",
                         min=2),
        ] = None,
        evpi_scenarios: Annotated[
            int, typer.Option("--evpi-scenarios",
                              help="Scenarios solved with perfect information for EVPI.", min=1)
        ] = 20,
        deterministic: Annotated[
            bool, typer.Option("--deterministic",
                               help="One scenario, every volatility zero (the pivot path).")
        ] = False,
        workers: DaskWorkers = None,
        scheduler: DaskScheduler = None,
        as_json: JsonFlag = False,
        out: ChartsOutDir = None,
    ) -> None:
        from hashpivot.models.optimize import _QUARTER_RE
        from hashpivot.optimize import OptimizeConfig, optimize_plan

        problems = seed_and_cluster_problems(seed, scheduler, workers)
        if fixed_through is not None and not _QUARTER_RE.match(fixed_through):
            problems.append(
                Problem("--fixed-through", f"{fixed_through!r} is not a quarter YYYYQn",
                        "<command line>")
            )
        if problems:
            raise InputError(problems)
        check_out_dir(out)
        portfolio = load_site_file(portfolio_toml)
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
            result = optimize_plan(portfolio, config, workers=workers, scheduler=scheduler,
                                   source=str(portfolio_toml))
        except InputError as exc:
            raise exc.with_source(str(portfolio_toml)) from None
        except OSError as exc:
            raise HashpivotError(f"cannot run the optimization: {exc}") from exc
        files: list[Path] = []
        if out is not None:
            from hashpivot.reports.optimize import write_optimize

            files = write_optimize(result, out)
        if as_json:
            print_json(dict(jsonable(result.to_json())))
            return
        console = make_console()
        _print(result, console)
        if out is not None:
            console.print(f"[dim]wrote {len(files)} files to {out}[/dim]")
