"""Switching values of the pivot's tornado (:mod:`hashpivot.engines.pivot.switching`): the
input, within a variable's range, at which NPV(pivot) - NPV(keep_mining) turns, checked
against the exact break-even lease, a straight line through a linear variable's cells and
a run at the switching value."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.switching import switching_value
from hashpivot.models import load_portfolio, parse_portfolio

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"


def test_switching_value_by_hand() -> None:
    line = lambda x: 3.0 * x - 6.0  # noqa: E731 - zero at 2
    assert switching_value(line, 0.0, 5.0, line(0.0), line(5.0)) == pytest.approx(2.0, abs=5e-6)
    assert switching_value(line, 5.0, 0.0, line(5.0), line(0.0)) == pytest.approx(2.0, abs=5e-6)
    assert math.isnan(switching_value(line, 3.0, 5.0, line(3.0), line(5.0)))  # holds
    assert switching_value(line, 2.0, 5.0, 0.0, line(5.0)) == 2.0  # zero at an end
    assert math.isnan(switching_value(line, 0.0, 5.0, float("nan"), line(5.0)))
    # whole months: the first delay at which the sign has turned (2.5 -> 3)
    calls: list[float] = []

    def months(x: float) -> float:
        calls.append(x)
        return 10.0 - 4.0 * x

    assert switching_value(months, 0.0, 6.0, months(0.0), months(6.0), whole=True) == 3.0
    assert all(c == int(c) for c in calls)


@pytest.fixture(scope="module")
def lease_110() -> pv.PivotResult:
    """The 200 MW example at a first-year lease of 110 USD/kW/month: its tornado range
    (88-132) holds the break-even lease (100.0, independent of the lease given)."""
    text = EXAMPLE.read_text().replace("lease_usd_per_kw_month = 130.0",
                                       "lease_usd_per_kw_month = 110.0", 1)
    return pv.run_pivot(parse_portfolio(text, "lease-110.toml"))


def test_the_lease_switches_at_the_break_even_lease(lease_110: pv.PivotResult) -> None:
    t = lease_110.tornado.set_index("variable")
    lease = t.loc["lease_usd_per_kw_month"]
    assert lease["low_input"] < lease_110.breakeven_lease_usd_per_kw_month < lease["high_input"]
    # two methods: Brent on the tornado's evaluations, a straight line through two rents
    tol = 1e-5 * (lease["high_input"] - lease["low_input"])
    assert lease["switching_input"] == pytest.approx(
        lease_110.breakeven_lease_usd_per_kw_month, abs=tol)
    assert lease["switching_with_tv_input"] == pytest.approx(
        lease_110.breakeven_lease_with_terminal_value_usd_per_kw_month, abs=tol)


def test_capex_switches_where_its_line_crosses_zero_and_a_run_there_breaks_even() -> None:
    # capex high enough to turn the verdict within its +-25 % range: 11.5 M USD per IT MW
    text = EXAMPLE.read_text().replace("shell_capex_usd_per_it_mw = 3.0e6",
                                       "shell_capex_usd_per_it_mw = 5.5e6", 1)
    res = pv.run_pivot(parse_portfolio(text, "capex.toml"))
    capex = res.tornado.set_index("variable").loc["capex_usd_per_it_mw"]
    lo, hi = capex["low_input"], capex["high_input"]
    d_lo, d_hi = capex["npv_vs_baseline_low_usd"], capex["npv_vs_baseline_high_usd"]
    assert d_lo > 0 > d_hi  # the verdict turns within the range
    crossing = lo + d_lo * (hi - lo) / (d_lo - d_hi)  # the NPVs are linear in the capex
    assert capex["switching_input"] == pytest.approx(crossing, abs=1e-5 * (hi - lo))
    # the same file with its capex at the switching value: pivot's NPV equals keep-mining's
    scale = float(capex["switching_input"]) / 11.5e6
    at_switch = text.replace("shell_capex_usd_per_it_mw = 5.5e6",
                             f"shell_capex_usd_per_it_mw = {5.5e6 * scale!r}", 1).replace(
        "fit_out_capex_usd_per_it_mw = 6.0e6", f"fit_out_capex_usd_per_it_mw = {6.0e6 * scale!r}",
        1)
    again = pv.run_pivot(parse_portfolio(at_switch, "at-switch.toml"))
    assert again.strategy(again.pivot_name).npv_vs_baseline_usd == pytest.approx(
        0.0, abs=1e-5 * (d_lo - d_hi))


def test_a_verdict_that_holds_has_no_switching_value() -> None:
    res = pv.run_pivot(load_portfolio(EXAMPLE))
    t = res.tornado
    same = (t["npv_vs_baseline_low_usd"] > 0) == (t["npv_vs_baseline_high_usd"] > 0)
    assert same.all() and t["switching_input"].isna().all()
    records = res.to_json_dict()["tornado"]
    assert all("switching_with_tv_input" in r for r in records)
