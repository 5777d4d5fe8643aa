"""A clean error for every bad input (issue 11, item 10): each finding of the fuzz run is
an ``error:`` line naming the file and the field path (or the option) with exit 2, or a
sound result; never an internal error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.cli_inputs import run_main

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"
DISPATCH = (EX / "dispatch-west-texas.toml").read_text()
PIVOT = (EX / "pivot-200mw.toml").read_text()
COST = (EX / "reverse-margin.toml").read_text()




def _file(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(tmp_path: Path, text: str, *args: str) -> list[str]:
    """The error lines of running ``args`` (with {f} = the file of ``text``): exit 2."""
    path = _file(tmp_path, text)
    code, _, err = run_main(*[a.replace("{f}", str(path)) for a in args])
    assert code == 2, err
    return [line for line in err.splitlines() if line.startswith("error:")]


def _dispatch_with(extra: str, where: str = "  [sites.dispatch]\n") -> str:
    assert where in DISPATCH
    return DISPATCH.replace(where, where + extra, 1)


# --- internal errors of the fuzz run ---------------------------------------------------
@pytest.mark.parametrize(
    "events",
    [
        "[[2024-08-20T16:00:00Z, 2024-08-20T19:00:00]]",  # offset-aware with naive
        "[[0, 100]]",  # numbers read as Unix time
        "[[2024-08-20T16:00:00, 9999-01-01T00:00:00]]",  # beyond pandas' years
    ],
)
def test_demand_response_events_are_field_errors(tmp_path: Path, events: str) -> None:
    text = re.sub(r"events = \[.*?\n    \]", f"events = {events}", DISPATCH, flags=re.S)
    assert f"events = {events}" in text
    (line, *_) = _error(tmp_path, text, "dispatch", "{f}")
    assert "x.toml: sites[0].dispatch.demand_response.events" in line


@pytest.mark.parametrize(
    "peaks", ["[1]", "[9999-06-27T16:45:00]", "[2024-06-27T16:45:00Z, 2024-07-31T16:45:00]"]
)
def test_four_cp_peak_intervals_are_field_errors(tmp_path: Path, peaks: str) -> None:
    text = re.sub(
        r"peak_intervals = \[.*?\n    \]", f"peak_intervals = {peaks}", DISPATCH, flags=re.S
    )
    assert f"peak_intervals = {peaks}" in text
    (line, *_) = _error(tmp_path, text, "dispatch", "{f}")
    assert "x.toml: sites[0].dispatch.four_cp.peak_intervals" in line


@pytest.mark.parametrize(
    "side", ["empty.csv", "folder", "/dev/null", "binary.bin", "short.csv", "old.csv"]
)
@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("    [sites.dispatch.renewable]\n", "profile_file"),
        ("  [sites.dispatch]\n", "emissions_file"),
    ],
)
def test_bad_side_files_name_their_field(tmp_path: Path, side: str, table: str, key: str) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "short.csv").write_text("timestamp,value\n2024-01-01 00:00,0.5\n")
    (tmp_path / "old.csv").write_text(
        "timestamp,value\n" + "".join(f"1700-01-01 {h:02d}:00,0.3\n" for h in range(24))
    )
    lines = _error(tmp_path, _dispatch_with(f'{key} = "{side}"\n', table), "dispatch", "{f}")
    field = "renewable.profile_file" if key == "profile_file" else "emissions_file"
    # named by the portfolio file, or by the side file itself (the reader names it)
    assert any(
        re.match(
            rf"error: \S*(x\.toml|{re.escape(Path(side).name)}): sites\[0\]\.dispatch\.{field}: ",
            line,
        )
        for line in lines
    ), lines


def test_prices_side_files(tmp_path: Path) -> None:
    for name, content in (("empty.csv", b""), ("binary.bin", bytes(range(256)) * 4)):
        (tmp_path / name).write_bytes(content)
        lines = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", str(tmp_path / name))
        assert lines[0].startswith(f"error: {tmp_path / name}: --prices: "), lines
    lines = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", str(tmp_path))
    assert "--prices: " in lines[0] and "is a folder, not a file" in lines[0]
    lines = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", "/dev/null")
    assert lines[0].startswith("error: /dev/null: --prices: ")


def test_duplicate_timestamps_in_prices_are_an_error(tmp_path: Path) -> None:
    stamps = [f"2024-01-01 {h:02d}:00" for h in range(24)]
    prices = tmp_path / "dupes.csv"
    prices.write_text("timestamp,price\n" + "".join(f"{s},20\n{s},30\n" for s in stamps))
    (line,) = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", str(prices))
    assert line.startswith(f"error: {prices}: --prices: ") and "repeated timestamp" in line


def test_a_sced_lmp_left_blank_is_an_error_not_the_rest_of_the_file_dropped(
        tmp_path: Path) -> None:
    # a day of 5-minute SCED runs with the LMP of 03:05 left blank: it used to end the
    # series at 03:00 without a word (a 12-interval dispatch); now it is a missing price
    stamps = [f"2024-08-01T{m // 60:02d}:{m % 60:02d}:00" for m in range(0, 24 * 60, 5)]
    prices = tmp_path / "sced.csv"
    prices.write_text("SCEDTimestamp,repeatHourFlag,settlementPoint,LMP\n" + "".join(
        f"{t},False,HB_WEST,{'' if t.endswith('03:05:00') else 30}\n" for t in stamps))
    (line,) = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", str(prices))
    assert line.startswith(f"error: {prices}: --prices: ") and "1 missing value" in line


@pytest.mark.parametrize("price", ["1e308", "1e12", "-2e5"])
def test_a_price_no_market_clears_at_is_an_error_not_an_overflow(tmp_path: Path,
                                                                  price: str) -> None:
    # 1e308 USD/MWh dispatched with exit 0, numpy's overflow warnings (with the source
    # files' paths) on stderr and "n/a" margins; now no value beyond +-100,000 passes
    stamps = [f"2024-08-01T{h:02d}:00:00" for h in range(24)]
    prices = tmp_path / "p.csv"
    prices.write_text("timestamp,price\n" + "".join(
        f"{t},{price if t.endswith('05:00:00') else 30}\n" for t in stamps))
    code, _, err = run_main("dispatch", str(_file(tmp_path, DISPATCH)), "--prices",
                            str(prices))
    assert code == 2 and "Warning" not in err, err
    (line,) = [x for x in err.splitlines() if x.startswith("error:")]
    assert line.startswith(f"error: {prices}: --prices: prices must lie within "
                           "-100,000..100,000 USD/MWh")
    assert f"1 value(s), first {float(price):g} at 2024-08-01 05:00:00" in line


def test_profit_refuses_a_power_price_beyond_a_contract_s_bound() -> None:
    # 1e308 USD/MWh printed a profit of -8.7e306 USD/day; a site file's contract price
    # stops at 10,000 USD/MWh, and so does the option now
    code, _, err = run_main("profit", "S21", "--power-price-usd-per-mwh", "1e308")
    assert code == 2
    assert ("error: <command line>: --power-price-usd-per-mwh: must be a finite number >= 0 "
            "and <= 10,000 (got 1e+308)") in err


def test_price_file_dated_1700_is_bad_input(tmp_path: Path) -> None:
    prices = tmp_path / "p.csv"
    prices.write_text(
        "timestamp,price\n"
        + "".join(f"1700-01-{1 + h // 24:02d} {h % 24:02d}:00,{20 + h}\n" for h in range(48))
    )
    (line,) = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", str(prices))
    assert line.startswith(f"error: {prices}: --prices: ") and "outside the years 1970-2200" in line


# --- command-line values ----------------------------------------------------------------
@pytest.mark.parametrize("command", ["pivot", "simulate", "dispatch", "backtest"])
def test_out_on_a_file_or_an_unwritable_path(tmp_path: Path, command: str) -> None:
    example = {"pivot": PIVOT, "simulate": PIVOT, "dispatch": DISPATCH, "backtest": COST}
    extra = {
        "simulate": ["--paths", "8", "--years", "1"],
        "backtest": ["--start", "2024-01-01", "--end", "2024-01-31"],
    }.get(command, [])
    existing = tmp_path / "existing.txt"
    existing.write_text("x")
    for out, words in (
        (existing, "is a file, not a folder"),
        (Path("/proc/no/such/dir"), "cannot create folder"),
    ):
        (line,) = _error(tmp_path, example[command], command, "{f}", *extra, "--out", str(out))
        assert line.startswith("error: <command line>: --out: ") and words in line


def test_a_run_failing_on_another_problem_leaves_no_out_folder(tmp_path: Path) -> None:
    """A review's case: ``--out`` is checked by creating it, before the other options'
    problems stop the run; the folders made to check it are removed again."""
    out = tmp_path / "new" / "deeper"
    (line,) = _error(tmp_path, PIVOT, "pivot", "{f}", "--convert-mw", "nan", "--out", str(out))
    assert "--convert-mw" in line
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["pivot", "{f}", "--convert-mw", "10", "--start", ""], "--start"),
        (["pivot", "{f}", "--convert-mw", "nan"], "--convert-mw"),
        (
            ["simulate", "{f}", "--paths", "8", "--start", "garbage", "--convert-mw", "10"],
            "--start",
        ),
        (["simulate", "{f}", "--paths", "8", "--seed", "-1"], "--seed"),
        (["simulate", "{f}", "--paths", "8", "--years", "inf"], "--years"),
        (["simulate", "{f}", "--paths", "8", "--scheduler", "garbage"], "--scheduler"),
        (["simulate", "{f}", "--paths", "8", "--years", "1", "--convert-mw", "-1"], "--convert-mw"),
        (
            ["simulate", "{f}", "--paths", "8", "--years", "1", "--convert-mw", "nan"],
            "--convert-mw",
        ),
        (["simulate", "{f}", "--paths", "8", "--years", "1", "--convert-mw", "0"], "--convert-mw"),
        (["optimize", "{f}", "--scenarios", "2", "--seed", "-1"], "--seed"),  # long fuzz
        (["optimize", "{f}", "--scenarios", "2", "--scheduler", "garbage"], "--scheduler"),
        # Dask's own parser raised ValueError on these (an internal error, exit 1)
        (["simulate", "{f}", "--paths", "8", "--scheduler", "tcp://h:abc"], "--scheduler"),
        (["simulate", "{f}", "--paths", "8", "--scheduler", "tcp://127.0.0.1"], "--scheduler"),
        (["optimize", "{f}", "--scenarios", "2", "--scheduler", "tcp://[::1"], "--scheduler"),
        # a port no TCP address has: a 10 s wait for a connection that cannot be made
        (["simulate", "{f}", "--paths", "8", "--scheduler", "tcp://127.0.0.1:99999"],
         "--scheduler"),
    ],
)
def test_odd_options_name_the_option(tmp_path: Path, args: list[str], option: str) -> None:
    (line, *_) = _error(tmp_path, PIVOT, *args)
    assert line.startswith(f"error: <command line>: {option}: ") or line.startswith(
        f"error: <command line>: Invalid value for '{option}'"
    ), line


def test_simulate_start_after_the_horizon_is_refused_like_pivot(tmp_path: Path) -> None:
    args = ["{f}", "--convert-mw", "10", "--start", "2099-01"]
    (pivot_line,) = _error(tmp_path, PIVOT, "pivot", *args)
    (sim_line,) = _error(tmp_path, PIVOT, "simulate", *args, "--paths", "8", "--years", "1")
    for line in (pivot_line, sim_line):
        assert "<command line>: --start: 2099-01 is after the model horizon" in line


# --- nonsense that was accepted ---------------------------------------------------------
def test_idle_fleet_is_an_error_not_a_nan_margin(tmp_path: Path) -> None:
    text = re.sub(r"uptime_fraction = [\d.]+", "uptime_fraction = 0", COST)
    lines = _error(tmp_path, text, "cost", "{f}", "--date", "2025-06-01")
    assert lines and all("uptime_fraction: every machine" in x for x in lines)
    assert "x.toml: sites[0].fleet[0].uptime_fraction" in lines[0]
    # backtest refused it with the same problems; it ran a window of 0 BTC mined, margins
    # of minus the costs and no day of reverse margin
    window = _error(tmp_path, text, "backtest", "{f}", "--start", "2024-01-01", "--end",
                    "2024-01-31", "--json")
    assert window == lines
    # one entry running: the window is valued (the idle entries cost what they cost)
    one = re.sub(r"uptime_fraction = [\d.]+", "uptime_fraction = 0", COST, count=1)
    code, _, err = run_main("backtest", str(_file(tmp_path, one, "one.toml")), "--start",
                        "2024-01-01", "--end", "2024-01-31", "--json")
    assert code == 0, err


def test_idle_fleet_cost_refuses_and_pivot_notes_in_the_same_words(tmp_path: Path) -> None:
    """A fleet that never runs: cost per BTC is undefined (cost refuses it), a conversion
    of the site is not (pivot values it, and says what cost says, at the same field)."""
    text = re.sub(r"uptime_fraction = [\d.]+", "uptime_fraction = 0", PIVOT)
    (line,) = _error(tmp_path, text, "cost", "{f}", "--date", "2025-06-01")
    refused = line.removeprefix(f"error: {tmp_path / 'x.toml'}: ")
    code, out, err = run_main("pivot", str(_file(tmp_path, text)))
    assert code == 0, err
    text_out = " ".join((out + err).split())  # (rich wraps the notes)
    assert f"note: {refused} (cost and backtest refuse the file)" in text_out
    assert refused.startswith("sites[0].fleet[0].uptime_fraction: every machine")


@pytest.mark.parametrize("value", ["1e-300", "0.5"])
def test_tiny_difficulty_is_refused(tmp_path: Path, value: str) -> None:
    (line,) = _error(tmp_path, COST, "cost", "{f}", "--difficulty", value)
    assert line.startswith("error: <command line>: --difficulty: must be within 1-1e+18")


def test_difficulty_below_the_fleet_is_refused(tmp_path: Path) -> None:
    # 1e3 x 2^32 / 600 H/s = 7.2 TH/s: less than one S21
    (line,) = _error(tmp_path, COST, "cost", "{f}", "--difficulty", "1000")
    assert line.startswith("error: <command line>: --difficulty: the network it implies")
    assert line.endswith("; if it is in T (1e12), use 1000e12")
    (line,) = _error(tmp_path, COST, "cost", "{f}", "--difficulty", "2e6")  # no T typo
    assert "smaller than the fleet" in line and "in T" not in line


@pytest.mark.parametrize("key", ["ai_load_mw", "hashprice_usd_per_ph_day"])
def test_inf_in_dispatch_table_is_a_field_error(tmp_path: Path, key: str) -> None:
    text = re.sub(rf"\n  {key} = [^\n]*", "", DISPATCH)
    text = text.replace("  [sites.dispatch]\n", f"  [sites.dispatch]\n  {key} = inf\n", 1)
    (line, *_) = _error(tmp_path, text, "dispatch", "{f}")
    assert f"x.toml: sites[0].dispatch.{key}: " in line


def test_negative_fixed_price_explains_the_negative_breakeven(tmp_path: Path) -> None:
    text = re.sub(r"price_usd_per_mwh = [\d.]+", "price_usd_per_mwh = -100", COST)
    path = _file(tmp_path, text)
    code, out, err = run_main("cost", str(path), "--date", "2025-06-01", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["breakeven_btc_price_direct_usd"] < 0
    assert any("negative" in note for note in doc["notes"])


def test_network_hashrate_below_the_fleet_is_refused(tmp_path: Path) -> None:
    text = PIVOT.replace("[pivot]\n", "[pivot]\nnetwork_hashrate_th_s = 1\n", 1)
    (line,) = _error(tmp_path, text, "pivot", "{f}")
    assert "x.toml: pivot.network_hashrate_th_s: 1 TH/s is less than" in line


@pytest.mark.parametrize("command", ["simulate", "optimize"])
def test_a_scenario_network_below_the_fleet_is_refused_as_pivot_s(tmp_path: Path,
                                                                  command: str) -> None:
    """``[scenario] network_hashrate_th_s = 0.001``: simulate centred its paths on a
    network of 1 GH/s holding the site's 10.4 EH/s and printed an NPV of 1.8e20 USD
    (exit 0); the same figure in ``[pivot]`` is refused. Both are, at their field."""
    text = PIVOT.replace("[scenario]\n", "[scenario]\nnetwork_hashrate_th_s = 0.001\n", 1)
    assert "network_hashrate_th_s = 0.001" in text
    extra = {"simulate": ["--paths", "8", "--years", "1"],
             "optimize": ["--scenarios", "2", "--oos-scenarios", "2",
                          "--evpi-scenarios", "1"]}[command]
    (line,) = _error(tmp_path, text, command, "{f}", *extra)
    assert "x.toml: scenario.network_hashrate_th_s: 0.001 TH/s is less than" in line, line


def test_rich_markup_in_user_text_is_printed_not_rendered(tmp_path: Path) -> None:
    text = DISPATCH.replace('name = "West Texas"', 'name = "[bold]x[/bold]"').replace(
        'region = "ERCOT"', 'region = "[red]r[/red]"'
    )
    code, out, err = run_main("dispatch", str(_file(tmp_path, text)))
    assert code == 0, err
    assert "[bold]x[/bold]" in out and "[red]r[/red]" in out
    text = COST.replace('name = "Texas"', 'name = "[bold]T[/bold]"', 1)
    assert "[bold]T[/bold]" in text
    code, out, err = run_main("cost", str(_file(tmp_path, text)), "--date", "2025-06-01")
    assert code == 0, err
    assert "[bold" in out  # the table is 80 columns: "[bold…"


# --- errors that named no file or no full path --------------------------------------------
def test_dispatch_errors_name_the_file_and_the_full_path(tmp_path: Path) -> None:
    no_fleet = re.sub(r"  \[\[sites.fleet\]\]\n(  \w+ = [^\n]*\n)+", "", DISPATCH)
    no_fleet = no_fleet.replace("  ai_load_mw = 50.0\n", "")
    lines = _error(tmp_path, no_fleet, "dispatch", "{f}")
    assert any(x.startswith("error: ") and "x.toml: sites[0]." in x for x in lines), lines
    bad_market = DISPATCH.replace('market = "ercot:HB_WEST"', 'market = "ercot:NOPE"')
    (line,) = _error(tmp_path, bad_market, "dispatch", "{f}")
    assert "x.toml: sites[0].power_contract.market: " in line
    (line,) = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--market", "ercot:NOPE:2024")
    assert line.startswith("error: <command line>: --market: ")


@pytest.mark.parametrize("side", ["empty.csv", "/dev/null", "folder", "binary.bin"])
def test_bad_rules_file_names_the_file_and_its_field(tmp_path: Path, side: str) -> None:
    """Long fuzz (seed 2028): an empty rules file or /dev/null was an internal error."""
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    portfolio = (Path(__file__).parents[2] / "examples" / "portfolio.toml").read_text()
    text = portfolio.replace('rules_file = "regulation-extra.csv"', f'rules_file = "{side}"')
    (line, *_) = _error(tmp_path, text, "optimize", "{f}", "--scenarios", "2",
                        "--oos-scenarios", "2", "--evpi-scenarios", "1")
    if side == "folder":  # as a side file's folder reads: the portfolio's field is wrong
        # (until 2026-12-07 the folder was named as the file, with errno 21's raw text)
        assert line == (f"error: {tmp_path / 'x.toml'}: optimize.rules_file: "
                        f"{tmp_path / 'folder'} is a folder, not a file"), line
        return
    assert re.match(rf"error: \S*{re.escape(Path(side).name)}: optimize\.rules_file: ", line), line


def test_a_build_rate_below_one_block_is_refused_unless_the_plan_is_continuous(
        tmp_path: Path) -> None:
    """``build_mw_per_quarter = 10`` with blocks of 25 MW: no block could ever start, and
    optimize planned "keep mining everywhere" (exit 0) without a word. It is a problem
    at the rate; a continuous plan (``--continuous``) builds 10 MW a quarter."""
    from hashpivot.models import parse_portfolio
    from hashpivot.optimize import resolve_problem

    portfolio = (Path(__file__).parents[2] / "examples" / "portfolio.toml").read_text()
    text = portfolio.replace('rules_file = "regulation-extra.csv"', "").replace(
        "build_mw_per_quarter = 100.0", "build_mw_per_quarter = 10.0")
    assert "build_mw_per_quarter = 10.0" in text and "rules_file" not in text
    (line,) = _error(tmp_path, text, "optimize", "{f}", "--scenarios", "2",
                     "--oos-scenarios", "2", "--evpi-scenarios", "1")
    assert line.startswith(f"error: {tmp_path / 'x.toml'}: optimize.build_mw_per_quarter: "
                           "10 MW a quarter is less than one block"), line
    assert resolve_problem(parse_portfolio(text), continuous=True).unit_mw == 1.0


def test_a_missing_rules_file_and_a_tenant_s_unknown_site_are_listed_together(
        tmp_path: Path) -> None:
    """``optimize`` stopped at the missing rules file: the tenant's unknown site showed
    only on the next run. Both are listed now, at their fields, in the portfolio file."""
    portfolio = (Path(__file__).parents[2] / "examples" / "portfolio.toml").read_text()
    text = portfolio.replace('rules_file = "regulation-extra.csv"', 'rules_file = "gone.csv"')
    text = text.replace('sites = ["Pecos PPA", "Columbia Hydro"]',
                        'sites = ["Pecos PPA", "Nowhere"]')
    assert "gone.csv" in text and "Nowhere" in text
    lines = _error(tmp_path, text, "optimize", "{f}", "--scenarios", "2", "--oos-scenarios",
                   "2", "--evpi-scenarios", "1")
    assert [line.split(": ")[2] for line in lines] == ["optimize.rules_file",
                                                       "optimize.tenants[2].sites"], lines


def test_the_difficulty_check_counts_the_machines_running_that_day(tmp_path: Path) -> None:
    """The example's Odessa Grid is not connected on the data's last day (2025-09-26): its
    11.6 EH/s are not in that day's cost, nor in the check that the network a
    ``--difficulty`` implies holds the fleet (11.1 EH/s running; 22.7 with Odessa)."""
    import shutil

    for name in ("portfolio.toml", "regulation-extra.csv"):
        shutil.copy(EX / name, tmp_path / name)
    # 2.4e12 x 2^32 / 600 s = 17.2 EH/s: more than the machines running, less than all
    code, _, err = run_main("cost", str(tmp_path / "portfolio.toml"), "--difficulty", "2.4e12")
    assert code == 0, err
    code, _, err = run_main("cost", str(tmp_path / "portfolio.toml"), "--difficulty", "1.4e12")
    assert code == 2 and "--difficulty: the network it implies" in err


def test_every_option_s_problem_is_listed_with_the_file_s(tmp_path: Path) -> None:
    """An option out of bounds, a bad month and the file's own problems in one run (typer
    checked the bounds first and stopped; the file's problems waited for the options)."""
    bad = PIVOT.replace("  pue = 1.3 ", "  pue = -1.3 ")
    assert bad != PIVOT
    pue = "sites[0].hosting.pue: Input should be greater than or equal to 1 (got -1.3)"
    lines = _error(tmp_path, bad, "simulate", "{f}", "--paths", "0", "--start", "2026-13",
                   "--price-model", "foo")
    assert [line.split(": ")[1:3] for line in lines] == [
        ["<command line>", "--paths"], ["<command line>", "--start"],
        ["<command line>", "--price-model"], [str(tmp_path / "x.toml"), "sites[0].hosting.pue"]]
    assert lines[-1].endswith(pue)
    lines = _error(tmp_path, bad, "pivot", "{f}", "--convert-mw", "-1", "--start", "2026-13")
    assert [line.split(": ")[2] for line in lines] == [
        "--convert-mw", "--start", "sites[0].hosting.pue"]
    lines = _error(tmp_path, bad, "optimize", "{f}", "--scenarios", "0", "--risk-aversion",
                   "2", "--gap", "-1")
    assert [line.split(": ")[2] for line in lines] == [
        "--scenarios", "--gap", "--risk-aversion", "sites[0].hosting.pue"]


