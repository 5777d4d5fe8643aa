"""Tests of the pivot engine (hashpivot.engines.pivot); its CLI is tested in
tests/cli/test_pivot.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot import finance as fin
from hashpivot.bitcoin import btc_per_th_day, difficulty_from_hashrate
from hashpivot.engines import pivot as pv
from hashpivot.exceptions import InputError
from hashpivot.market import MarketPaths
from hashpivot.models import CostItem, Portfolio, load_portfolio, parse_portfolio
from tests.engines.pivot_inputs import BASE_TOML, HOSTING, PIVOT, base_toml
from tests.portfolio_toml import table

DATA = Path(__file__).parents[2] / "data"
EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"

@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return parse_portfolio(BASE_TOML)


def with_hosting(pf: Portfolio, **update: object) -> Portfolio:
    site = pf.sites[0]
    assert site.hosting is not None
    new_site = site.model_copy(update={"hosting": site.hosting.model_copy(update=update)})
    return pf.model_copy(update={"sites": [new_site]})


def market(pf: Portfolio, months: int = 60) -> MarketPaths:
    return pv.deterministic_market(pf, None, months)


# --------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------
def test_build_strategies(portfolio: Portfolio) -> None:
    s = pv.build_strategies(portfolio)
    names = [x.name for x in s]
    assert names == ["keep_mining", "convert_all", "convert_50mw_2026-07", "phased"]
    assert s[1].converted_gross_mw == pytest.approx(100.0)  # capacity_mw
    assert s[2].phases[0].start == pd.Period("2026-07", "M")
    phased = s[3].phases
    assert [str(p.start) for p in phased] == ["2026-01", "2027-01", "2028-01"]
    assert sum(p.gross_mw for p in phased) == pytest.approx(100.0)
    # the command line wins over [pivot]
    s2 = pv.build_strategies(portfolio, convert_mw=20.0, start="2027-03")
    assert s2[2].name == "convert_20mw_2027-03"


def test_build_strategies_errors(portfolio: Portfolio) -> None:
    with pytest.raises(InputError, match="exceeds"):
        pv.build_strategies(portfolio, convert_mw=500.0)
    with pytest.raises(InputError, match="before the model start"):
        pv.build_strategies(portfolio, convert_mw=10.0, start="2025-01")
    with pytest.raises(InputError, match="no site named"):
        pv.build_strategies(portfolio, site_name="nope")
    # the horizon is 2026-01 to 2030-12: a conversion starting after it converts nothing
    # the model sees (NPV vs baseline 0, payback 0) yet would report its whole backlog
    with pytest.raises(InputError, match="after the model horizon"):
        pv.build_strategies(portfolio, convert_mw=10.0, start="2031-01", horizon_months=60)
    with pytest.raises(InputError, match="after the model horizon"):
        pv.run_pivot(portfolio, convert_mw=10.0, start="2031-01")
    assert pv.build_strategies(portfolio, convert_mw=10.0, start="2030-12", horizon_months=60)
    # without a horizon (the risk engine sets its own) no such check
    assert pv.build_strategies(portfolio, convert_mw=10.0, start="2031-01")[2].phases


def test_explicit_phases(portfolio: Portfolio) -> None:
    from hashpivot.models.hosting import HostingPhase

    pf = with_hosting(
        portfolio,
        phases=[
            HostingPhase(start="2026-03", gross_mw=30.0),
            HostingPhase(start="2027-03", gross_mw=40.0),
        ],
    )
    ph = next(s for s in pv.build_strategies(pf) if s.name == "phased").phases
    assert [(str(p.start), p.gross_mw) for p in ph] == [("2026-03", 30.0), ("2027-03", 40.0)]


def test_a_phase_starting_after_the_horizon_is_left_out_with_a_note() -> None:
    """Two years from 2026-01, phased in three tranches a year apart: the third would
    start in 2028-01, after the horizon. Until 2026-12-05 its 33.3 MW were valued twice
    after the horizon: mining on in the mining terminal value (no conversion within the
    horizon) and leased in the hosting terminal value. Now it is left out, as the
    ``convert`` strategy refuses a start after the horizon: the plan is the two tranches
    that start within it, valued exactly as a file giving those two."""
    pivot = {**PIVOT, "horizon_years": 2}
    r = pv.run_pivot(parse_portfolio(base_toml(pivot=pivot)))
    phased = next(x for x in r.strategies if x.strategy.name == "phased")
    assert [str(ph.start) for ph in phased.strategy.phases] == ["2026-01", "2027-01"]
    [note] = [w for w in r.warnings if "after the horizon's last month" in w]
    assert note == ("phased: 33.3 MW at 'A' starting 2028-01 left out: it starts after the "
                    "horizon's last month (2027-12); valued, its MW would count twice past "
                    "the horizon (mining on in the mining terminal value, leased in the "
                    "hosting one)")
    two = table(**HOSTING, phases=[table(start="2026-01", gross_mw=100 / 3),
                                   table(start="2027-01", gross_mw=100 / 3)])
    ref = pv.run_pivot(parse_portfolio(base_toml(hosting=two, pivot=pivot)))
    ref_phased = next(x for x in ref.strategies if x.strategy.name == "phased")
    for key in ("npv_usd", "npv_with_terminal_value_usd"):
        assert getattr(phased, key) == pytest.approx(getattr(ref_phased, key), rel=1e-12)


def test_a_site_without_hosting_terms_beside_one_with_them_is_said_to_keep_mining() -> None:
    """The strategies convert only the sites with ``[sites.hosting]`` when any has it; the
    note on site B said "default hosting terms used", as if it were converted on them."""
    from tests.portfolio_toml import contract, portfolio_toml, site

    miners = table(hashrate_th_s=200.0, efficiency_j_per_th=17.5, count=5000)
    a = site("A", contract(40.0, "fixed"), miners, hosting=HOSTING, capacity_mw=50.0)
    b = site("B", contract(40.0, "fixed"), miners, capacity_mw=50.0)
    r = pv.run_pivot(parse_portfolio(portfolio_toml("two", a, b, pivot=PIVOT)))
    convert_all = next(x for x in r.strategies if x.strategy.name == "convert_all")
    assert {ph.site for ph in convert_all.strategy.phases} == {"A"}
    assert "sites[1].hosting: site 'B' has no [sites.hosting] section: the strategies " \
           "convert only the sites that have one, so it keeps mining in each" in r.warnings


# --------------------------------------------------------------------------------------
# market path
# --------------------------------------------------------------------------------------
def test_deterministic_market_halving(portfolio: Portfolio) -> None:
    m = market(portfolio, 36)
    assert m.n_paths == 1
    assert m.btc_price_usd[0, 0] == 100_000.0
    assert m.btc_price_usd[0, 12] == pytest.approx(110_000.0)
    assert m.network_hashrate_th_s[0, 24] == pytest.approx(1.44e9)
    # height 930,000 on 2026-01-01, +144/day: 1,050,000 is reached after 833.3 days,
    # in April 2028 (month index 27): that month blends 3.125 and 1.5625
    sub = m.subsidy_btc_per_block[0]
    assert sub[26] == 3.125
    assert 1.5625 < sub[27] < 3.125
    assert sub[28] == 1.5625
    days_before = (1_050_000 - 930_000) / 144 - sum(m.days_per_period[:27])
    frac = days_before / 30
    assert sub[27] == pytest.approx(frac * 3.125 + (1 - frac) * 1.5625)


def test_default_start_from_bundled_data() -> None:
    pf = parse_portfolio(base_toml(pivot=None))
    ms = pv.market_start(pf.pivot or pv.PivotSpec())
    # the bundled Coin Metrics table ends 2025-09-26 (height 916,532)
    assert str(ms.start) == "2025-10"
    assert ms.height == 916_532 + 144 * 4
    assert ms.btc_price_usd > 0 and ms.network_hashrate_th_s > 1e8


# --------------------------------------------------------------------------------------
# cash flows
# --------------------------------------------------------------------------------------
def test_mining_month_zero_by_hand(portfolio: Portfolio) -> None:
    m = market(portfolio, 60)
    cf = pv.strategy_cash_flows(portfolio, pv.Strategy("keep_mining"), m)
    days = 31.0  # January 2026
    th = 20000 * 200.0
    hv = btc_per_th_day(difficulty_from_hashrate(1.0e9), 3.125 + 0.025)
    btc = th * 0.9 * 0.98 * hv * days
    assert cf.btc_mined[0, 0] == pytest.approx(btc, rel=1e-12)
    assert cf.mining_revenue_usd[0, 0] == pytest.approx(btc * 100_000.0, rel=1e-12)
    mw = th * 17.5 * 1.05 / 1e6  # 73.5 MW
    assert cf.power_cost_usd[0, 0] == pytest.approx(mw * 24 * days * 0.9 * 40.0)
    assert cf.opex_usd[0, 0] == pytest.approx(0.5e6)
    assert cf.hosting_revenue_usd.sum() == 0.0 and cf.contracted_backlog_usd == 0.0


def test_cash_flow_identities(portfolio: Portfolio) -> None:
    m = market(portfolio, 60)
    for s in pv.build_strategies(portfolio):
        cf = pv.strategy_cash_flows(portfolio, s, m)
        rebuilt = (
            cf.mining_revenue_usd
            + cf.hosting_revenue_usd
            - cf.power_cost_usd
            - cf.opex_usd
            - cf.capex_usd
            + cf.asic_resale_usd
            + cf.prepayment_usd
        )
        np.testing.assert_allclose(cf.unlevered_fcf_usd, rebuilt, rtol=1e-12, atol=1e-3)
        np.testing.assert_allclose(
            cf.levered_fcf_usd,
            cf.unlevered_fcf_usd + cf.debt_draw_usd - cf.debt_service_usd,
            atol=1e-3,
        )
        # debt: drawn = 70 % of operator hosting capex
        assert cf.debt_draw_usd.sum() == pytest.approx(0.7 * cf.hosting_capex_usd.sum())


def test_conversion_stops_mining_and_sells_miners(portfolio: Portfolio) -> None:
    m = market(portfolio, 60)
    s = next(x for x in pv.build_strategies(portfolio) if x.name == "convert_50mw_2026-07")
    cf = pv.strategy_cash_flows(portfolio, s, m)
    # 100 MW capacity, 73.5 MW fleet: converting 50 MW leaves 50 MW, so 23.5 MW stop
    assert cf.mining_mw[0, 5] == pytest.approx(73.5)
    assert cf.mining_mw[0, 6] == pytest.approx(50.0)
    # resale of the released miners at 5 USD/TH, hashrate decayed 3 %/year for 6 months
    th_per_mw = 20000 * 200.0 / 73.5 * 0.97 ** (6 / 12)
    assert cf.asic_resale_usd[0, 6] == pytest.approx(23.5 * th_per_mw * 5.0)
    # 50 MW gross / 1.25 = 40 MW IT at 130 USD/kW/month from month 12 (6 of construction)
    assert cf.hosting_revenue_usd[0, 11] == 0.0
    assert cf.hosting_revenue_usd[0, 12] == pytest.approx(40_000 * 130.0)
    assert cf.it_mw_in_service[0, 12] == pytest.approx(40.0)
    # 3-year term with a 3 % escalator, no default: backlog = contract value
    assert cf.contracted_backlog_usd == pytest.approx(40_000 * 130 * 12 * (1 + 1.03 + 1.03**2))
    assert cf.hosting_revenue_usd.sum() == pytest.approx(cf.contracted_backlog_usd)


def test_vectorized_paths_equal_per_path_loop(portfolio: Portfolio) -> None:
    """Three market paths in one call equal three one-path calls."""
    pf = portfolio.model_copy(deep=True)
    pf.sites[0].power_contract.kind = "index"
    base = market(pf, 60)
    rng = np.random.default_rng(7)
    k = 3
    shock = np.exp(np.cumsum(rng.normal(0, 0.1, (k, 60)), axis=1))
    paths = MarketPaths(
        periods=base.periods,
        btc_price_usd=base.btc_price_usd * shock,
        network_hashrate_th_s=base.network_hashrate_th_s * shock[::-1] ** 0.5,
        fees_btc_per_block=np.repeat(base.fees_btc_per_block, k, axis=0),
        subsidy_btc_per_block=np.repeat(base.subsidy_btc_per_block, k, axis=0),
        power_price_usd_per_mwh=40.0 * shock**0.3,
    )
    for s in pv.build_strategies(pf):
        vec = pv.strategy_cash_flows(pf, s, paths)
        for i in range(k):
            one = MarketPaths(
                periods=paths.periods,
                btc_price_usd=paths.btc_price_usd[i : i + 1],
                network_hashrate_th_s=paths.network_hashrate_th_s[i : i + 1],
                fees_btc_per_block=paths.fees_btc_per_block[i : i + 1],
                subsidy_btc_per_block=paths.subsidy_btc_per_block[i : i + 1],
                power_price_usd_per_mwh=paths.power_price_usd_per_mwh[i : i + 1],  # type: ignore[index]
            )
            single = pv.strategy_cash_flows(pf, s, one)
            for name in (
                "unlevered_fcf_usd",
                "levered_fcf_usd",
                "btc_mined",
                "power_cost_usd",
                "energy_mwh",
                "capex_usd",
                "opex_usd",
            ):
                np.testing.assert_allclose(
                    getattr(vec, name)[i], getattr(single, name)[0], rtol=1e-12, atol=1e-6
                )
    assert vec.unlevered_fcf_usd.shape == (k, 60)


def test_curtailment_when_power_costs_more_than_revenue(portfolio: Portfolio) -> None:
    pf = portfolio.model_copy(deep=True)
    pf.sites[0].power_contract.price_usd_per_mwh = 5000.0
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), market(pf, 24))
    assert cf.btc_mined.sum() == 0.0 and cf.power_cost_usd.sum() == 0.0
    # site staff and insurance ('site_opex', fixed by default) accrue while curtailed
    fixed = sum(c.annual_usd for c in pf.sites[0].cost_items if c.is_fixed) / 12.0
    assert fixed > 0
    np.testing.assert_allclose(cf.opex_usd, fixed, rtol=1e-12)
    # the same items marked variable are paid only in months mined: nothing here
    for c in pf.sites[0].cost_items:
        c.behavior = "variable"
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), market(pf, 24))
    assert cf.opex_usd.sum() == 0.0


def test_a_month_is_curtailed_when_revenue_does_not_cover_power_and_variable_costs(
    portfolio: Portfolio,
) -> None:
    """Variable site costs are paid only in months mined, so curtailing saves them: a month
    whose revenue beats its power cost by less than the variable costs ``v`` is not mined
    (no BTC, no power, no variable costs) and its mining cash flow is 0 instead of the
    loss ``margin - v``. Hand-checked against the same site without costs: with ``v`` the
    median margin of the months it mines, the months below it are curtailed and each
    month's mining cash flow is ``max(margin - v, 0)``."""
    pf = portfolio.model_copy(deep=True)
    assert pf.pivot is not None
    pf.pivot.fleet_replacement_years = None  # the same fleet in both runs
    site = pf.sites[0]
    site.cost_items = []
    m = market(pf, 60)
    free = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), m)
    margin = (free.mining_revenue_usd - free.power_cost_usd)[0]
    assert (margin >= 0).all() and (margin > 0).sum() > 12  # 0: curtailed already
    v = float(np.median(margin[margin > 0]))
    site.cost_items = [CostItem(name="repairs", category="site_opex", behavior="variable",
                                usd_per_month=v)]
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), m)
    mined = margin > v
    assert 0 < mined.sum() < mined.size
    np.testing.assert_array_equal(cf.btc_mined[0] > 0, mined)
    np.testing.assert_allclose(cf.opex_usd[0], np.where(mined, v, 0.0), rtol=1e-12)
    np.testing.assert_allclose(
        (cf.mining_revenue_usd - cf.power_cost_usd - cf.opex_usd)[0],
        np.maximum(margin - v, 0.0), rtol=1e-12, atol=1e-6)


