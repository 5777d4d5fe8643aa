"""Terminal values: closed forms on flat cash flows (layer 1 and the pivot engine)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.discounting import hosting_fcf_usd
from hashpivot.engines.pivot.terminal import line_value_at_horizon_usd, terminal_value
from hashpivot.models import parse_portfolio
from hashpivot.models.hosting import TerminalValueSpec
from hashpivot.terminal_value import (
    exit_multiple_terminal_value_usd,
    final_year_run_rate_usd,
    final_year_usd,
    gordon_factor,
    gordon_terminal_value_usd,
    rent_started,
    value_at_horizon_of_flows_usd,
)
from tests.engines.pivot_inputs import BASE_TOML, PIVOT, base_toml


def test_gordon_closed_form() -> None:
    """A year's flow arrives month by month, as every flow of the model: a flat 12 M
    USD/year forever at 10 % is 120 M USD paid at each year's end (the textbook form) times
    ``r / (12 r_m)`` = 1.0450 paid monthly (``r_m = 1.1^(1/12) - 1``); growing at 2 % a
    year, 12 x 1.02 / 0.08 times the same. Until 2026-12-06 the year was one payment at its
    end, 4.5 % less than the monthly flows it stands for."""
    monthly = 0.10 / (12 * (1.1 ** (1 / 12) - 1))
    assert monthly == pytest.approx(1.04504, abs=1e-5)
    assert gordon_terminal_value_usd(12e6, 0.10, 0.0) == pytest.approx(120e6 * monthly,
                                                                       rel=1e-14)
    assert gordon_terminal_value_usd(12e6, 0.10, 0.02) == pytest.approx(153e6 * monthly,
                                                                        rel=1e-14)
    np.testing.assert_allclose(
        gordon_terminal_value_usd(np.array([12e6, -5e6]), 0.10, 0.0), [120e6 * monthly, 0.0]
    )
    # by brute force: year k's 12 (1.02)^k M USD in 12 month-end payments, 1,500 years
    months = np.arange(1, 1500 * 12 + 1)
    flows = 1e6 * 1.02 ** np.ceil(months / 12)
    assert float((flows * 1.1 ** (-months / 12)).sum()) == pytest.approx(
        gordon_terminal_value_usd(12e6, 0.10, 0.02), rel=1e-12)
    # no discounting of a shrinking flow: the factor's limit, 1; a rate near zero keeps
    # its digits (a review's 1e-15 divided by zero, 1e-12 was 0.08 % off)
    assert gordon_terminal_value_usd(12e6, 0.0, -0.5) == pytest.approx(12e6, rel=1e-12)
    for r in (1e-15, 1e-12, 1e-8):
        exact = (1 - 0.02) / (r + 0.02) * (1 + 5.5 * r / 12)  # r / (12 r_m) to first order
        assert gordon_factor(r, -0.02) == pytest.approx(exact, rel=1e-9)
    with pytest.raises(ValueError, match="below the discount rate"):
        gordon_terminal_value_usd(1.0, 0.05, 0.05)


def test_exit_multiple_closed_form() -> None:
    assert exit_multiple_terminal_value_usd(10e6, 8.0) == 80e6
    np.testing.assert_array_equal(
        exit_multiple_terminal_value_usd(np.array([10e6, -1.0]), 20.0), [200e6, 0.0]
    )


def test_value_of_flat_flows_after_the_horizon_is_an_annuity() -> None:
    r, c, m = 0.008, 1e6, 36
    want = c * (1.0 - (1.0 + r) ** -m) / r  # ordinary annuity, month-end flows
    assert value_at_horizon_of_flows_usd(np.full(m, c), r) == pytest.approx(want, rel=1e-13)
    assert value_at_horizon_of_flows_usd(np.zeros(0), r) == 0.0


def _flat_mining(months: int, ebitda_per_month: float) -> pv.CashFlows:
    pf = parse_portfolio(BASE_TOML)
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"),
                                pv.deterministic_market(pf, None, months))
    flat = np.full((1, months), ebitda_per_month)
    zero = np.zeros((1, months))
    return dataclasses.replace(
        cf, mining_revenue_usd=flat, power_cost_usd=zero, opex_usd=zero,
        replacement_capex_usd=zero, hosting_revenue_usd=zero,
        hosting_power_cost_usd=zero, hosting_opex_usd=zero, hosting_capex_usd=zero,
        unlevered_fcf_usd=flat, hosting_fcf_after_horizon_usd=np.zeros(0),
        mining_at_horizon=(),  # by hand: the mining line's own final year
    )


def test_engine_terminal_values_on_a_flat_cash_flow() -> None:
    months, c, r = 60, 1e6, 0.10
    cf = _flat_mining(months, c)
    disc = (1.0 + r) ** (-months / 12.0)  # five years of monthly compounding at 10 %/yr
    tv = terminal_value(cf, TerminalValueSpec(mining_method="exit_multiple",
                                              mining_ebitda_multiple=8.0), r)
    assert tv.mining_at_horizon_usd[0] == pytest.approx(8.0 * 12.0 * c, rel=1e-14)
    assert tv.present_value_usd[0] == pytest.approx(96e6 * disc, rel=1e-12)
    tv = terminal_value(cf, TerminalValueSpec(mining_method="gordon", growth_per_year=0.0), r)
    # a flat month's flow forever at the monthly rate: c / r_m (12 c / r, paid a year
    # at a time, until 2026-12-06)
    assert tv.mining_at_horizon_usd[0] == pytest.approx(c / ((1 + r) ** (1 / 12) - 1),
                                                        rel=1e-12)
    tv = terminal_value(cf, TerminalValueSpec(mining_method="none"), r)
    assert tv.present_value_usd[0] == 0.0


def test_lease_past_the_horizon_is_valued_explicitly() -> None:
    """The hosting terminal value of a short run equals the present value, at the short
    horizon, of the hosting flows a longer run shows after it (an independent run)."""
    pf = parse_portfolio(BASE_TOML)
    strategy = next(s for s in pv.build_strategies(pf) if s.name == "convert_all")
    short, long_ = 24, 72  # 3-year lease, 6-month build: the rent runs past month 24
    cf_s = pv.strategy_cash_flows(pf, strategy, pv.deterministic_market(pf, None, short))
    cf_l = pv.strategy_cash_flows(pf, strategy, pv.deterministic_market(pf, None, long_))
    after = (
        cf_l.hosting_revenue_usd[0] + cf_l.prepayment_usd[0] - cf_l.hosting_power_cost_usd[0]
        - cf_l.hosting_opex_usd[0] - cf_l.hosting_capex_usd[0]
    )[short:]
    assert after[:6].min() > 0  # rent still flows after the horizon
    after = after[: int(np.flatnonzero(cf_l.hosting_revenue_usd[0, short:] > 0)[-1]) + 1]
    r = 0.10
    r_m = (1.0 + r) ** (1.0 / 12.0) - 1.0
    want = float(after @ (1.0 + r_m) ** -(np.arange(after.size) + 1.0))
    tv = terminal_value(cf_s, TerminalValueSpec(hosting_method="contract",
                                                mining_method="none"), r)
    assert tv.hosting_at_horizon_usd[0] == pytest.approx(want, rel=1e-9)
    # within the horizon the flows are those of the long run (cutting changes nothing)
    np.testing.assert_allclose(cf_s.unlevered_fcf_usd[0], cf_l.unlevered_fcf_usd[0, :short],
                               rtol=1e-12, atol=1e-6)


def test_hosting_npv_with_contract_tv_does_not_depend_on_the_horizon() -> None:
    """A 3-year lease from month 6: the hosting line's NPV to the horizon plus its
    ``contract`` terminal value is the same whether the horizon ends while the lease runs
    (24 months), just after it (42) or long after it (60): after its last lease the hall
    is worth nothing either side of the horizon. Until 2026-12-06 its opex ran on within
    the horizon (not after it), so the 60-month horizon valued it 1.3 M USD lower."""
    pf = parse_portfolio(BASE_TOML)
    strategy = next(s for s in pv.build_strategies(pf) if s.name == "convert_all")
    spec = TerminalValueSpec(hosting_method="contract", mining_method="none")
    r = 0.10
    r_m = (1.0 + r) ** (1.0 / 12.0) - 1.0

    def hosting_value(months: int) -> float:
        cf = pv.strategy_cash_flows(pf, strategy, pv.deterministic_market(pf, None, months))
        flows = hosting_fcf_usd(cf)[0]
        npv = float(flows @ (1.0 + r_m) ** -(np.arange(months) + 1.0))
        tv = terminal_value(cf, spec, r)
        return npv + float(tv.present_value_usd[0])

    during, after, long_after = hosting_value(24), hosting_value(42), hosting_value(60)
    assert during == pytest.approx(after, rel=1e-12)
    assert long_after == pytest.approx(after, rel=1e-12)


def test_each_hall_is_valued_up_to_its_own_last_lease() -> None:
    """Two halls at one site whose 3-year leases end 18 months apart: the hosting terminal
    value is the sum of each hall's own (the first hall's empty months after its lease are
    not valued while the second's lease runs)."""
    pf = parse_portfolio(BASE_TOML)
    start = pd.Period("2026-01", "M")
    market = pv.deterministic_market(pf, start, 24)
    first = pv.ConversionPhase("A", start + 12, 20.0)  # rent months 18 .. 53
    second = pv.ConversionPhase("A", start + 18, 20.0)  # rent months 24 .. 59
    spec = TerminalValueSpec(hosting_method="contract", mining_method="none")

    def hosting_tv(*phases: pv.ConversionPhase) -> float:
        cf = pv.strategy_cash_flows(pf, pv.Strategy("s", phases), market)
        return float(terminal_value(cf, spec, 0.10).hosting_at_horizon_usd[0])

    alone = hosting_tv(first) + hosting_tv(second)
    assert hosting_tv(first) > 0 and hosting_tv(second) > hosting_tv(first)
    assert hosting_tv(first, second) == pytest.approx(alone, rel=1e-12)


