"""The discount rate, the lease term and BTC price growth in pivot's tornado.

Each flips the verdict of the 200 MW example when moved on its own (measured
2026-12-07: a 15 % discount rate takes convert_100mw's NPV vs keep-mining from +202.9 to
+3.9 M USD, a 5-year lease to -79.4, 50 %/year BTC price growth to -1,016) and none was a
row of the tornado. Each row's cells are checked against an independent full ``pivot``
run of the file with that one input changed, and each switching value against a run
there.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import pytest

from hashpivot.engines import pivot as pv
from hashpivot.models import parse_portfolio

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"
#: The example's lines that set the three inputs.
RATE, TERM, GROWTH = ("discount_rate = 0.10", "lease_term_years = 12 ",
                      "btc_price_growth_per_year = 0.10")
#: Relative agreement of a tornado cell with a full run: both are the same sums in the
#: same order up to a market built for several paths at once (measured: below 1e-15).
RELATIVE = 1e-9


@cache
def _run(old: str = RATE, new: str = RATE, extra: str = "") -> pv.PivotResult:
    """The example with ``old`` replaced by ``new`` (and ``extra`` after ``[pivot]``)."""
    text = EXAMPLE.read_text()
    assert old in text
    text = text.replace(old, new, 1).replace("[pivot]\n", f"[pivot]\n{extra}", 1)
    return pv.run_pivot(parse_portfolio(text, "tornado-terms.toml"))


def _diffs(res: pv.PivotResult) -> tuple[float, float]:
    """NPV(pivot) - NPV(keep_mining) of a run: to the horizon, with the terminal value."""
    s = res.strategy(res.pivot_name)
    return s.npv_vs_baseline_usd, s.npv_with_terminal_value_vs_baseline_usd


def _row(res: pv.PivotResult, variable: str) -> dict[str, float]:
    row: dict[str, float] = res.tornado.set_index("variable").loc[variable].to_dict()
    return row


@pytest.mark.parametrize(("variable", "old", "low", "high", "unit"), [
    ("discount_rate", RATE, "discount_rate = 0.08", "discount_rate = 0.12", "1/year"),
    ("lease_term_years", TERM, "lease_term_years = 7 ", "lease_term_years = 17 ", "year"),
    ("btc_price_growth_per_year", GROWTH, "btc_price_growth_per_year = 0.0",
     "btc_price_growth_per_year = 0.2", "1/year"),
])
def test_a_row_is_a_full_run_with_the_input_at_its_low_and_high(
        variable: str, old: str, low: str, high: str, unit: str) -> None:
    row = _row(_run(), variable)
    # the default ranges: -/+ 2 points, -/+ 5 years, -/+ 10 %/year
    value = lambda line: float(line.split("=")[1])  # noqa: E731
    assert (row["unit"], row["low_input"], row["high_input"]) == (
        unit, pytest.approx(value(low)), pytest.approx(value(high)))
    for side, line in (("low", low), ("high", high)):
        to_horizon, with_tv = _diffs(_run(old, line))
        assert row[f"npv_vs_baseline_{side}_usd"] == pytest.approx(to_horizon, rel=RELATIVE)
        assert row[f"npv_with_tv_vs_baseline_{side}_usd"] == pytest.approx(with_tv,
                                                                          rel=RELATIVE)


def test_the_discount_rate_moves_both_lines_rates_by_the_step() -> None:
    """With mining at 15 % and hosting at 8 %, the input is the step on each line's rate
    (-/+ 2 points), and its low cell is a run at 13 % and 6 %."""
    split = "mining_discount_rate = 0.15\nhosting_discount_rate = 0.08\n"
    row = _row(_run(extra=split), "discount_rate")
    assert (row["unit"], row["low_input"], row["high_input"]) == ("+ rate", -0.02, 0.02)
    moved = _run(RATE, "discount_rate = 0.08",
                 "mining_discount_rate = 0.13\nhosting_discount_rate = 0.06\n")
    assert row["npv_vs_baseline_low_usd"] == pytest.approx(_diffs(moved)[0], rel=RELATIVE)
    assert row["npv_with_tv_vs_baseline_low_usd"] == pytest.approx(_diffs(moved)[1],
                                                                   rel=RELATIVE)


@pytest.mark.parametrize(("old", "base", "variable", "field"), [
    (RATE, "discount_rate = 0.15", "discount_rate", "discount_rate"),  # 13-17 %
    (GROWTH, "btc_price_growth_per_year = 0.3", "btc_price_growth_per_year",
     "btc_price_growth_per_year"),  # 20-40 %/year
])
def test_a_run_at_the_switching_value_breaks_even(old: str, base: str, variable: str,
                                                  field: str) -> None:
    row = _row(_run(old, base), variable)
    d_lo, d_hi = row["npv_vs_baseline_low_usd"], row["npv_vs_baseline_high_usd"]
    assert d_lo > 0 > d_hi  # the verdict turns within the range
    x = row["switching_input"]
    assert row["low_input"] < x < row["high_input"]
    # Brent's method stops within 1e-6 of the range: the difference there is within
    # 1e-5 of its swing (as test_switching's capex run)
    again = _diffs(_run(old, f"{field} = {x!r}"))[0]
    assert again == pytest.approx(0.0, abs=1e-5 * (d_lo - d_hi))


def test_the_lease_term_switches_at_a_whole_month() -> None:
    """An 8-year lease, read as 3-13 years: the switching value is the first whole month
    of term at which the pivot is ahead; a run there is ahead, one a month shorter is
    behind."""
    row = _row(_run(TERM, "lease_term_years = 8 "), "lease_term_years")
    assert (row["low_input"], row["high_input"]) == (3.0, 13.0)
    assert row["npv_vs_baseline_low_usd"] < 0 < row["npv_vs_baseline_high_usd"]
    months = row["switching_input"] * 12
    assert months == round(months) and 36 < months <= 156
    at = _diffs(_run(TERM, f"lease_term_years = {months / 12!r} "))[0]
    before = _diffs(_run(TERM, f"lease_term_years = {(months - 1) / 12!r} "))[0]
    assert before < 0 < at
    assert math.isfinite(row["switching_with_tv_input"])


def test_a_low_rate_at_a_gordon_growth_leaves_the_cells_empty() -> None:
    """Both lines by Gordon growth at 9 %/year, the rate 10 %: at 8 % the perpetuity has
    no finite value (a file at 8 % is refused). The run stopped on it ('Gordon growth 0.09
    must be below the discount rate 0.08'); the row's low cells are now empty (NaN, null
    in JSON), its high cells numbers."""
    gordon = ('terminal_value = { mining_method = "gordon", hosting_method = "gordon", '
              "growth_per_year = 0.09 }\n")
    res = _run(extra=gordon)
    row = _row(res, "discount_rate")
    assert math.isnan(row["npv_vs_baseline_low_usd"])
    assert math.isnan(row["npv_with_tv_vs_baseline_low_usd"])
    assert math.isfinite(row["npv_with_tv_vs_baseline_high_usd"])
    json_row = next(r for r in res.to_json_dict()["tornado"] if r["variable"] == "discount_rate")
    assert json_row["npv_with_tv_vs_baseline_low_usd"] is None
