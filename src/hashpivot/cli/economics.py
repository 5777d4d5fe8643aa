"""Commands of the foundation: ``cost``, ``hashprice`` and ``backtest``.

The network options and their checks are :mod:`hashpivot.cli.network`; the tables of
``cost`` are :mod:`hashpivot.cli.cost_tables`. The table modules (and rich) are imported
only when a command prints a table, so ``hashprice --json`` starts without them (and,
computing in floats, without numpy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hashpivot.cli.errors import handle_errors
from hashpivot.cli.inputs import load_site_file
from hashpivot.cli.network import (
    CLI,
    BtcPrice,
    Difficulty,
    Fees,
    LiveFlag,
    NetworkDay,
    check_fleet_fits_network,
    check_positive,
    check_protocol_range,
    difficulty_note,
    network_from_options,
    warn_if_stale,
)
from hashpivot.cli.options import (
    BacktestOutDir,
    JsonFlag,
    PortfolioFile,
    check_out_dir,
    collect,
    collected,
    iso_day,
)
from hashpivot.cli.output import print_json
from hashpivot.engines.economics.backtest_window import DEFAULT_END_TEXT, DEFAULT_START_TEXT
from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.units import SUBSIDY_END_HEIGHT


def register(app: typer.Typer) -> None:
    """Add ``cost``, ``hashprice`` and ``backtest`` to the app."""

    @app.command("hashprice")
    @handle_errors
    def hashprice_cmd(
        btc_price_usd: BtcPrice = None,
        difficulty: Difficulty = None,
        fees_btc_per_block: Fees = None,
        subsidy_btc: Annotated[
            float | None,
            typer.Option("--subsidy-btc", help="Block subsidy [BTC] (default 3.125, era 4)."),
        ] = None,
        height: Annotated[
            int | None,
            typer.Option("--height", help="Block height: subsidy from it, 0 to 6,930,000 "
                         "(the first height of no subsidy). [blocks]"),
        ] = None,
        live: LiveFlag = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Hashprice [USD/PH/day] and hash value [BTC/PH/day] from price and difficulty
        (given, or --live from mempool.space: price, difficulty, fees and tip height)."""
        from hashpivot.bitcoin import block_subsidy_btc
        from hashpivot.mining import hashprice_usd_per_ph_day, hashvalue_btc_per_ph_day

        problems: list[Problem] = []
        if live:
            from hashpivot.io.mempool import get_network_state

            state = get_network_state()
            btc_price_usd = state.btc_price_usd if btc_price_usd is None else btc_price_usd
            difficulty = state.difficulty if difficulty is None else difficulty
            if fees_btc_per_block is None:
                fees_btc_per_block = state.fees_btc_per_block
            if subsidy_btc is None and height is None:
                height = state.height
        for flag, value in (("--btc-price-usd", btc_price_usd), ("--difficulty", difficulty)):
            if value is None:
                problems.append(Problem(flag, "required (or use --live)", CLI))
        if problems:
            raise InputError(problems)
        assert btc_price_usd is not None and difficulty is not None
        fees_btc_per_block = 0.0 if fees_btc_per_block is None else fees_btc_per_block
        check_positive(problems, "btc-price-usd", btc_price_usd, zero_ok=False)
        check_positive(problems, "difficulty", difficulty, zero_ok=False)
        check_positive(problems, "fees-btc-per-block", fees_btc_per_block, zero_ok=True)
        check_positive(problems, "subsidy-btc", subsidy_btc, zero_ok=True)
        check_protocol_range(problems, btc_price_usd, difficulty, fees_btc_per_block,
                             subsidy_btc)
        if subsidy_btc is not None and height is not None:
            problems.append(Problem("--height", "give --subsidy-btc or --height, not both", CLI))
        if height is not None and not 0 <= height <= SUBSIDY_END_HEIGHT:
            problems.append(Problem("--height", f"must be within 0-{SUBSIDY_END_HEIGHT:,} (the "
                                    f"first height of no subsidy; got {height})", CLI))
        if problems:
            raise InputError(problems)
        subsidy = (
            block_subsidy_btc(height)
            if height is not None
            else (subsidy_btc if subsidy_btc is not None else 3.125)
        )
        hp = float(hashprice_usd_per_ph_day(btc_price_usd, difficulty, subsidy, fees_btc_per_block))
        hv = float(hashvalue_btc_per_ph_day(difficulty, subsidy, fees_btc_per_block))
        out: dict[str, object] = {
            "hashprice_usd_per_ph_day": hp,
            "hashprice_usd_per_th_day": hp / 1000,
            "hashvalue_btc_per_ph_day": hv,
            "btc_price_usd": btc_price_usd,
            "difficulty": difficulty,
            "subsidy_btc": subsidy,
            "fees_btc_per_block": fees_btc_per_block,
        }
        note = None if live else difficulty_note(difficulty)
        notes = [note] if note else []  # (cost refuses such a difficulty with these words)
        out["notes"] = notes
        if as_json:
            print_json(out)
            return
        from hashpivot.cli.tables import make_console, quantity_table
        from hashpivot.reports.tables.formats import fmt_num

        t = quantity_table("Hashprice", show_header=True)
        t.add_row("hashprice", fmt_num(hp, ",.2f"), "USD/PH/day")
        t.add_row("hash value", f"{hv:.6e}", "BTC/PH/day")
        t.add_row("block reward", f"{subsidy + fees_btc_per_block:.8f}", "BTC (subsidy + fees)")
        console = make_console()
        console.print(t)
        for line in notes:
            console.print(f"note: {line}", markup=False)

    @app.command("cost")
    @handle_errors
    def cost_cmd(
        site_file: PortfolioFile,
        date: NetworkDay = None,
        btc_price_usd: BtcPrice = None,
        difficulty: Difficulty = None,
        fees_btc_per_block: Fees = None,
        live: LiveFlag = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Cost per BTC (direct and total), margins and breakevens of a portfolio.

        Network conditions come from the daily history on --date (default: the latest
        day, bundled or fetched by `hashpivot data update`) or --live (mempool.space), with
        --btc-price-usd, --difficulty, --fees-btc-per-block overriding. The resolved
        assumptions close the output: each figure's source, and per site its uptime, pool
        fee, power overhead and ASIC depreciation, from the file or the default.
        """
        from hashpivot.engines.economics import compute_unit_economics

        problems: list[Problem] = []  # the options', listed with the file's
        network = collect(problems, lambda: network_from_options(
            date, btc_price_usd, difficulty, fees_btc_per_block, live))
        fits = [] if network is None else [lambda pf: collected(lambda: check_fleet_fits_network(
            pf, network, str(site_file), difficulty is not None))]
        portfolio = load_site_file(site_file, problems, fits)
        assert network is not None  # (else load_site_file raised the options' problems)
        try:
            result = compute_unit_economics(portfolio, network)
        except InputError as exc:  # engine problems name the field; add the file
            raise exc.with_source(str(site_file)) from None
        if as_json:
            print_json(result.to_dict())
        else:
            from hashpivot.cli.cost_tables import print_cost

            print_cost(result)
        warn_if_stale(date, live)

    @app.command("backtest")
    @handle_errors
    def backtest_cmd(
        site_file: PortfolioFile,
        start: Annotated[str | None, typer.Option(
            "--start", help=f"First day, YYYY-MM-DD; {DEFAULT_START_TEXT}.",
            show_default=False)] = None,
        end: Annotated[str | None, typer.Option(
            "--end", help=f"Last day, YYYY-MM-DD; {DEFAULT_END_TEXT}.",
            show_default=False)] = None,
        out: BacktestOutDir = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Daily unit economics of the portfolio over a historical window, with the
        resolved assumptions (the window's days, each a run setting or the default; per
        site its uptime, pool fee, power overhead and ASIC depreciation, from the file or
        the default; assumptions.csv in --out)."""
        import pandas as pd

        from hashpivot.engines.economics import run_backtest
        from hashpivot.engines.economics.backtest_window import backtest_window

        problems: list[Problem] = []
        for name, value in (("--start", start), ("--end", end)):
            try:
                if value is not None:
                    iso_day(value, name)
            except InputError as exc:
                problems.extend(exc.problems)
        if not problems and start is not None and end is not None and (
                pd.Timestamp(start) > pd.Timestamp(end)):
            problems.append(Problem("--end", f"must not be before --start ({start})", CLI))
        history = None
        window = None
        if not problems:  # the window against the data (a window that is no dates: skipped)
            from hashpivot.io import load_btc_daily

            window = backtest_window(start, end)  # (the days not given: the one rule's)
            try:
                history = load_btc_daily(window.start, window.end)
            except DataError as exc:
                problems.append(Problem("--start/--end", str(exc), CLI))
        collect(problems, lambda: check_out_dir(out, command="backtest"))
        portfolio = load_site_file(site_file, problems)  # (every problem listed, then raised)
        assert window is not None  # (else load_site_file raised the options' problems)
        start, end = window.start, window.end
        try:
            result = run_backtest(portfolio, start, end, history, defaults=window.defaults)
        except InputError as exc:  # engine problems name the field; add the file
            raise exc.with_source(str(site_file)) from None
        files: list[Path] = []
        if out is not None:
            from hashpivot.cli.out_folder import write_out_folder
            from hashpivot.reports.backtest import write_backtest

            title = f"{portfolio.name}: backtest {start} to {end}"
            files = write_out_folder(out, "backtest",
                                     lambda folder: write_backtest(result, folder, title),
                                     result.history_source)
        if as_json:
            print_json({"summary": result.summary, "files": [str(f) for f in files],
                        "notes": result.notes,
                        "resolved_assumptions": result.resolved_assumptions()})
            return
        from hashpivot.cli.tables import make_console, print_assumptions, quantity_table
        from hashpivot.reports.tables.backtest import backtest_rows, backtest_title

        t = quantity_table(backtest_title(result.summary, str(start), str(end)))
        for row in backtest_rows(result.summary):
            t.add_row(*row)
        console = make_console()
        console.print(t)
        for note in result.notes:
            console.print(f"note: {note}", markup=False)
        print_assumptions(result.resolved_assumptions(), console)
        for f in files:
            console.print(f"wrote {f}", markup=False)



__all__ = ["check_fleet_fits_network", "register", "warn_if_stale"]