def test_mw_converted_in_the_final_year_do_not_mine_after_the_horizon() -> None:
    """Half the miners converted three months before the horizon: the mining terminal
    value (8x the final year's EBITDA) is half keep-mining's, not 9/12 + 3/24 of it: the
    final year is valued at the MW mining at the horizon."""
    pf = parse_portfolio(base_toml(pivot={**PIVOT, "network_hashrate_growth_per_year": 0.0}))
    market = pv.deterministic_market(pf, None, 60)
    spec = TerminalValueSpec(hosting_method="none")

    def mining_tv(*phases: pv.ConversionPhase) -> tuple[float, np.ndarray]:
        cf = pv.strategy_cash_flows(pf, pv.Strategy("s", phases), market)
        return float(terminal_value(cf, spec, 0.10).mining_at_horizon_usd[0]), cf.mining_mw[0]

    keep, mw = mining_tv()
    assert keep > 0  # mining earns money at the horizon: the test has teeth
    spare = 100.0 - mw[-1]  # converted first, then half the 73.5 MW of miners
    half, mw_half = mining_tv(pv.ConversionPhase("A", market.periods[-3], spare + mw[-1] / 2))
    assert mw_half[-4:].tolist() == [73.5, 36.75, 36.75, 36.75]
    assert half == pytest.approx(keep / 2, rel=1e-12)


