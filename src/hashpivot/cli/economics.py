"""Commands of the foundation: ``cost``, ``hashprice`` and ``backtest``."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hashpivot.cli.errors import handle_errors
from hashpivot.cli.inputs import load_site_file
from hashpivot.cli.options import check_out_dir, iso_day
from hashpivot.cli.output import print_json
from hashpivot.cli.tables import make_console
from hashpivot.exceptions import DataError, InputError, Problem

CLI = "<command line>"

BtcPrice = Annotated[
    float | None, typer.Option("--btc-price-usd", help="BTC price. [USD]", show_default=False)
]
Difficulty = Annotated[
    float | None,
    typer.Option("--difficulty", help="Network difficulty, e.g. 117e12. [-]", show_default=False),
]
Fees = Annotated[
    float | None,
    typer.Option("--fees-btc-per-block", help="Average fees per block. [BTC]", show_default=False),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
LiveFlag = Annotated[
    bool,
    typer.Option("--live", help="Current network state from mempool.space (needs the network)."),
]


def _check_positive(problems: list[Problem], name: str, value: float | None, zero_ok: bool) -> None:
    if value is None:
        return
    bad = not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok)
    if bad:
        need = ">= 0" if zero_ok else "> 0"
        problems.append(Problem(f"--{name}", f"must be a finite number {need} (got {value})", CLI))


#: Protocol and market limits of the network options: difficulty >= 1 (its definition),
#: fees below the largest block reward ever paid, a BTC price below 100 M USD.
_LIMITS = {"--difficulty": (1.0, 1e18), "--fees-btc-per-block": (0.0, 100.0),
           "--btc-price-usd": (0.0, 1e8)}


def _check_protocol_range(
    problems: list[Problem], price: float | None, difficulty: float | None, fees: float | None
) -> None:
    for flag, value in (("--btc-price-usd", price), ("--difficulty", difficulty),
                        ("--fees-btc-per-block", fees)):
        lo, hi = _LIMITS[flag]
        if value is not None and math.isfinite(value) and not lo <= value <= hi and value > 0:
            problems.append(Problem(flag, f"must be within {lo:g}-{hi:g} (got {value:g})", CLI))


def check_fleet_fits_network(portfolio: Any, network: Any, source: str, given: bool) -> None:
    """A ``--difficulty`` whose network is smaller than the portfolio's own fleet (which it
    includes) is a typo: an :class:`InputError` at ``--difficulty``. A historical day is a
    what-if (today's fleet in 2016) and is not checked."""
    if not given:
        return
    fleet_th_s = sum(e.total_hashrate_th_s for s in portfolio.sites for e in s.fleet)
    network_th_s = network.difficulty * 2**32 / 600.0 / 1e12
    if fleet_th_s > network_th_s:
        raise InputError(
            [
                Problem(
                    "--difficulty",
                    f"the network it implies ({network_th_s:.4g} TH/s) is smaller than the "
                    f"fleet of {source} ({fleet_th_s:.4g} TH/s)",
                    CLI,
                )
            ]
        )


def _network(
    date: str | None,
    btc_price_usd: float | None,
    difficulty: float | None,
    fees_btc_per_block: float | None,
    live: bool = False,
) -> Any:
    from hashpivot.engines.unit_economics import NetworkConditions

    problems: list[Problem] = []
    _check_positive(problems, "btc-price-usd", btc_price_usd, zero_ok=False)
    _check_positive(problems, "difficulty", difficulty, zero_ok=False)
    _check_positive(problems, "fees-btc-per-block", fees_btc_per_block, zero_ok=True)
    _check_protocol_range(problems, btc_price_usd, difficulty, fees_btc_per_block)
    if live and date is not None:
        problems.append(Problem("--live", "use either --date or --live, not both", CLI))
    if problems:
        raise InputError(problems)
    if date is not None:
        date = iso_day(date, "--date")
    if live:
        base = NetworkConditions.live()
    else:
        day = date or _latest_day()
        try:
            base = NetworkConditions.from_history(day)
        except DataError as exc:
            raise InputError([Problem("--date", str(exc), CLI)]) from None
    if btc_price_usd is None and difficulty is None and fees_btc_per_block is None:
        return base
    return dataclasses.replace(
        base,
        btc_price_usd=base.btc_price_usd if btc_price_usd is None else btc_price_usd,
        difficulty=base.difficulty if difficulty is None else difficulty,
        fees_btc_per_block=(
            base.fees_btc_per_block if fees_btc_per_block is None else fees_btc_per_block
        ),
        source=f"command line; other fields from {base.source} on {base.date}",
    )


def _latest_day() -> str:
    """The latest data day (bundled or fetched by `hashpivot data update`)."""
    from hashpivot.io import btc_daily_range

    return btc_daily_range()[1].isoformat()


def warn_if_stale(date: str | None, live: bool) -> None:
    """After a result on the latest data day: a warning on stderr when that day is older
    than 30 days (nothing with --date or --live)."""
    if date is not None or live:
        return
    from hashpivot.io.user_data import staleness_warning

    warning = staleness_warning()
    if warning:
        typer.echo(f"warning: {warning}", err=True)


def _fmt(v: float, digits: int = 0) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:,.{digits}f}"