def test_option_bounds_take_huge_integers_infinity_and_the_file_s_sites(tmp_path: Path) -> None:
    """A 400-digit --paths is a problem, not an overflow (exit 2, no internal error);
    --workers, --policy and --site are listed with the rest (--site against the file's
    sites); --time-limit inf is no limit, as before, and --risk-aversion inf is out of
    [0, 1]."""
    huge = "-" + "1" * 400
    lines = _error(tmp_path, PIVOT, "simulate", "{f}", "--paths", huge, "--workers", "0",
                   "--policy", "bogus", "--site", "nope")
    assert [line.split(": ")[2] for line in lines] == [
        "--workers", "--paths", "--policy", "--site"]
    assert "(402 characters)" in lines[1] or "(401 characters)" in lines[1]
    assert lines[3].endswith("--site: no site named 'nope'; sites: West Texas 200")
    lines = _error(tmp_path, PIVOT, "optimize", "{f}", "--risk-aversion", "inf",
                   "--time-limit", "inf", "--scenarios", "0")
    assert [line.split(": ")[2:] for line in lines] == [
        ["--scenarios", "must be in [1, 1,000,000] (got 0)"],
        ["--risk-aversion", "must be in [0, 1] (got inf)"]]


def test_dispatch_and_pivot_list_option_problems_together(tmp_path: Path) -> None:
    """dispatch: a missing --prices file, an unknown --market and --site in one run;
    pivot: --start before the model start and --convert-mw over the convertible MW
    together (each came on its own run)."""
    lines = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", "nope.csv",
                   "--market", "bogus:x", "--site", "Z")
    assert [line.split(": ")[2] for line in lines] == [
        "--prices", "--prices", "--market", "--site"]  # (both given, and the file missing)
    lines = _error(tmp_path, PIVOT, "pivot", "{f}", "--convert-mw", "9000", "--start",
                   "1999-01")
    assert [line.split(": ")[2:] for line in lines] == [
        ["--start", "1999-01 is before the model start 2025-10"],
        ["--convert-mw", "9000 MW exceeds the 200 MW that can be converted"]]