def test_fixed_costs_accrue_while_curtailed(
    portfolio: Portfolio,
) -> None:
    """Issue 9: fixed site costs are paid in curtailed months; a hand-checked month mix."""
    pf = portfolio.model_copy(deep=True)
    site = pf.sites[0]
    fixed_month = sum(c.annual_usd for c in site.cost_items if c.is_fixed) / 12.0
    m = market(pf, 24)
    # power above the hash revenue in every month: curtailed throughout; keep-mining pays
    # the fixed items in full every month
    site.power_contract.price_usd_per_mwh = 5000.0
    keep = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), m)
    np.testing.assert_allclose(keep.opex_usd[0], fixed_month, rtol=1e-12)
    assert keep.ebitda_usd.max() < 0  # the idle site burns cash: the treasury sees it


# --------------------------------------------------------------------------------------
# valuation
# --------------------------------------------------------------------------------------
def test_run_pivot_outputs(portfolio: Portfolio) -> None:
    deals = pd.read_csv(DATA / "ai_hosting_deals_excerpt.csv")
    r = pv.run_pivot(portfolio, deals=deals)
    assert r.baseline.name == "keep_mining"
    assert r.pivot_name == "convert_50mw_2026-07"
    rate = fin.periodic_rate(0.10)
    for s in r.strategies:
        assert s.npv_usd == pytest.approx(fin.npv(rate, s.cash_flows.unlevered_fcf_usd[0]))
        assert s.npv_vs_baseline_usd == pytest.approx(s.npv_usd - r.baseline.npv_usd)
        assert s.annual["revenue_usd"].sum() == pytest.approx(s.cash_flows.revenue_usd[0].sum())
    assert np.isnan(r.baseline.irr_fraction)
    d = r.to_json_dict()
    for s in d["strategies"].values():
        assert {
            "npv_usd",
            "irr_fraction",
            "payback_months",
            "contracted_backlog_usd",
            "npv_vs_baseline_usd",
        } <= set(s)
    assert set(r.tornado["variable"]) == {
        "btc_price_usd",
        "btc_price_growth_per_year",
        "network_hashrate_growth_per_year",
        "discount_rate",
        "lease_usd_per_kw_month",
        "lease_term_years",
        "capex_usd_per_it_mw",
        "pue",
        "build_delay_months",
        "tenant_default_probability_per_year",
    }
    assert (np.diff(r.tornado["swing_usd"].to_numpy()) <= 0).all()
    json.dumps(d, allow_nan=False)  # NaN became None: strict JSON