def register(app: typer.Typer) -> None:
    """Add ``cost``, ``hashprice`` and ``backtest`` to the app."""

    @app.command("hashprice")
    @handle_errors
    def hashprice_cmd(
        btc_price_usd: Annotated[
            float | None, typer.Option("--btc-price-usd", help="BTC price. [USD]")
        ] = None,
        difficulty: Annotated[
            float | None, typer.Option("--difficulty", help="Difficulty. [-]")
        ] = None,
        fees_btc_per_block: Annotated[
            float | None,
            typer.Option("--fees-btc-per-block", help="Average fees per block. [BTC]"),
        ] = None,
        subsidy_btc: Annotated[
            float | None,
            typer.Option("--subsidy-btc", help="Block subsidy [BTC] (default 3.125, era 4)."),
        ] = None,
        height: Annotated[
            int | None, typer.Option("--height", help="Block height: subsidy from it. [blocks]")
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
        _check_positive(problems, "btc-price-usd", btc_price_usd, zero_ok=False)
        _check_positive(problems, "difficulty", difficulty, zero_ok=False)
        _check_positive(problems, "fees-btc-per-block", fees_btc_per_block, zero_ok=True)
        _check_positive(problems, "subsidy-btc", subsidy_btc, zero_ok=True)
        _check_protocol_range(problems, btc_price_usd, difficulty, fees_btc_per_block)
        if subsidy_btc is not None and height is not None:
            problems.append(Problem("--height", "give --subsidy-btc or --height, not both", CLI))
        if height is not None and height < 0:
            problems.append(Problem("--height", f"must be >= 0 (got {height})", CLI))
        if problems:
            raise InputError(problems)
        subsidy = (
            block_subsidy_btc(height)
            if height is not None
            else (subsidy_btc if subsidy_btc is not None else 3.125)
        )
        hp = float(hashprice_usd_per_ph_day(btc_price_usd, difficulty, subsidy, fees_btc_per_block))
        hv = float(hashvalue_btc_per_ph_day(difficulty, subsidy, fees_btc_per_block))
        out = {
            "hashprice_usd_per_ph_day": hp,
            "hashprice_usd_per_th_day": hp / 1000,
            "hashvalue_btc_per_ph_day": hv,
            "btc_price_usd": btc_price_usd,
            "difficulty": difficulty,
            "subsidy_btc": subsidy,
            "fees_btc_per_block": fees_btc_per_block,
        }
        if as_json:
            print_json(out)
            return
        t = Table(title="Hashprice", show_header=True)
        t.add_column("quantity")
        t.add_column("value", justify="right")
        t.add_column("unit")
        t.add_row("hashprice", f"{hp:,.2f}", "USD/PH/day")
        t.add_row("hash value", f"{hv:.6e}", "BTC/PH/day")
        t.add_row("block reward", f"{subsidy + fees_btc_per_block:.8f}", "BTC (subsidy + fees)")
        make_console().print(t)

    @app.command("cost")
    @handle_errors
    def cost_cmd(
        site_file: Annotated[Path, typer.Argument(help="Portfolio TOML file.")],
        date: Annotated[
            str | None,
            typer.Option("--date", help="Network conditions of this day (bundled history)."),
        ] = None,
        btc_price_usd: BtcPrice = None,
        difficulty: Difficulty = None,
        fees_btc_per_block: Fees = None,
        live: LiveFlag = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Cost per BTC (direct and total), margins and breakevens of a portfolio.

        Network conditions come from the daily history on --date (default: the latest
        day, bundled or fetched by `hashpivot data update`) or --live (mempool.space), with
        --btc-price-usd, --difficulty, --fees-btc-per-block overriding.
        """
        from hashpivot.engines.unit_economics import compute_unit_economics

        portfolio = load_site_file(site_file)
        network = _network(date, btc_price_usd, difficulty, fees_btc_per_block, live)
        check_fleet_fits_network(portfolio, network, str(site_file), difficulty is not None)
        try:
            result = compute_unit_economics(portfolio, network)
        except InputError as exc:  # engine problems name the field; add the file
            raise exc.with_source(str(site_file)) from None
        if as_json:
            print_json(result.to_dict())
        else:
            _print_cost(result)
        warn_if_stale(date, live)

    @app.command("backtest")
    @handle_errors
    def backtest_cmd(
        site_file: Annotated[Path, typer.Argument(help="Portfolio TOML file.")],
        start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")],
        end: Annotated[str, typer.Option("--end", help="Last day, YYYY-MM-DD.")],
        out: Annotated[
            Path | None, typer.Option("--out", help="Folder for CSV, PNG and HTML.")
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Daily unit economics of the portfolio over a historical window."""
        import pandas as pd

        from hashpivot.engines.backtest import run_backtest

        problems: list[Problem] = []
        for name, value in (("--start", start), ("--end", end)):
            try:
                iso_day(value, name)
            except InputError as exc:
                problems.extend(exc.problems)
        if not problems and pd.Timestamp(start) > pd.Timestamp(end):
            problems.append(Problem("--end", f"must not be before --start ({start})", CLI))
        if problems:
            raise InputError(problems)
        check_out_dir(out)
        portfolio = load_site_file(site_file)
        try:
            result = run_backtest(portfolio, start, end)
        except DataError as exc:
            raise InputError([Problem("--start/--end", str(exc), CLI)]) from None
        except InputError as exc:  # engine problems name the field; add the file
            raise exc.with_source(str(site_file)) from None
        files: list[Path] = []
        if out is not None:
            from hashpivot.reports.backtest import write_backtest

            files = write_backtest(result, out, f"{portfolio.name}: backtest {start} to {end}")
        if as_json:
            print_json({"summary": result.summary, "files": [str(f) for f in files]})
            return
        s = result.summary
        t = Table(title=f"Backtest {start} to {end} ({int(s['days'])} days)")
        t.add_column("quantity")
        t.add_column("value", justify="right")
        t.add_column("unit")
        t.add_row("BTC mined", _fmt(s["btc_mined"], 1), "BTC")
        t.add_row("revenue", _fmt(s["revenue_usd"] / 1e6, 1), "M USD")
        for view in ("direct", "total"):
            t.add_row(f"cost per BTC, {view}", _fmt(s[f"cost_per_btc_{view}_usd"]), "USD/BTC")
            t.add_row(f"margin, {view}", _fmt(s[f"margin_{view}_usd"] / 1e6, 1), "M USD")
            t.add_row(
                f"days in reverse margin, {view}", _fmt(s[f"days_reverse_margin_{view}"]), "day"
            )
        console = make_console()
        console.print(t)
        for f in files:
            console.print(f"wrote {f}", markup=False)


def _day_amount(x: float, small: bool) -> str:
    """An amount per day in the unit of :func:`_day_unit`: USD/day (small) or k USD/day."""
    return _fmt(x, 2) if small else _fmt(x / 1e3, 1)


def _day_unit(small: bool) -> str:
    """The unit of :func:`_day_amount` (per day: the tables' titles say so)."""
    return "USD" if small else "k USD"


def _print_cost(result: Any) -> None:
    from hashpivot.cli.tables import btc_with_unit, compact_table, hashrate_with_unit

    console = make_console()
    f = result.figures
    n = result.network
    when = f" on {n.date}" if n.date else ""
    console.print(
        f"{result.portfolio_name}: BTC {n.btc_price_usd:,.0f} USD, difficulty "
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
        ("power cost per BTC", _fmt(f["power_cost_per_btc_usd"]), "USD/BTC"),
    ]
    for row in rows:
        t.add_row(*row)
    console.print(t)
    small = abs(f["revenue_usd_per_day"]) < 1e5
    _print_fleet_lines(console, result, small)
    v = compact_table(
        "Cost views, per day",
        "direct/total: CoinShares; production/all-in: TheMinerMag; profit = revenue "
        f"{_day_amount(f['revenue_usd_per_day'], small)} {_day_unit(small)} - cost; "
        "reverse = cost per BTC above the BTC price",
    )
    v.add_column("view", no_wrap=True)
    unit = _day_unit(small)
    for col in ("cost/BTC\nUSD", "margin\n%", f"cost\n{unit}", f"profit\n{unit}", "reverse"):
        v.add_column(col, justify="right", no_wrap=True)
    for view in ("direct", "total", "production", "all_in"):
        cost_day = float(f[f"cost_usd_per_day_{view}"])
        v.add_row(
            view.replace("_", "-"),
            _fmt(f[f"cost_per_btc_{view}_usd"]),
            _fmt(100 * f[f"margin_{view}_fraction"], 1),
            _day_amount(cost_day, small),
            _day_amount(f["revenue_usd_per_day"] - cost_day, small),
            "[red]YES[/red]" if f[f"reverse_margin_{view}"] else "no",
        )
    console.print(v)
    b = compact_table("Breakevens (margin of the view = 0)")
    b.add_column("view", no_wrap=True)
    for col in ("hashprice\nUSD/PH/day", "power price\nUSD/MWh", "efficiency\nJ/TH"):
        b.add_column(col, justify="right", no_wrap=True)
    for view in ("direct", "total", "production", "all_in"):
        b.add_row(
            view.replace("_", "-"),
            _fmt(f[f"breakeven_hashprice_{view}_usd_per_ph_day"], 2),
            _fmt(f[f"breakeven_power_price_{view}_usd_per_mwh"], 2),
            _fmt(f[f"breakeven_efficiency_{view}_j_per_th"], 2),
        )
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
    t.add_column("site", no_wrap=True)
    t.add_column("model", no_wrap=True)
    t.add_column("hashrate", justify="right", no_wrap=True)
    t.add_column("BTC mined", justify="right", no_wrap=True)
    for col in ("revenue", "power", "profit"):
        t.add_column(f"{col}\n{_day_unit(small)}", justify="right", no_wrap=True)
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
            _day_amount(revenue, small),
            _day_amount(power, small),
            _day_amount(revenue - power, small),
        )
    if len(fl) > 1:
        t.add_section()
        t.add_row(
            "total",
            "",
            " ".join(hashrate_with_unit(float(fl["hashrate_th_s"].sum()), 1)),
            " ".join(btc_with_unit(float(fl["btc_per_day"].sum()))),
            _day_amount(totals[0], small),
            _day_amount(totals[1], small),
            _day_amount(totals[0] - totals[1], small),
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
    led.add_column("scope", no_wrap=True)
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