def test_final_year_run_rate_takes_the_months_in_service_only() -> None:
    """Six months of build capex then six of 10 USD: 120 USD a year at the run-rate
    (the capex does not recur); a whole year in service, or none, is the plain final
    year."""
    flows = np.array([-50.0] * 6 + [10.0] * 6)
    on = rent_started(np.array([0.0] * 6 + [12.0] * 6))
    assert on.tolist() == [False] * 6 + [True] * 6
    assert final_year_run_rate_usd(flows, on) == pytest.approx(120.0, rel=1e-15)
    assert final_year_run_rate_usd(np.full(12, 5.0), np.ones(12, bool)) == 60.0
    assert final_year_run_rate_usd(flows, np.zeros(12, bool)) == final_year_usd(flows)
    rows = np.vstack([flows, np.full(12, 5.0)])  # per hall (rows), on its own months
    np.testing.assert_array_equal(
        final_year_run_rate_usd(rows, np.vstack([on, np.ones(12, bool)])), [120.0, 60.0])


@pytest.mark.parametrize("method", ["exit_multiple", "gordon"])
def test_a_hall_leased_part_of_the_final_year_is_valued_at_its_run_rate(method: str) -> None:
    """A hall whose rent starts six months before the horizon: its final-year EBITDA is
    the run-rate of those six months (twelve times a month's, as the first lease year's
    rent does not escalate), so a six-month later build no longer halves the hall's value
    at the horizon (it did until 2026-12-05: 793.7 against 397.5 M USD on a reviewer's
    100 MW case); pivot and the optimizer value it alike
    (tests/optimize/test_pivot_equivalence.py)."""
    pf = parse_portfolio(BASE_TOML)
    start = pd.Period("2026-01", "M")
    market = pv.deterministic_market(pf, start, 24)
    # a 6-month build from month 12: rent from month 18 (BASE_TOML: no rent lag)
    phase = pv.ConversionPhase("A", start + 12, 20.0)
    cf = pv.strategy_cash_flows(pf, pv.Strategy("s", (phase,)), market)
    assert cf.halls_at_horizon is not None
    rent = cf.hosting_revenue_usd[0]
    assert (rent[:18] == 0).all() and (rent[18:] > 0).all()  # teeth: half a year leased
    monthly = (rent - cf.hosting_power_cost_usd[0] - cf.hosting_opex_usd[0])[-1]
    assert cf.halls_at_horizon.ebitda_usd.ravel()[0] == pytest.approx(12 * monthly, rel=1e-12)
    assert cf.halls_at_horizon.capex_usd.ravel()[0] == 0.0  # the build's capex does not recur
    spec = TerminalValueSpec(hosting_method=method, mining_method="none")
    tv = terminal_value(cf, spec, 0.10).hosting_at_horizon_usd[0]
    assert tv == pytest.approx(float(line_value_at_horizon_usd(
        method, 12 * monthly, 0.0, spec.hosting_ebitda_multiple, 0.10,
        spec.growth_per_year, 1)), rel=1e-12)


def test_run_pivot_reports_npv_with_and_without_terminal_value() -> None:
    pf = parse_portfolio(BASE_TOML)
    res = pv.run_pivot(pf)
    for s in res.strategies:
        assert s.npv_with_terminal_value_usd == pytest.approx(
            s.npv_usd + s.terminal_value_usd, rel=1e-12
        )
    assert "terminal value" in res.inputs["terminal_value"]
    js = res.to_json_dict()["strategies"]
    assert all("npv_with_terminal_value_usd" in v for v in js.values())