def test_breakeven_lease_zeroes_the_difference(portfolio: Portfolio) -> None:
    r = pv.run_pivot(portfolio, deals=pd.read_csv(DATA / "ai_hosting_deals_excerpt.csv"))
    be = r.breakeven_lease_usd_per_kw_month
    assert np.isfinite(be) and be > 0
    pf = with_hosting(portfolio, lease_usd_per_kw_month=be)
    m = market(pf)
    s = next(x for x in pv.build_strategies(pf) if x.name == r.pivot_name)
    rate = fin.periodic_rate(0.10)
    diff = fin.npv(rate, pv.strategy_cash_flows(pf, s, m).unlevered_fcf_usd[0]) - fin.npv(
        rate, pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), m).unlevered_fcf_usd[0]
    )
    assert abs(diff) < 1.0  # USD, on flows of hundreds of millions


def test_breakeven_lease_with_terminal_value_zeroes_that_difference() -> None:
    """The second break-even counts the leases' rent after the horizon (the example's
    12-year lease has a 5-year renewal at 50 %, which runs past its 15-year horizon): at it
    the NPVs with terminal value are equal (pivot's own valuation of both strategies)."""
    pf = load_portfolio(EXAMPLE)
    deals = pd.read_csv(DATA / "ai_hosting_deals_excerpt.csv")
    r = pv.run_pivot(pf, deals=deals)
    be_tv = r.breakeven_lease_with_terminal_value_usd_per_kw_month
    assert np.isfinite(be_tv) and 0 < be_tv < r.breakeven_lease_usd_per_kw_month
    again = pv.run_pivot(with_hosting(pf, lease_usd_per_kw_month=be_tv), deals=deals)
    diff = again.strategy(r.pivot_name).npv_with_terminal_value_vs_baseline_usd
    assert abs(diff) < 1.0  # USD, on NPVs of hundreds of millions
    assert r.to_json_dict()["breakeven_lease_with_terminal_value_usd_per_kw_month"] == be_tv


