"""``hashpivot simulate``: Monte Carlo risk of every pivot strategy, with a treasury."""

from __future__ import annotations

import json
import os
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from hashpivot.cli.errors import handle_errors, options_for
from hashpivot.cli.inputs import load_site_file, with_input_warnings
from hashpivot.cli.options import (
    ConvertStart,
    DaskScheduler,
    DaskWorkers,
    JsonFlag,
    OnlySite,
    PortfolioFile,
    Seed,
    SimulateOutDir,
    at_least_problems,
    check_out_dir,
    collect,
    conversion_check,
    iso_month,
    shown,
    simulate_option_problems,
    site_check,
)
from hashpivot.cli.output import jsonable
from hashpivot.cli.tables import (
    compact_table,
    make_console,
    print_assumptions,
    print_strategy_table,
)
from hashpivot.exceptions import HashpivotError, InputError, Problem
from hashpivot.reports.labels import simulate_caption, simulate_title
from hashpivot.reports.tables.simulate import (
    REVERSE_MARGIN_TITLE,
    model_line,
    reverse_margin_table,
)
from hashpivot.reports.tables.strategies import simulate_rows
from hashpivot.reports.tables.treasury import POLICY_TITLE, policy_rows
from hashpivot.run_defaults import DEFAULT_CHUNK_PATHS, DEFAULT_N_PATHS, MAX_HORIZON_YEARS

if TYPE_CHECKING:
    from hashpivot.engines.simulate import SimulationResult

_HELP = (
    "Simulate BTC price, network hashrate, fees and (for index contracts) power price on "
    "many paths, value every pivot strategy on each path and run the treasury. Prints per "
    "strategy: NPV of unlevered free cash flow [USD] at [pivot].discount_rate (mean, P5, "
    "P50, P95, CVaR95 = mean of the worst 5 % of paths), the probability of beating "
    "keep_mining [%], the probability of a liquidity breach (cash below "
    "[treasury].min_cash_usd even after selling every BTC) [%], the expected BTC "
    "sold under duress [BTC]; the probability of reverse margin (cost per BTC above the "
    "price) in the first month, every twelfth and the last (every month in --json and "
    "reverse_margin.csv, which hold the probabilities as fractions); and expected forced "
    "sales by treasury policy. The model is set in the "
    "portfolio's [scenario] and [treasury] tables; unset parameters are calibrated on the "
    "bundled history. The same --seed and --chunk-paths give identical results locally, "
    "with threads, or on Dask."
)


JSON_KEYS: tuple[str, ...] = (
    "npv_mean_usd",
    "npv_p5_usd",
    "npv_p50_usd",
    "npv_p95_usd",
    "cvar95_usd",
    "prob_beats_baseline",
    "prob_liquidity_breach",
    "expected_forced_sale_btc",
    "prob_forced_sale",
    "prob_forced_sale_without_capex",
)


def json_summary(result: SimulationResult) -> dict[str, Any]:
    """The ``--json`` object: per strategy the headline keys first, then the rest."""
    full = result.to_json()
    strategies = {}
    for name, stats in full["strategies"].items():
        head = {k: stats.get(k) for k in JSON_KEYS}
        strategies[name] = {**head, **{k: v for k, v in stats.items() if k not in head}}
    full["strategies"] = strategies
    return dict(jsonable(full))


