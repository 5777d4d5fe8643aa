"""The backtest window's one rule (``engines/economics/backtest_window.py``): the command
line, the service and the library fill in a missing day alike, and the run's resolved
assumptions say which day was given and which the rule filled in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hashpivot.engines.economics.backtest_window import (
    DEFAULT_END,
    DEFAULT_START,
    RUN_SETTING,
    backtest_window,
    default_start,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "reverse-margin.toml"
#: The bundled history's first and last day (io/bundled.py: 2010-07-18 to 2025-09-26).
BUNDLED = (dt.date(2010, 7, 18), dt.date(2025, 9, 26))


@pytest.mark.parametrize(("end", "expected"), [
    # 365 days, the end included: 2024-10-01 .. 2025-09-30 (no 29 February in it)
    (dt.date(2025, 9, 30), dt.date(2024, 10, 1)),
    # across 29 February 2024: 2023-04-01 .. 2024-03-30 holds 365 days
    (dt.date(2024, 3, 30), dt.date(2023, 4, 1)),
    # within a year of the history's first day: from that day
    (dt.date(2011, 1, 31), dt.date(2010, 7, 18)),
    # an end before the history: the end itself (the data check refuses the end)
    (dt.date(2009, 1, 3), dt.date(2009, 1, 3)),
])
def test_default_start_is_a_year_before_the_end(end: dt.date, expected: dt.date) -> None:
    start = default_start(end, BUNDLED[0])
    assert start == expected
    if start > BUNDLED[0]:
        assert (end - start).days + 1 == 365


def test_each_day_names_its_source() -> None:
    given = backtest_window("2024-01-01", "2024-03-31", BUNDLED)
    assert (given.start, given.end, given.defaults) == ("2024-01-01", "2024-03-31", ())
    assert [(r["name"], r["value"], r["source"]) for r in given.rows()] == [
        ("backtest start", "2024-01-01", RUN_SETTING),
        ("backtest end", "2024-03-31", RUN_SETTING)]
    ended = backtest_window(None, "2024-03-31", BUNDLED)
    assert (ended.start, ended.defaults) == ("2023-04-02", ("start",))
    assert ended.source("start") == DEFAULT_START == "default: a year before the end"
    assert ended.source("end") == RUN_SETTING
    bare = backtest_window(None, None, BUNDLED)
    assert (bare.start, bare.end, bare.defaults) == ("2024-09-27", "2025-09-26",
                                                     ("start", "end"))
    assert bare.source("end") == DEFAULT_END
    # days a caller filled in by the rule earlier (a stored service run) keep its source
    stored = backtest_window("2024-09-27", "2025-09-26", BUNDLED, ("start", "end"))
    assert [r["source"] for r in stored.rows()] == [DEFAULT_START, DEFAULT_END]


def test_the_engine_defaults_to_the_same_window() -> None:
    """``run_backtest`` without a start runs the rule's year and says so."""
    from hashpivot.engines.economics import run_backtest
    from hashpivot.models import load_portfolio

    result = run_backtest(load_portfolio(EXAMPLE), end="2024-03-31")
    assert result.summary["days"] == 365.0
    assert str(result.daily.index[0].date()) == "2023-04-02"
    rows = {r["name"]: r for r in result.resolved_assumptions()}
    assert (rows["backtest start"]["value"], rows["backtest start"]["source"]) == (
        "2023-04-02", DEFAULT_START)
    assert rows["backtest end"]["source"] == RUN_SETTING