def test_a_64_bit_seed_runs_and_a_name_too_long_is_a_problem(tmp_path: Path) -> None:
    """``--seed`` takes a 64-bit unsigned seed (a run written with one reproduces); a
    --prices name too long for the file system is an input problem, not an OSError."""
    from hashpivot.cli.options import seed_and_cluster_problems

    assert seed_and_cluster_problems(2**64 - 1, None, None) == []
    assert seed_and_cluster_problems(2**128, None, None)[0].path == "--seed"
    (line, *_) = _error(tmp_path, DISPATCH, "dispatch", "{f}", "--prices", "a" * 300 + ".csv")
    assert line.startswith("error: <command line>: --prices: cannot read ")


@pytest.mark.parametrize("command", ["pivot", "simulate"])
def test_convert_mw_over_the_sites_is_listed_with_a_bad_start(tmp_path: Path,
                                                               command: str) -> None:
    """--convert-mw over the convertible MW (the engine's finding) and a --start that is
    no month in one run (the MW came one run after the month was fixed); a bad
    --convert-mw is not checked against the sites."""
    extra = ["--paths", "8"] if command == "simulate" else []
    lines = _error(tmp_path, PIVOT, command, "{f}", "--convert-mw", "9999", "--start",
                   "2026-00", *extra)
    assert [line.split(": ")[2] for line in lines] == ["--start", "--convert-mw"]
    assert lines[1].endswith("9999 MW exceeds the 200 MW that can be converted")
    lines = _error(tmp_path, PIVOT, command, "{f}", "--convert-mw", "nan", "--start",
                   "2026-00", "--site", "nope", *extra)
    assert [line.split(": ")[2] for line in lines] == ["--convert-mw", "--start", "--site"]