def _pivot_minus_base(pf: Portfolio) -> float:
    m = market(pf)
    s = pv.build_strategies(pf)[2]
    rate = fin.periodic_rate(0.10)
    return float(
        fin.npv(rate, pv.strategy_cash_flows(pf, s, m).unlevered_fcf_usd[0])
        - fin.npv(
            rate, pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), m).unlevered_fcf_usd[0]
        )
    )


@settings(max_examples=12, deadline=None)
@given(lease=st.floats(30.0, 300.0), bump=st.floats(1.0, 50.0))
def test_pivot_npv_rises_with_lease(portfolio: Portfolio, lease: float, bump: float) -> None:
    lo = _pivot_minus_base(with_hosting(portfolio, lease_usd_per_kw_month=lease))
    hi = _pivot_minus_base(with_hosting(portfolio, lease_usd_per_kw_month=lease + bump))
    assert hi > lo


@settings(max_examples=12, deadline=None)
@given(capex=st.floats(0.0, 15e6), bump=st.floats(1e5, 5e6))
def test_pivot_npv_falls_with_capex(portfolio: Portfolio, capex: float, bump: float) -> None:
    lo = _pivot_minus_base(with_hosting(portfolio, fit_out_capex_usd_per_it_mw=capex))
    hi = _pivot_minus_base(with_hosting(portfolio, fit_out_capex_usd_per_it_mw=capex + bump))
    assert hi < lo


