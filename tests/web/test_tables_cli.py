"""Every engine tells the same story on the command line and on the run page: the tables
of ``GET /api/runs/{id}/tables`` (what the page renders) are the tables the CLI prints for
the same file and options, title, rows, captions and notes, in its order; and every line
the CLI prints around its tables is in them (until 2026-12 the pivot page lacked the
revenue, mining share, EBITDA, FCF and BTC-mined rows, the caption, the discount rate in
the title and the tornado tables, and the simulate page keep-mining's reverse margin and
the model line)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import add_key, make_client, wait_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Wall-clock figures, which no two runs share ("build 0.012 s", "2.29 s for the paths").
_SECONDS = re.compile(r"\b\d+(\.\d+)? s\b")
#: The kernels' compile time a first run after installing adds to simulate's model line
#: (``reports.tables.formats.compile_text``): in the API's run and not the CLI's after it
#: when the numba cache starts cold (this test failed so on a fresh machine).
_COMPILING = re.compile(r" \(\d+(\.\d+)? s of it numba compiling its kernels[^)]*\)")


#: The borders of a boxed table (``backtest``'s): its cells' separators and its rules.
_BARS = str.maketrans("", "", "│┃")
_RULES = set("─━┏┓┗┛┡┩┳┻╇┣┫╋┼┴┬└┘┌┐├┤ ")


def _norm(text: str) -> str:
    """A line with its runs of blanks as one space, without a boxed table's cell
    separators, and its wall-clock times hidden."""
    return _SECONDS.sub("<t> s", _COMPILING.sub("", " ".join(text.translate(_BARS).split())))


def cli_lines(argv: list[str]) -> list[str]:
    """What ``hashpivot ARGV`` prints on stdout, one table row or sentence a line (wide
    enough that nothing wraps), normalised by :func:`_norm`."""
    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    out = CliRunner().invoke(app, argv, env={"COLUMNS": "2000"})
    assert out.exit_code == 0, out.output
    return [_norm(line) for line in out.stdout.splitlines() if line.strip()]


def _is_rule(line: str) -> bool:
    return set(line) <= _RULES


def _chars(lines: list[str]) -> Counter[str]:
    return Counter(ch for line in lines for ch in line if not ch.isspace())


def assert_same_story(tables: list[dict[str, Any]], cli: list[str],
                      ignore: tuple[str, ...] = ()) -> None:
    """The API's tables are the CLI's, in its order: each title, row and note a line of
    the CLI's; the CLI prints nothing else but column headings, rules and the lines
    starting with one of ``ignore``. (The resolved assumptions fold their long cells onto
    more lines: their rows are compared as the characters they hold.)"""
    covered: set[int] = set()
    at = 0

    def find(text: str) -> None:
        nonlocal at
        line = _norm(text)
        assert line in cli[at:], ("on the page, not printed there by the CLI", line,
                                  cli[at:at + 3])
        covered.add(cli.index(line, at))
        at = cli.index(line, at) + 1

    for n, t in enumerate(tables):
        find(t["title"])
        if t["title"].startswith("Resolved assumptions"):
            after = t["notes"][:1] or [u["title"] for u in tables[n + 1:n + 2]]
            end = cli.index(_norm(after[0]), at) if after else len(cli)
            # (each row as the CLI prints it, its wall-clock-like figures hidden alike:
            # dispatch's "[sites.dispatch] time_limit_seconds 60 s")
            assert _chars([x for x in cli[at:end] if not _is_rule(x)]) == _chars(
                [*t["header"], *[_norm(" ".join(row)) for row in t["rows"]]])
            covered.update(range(at, end))
            at = end
        else:
            for row in t["rows"]:
                find(" ".join(row))
        for note in t["notes"]:
            find(note)
    headings = {w for t in tables for h in t["header"] for w in h.split()}
    for i, line in enumerate(cli):
        if i in covered or _is_rule(line) or line.startswith(ignore):
            continue
        # a table's column headings: above its rule, on one or two lines
        assert any(_is_rule(b) for b in cli[i + 1:i + 3]) and set(line.split()) <= headings, (
            "printed by the CLI, not on the page", line)


@pytest.fixture
def api(sqlite_db: tuple[str, None]) -> Any:
    """A running service on SQLite (the tables do not depend on the database)."""
    with make_client(*sqlite_db) as c:
        add_key(c)
        yield c


def _run_tables(client: Any, kind: str, example: str, params: dict[str, Any],
                timeout_s: float = 120.0) -> list[dict[str, Any]]:
    listed = client.get("/api/portfolios").json()
    name = next(p["name"] for p in listed)  # (for the message)
    from hashpivot.models import load_portfolio

    want = load_portfolio(EXAMPLES / example).name
    pid = next((p["id"] for p in listed if p["name"] == want  # (or without side files)
                or p["name"].startswith(f"{want} (without ")), None)
    assert pid is not None, (want, name)
    r = client.post("/api/runs", json={"kind": kind, "portfolio_id": pid, "params": params})
    assert r.status_code == 202, r.text
    run = wait_run(client, r.json()["id"], timeout_s)
    assert run["status"] == "succeeded", run
    tables: list[dict[str, Any]] = client.get(f"/api/runs/{run['id']}/tables").json()
    return tables


def test_pivot_page_tables_are_the_clis(api: Any) -> None:
    tables = _run_tables(api, "pivot", "pivot-200mw.toml", {})
    cli = cli_lines(["pivot", str(EXAMPLES / "pivot-200mw.toml")])
    assert_same_story(tables, cli)
    strategy = tables[0]
    assert strategy["title"].endswith("months, discount 10.0 %/year")
    quantities = [r[0] for r in strategy["rows"]]
    assert quantities[-5:] == ["revenue, horizon", "mining share of rev.", "EBITDA, horizon",
                               "FCF, horizon", "BTC mined"]
    assert strategy["notes"][0].startswith(
        "NPV of unlevered free cash flow (month-end, monthly compounding), pre-tax, ")
    assert [t["title"].split("(")[0] for t in tables[1:3]] == [
        "Sensitivity of NPV", "The same with the terminal value "]


def test_simulate_page_tables_are_the_clis(api: Any) -> None:
    tables = _run_tables(api, "simulate", "pivot-200mw.toml",
                         {"paths": 300, "years": 3, "seed": 7})
    cli = cli_lines(["simulate", str(EXAMPLES / "pivot-200mw.toml"), "--paths", "300",
                     "--years", "3", "--seed", "7", "--threads", "1"])
    # the CLI joins the strategy table's notes into its caption ("; "): one line per note
    # here, as the page shows them
    strategy = tables[0]
    joined = "; ".join(n for n in strategy["notes"] if not n.startswith(("note:", "no [")))
    tables[0] = {**strategy, "notes": [joined, *[n for n in strategy["notes"]
                                                 if n.startswith(("note:", "no ["))]]}
    assert_same_story(tables, cli)
    assert [t["title"] for t in tables][1] == "P(reverse margin), keep_mining [% of paths]"
    assert tables[-1]["notes"][-1].startswith("model: BTC gbm, vol ")


@pytest.mark.parametrize(("kind", "argv", "params"), [
    ("cost", ["cost", "--date", "2024-06-30"], {"date": "2024-06-30"}),
    ("backtest", ["backtest", "--start", "2024-01-01", "--end", "2024-03-31"],
     {"start": "2024-01-01", "end": "2024-03-31"}),
    ("dispatch", ["dispatch", "--market", "ercot:HB_WEST:2024"],
     {"market": "ercot:HB_WEST:2024"}),
])
def test_dispatch_site_pages_are_the_clis(api: Any, kind: str, argv: list[str],
                                          params: dict[str, Any]) -> None:
    """cost, backtest and dispatch of the dispatch example: cost and backtest say that
    they price the power at the contract and leave the dispatch table to ``dispatch``."""
    tables = _run_tables(api, kind, "dispatch-west-texas.toml", params)
    file = str(EXAMPLES / "dispatch-west-texas.toml")
    cli = cli_lines([argv[0], file, *argv[1:]])
    if kind == "cost":  # the CLI heads its tables with the market, the page its first title
        title, market = tables[0]["title"].split(": ", 1)
        assert title == "Unit economics" and _norm(market) == cli[0]
        tables[0] = {**tables[0], "title": title}
        cli = cli[1:]
    assert_same_story(tables, cli)
    # every engine closes with its resolved assumptions, dispatch too
    assert tables[-1]["title"] == "Resolved assumptions (default = not in the file)"
    if kind == "dispatch":  # the market given for the run: a run setting, on both
        assert tables[-1]["rows"][0][::3] == ["prices", "run setting"]
    if kind != "dispatch":
        notes = [n for t in tables for n in t["notes"]]
        assert any(n.startswith("note: West Texas: power priced at its power_contract "
                                "(sites[0]), 38 USD/MWh (index ercot:HB_WEST 35 + adder 3)")
                   and "a 150 MW PPA at 32 USD/MWh" in n and "a dispatch of this file" in n
                   for n in notes), notes


@pytest.mark.parametrize(("argv", "params", "start", "sources"), [
    # the end given: the start a year before it (365 days, the end included), on both
    (["--end", "2024-03-31"], {"end": "2024-03-31"}, "2023-04-02",
     ["default: a year before the end", "run setting"]),
    # nothing given: the year to the latest day of the data (bundled: 2025-09-26)
    ([], {}, "2024-09-27",
     ["default: a year before the end", "default: the latest day of the data"]),
    (["--start", "2024-01-01", "--end", "2024-03-31"],
     {"start": "2024-01-01", "end": "2024-03-31"}, "2024-01-01",
     ["run setting", "run setting"]),
])
def test_backtest_window_defaults_are_the_clis(api: Any, argv: list[str],
                                              params: dict[str, Any], start: str,
                                              sources: list[str]) -> None:
    """The run form said the start defaults to a year before the end where ``hashpivot
    backtest`` required ``--start``: one rule fills in a day not given on both, and both
    name the day's source in the resolved assumptions."""
    tables = _run_tables(api, "backtest", "reverse-margin.toml", params)
    cli = cli_lines(["backtest", str(EXAMPLES / "reverse-margin.toml"), *argv])
    assert_same_story(tables, cli)
    rows = tables[-1]["rows"]
    assert [(r[0], r[3]) for r in rows[:2]] == [("backtest start", sources[0]),
                                                ("backtest end", sources[1])]
    assert rows[0][1] == start