@pytest.mark.parametrize("prices", ["one-row.csv", "empty.csv", "missing.csv"])
def test_bad_prices_and_side_file_values_are_listed_together(tmp_path: Path,
                                                             prices: str) -> None:
    """A bad --prices file and the out-of-range values of the side files the site names
    in one run (the values came one run after the prices were fixed)."""
    day = "".join(f"2024-01-01 {h:02d}:00,7\n" for h in range(24))
    (tmp_path / "em.csv").write_text("timestamp,value\n" + day)
    (tmp_path / "ren.csv").write_text("timestamp,value\n" + day)
    (tmp_path / "one-row.csv").write_text("timestamp,price\n2024-01-01 00:00,20\n")
    (tmp_path / "empty.csv").write_text("")
    text = _dispatch_with('emissions_file = "em.csv"\n').replace(
        "    [sites.dispatch.renewable]\n",
        '    [sites.dispatch.renewable]\n    profile_file = "ren.csv"\n', 1)
    lines = _error(tmp_path, text, "dispatch", "{f}", "--prices", str(tmp_path / prices))
    assert [line.split(": ")[2:] for line in lines[1:]] == [
        ["sites[0].dispatch.renewable.profile_file", "profile values must be in 0..1"],
        ["sites[0].dispatch.emissions_file",
         "emissions factors must lie within 0-5 t CO2/MWh"]], lines
    assert "--prices" in lines[0]


