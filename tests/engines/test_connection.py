"""A site's machines mine from its grid connection (``[[sites]] connection_date``), in
every engine: ``pivot`` and ``simulate`` (the same cash flows), ``optimize`` (pivot's value
of its plan to 1e-9: ``tests/optimize/test_pivot_equivalence.py``, where the example's
Odessa Grid connects four months after the first month), ``backtest`` and ``cost --date``.
Before, every forward engine mined a site from the first month whatever its connection
date: the example's Odessa Grid, connected 2026-02-01, earned four months of mining before
it had power."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.economics.backtest import run_backtest
from hashpivot.engines.economics.fleet_arrays import portfolio_arrays
from hashpivot.engines.economics.network_conditions import NetworkConditions
from hashpivot.engines.economics.unit_economics import compute_unit_economics
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio, load_portfolio
from tests.engines.simulate_inputs import at_zero_volatility

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"


def _connected(pf: Portfolio, day: str) -> Portfolio:
    site = pf.sites[0].model_copy(update={"connection_date": day})
    return pf.model_copy(update={"sites": [site]})


def test_the_share_of_each_month_connected_by_hand() -> None:
    months = pd.period_range("2025-12", periods=4, freq="M")
    # 2026-02 has 28 days: connected from the 15th, 14 of them
    np.testing.assert_array_equal(connected_share("2026-02-15", months), [0, 0, 0.5, 1])
    np.testing.assert_array_equal(connected_share("2026-01-01", months), [0, 1, 1, 1])
    np.testing.assert_array_equal(connected_share("2019-09-01", months), [1, 1, 1, 1])
    np.testing.assert_array_equal(connected_share(None, months), [1, 1, 1, 1])
    np.testing.assert_array_equal(connected_share("2027-01-01", months), [0, 0, 0, 0])


def test_pivot_mines_from_the_connection_and_says_so() -> None:
    pf = load_portfolio(EXAMPLE)
    first = pv.market_start(pf.pivot).start
    day = str((first + 4).start_time.date())  # four months in, on the 1st
    late = _connected(pf, day)
    res, base = pv.run_pivot(late), pv.run_pivot(pf)
    cf = res.strategy("keep_mining").cash_flows
    cf0 = base.strategy("keep_mining").cash_flows
    for name in ("mining_revenue_usd", "power_cost_usd", "btc_mined"):
        a, b = getattr(cf, name)[0], getattr(cf0, name)[0]
        assert np.all(a[:4] == 0.0) and b[:4].min() > 0, name
        np.testing.assert_allclose(a[4:], b[4:], rtol=1e-12, err_msg=name)
    # nothing runs at the site before it connects: no mining, no site costs
    assert np.all(np.asarray(cf.unlevered_fcf_usd)[0][:4] == 0.0)
    assert np.asarray(cf0.unlevered_fcf_usd)[0][:4].min() > 0
    mw, mw0 = np.ravel(cf.mining_mw), np.ravel(cf0.mining_mw)
    assert np.all(mw[:4] == 0.0) and mw[4] == mw0[4] > 0
    assert res.strategy("keep_mining").npv_usd < base.strategy("keep_mining").npv_usd
    (note,) = [w for w in res.warnings if "connection_date" in w]
    assert note.startswith(f"West Texas 200: connected to the grid on {day} "
                           "(sites[0].connection_date), after the first month valued")
    assert not [w for w in base.warnings if "connection_date" in w]


def test_simulate_at_zero_volatility_is_pivot_with_a_late_connection() -> None:
    pf = load_portfolio(EXAMPLE)
    first = pv.market_start(pf.pivot).start
    pf = _connected(pf, str((first + 5).start_time.date() + dt.timedelta(days=9)))
    pf = at_zero_volatility(pf)
    want = pv.run_pivot(pf)
    res = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2))
    for s in want.strategies:
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_usd, rtol=1e-9)
    assert any("connection_date" in w for w in res.warnings)


def test_backtest_and_cost_leave_the_machines_out_before_the_connection() -> None:
    pf = _connected(load_portfolio(EXAMPLE), "2025-03-10")
    daily = run_backtest(pf, "2025-03-01", "2025-03-31").daily
    mined = daily["btc_mined"].to_numpy()
    assert np.all(mined[:9] == 0.0) and np.all(mined[9:] > 0.0)
    # the site is not operating before it: no power, depreciation or site cost items
    cost_cols = [c for c in daily.columns if c.startswith("cost_") and c.endswith("_usd")
                 and not c.startswith("cost_per_btc")] + ["power_cost_usd"]
    assert cost_cols
    for c in cost_cols:
        assert np.all(daily[c].to_numpy()[:9] == 0.0), c
    with pytest.raises(InputError, match="connection_date"):  # nothing mines that day
        portfolio_arrays(pf, on=dt.date(2025, 3, 9))
    assert len(portfolio_arrays(pf, on=dt.date(2025, 3, 10)).site) > 0

    # cost on a day a second site is not yet connected: that site is left out, and said
    two = load_portfolio(Path(__file__).parents[2] / "examples" / "portfolio.toml")
    net = NetworkConditions(100_000, 100e12, 0.0, 3.125, date=dt.date(2025, 9, 26))
    ue = compute_unit_economics(two, net)
    (note,) = [n for n in ue.notes if "not connected" in n]
    assert note == ("Odessa Grid: not connected on 2025-09-26 (sites[1].connection_date "
                    "2026-02-01): its machines and cost items are left out")
    assert "Odessa Grid" not in set(ue.ledger["scope"]) | set(ue.fleet["site"])
    assert "Pecos PPA" in set(ue.ledger["scope"])


def test_a_site_connected_before_the_first_month_is_valued_as_before() -> None:
    pf = load_portfolio(EXAMPLE)
    assert pf.sites[0].connection_date is None
    a = pv.run_pivot(_connected(pf, "2019-09-01"))
    b = pv.run_pivot(pf)
    assert [s.npv_usd for s in a.strategies] == [s.npv_usd for s in b.strategies]


def test_no_hall_goes_into_service_before_the_connection() -> None:
    """A hall draws power: construction starts late enough that it goes into service on
    the first whole month connected (before, a site connected 2027-06-15 earned rent and
    drew 119,040 MWh a month from 2026-10, and a site connected after the horizon made
    converting worth 525.9 M USD against a keep-mining of zero)."""
    pf = load_portfolio(EXAMPLE)
    res = pv.run_pivot(_connected(pf, "2027-06-15"))
    cf = res.strategy("convert_all").cash_flows
    months = [str(p) for p in cf.periods]
    in_service = np.ravel(np.asarray(cf.it_mw_in_service))
    assert months[int(np.flatnonzero(in_service > 0)[0])] == "2027-07"
    assert np.all(np.ravel(np.asarray(cf.hosting_revenue_usd))[: months.index("2027-07")] == 0)
    (moved,) = [w for w in res.warnings if w.startswith("convert_all: a hall cannot")]
    assert "200.0 MW at 'West Texas 200' from 2025-10 to 2026-07" in moved  # 12 months' build
    never = pv.run_pivot(_connected(pf, "2045-01-01"))  # after the horizon (2040-09)
    assert [s.npv_usd for s in never.strategies] == [0.0] * len(never.strategies)


def test_no_fleet_replacement_while_the_site_waits_for_its_connection() -> None:
    """A site not (wholly) connected replaces nothing: no capex, and no better machines
    after (helper-36 found the capex scaled by the share of the month connected while the
    new machines counted in full; helper-37 found a site connected after the horizon
    paying 254.1, 354.6 and 495.0 M USD of replacements for machines that never ran)."""
    pf = load_portfolio(EXAMPLE)
    pf = pf.model_copy(update={"pivot": pf.pivot.model_copy(update={
        "btc_price_growth_per_year": 0.25, "network_hashrate_growth_per_year": 0.05,
        "replacement_capex_usd_per_th": 3.0})})
    base = pv.run_pivot(pf).strategy("keep_mining").cash_flows
    capex0 = np.ravel(np.asarray(base.replacement_capex_usd))
    first = int(np.flatnonzero(capex0 > 0)[0])  # the first replacement (2029-10 here)
    for day in ((base.periods[first] + 1).start_time.date(),  # the month after it
                (base.periods[first]).start_time.date().replace(day=25)):  # in part
        late = pv.run_pivot(_connected(pf, str(day))).strategy("keep_mining").cash_flows
        capex = np.ravel(np.asarray(late.replacement_capex_usd))
        assert capex[first] == 0.0 and capex0[first] > 0
        after = first + 1
        assert (np.ravel(np.asarray(late.btc_mined))[after]
                < np.ravel(np.asarray(base.btc_mined))[after])  # the old machines mine on
    never = pv.run_pivot(_connected(pf, "2045-01-01"))  # after the horizon (2040-09)
    assert [s.npv_with_terminal_value_usd for s in never.strategies] == [0.0] * len(
        never.strategies)


def test_the_optimizer_starts_no_hall_before_the_connection_and_pivot_agrees() -> None:
    """The example's Odessa Grid connected 2029-01-01: the optimizer starts no hall there
    whose 15 months' build ends before it, and pivot on the plan portfolio gives the
    optimizer's value on the central path to 1e-9 (before: 533.2 against 532.6 M USD)."""
    from hashpivot.models import parse_portfolio
    from hashpivot.optimize import OptimizeConfig, optimize_plan

    src = Path(__file__).parents[2] / "examples" / "portfolio.toml"
    text = src.read_text()
    assert 'connection_date = "2026-02-01"' in text
    pf = parse_portfolio(text.replace('connection_date = "2026-02-01"',
                                      'connection_date = "2029-01-01"'), str(src))
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False), source=str(src))
    odessa = r.plan[r.plan["site"] == "Odessa Grid"]
    assert len(odessa)  # it converts there, late enough
    assert all(pd.Period(q, "Q").asfreq("M", "start") + 15 >= pd.Period("2029-01", "M")
               for q in odessa["quarter"])
    check = r.center_path_check
    assert check["npv_with_tv_vs_keep_usd"] == pytest.approx(
        check["optimizer_value_over_keep_usd"], rel=1e-9)