def test_site_without_hosting_uses_defaults() -> None:
    pf = parse_portfolio(base_toml(hosting=None, pivot=table(horizon_years=3), financing=False))
    r = pv.run_pivot(pf, deals=pd.read_csv(DATA / "ai_hosting_deals_excerpt.csv"))
    assert any("default hosting terms" in w for w in r.warnings)
    assert [s.name for s in r.strategies] == ["keep_mining", "convert_all", "phased"]


def test_example_file_runs() -> None:
    from hashpivot.models import load_portfolio

    pf = load_portfolio(EXAMPLE)
    assert pf.sites[0].hosting is not None
    r = pv.run_pivot(pf, deals=pd.read_csv(DATA / "ai_hosting_deals_excerpt.csv"))
    assert r.strategy("convert_all").contracted_backlog_usd > 1e9


def test_levered_npv_at_cost_of_equity_and_payback_from_construction(
    portfolio: Portfolio,
) -> None:
    r = pv.run_pivot(portfolio)
    fin_spec = portfolio.financing
    equity_rate = fin.periodic_rate(fin_spec.equity_discount_rate if fin_spec else 0.10)
    for s in r.strategies:
        # levered (equity) flows are discounted at the cost of equity, not the project rate
        assert s.npv_levered_usd == pytest.approx(
            fin.npv(equity_rate, s.cash_flows.levered_fcf_usd[0])
        )
    conv = next(s for s in r.strategies if s.strategy.name == "convert_50mw_2026-07")
    inc = conv.cash_flows.unlevered_fcf_usd[0] - r.baseline.cash_flows.unlevered_fcf_usd[0]
    first = int(np.flatnonzero(np.abs(inc) > 1e-6)[0])
    # nothing differs before construction starts (2026-07); payback is counted from there
    assert conv.cash_flows.periods[first] >= pd.Period("2026-07", "M") - 1
    assert conv.payback_months == pytest.approx(fin.payback_period(inc[first:]), nan_ok=True)
    # hand case: two idle months, then -10, +5, +5 at month ends: the cumulative flow is
    # -10, -5, 0 at the ends of construction months 1-3 -> 3 months after the start
    # (5 from the model start)
    from hashpivot.engines.pivot.valuation import payback_from_start

    assert payback_from_start([0.0, 0.0, -10.0, 5.0, 5.0, 5.0]) == pytest.approx(3.0)
    assert fin.payback_period([0.0, 0.0, -10.0, 5.0, 5.0, 5.0]) == pytest.approx(5.0)
    assert np.isnan(payback_from_start([0.0, 0.0, 0.0]))  # never differs: no payback
    # a rule's fee in month 0, construction from month 2: payback still counts from
    # construction, the fee in its first month (-10.5, -5.5, -0.5, 4.5: 3.1 months)
    fee = [-0.5, 0.0, -10.0, 5.0, 5.0, 5.0, 5.0]
    assert payback_from_start(fee, 2) == pytest.approx(3.0 + 0.5 / 5.0)
    assert payback_from_start(fee) == pytest.approx(5.1)  # from the fee: 2 months more