# --------------------------------------------------------------------------------------
# printing
# --------------------------------------------------------------------------------------
def _print(result: SimulationResult, console: Console) -> None:
    from hashpivot.engines.simulate.result import NO_TREASURY_NOTE

    inp = result.inputs
    names = result.strategy_names
    stats = [result.strategy_stats(n) for n in names]
    title = simulate_title(result.n_paths, inp,
                           result.policies[0] if result.treasury_given else None)
    taxed = any("npv_after_tax_mean_usd" in s for s in stats)  # for the caption's wording
    from hashpivot.engines.simulate.assumptions import center_overrides

    moved = [f"[scenario] {f}" for f, _, _ in center_overrides(inp)]
    caption = simulate_caption(inp, taxed, moved)
    rows, notes = simulate_rows(stats, treasury_given=result.treasury_given,
                                n_paths=result.n_paths, names=names)
    caption += "".join(f"; {n}" for n in notes)
    print_strategy_table(console, title, names, rows, caption=caption)
    if not result.treasury_given:
        console.print(f"[yellow]{escape(NO_TREASURY_NOTE)}[/yellow]")
    for w in result.warnings:
        console.print(f"[yellow]note:[/yellow] {escape(w)}", markup=True, highlight=False)

    j = result.to_json()
    rm = reverse_margin_table(j)
    if rm is not None:
        rt = compact_table(REVERSE_MARGIN_TITLE, rm.caption)
        rt.add_column(rm.header[0], no_wrap=True)
        for col in rm.header[1:]:
            rt.add_column(col, justify="right", no_wrap=True)
        for row in rm.rows:
            rt.add_row(*row)
        console.print(rt)

    if len(result.policies) > 1 and result.treasury_given:
        fp = compact_table(POLICY_TITLE)
        fp.add_column("strategy", no_wrap=True)
        for p in result.policies:
            fp.add_column(p, justify="right", no_wrap=True)
        for row in policy_rows(result.forced_sales_by_policy(), result.policies):
            fp.add_row(*row)
        console.print(fp)
    print_assumptions(result.resolved_assumptions(), console)
    model = model_line(inp, j["timings_s"])
    if model:
        console.print(f"[dim]{escape(model)}[/dim]")