def test_backtest_says_which_site_it_leaves_out_and_divides_nothing_by_zero() -> None:
    import warnings

    pf = load_portfolio(Path(__file__).parents[2] / "examples" / "portfolio.toml")
    notes = run_backtest(pf, "2025-01-01", "2025-09-26").notes
    assert ("Odessa Grid: connected to the grid on 2026-02-01 (sites[1].connection_date): "
            "left out of the whole window (its machines, their depreciation and its cost "
            "items)") in notes
    # the depreciation note speaks only of sites that ran in the window
    assert not [n for n in notes if "depreciation at Odessa Grid" in n]
    late = _connected(load_portfolio(EXAMPLE), "2027-06-15")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0 when nothing is mined
        res = run_backtest(late, "2025-01-01", "2025-03-01")
    assert res.summary["btc_mined"] == 0.0 and np.isnan(res.summary["cost_per_btc_direct_usd"])


def test_a_connection_in_the_final_year_is_annualized_over_the_months_connected() -> None:
    """Mining's terminal value takes the final year as the MW mining at the horizon would
    earn it: a site connected during the final year counts its months connected, a month
    connected in part scaled to a whole one (before, 2040-09-20 gave 99.1 M USD against
    270.2 for 2040-09-01: eleven days annualized as a month)."""
    pf = load_portfolio(EXAMPLE)
    pf = pf.model_copy(update={"pivot": pf.pivot.model_copy(update={
        "btc_price_growth_per_year": 0.25, "network_hashrate_growth_per_year": 0.05})})

    def tv(day: str) -> float:
        k = pv.run_pivot(_connected(pf, day)).strategy("keep_mining")
        return k.npv_with_terminal_value_usd - k.npv_usd

    last = tv("2040-09-01")  # the horizon's last month, wholly connected
    assert last > 0
    assert tv("2040-09-20") == pytest.approx(last, rel=1e-9)
    assert tv("2040-10-01") == 0.0  # after the horizon: nothing


def test_a_hall_whose_site_connects_too_late_is_left_out() -> None:
    """A site connected after the horizon's last month (less the build): no hall there,
    so the conversion is worth what keep-mining is there, nothing (before, convert_all
    was worth 135.2 M USD with the terminal value, its halls valued after the horizon)."""
    res = pv.run_pivot(_connected(load_portfolio(EXAMPLE), "2042-01-01"))
    assert [s.npv_with_terminal_value_usd for s in res.strategies] == [0.0] * len(
        res.strategies)
    (note,) = [w for w in res.warnings if w.startswith("convert_all: a hall cannot")]
    assert "200.0 MW at 'West Texas 200' left out (connected 2042-01-01" in note