def test_optimize_page_tables_are_the_clis(api: Any, tmp_path: Path) -> None:
    tables = _run_tables(api, "optimize", "portfolio.toml",
                         {"scenarios": 12, "evpi_scenarios": 2, "oos_scenarios": 12}, 300)
    listed = api.get("/api/portfolios").json()
    pid = next(p["id"] for p in listed if p["name"].startswith("Four-site"))
    path = tmp_path / "portfolio.toml"  # (the service drops the extra rules file)
    path.write_text(api.get(f"/api/portfolios/{pid}/toml").text)
    cli = cli_lines(["optimize", str(path), "--scenarios", "12", "--evpi-scenarios", "2",
                     "--oos-scenarios", "12"])
    # the CLI prints each rule under its site's heading; the page gives the site per row
    rules = next(t for t in tables if t["title"].startswith("Regulation rules"))
    sites = tuple(sorted({r[0] for r in rules["rows"]}))
    rules["rows"] = [r[1:] for r in rules["rows"]]
    rules["header"] = ["site / rule", *rules["header"][2:]]
    assert sites and all(s in cli for s in sites)
    # the API names the run's parameters (`oos_scenarios`), the CLI its options
    from hashpivot.cli.errors import speak_options
    from hashpivot.cli.optimize import OPTIONS

    for t in tables:
        t["notes"] = [speak_options(n, OPTIONS) for n in t["notes"]]
    assert_same_story(tables, cli, ignore=sites)


def test_the_market_pages_deals_table_is_the_clis(api: Any) -> None:
    """The market page's rent column was a term average without saying so, with neither
    the reported figures marked (*) nor the colocation range and median that
    ``hashpivot deals`` prints."""
    import dataclasses
    import html

    page = html.unescape(api.get("/market").text)
    assert "a term average (escalators included)" in page
    assert "colocation range: " in page and "(median " in page
    from hashpivot.web.market import deals_tables

    tables = [dataclasses.asdict(t) for t in deals_tables()]
    assert_same_story(tables, cli_lines(["deals"]))
    (deals,) = tables
    assert any(row[4].endswith("*") for row in deals["rows"])
    for note in deals["notes"]:
        assert note in page, note
    for row in deals["rows"]:
        assert "</td><td class=\"num\">".join(row[:2]) in page, row