# --------------------------------------------------------------------------------------
# command
# --------------------------------------------------------------------------------------
def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the app."""

    @app.command("simulate", help=_HELP)
    @handle_errors
    def simulate_cmd(
        site_toml: PortfolioFile,
        paths: Annotated[
            int, typer.Option("--paths", help="Number of paths (1 to 1e9).")
        ] = DEFAULT_N_PATHS,
        years: Annotated[
            float | None,
            typer.Option(
                "--years",
                help=(
                    f"Horizon [years] (whole months), 0.1 to {MAX_HORIZON_YEARS:g}; default "
                    "[pivot].horizon_years (15), the horizon `pivot` uses."
                ),
            ),
        ] = None,
        seed: Seed = 0,
        workers: DaskWorkers = None,
        scheduler: DaskScheduler = None,
        threads: Annotated[
            int | None,
            typer.Option(
                "--threads", help="Local run: threads, 1 to 1024 (default: CPU count, max 4)."
            ),
        ] = None,
        chunk_paths: Annotated[
            int,
            typer.Option(
                "--chunk-paths",
                help="Paths per chunk, 1 to 1e7 (part of the reproducibility key with the "
                "seed).",
            ),
        ] = DEFAULT_CHUNK_PATHS,
        policy: Annotated[
            str | None,
            typer.Option(
                "--policy",
                help=(
                    "Treasury policy: hold, sell_all, sell_to_cover, "
                    "min_cash, or 'all' (default: [treasury].policy first, then the "
                    "others for the forced-sales chart)."
                ),
            ),
        ] = None,
        discount_rate: Annotated[
            float | None,
            typer.Option(
                "--discount-rate",
                help=(
                    "Annual discount rate [fraction] of both business lines (it replaces "
                    "[pivot].mining_discount_rate and hosting_discount_rate too, with a "
                    "note); default the file's rates."
                ),
            ),
        ] = None,
        site: OnlySite = None,
        convert_mw: Annotated[
            float | None,
            typer.Option("--convert-mw", help=(
                "MW of the convert strategy, > 0 and <= 10000 [MW].")),
        ] = None,
        start: ConvertStart = None,
        price_model: Annotated[
            str | None,
            typer.Option(
                "--price-model",
                help="Override [scenario].price_model: gbm or bootstrap.",
            ),
        ] = None,
        max_memory_mib: Annotated[
            float | None,
            typer.Option(
                "--max-memory-mib",
                envvar="HASHPIVOT_MAX_MEMORY_MIB",
                help=(
                    "Refuse a run whose memory estimate (printed before the run) exceeds "
                    "this [MiB], >= 1; default: the memory available now (MemAvailable)."
                ),
            ),
        ] = None,
        as_json: JsonFlag = False,
        out: SimulateOutDir = None,
    ) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from hashpivot.engines.simulate import SimulationConfig, simulate
        from hashpivot.engines.simulate.config import horizon_months_for, with_price_model
        from hashpivot.engines.simulate.memory import MemoryEstimate, check_memory, memory_limit
        from hashpivot.treasury import POLICIES, policy_order

        # every option's problem, listed with the file's
        problems = simulate_option_problems(seed, years, scheduler, workers, discount_rate,
                                            convert_mw)
        problems += at_least_problems(paths=(paths, 1, 10**9),
                                      chunk_paths=(chunk_paths, 1, 10**7),
                                      threads=(threads, 1, 1024))
        if max_memory_mib is not None and not max_memory_mib >= 1:  # (or its variable)
            problems.append(Problem("--max-memory-mib", f"must be >= 1 (got "
                                    f"{shown(max_memory_mib)}; the option or "
                                    "HASHPIVOT_MAX_MEMORY_MIB)", "<command line>"))
        if start is not None:
            start = collect(problems, partial(iso_month, start, "--start"))
        if price_model not in (None, "gbm", "bootstrap"):
            problems.append(Problem("--price-model", f"must be gbm or bootstrap (got "
                                    f"{price_model!r})", "<command line>"))
        if policy is not None and policy not in (*POLICIES, "all"):
            problems.append(Problem("--policy", f"{policy!r} is not one of "
                                    f"{', '.join(POLICIES)} or 'all'", "<command line>"))
        collect(problems, lambda: check_out_dir(out, command="simulate"))
        checks = [site_check(site)]
        if not {p.path for p in problems} & {"--convert-mw", "--years"}:
            # the MW and start against the file's sites (a bad --start is None here);
            # skipped when the MW or the horizon it depends on is bad
            checks.append(conversion_check(
                site, convert_mw, start, str(site_toml), horizon_months_for(years),
                scenario_start=True, start_bad=any(p.path == "--start" for p in problems)))
        portfolio = load_site_file(site_toml, problems, checks)
        with options_for({"policy": "--policy"}):
            policies = policy_order(portfolio.treasury, policy)
        portfolio = with_price_model(portfolio, price_model)
        config = SimulationConfig(
            n_paths=paths,
            horizon_months=horizon_months_for(years),
            seed=seed,
            chunk_paths=chunk_paths,
            discount_rate=discount_rate,
            site_name=site,
            convert_mw=convert_mw,
            convert_start=start,
            policies=tuple(policies),
        )
        n_threads = threads or min(4, os.cpu_count() or 1)
        err = Console(stderr=True)
        with Progress(
            TextColumn("simulating"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} chunks"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar:
            task_id = bar.add_task("paths", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task_id, completed=done, total=total)

            limit_bytes, limit_source = memory_limit(max_memory_mib)

            def on_estimate(estimate: MemoryEstimate) -> None:
                err.print(estimate.describe(), style="dim", markup=False, highlight=False,
                          soft_wrap=True)
                check_memory(estimate, limit_bytes, limit_source)
                bar.update(task_id, total=-(-paths // chunk_paths))  # chunks, before the first

            try:
                with options_for(
                    {"site": "--site", "paths": "--paths", "convert_mw": "--convert-mw",
                     "start": "--start", "discount_rate": "--discount-rate"},
                    {name: "--" + name.replace("_", "-")
                     for name in ("chunk_paths", "threads", "max_memory_mib", "scheduler")},
                ):
                    result = simulate(
                        portfolio,
                        config,
                        workers=workers,
                        scheduler=scheduler,
                        threads=n_threads,
                        progress=progress,
                        on_estimate=on_estimate,
                        source=str(site_toml),
                    )
            except InputError as exc:  # engine problems name the field; add the file
                raise exc.with_source(str(site_toml)) from None
            except OSError as exc:  # e.g. a Dask scheduler that cannot be reached
                raise HashpivotError(f"cannot run the simulation: {exc}") from exc
        if out is not None:
            from hashpivot.cli.out_folder import write_out_folder
            from hashpivot.reports.labels import sources_text
            from hashpivot.reports.simulate import write_simulate

            files = write_out_folder(out, "simulate", lambda folder: write_simulate(
                result, folder), sources_text(result.inputs))
        if as_json:
            typer.echo(json.dumps(with_input_warnings(json_summary(result))))
            return
        console = make_console()
        _print(result, console)
        if out is not None:
            console.print(f"[dim]wrote {len(files)} files to {escape(str(out))}[/dim]")