def test_backtest_lists_its_window_its_folder_and_the_file_together(tmp_path: Path) -> None:
    """A window outside the data, a folder of the user's files and a bad file value in one
    run (the window stopped the run before the folder and the file were looked at)."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.txt").write_text("mine\n")
    text = COST.replace("capacity_mw = ", "capacity_mw = -", 1)
    lines = _error(tmp_path, text, "backtest", "{f}", "--start", "2000-01-01", "--end",
                   "2001-01-01", "--out", str(tmp_path / "mine"))
    assert [line.split(": ")[2] for line in lines] == [
        "--start/--end", "--out", "sites[0].capacity_mw"], lines
    assert "outside the available range" in lines[0]


def test_cost_lists_its_options_and_the_file_together(tmp_path: Path) -> None:
    """A bad number, a --date that is no date and a bad file value in one run (the
    options stopped the run before --date and the file were looked at)."""
    text = COST.replace("capacity_mw = ", "capacity_mw = -", 1)
    lines = _error(tmp_path, text, "cost", "{f}", "--date", "2026-13-01",
                   "--btc-price-usd", "-5")
    assert [line.split(": ")[2] for line in lines] == [
        "--btc-price-usd", "--date", "sites[0].capacity_mw"], lines


def test_profit_lists_a_bad_date_with_the_other_options(tmp_path: Path) -> None:
    code, _, err = run_main("profit", "S21", "--date", "2024-99-01", "--pool-fee-fraction",
                            "2", "--power-price-usd-per-mwh", "50")
    assert code == 2
    assert [line.split(": ")[2] for line in err.splitlines() if line.startswith("error:")] == [
        "--pool-fee-fraction", "--date"], err


@pytest.mark.parametrize("command", ["pivot", "simulate"])
def test_a_bad_start_is_not_judged_by_the_files_start(tmp_path: Path, command: str) -> None:
    """``--start 2026-13`` overrides the file's ``convert_start``: that one (2099-01,
    after the horizon) was listed too, though no run would use it (until 2026-12-06)."""
    text = PIVOT.replace('convert_start = "2026-01"', 'convert_start = "2099-01"', 1)
    assert 'convert_start = "2099-01"' in text
    extra = ["--paths", "8"] if command == "simulate" else []
    lines = _error(tmp_path, text, command, "{f}", "--start", "2026-13", *extra)
    assert [line.split(": ")[2] for line in lines] == ["--start"], lines
    lines = _error(tmp_path, text, command, "{f}", *extra)  # the file's own, alone
    assert [line.split(": ")[2] for line in lines] == ["pivot.convert_start"], lines


def test_an_unreachable_scheduler_is_one_line_naming_the_option_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A well-formed address nobody answers at is an environment failure (exit 1, as
    every failure that is not bad input), said in one line with the option and address."""
    pytest.importorskip("distributed")
    import socket

    import hashpivot.executors as executors

    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT_S", 0.5)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    path = _file(tmp_path, PIVOT)
    code, _, err = run_main("simulate", str(path), "--paths", "8", "--years", "1",
                            "--scheduler", address)
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 1, err
    assert len(lines) == 1 and "--scheduler" in lines[0] and address in lines[0], err


def test_a_mistyped_grid_operator_is_an_error_at_its_field(tmp_path: Path) -> None:
    """``region = "NYSIO"`` and ``iso = "ERCTO"`` escaped every NYISO and ERCOT rule and
    the bundled emissions factor, without a word: exit 2, both at their field."""
    assert 'region = "SERC"' in COST
    text = COST.replace('region = "SERC"', 'region = "NYSIO"\niso = "ERCTO"', 1)
    path = tmp_path / "x.toml"
    assert _error(tmp_path, text, "cost", "{f}") == [
        f"error: {path}: sites[1].region: 'NYSIO' is not a grid operator hashpivot knows; "
        "did you mean NYISO?",
        f"error: {path}: sites[1].iso: 'ERCTO' is not a grid operator hashpivot knows; "
        "did you mean ERCOT?",
    ]