def test_a_rules_fee_does_not_move_the_construction_start_of_the_payback() -> None:
    """The 200 MW example with a 250,000 USD fee (paid in the horizon's first month,
    2025-10): the payback of convert_100mw_2026-01 still counts from 2026-01 and moves by
    a fraction of a month (the fee against ~3 M USD of monthly incremental flow), not by
    the three months between the fee and the construction start."""
    import io

    from hashpivot.io.regulation import read_regulation_rules
    from hashpivot.models import load_portfolio

    header = ("rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
              "connected_after,connected_before,effect,value,effective_start,effective_end,"
              "source,summary\n")
    rules = read_regulation_rules(io.StringIO(
        header + "fee,,,ERCOT,,,,,,add_cost_usd,250000,,,Test fee,a study fee\n"))
    pf = load_portfolio(Path(__file__).resolve().parents[3] / "examples" / "pivot-200mw.toml")
    free = pv.run_pivot(pf, rules=[]).strategy("convert_100mw_2026-01")
    paid = pv.run_pivot(pf, rules=rules).strategy("convert_100mw_2026-01")
    assert paid.npv_usd < free.npv_usd  # the fee is paid
    assert paid.strategy.phases[0].start == pd.Period("2026-01", "M")
    assert free.payback_months <= paid.payback_months < free.payback_months + 0.5


# --------------------------------------------------------------------------------------
# warnings and agreement with the other engines
# --------------------------------------------------------------------------------------
def test_warning_when_a_phase_is_not_ready_within_the_horizon(portfolio: Portfolio) -> None:
    horizon = pv.run_pivot(portfolio).strategies[0].cash_flows.periods
    late = str(horizon[-3])  # construction cannot finish in 3 months
    r = pv.run_pivot(portfolio, convert_mw=10, start=late)
    (note,) = [w for w in r.warnings if "not ready before the horizon ends" in w]
    # the default terminal value (contract) does value its lease: the note says which NPV
    assert note.endswith("in the NPV its capex counts, its rent does not; the NPV with TV "
                         "values its lease after the horizon")


def test_warning_when_irr_may_not_be_unique() -> None:
    # The example's phased strategy borrows in tranches: its levered incremental flows go
    # negative, positive, negative... several times, so more than one IRR may exist.
    root = Path(__file__).resolve().parents[3]
    r = pv.run_pivot(load_portfolio(root / "examples" / "pivot-200mw.toml"))
    assert any(w.startswith("phased: the levered") and "may not be unique" in w
               for w in r.warnings)
    assert not any(w.startswith("convert_all: the unlevered") for w in r.warnings)


def test_a_loan_like_incremental_irr_is_not_shown_as_a_return() -> None:
    # The example site over a one-year horizon: converting brings cash in at month 0 (the
    # project loan's draw and the ASIC resale exceed the equity's share of the capex) and
    # pays it out later (the equity's capex, then the loan repaid at the horizon). The IRR
    # of those levered flows is a root (millions of %/yr) at which the NPV *rises* with
    # the rate: a financing's cost, not a return. The table says n/m, a note gives it.
    from hashpivot.reports.tables.strategies import pivot_rows

    root = Path(__file__).resolve().parents[3]
    text = (root / "examples" / "pivot-200mw.toml").read_text()
    assert "horizon_years = 15" in text
    short = pv.run_pivot(parse_portfolio(text.replace("horizon_years = 15",
                                                      "horizon_years = 1")))
    conv = short.strategy("convert_all")
    assert conv.irr_levered_is_financing and conv.irr_levered_fraction > 10.0
    assert not conv.irr_is_financing  # the unlevered flows never change sign: NaN
    assert np.isnan(conv.irr_fraction)
    stats = short.to_json_dict()["strategies"]
    assert stats["convert_all"]["irr_levered_is_financing"] is True
    rows = {q: cells for q, _, cells in pivot_rows(list(stats.values()), taxed=False,
                                                    levered=True)}
    assert rows["IRR levered (incr.)"][list(stats).index("convert_all")] == "n/m"
    (note,) = [w for w in short.warnings
               if w.startswith("convert_all: the levered incremental cash flows bring")]
    assert f"{100.0 * conv.irr_levered_fraction:,.1f} %/yr, shown n/m" in note
    # Over the file's 15 years the same flows are an investment's: their IRRs are returns.
    full = pv.run_pivot(parse_portfolio(text))
    for s in full.strategies[1:]:
        assert not s.irr_is_financing and not s.irr_levered_is_financing
        assert 0.0 < s.irr_levered_fraction < 1.0
    assert not any("as a loan does" in w for w in full.warnings)


def test_pivot_month_zero_agrees_with_unit_economics() -> None:
    # Two engines, one economics: the pivot model's first month of keep-mining must give the
    # BTC, revenue and power cost per day that the foundation's unit economics give at the
    # same network conditions (before any fleet decay or curtailment).
    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.engines.economics.unit_economics import compute_unit_economics

    root = Path(__file__).resolve().parents[3]
    pf = load_portfolio(root / "examples" / "pivot-200mw.toml")
    m = pv.deterministic_market(pf, None, 12)
    cf = pv.strategy_cash_flows(pf, pv.build_strategies(pf)[0], m)
    days = m.days_per_period[0]
    net = NetworkConditions(
        float(m.btc_price_usd[0, 0]),
        float(m.difficulty[0, 0]),
        float(m.fees_btc_per_block[0, 0]),
        float(m.subsidy_btc_per_block[0, 0]),
    )
    f = compute_unit_economics(pf, net).figures
    assert cf.btc_mined[0, 0] / days == pytest.approx(f["btc_per_day"], rel=1e-12)
    assert cf.mining_revenue_usd[0, 0] / days == pytest.approx(f["revenue_usd_per_day"], rel=1e-12)
    assert cf.power_cost_usd[0, 0] / days == pytest.approx(f["energy_cost_usd_per_day"], rel=1e-12)


def test_tornado_with_terminal_value_starts_from_that_base() -> None:
    """The tornado also varies the NPVs with their terminal value: a build delay of +0
    months is the base case, so its difference is the strategy's NPV with TV vs keep."""
    deals = pd.read_csv(DATA / "ai_hosting_deals_excerpt.csv")
    r = pv.run_pivot(load_portfolio(EXAMPLE), deals=deals)
    t = r.tornado.set_index("variable")
    s = r.strategy(r.pivot_name)
    delay = t.loc["build_delay_months"]
    assert delay["low_input"] == 0.0
    assert delay["npv_vs_baseline_low_usd"] == pytest.approx(s.npv_vs_baseline_usd, rel=1e-9)
    assert delay["npv_with_tv_vs_baseline_low_usd"] == pytest.approx(
        s.npv_with_terminal_value_vs_baseline_usd, rel=1e-9)
    # the terminal value moves every difference (the example's renewals run past 15 years)
    assert (t["npv_with_tv_vs_baseline_high_usd"] != t["npv_vs_baseline_high_usd"]).all()
    assert (t["swing_with_tv_usd"] == (t["npv_with_tv_vs_baseline_high_usd"]
                                       - t["npv_with_tv_vs_baseline_low_usd"]).abs()).all()


def test_the_start_fees_are_the_mean_of_the_last_90_days_and_say_so() -> None:
    """The start's fees per block are a 90-day mean (one day's are noisy), not the last
    day's as the row's source used to read ("bundled Coin Metrics data, 2025-09-26")."""
    import datetime as dt

    from hashpivot.io import btc_daily_range, load_btc_daily

    res = pv.run_pivot(load_portfolio(Path(__file__).parents[3] / "examples"
                                      / "pivot-200mw.toml"))
    (row,) = [r for r in res.resolved_assumptions() if r["name"] == "[pivot] fees_btc_per_block"]
    last = btc_daily_range()[1]
    window = load_btc_daily(last - dt.timedelta(days=89), last)["fees_btc_per_block"]
    assert len(window) == 90 and row["value"] == pytest.approx(window.mean(), rel=1e-12)
    assert row["value"] != pytest.approx(window.iloc[-1], rel=1e-3)
    first = (last - dt.timedelta(days=89)).isoformat()
    assert row["source"] == (f"mean of the 90 days to {last.isoformat()}: Coin Metrics "
                             f"Community Network Data (CC BY-NC 4.0) ({first} to {last})")


def test_project_debt_interest_is_the_quoted_rate_over_twelve() -> None:
    """The project debt charged ``(1 + r)^(1/12) - 1`` a month (0.682 % at 8.5 %) where
    the treasury's debt charges ``r / 12`` (0.708 %): the same quoted rate, 4 % less
    interest in pivot. Both take the nominal rate paid monthly now. By hand on the 200 MW
    example's convert-all: each construction month's interest is the debt drawn by the
    end of the month before times 0.085 / 12."""
    pf = load_portfolio(Path(__file__).parents[3] / "examples" / "pivot-200mw.toml")
    assert pf.financing is not None and pf.financing.interest_rate == 0.085
    cf = pv.run_pivot(pf).strategy("convert_all").cash_flows
    drawn = np.cumsum(np.asarray(cf.debt_draw_usd, dtype=float).ravel())
    interest = np.asarray(cf.interest_usd, dtype=float).ravel()
    months = np.flatnonzero(np.asarray(cf.debt_draw_usd).ravel() > 0)
    assert len(months) > 3  # (teeth: several construction months)
    t = months[1:]
    np.testing.assert_allclose(interest[t], drawn[t - 1] * 0.085 / 12.0, rtol=1e-12)


def test_the_levered_rows_say_what_they_count() -> None:
    """"NPV levered" counts the equity's flows to the horizon with no terminal value and
    repays the project debt still outstanding in the horizon's last month: over five years
    convert-all's debt outlives the horizon, so its levered NPV pays a balloon the lease
    after the horizon would have carried. The rows said only "at the cost of equity";
    the CLI's caption and the page's notes now say both, with each balloon."""
    from hashpivot.reports.tables.runs import run_tables

    text = EXAMPLE.read_text()
    assert "horizon_years = 15" in text
    pf = parse_portfolio(text.replace("horizon_years = 15", "horizon_years = 5"), "p.toml")
    res = pv.run_pivot(pf)
    balloon = res.strategy("convert_all").cash_flows.debt_balloon_usd
    assert balloon > 1e8  # (teeth)
    basis = res.levered_basis()
    assert basis.startswith("levered = equity cash flows at the cost of equity, to the "
                            "horizon without terminal value; the project debt outstanding")
    assert f"convert_all {balloon / 1e6:,.1f} M USD" in basis
    (strategy, *_) = run_tables("pivot", res.to_json_dict())
    assert strategy.notes[0].endswith(f"; {basis}")  # the caption, as the CLI's
    full = pv.run_pivot(load_portfolio(EXAMPLE))  # the example's debt ends in 2036
    assert "outstanding" not in full.levered_basis()


def test_a_site_without_machines_is_refused_saying_what_values_it() -> None:
    """A review's case: a site with no fleet entry (an empty 10 MW site paying a guard)
    is costed by ``cost`` and ``backtest`` (its items in the cost views), while pivot,
    simulate and optimize refused the portfolio with 'the site has no running fleet',
    where a site whose entries all ended is told what to do. It is refused at its path,
    saying what the forward engines need and what values the site as it is."""
    empty = ('\n[[sites]]\nname = "Empty"\ncapacity_mw = 10.0\n'
             '[sites.power_contract]\nprice_usd_per_mwh = 50.0\n'
             '[[sites.cost_items]]\nname = "guard"\ncategory = "site_opex"\n'
             'usd_per_year = 3.0e5\n')
    portfolio = parse_portfolio(BASE_TOML + empty, "<test>")
    with pytest.raises(InputError) as err:
        pv.run_pivot(portfolio)
    (problem,) = err.value.problems
    assert problem.path == "sites[1].fleet"
    assert problem.message == (
        "the site has no fleet entry: pivot, simulate and optimize value its machines "
        "mining against converting its MW (give the machines it runs, or leave the site "
        "out of the file; cost and backtest count its cost items as it is)")
    assert pv.run_pivot(portfolio, site_name="A").strategies  # the other site alone
