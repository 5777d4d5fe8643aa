"""One scenario, zero volatility: a plan's NPV equals the pivot engine's value of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot
from hashpivot.models import parse_portfolio
from hashpivot.optimize import ObjectiveSpec, OptimizeConfig, optimize_plan, resolve_problem
from hashpivot.optimize.center_path import expected_value_coefficients
from hashpivot.optimize.evaluate import value_fixed
from hashpivot.optimize.run import coefficient_task, scenario_params
from tests.portfolio_toml import machines, site_opex, table

from .optimize_inputs import NO_TV, pivot_plan_npv_usd, portfolio, portfolio_text, site_toml


def _pivot_npv(pf, plan: pd.DataFrame, start: str, months: int, rate: float) -> float:
    phases = tuple(
        pivot.ConversionPhase(r.site, pd.Period(r.start_month, "M"), float(r.gross_mw))
        for r in plan.itertuples()
    )
    return pivot_plan_npv_usd(pf, phases, pd.Period(start, "M"), months)


def _assert_plan_and_keep_valued_alike(pf, p, params, offer: int, quarter: int,
                                       gross_mw: float) -> None:
    """A plan of ``gross_mw`` at site A (``offer``) from ``quarter``, and keep-mining: each
    worth the same, to 1e-9, to the optimizer (on the central path) and to pivot."""
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    x = np.zeros((p.n_offers, p.n_quarters))
    x[offer, quarter] = gross_mw
    plan = pd.DataFrame({"site": ["A"], "start_month": [p.quarter_start_months[quarter]],
                         "gross_mw": [gross_mw]})
    for name, x_plan, rows in (("plan", x, plan), ("keep", 0.0 * x, plan.iloc[:0])):
        npv = value_fixed(p, c, ObjectiveSpec(), name, x_plan, time_limit_s=300.0).npv_usd[0]
        ref = _pivot_npv(pf, rows, str(p.start), p.n_months, p.discount_rate)
        assert npv == pytest.approx(ref, rel=1e-9), name


@pytest.mark.parametrize("variable_usd_per_year", [0.0, 6e6])
def test_optimized_plan_npv_equals_the_pivot_engine(variable_usd_per_year: float) -> None:
    """Also with variable site costs (6 M USD/year a site), which decide curtailment in
    both models (a month is mined when revenue covers power and them: site B's
    keep-mining mines 27 months of 120 with them, 31 without)."""
    costs = {}
    if variable_usd_per_year:
        costs = {"cost_items": [site_opex("site staff", 1.0e6),
                                site_opex("repairs", variable_usd_per_year,
                                          behavior="variable")]}
    pf = portfolio(site_toml("A", capacity=60.0, **costs),
                   site_toml("B", lease=120.0, price=30.0, **costs))
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False))
    assert len(r.plan) > 0  # something is converted, so the test has teeth
    ref = _pivot_npv(pf, r.plan, r.inputs["start"], r.inputs["horizon_months"],
                     r.inputs["discount_rate"])
    # same arithmetic in another order: agreement to 1e-9 relative
    assert r.expected_npv_usd == pytest.approx(ref, rel=1e-9)


#: Markets where the mining terminal value (8x final-year EBITDA, floored at zero) is nil
#: at both sites, positive at the cheap-power site B only, positive at both: (BTC price
#: growth, network hashrate growth) [1/year]
MARKETS = {"no mining TV": (0.0, 0.2), "mining TV at B": (0.15, 0.1),
           "mining TV at A and B": (0.10, 0.0)}
#: the other methods: hosting at 20x its final-year EBITDA; both lines by Gordon growth
MULTIPLE = "\n[pivot.terminal_value]\nhosting_method = 'exit_multiple'\n"
GORDON = ("\n[pivot.terminal_value]\nmining_method = 'gordon'\nhosting_method = 'gordon'\n"
          "growth_per_year = 0.02\n")


@pytest.mark.parametrize("tail", ["", NO_TV, MULTIPLE, GORDON],
                         ids=["TV", "no TV", "hosting multiple", "Gordon"])
@pytest.mark.parametrize("market", MARKETS, ids=list(MARKETS))
def test_any_fixed_plan_is_valued_as_the_pivot_engine_values_it(market: str, tail: str
                                                                ) -> None:
    btc_growth, hashrate_growth = MARKETS[market]
    pf = portfolio(site_toml("A", capacity=60.0), site_toml("B", lease=120.0, price=30.0),
                   years=8, tail=tail, btc_price_growth_per_year=btc_growth,
                   network_hashrate_growth_per_year=hashrate_growth)
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    # teeth: the terminal value is there (or not) as the market says
    sites_with_mining_tv = (c.mining_terminal_usd_per_mw[0] > 0).any(axis=1)
    expected = {"no mining TV": [False, False], "mining TV at B": [False, True],
                "mining TV at A and B": [True, True]}[market]
    if tail == NO_TV:
        assert not sites_with_mining_tv.any()
        assert not p.hosting_terminal_usd_per_mw.any()
    elif tail != GORDON:  # (Gordon values FCF: the replacement capex moves the floor)
        assert sites_with_mining_tv.tolist() == expected
    if tail != NO_TV:
        assert (p.hosting_terminal_usd_per_mw[:, : p.n_quarters // 2] > 0).all()
    rng = np.random.default_rng(3)
    # any start quarter, the last ones too: Gordon values a hall's final-year FCF, which
    # is negative while it is built; both engines floor each hall at zero on its own
    # (pivot floored its hosting line as a whole until 2026-12-05: then a hall built in
    # the final year took its capex, as a perpetual loss, from the others' value)
    n_q = p.n_quarters
    plans = []
    for _ in range(4):
        x = np.zeros((p.n_offers, p.n_quarters))
        for o in range(p.n_offers):
            qs = rng.choice(n_q, size=2, replace=False)
            x[o, qs] = rng.uniform(0, p.site_limit_mw[p.offer_site[o]] / 2, size=2)
        plans.append(x)
    last = np.zeros((p.n_offers, p.n_quarters))  # conversions in the final year
    last[:, n_q - 1] = 30.0
    last[0, n_q - 4] = 20.0
    plans.append(last)
    for x in plans:
        v = value_fixed(p, c, ObjectiveSpec(), "random", x, time_limit_s=300.0)
        o, q = np.nonzero(x)
        plan = pd.DataFrame({"site": [p.sites[p.offer_site[i]].name for i in o],
                             "start_month": [p.quarter_start_months[j] for j in q],
                             "gross_mw": x[o, q]})
        ref = _pivot_npv(pf, plan, str(p.start), p.n_months, p.discount_rate)
        assert v.npv_usd[0] == pytest.approx(ref, rel=1e-9)
        if tail == NO_TV:
            assert v.terminal_value_usd[0] == 0.0
        elif tail == GORDON and x is last:  # halls still being built at the horizon: by
            assert v.terminal_value_usd[0] >= 0.0  # Gordon worth nothing, not a loss
        else:
            assert v.terminal_value_usd[0] > 0.0  # the hosting phases after the horizon


def _two_sites_paying_sga() -> tuple[Any, Any, Any]:
    """Sites A and B, each with 1 M USD/year of staff and 2 M USD/year of cash SG&A, over
    8 years of a 10 %/year BTC price and a flat hashrate: the file, its problem and its
    scenario parameters."""
    sga = table(name="corporate", category="sga_cash", usd_per_year=2.0e6)
    staff = site_opex("site staff", 1.0e6)
    pf = portfolio(site_toml("A", capacity=60.0, cost_items=[staff, sga]),
                   site_toml("B", lease=120.0, price=30.0, cost_items=[staff, sga]),
                   years=8, btc_price_growth_per_year=0.10, network_hashrate_growth_per_year=0.0)
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    return pf, p, params


def test_a_converted_site_still_pays_its_cash_sga_after_the_horizon_in_pivot() -> None:
    """Site A (2 M USD/year of cash SG&A, paid whatever mines) converts all its 60 MW in
    the first quarter, B keeps mining. pivot floors the mining terminal value per tranche
    and then as a whole with every site's SG&A, so A's SG&A still weighs on it after A
    stops mining (as it is paid within the horizon): the plan's NPV and keep-mining's are
    the optimizer's, whose keep-mining terminal value takes the SG&A off as pivot's does
    (and whose per-MW coefficients leave it out: no plan changes it). Had pivot floored
    each site with its own SG&A, the plan would have gained 8 x 2 M USD at the horizon;
    had the optimizer left the SG&A out of keep-mining's, both its NPVs would have been
    14.9 M USD above pivot's."""
    pf, p, params = _two_sites_paying_sga()
    o = int(np.flatnonzero(p.offer_site == 0)[0])
    # the whole site, spare capacity and every miner
    _assert_plan_and_keep_valued_alike(pf, p, params, o, 0, 60.0)
    # teeth: B's machines cover both sites' SG&A at the horizon, A mines nothing there
    market = pivot.deterministic_market(pf, pd.Period(str(p.start), "M"), p.n_months)
    phases = (pivot.ConversionPhase("A", pd.Period(str(p.start), "M"), 60.0),)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("plan", phases), market)
    a, b = cf.mining_at_horizon
    assert a.ebitda_usd.max() == 0.0 and a.sga_cash_usd == b.sga_cash_usd == 2.0e6
    assert b.ebitda_usd.sum() > 4.0e6


def test_a_dispatching_site_is_valued_with_its_flexibility_by_both_engines() -> None:
    """A site with ``[sites.dispatch]`` on the bundled ERCOT prices: pivot and the
    optimizer both add the dispatch engine's uplift to each month's mining of the MW still
    mining, so a fixed plan's NPV is the same in both (it was not while only the
    optimizer counted it)."""
    site = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
            "market": "ercot:HB_WEST", "dispatch": {"availability_fraction": 0.95}}
    pf = portfolio(site_toml("A", capacity=60.0, **site), site_toml("B", lease=120.0),
                   years=8)
    p = resolve_problem(pf, continuous=True)
    assert p.uplift_usd_per_mw_month[0] > 0 and p.uplift_usd_per_mw_month[1] == 0
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    x = np.zeros((p.n_offers, p.n_quarters))
    x[0, 2], x[1, 5] = 20.0, 15.0  # a hall at each site
    plan = pd.DataFrame({"site": ["A", "B"], "start_month": [p.quarter_start_months[2],
                                                             p.quarter_start_months[5]],
                         "gross_mw": [20.0, 15.0]})
    npv = float(value_fixed(p, c, ObjectiveSpec(), "plan", x, time_limit_s=300.0).npv_usd[0])
    ref = _pivot_npv(pf, plan, str(p.start), p.n_months, p.discount_rate)
    assert npv == pytest.approx(ref, rel=1e-9)
    # teeth: without its uplift the site would be worth less in pivot
    from hashpivot.engines.pivot.inputs import resolve_sites
    site_a = resolve_sites(pf)[0]
    assert site_a.dispatch_uplift_usd_per_mw_month == p.uplift_usd_per_mw_month[0]


RULES_HEADER = ("rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
                "connected_after,connected_before,effect,value,effective_start,effective_end,"
                "source,summary\n")


@pytest.mark.parametrize("tv", [NO_TV, ""], ids=["no TV", "TV"])
def test_a_rules_fee_and_a_kept_fleet_are_valued_alike_by_the_optimizer_and_pivot(
        tmp_path: Path, tv: str) -> None:
    """The rules file of the portfolio: a 5 M USD fee at site A (PA) and no new mining at
    site B (OH). The optimizer pays the fee when A converts and does not replace B's
    fleet; pivot on the plan portfolio (the center-path check, the rules file read beside
    the portfolio file) does the same: the plan's value over keep-mining is the same in
    both, with the terminal value and without."""
    (tmp_path / "rules.csv").write_text(
        RULES_HEADER + "fee,,PA,,,,,,,add_cost_usd,5000000,,,T,a fee\n"
        "nomining,,OH,,,,,,,forbid_new_mining,,,,T,no new miners\n")
    sites = (site_toml("A", capacity=60.0),
             site_toml("B", lease=120.0, price=30.0, state="OH"))
    market = {"btc_price_growth_per_year": 0.10, "network_hashrate_growth_per_year": 0.0}
    text = portfolio_text(*sites, tail='\n[optimize]\nrules_file = "rules.csv"\n' + tv,
                          **market)
    (tmp_path / "p.toml").write_text(text)
    pf = parse_portfolio(text, str(tmp_path / "p.toml"))
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False), source=str(tmp_path / "p.toml"))
    check = r.center_path_check
    assert "pivot_error" not in check
    assert check["npv_with_tv_vs_keep_usd"] == pytest.approx(
        check["optimizer_value_over_keep_usd"], rel=1e-9)
    # teeth: the fee is paid (A converts) and both rules bind in the optimizer, whose
    # resolved assumptions say why B keeps its fleet
    binds = dict(zip(r.rules["rule_id"], r.rules["binds"], strict=True))
    assert binds == {"fee": True, "nomining": True}
    # neither restricts a decision of the plan: both change its value
    assert dict(zip(r.rules["rule_id"], r.rules["binds_on"], strict=True)) == {
        "fee": "value", "nomining": "value"}
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["B: fleet replacement"]["source"] == "rule nomining: no new mining capacity"
    assert "A: fleet replacement" not in rows
    # ... and without the rules, keep-mining replaces B's fleet in pivot
    free = parse_portfolio(portfolio_text(*sites, tail=NO_TV, **market), "free.toml")
    keep = pivot.run_pivot(free, site_name="B").strategies[0]
    assert keep.cash_flows.replacement_capex_usd.sum() > 0
    ruled = pivot.run_pivot(pf, site_name="B", source=str(tmp_path / "p.toml"))
    assert ruled.strategies[0].cash_flows.replacement_capex_usd.sum() == 0


@pytest.mark.parametrize("years", [2, None])
def test_the_example_plan_is_valued_alike_machine_by_machine(years: int | None) -> None:
    """The example portfolio has two fleet entries at Pecos PPA (S21, S19j Pro) and at
    Odessa Grid (S21 XP, S19 XP, with [sites.dispatch]); the plan converts at both. The
    optimizer displaces the tranche worth least, pivot the least efficient entry first,
    each tranche curtailed, replaced and dispatched at its own margin in both: on the
    central path pivot on the plan portfolio gives the optimizer's value to 1e-9, over two
    years (the final year's mining EBITDA at 8x weighs much) and over the file's ten.
    Before pivot mined each site's fleet as one average machine it gave 13.5 M USD over
    two years against the optimizer's 165.7."""
    root = Path(__file__).resolve().parents[2]
    source = root / "examples" / "portfolio.toml"
    pf = parse_portfolio(source.read_text(), str(source))
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False, horizon_years=years),
                      source=str(source))
    check = r.center_path_check
    assert "pivot_error" not in check
    assert set(r.plan["site"]) >= {"Pecos PPA", "Odessa Grid"}  # the mixed fleets convert
    assert check["npv_with_tv_vs_keep_usd"] == pytest.approx(
        check["optimizer_value_over_keep_usd"], rel=1e-9)


def _old_and_new(old: Any, new: Any, capacity_mw: float, *more: Any,
                 dispatch: bool = False) -> Any:
    """Site A with fleet entries (``machines`` tables), fixed 35 USD/MWh (``dispatch``:
    an index of 35 USD/MWh on ERCOT HB_WEST with ``[sites.dispatch]``), hosting terms,
    eight years of a market whose BTC price grows 10 %/yr on a flat network."""
    from tests.portfolio_toml import contract, site, toml_text

    hosting = table(pue=1.25, shell_capex_usd_per_it_mw=3.0e6,
                    fit_out_capex_usd_per_it_mw=5.0e6, construction_months=9,
                    lease_usd_per_kw_month=160.0, lease_term_years=10,
                    asic_resale_usd_per_th=4.0)
    where = (dict(region="ERCOT", state="TX", dispatch=table(availability_fraction=0.95))
             if dispatch else dict(region="PJM", state="PA"))
    terms = (contract(35.0, "index", market="ercot:HB_WEST") if dispatch
             else contract(35.0, "fixed"))
    one = site("A", terms, old, new, *more,
               cost_items=[site_opex("site staff", 1.0e6)], hosting=hosting,
               capacity_mw=capacity_mw, **where)
    return portfolio(toml_text(sites=[one]), years=8, btc_price_growth_per_year=0.10,
                     network_hashrate_growth_per_year=0.0)


@pytest.mark.parametrize("quarter", [0, 2, 5], ids=["before the swap", "after", "late"])
def test_a_swap_is_valued_alike_by_the_optimizer_and_pivot(quarter: int) -> None:
    """Old machines until 2026-06, new ones bought from 2026-07 (15 USD/TH): the file
    checks only the machines installed at the same time against ``capacity_mw`` (30.7 MW
    and 25.7 MW, on 40 MW), so together they draw more (56.4 MW). They replace one
    another in a slot of 30.7 MW (hashpivot.mining.slots): 9.3 MW spare, a band of 5.0 MW
    only the old machines hold, one of 25.7 MW both hold in turn. A plan converting
    15 MW before the swap, after it or late, and keep-mining, are worth the same to the
    optimizer and to pivot. Until 2026-12-05 both engines mined the two entries
    throughout, the least efficient cut to the capacity."""
    old = machines("old", 100.0, 3250.0, 9_000, uptime_fraction=0.95, end="2026-06")
    new = machines("new", 200.0, 3500.0, 7_000, uptime_fraction=0.95, start="2026-07-01",
                   capex_usd_per_th=15.0, depreciation_years=4.0)
    pf = _old_and_new(old, new, 40.0)
    assert pf.sites[0].fleet_power_mw > 40.0 * 1.4  # teeth: the entries exceed capacity
    p = resolve_problem(pf, continuous=True)
    old_mw, new_mw = 9_000 * 3250.0 * 1.05 / 1e6, 7_000 * 3500.0 * 1.05 / 1e6
    np.testing.assert_allclose(p.tranche_mw[0], [40.0 - old_mw, old_mw - new_mw, new_mw],
                               rtol=1e-12)
    assert [[u.label for u in t.units] for t in p.tranches[0][1:]] == [["old"],
                                                                       ["old", "new"]]
    params, _ = scenario_params(p, 0)
    _assert_plan_and_keep_valued_alike(pf, p, params, 0, quarter, 15.0)
    # teeth, by hand: converting 15 MW from the start takes the 9.3 MW spare, the 5.0 MW
    # only the old machines hold, and 0.7 MW of the shared band: the old machines mine
    # 30.7 - 5.7 MW to their end, the new ones 25.7 - 0.7 MW, bought on those alone
    market = pivot.deterministic_market(pf, pd.Period(str(p.start), "M"), p.n_months)
    phase = pivot.ConversionPhase("A", pd.Period(str(p.start), "M"), 15.0)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("plan", (phase,)), market)
    shared = 15.0 - (40.0 - old_mw) - (old_mw - new_mw)
    np.testing.assert_allclose(cf.mining_mw[0, :6], old_mw - (15.0 - (40.0 - old_mw)),
                               rtol=1e-12)
    np.testing.assert_allclose(cf.mining_mw[0, 6:], new_mw - shared, rtol=1e-12)
    assert cf.replacement_capex_usd[0, 6] == pytest.approx(
        (new_mw - shared) / new_mw * 7_000 * 200.0 * 15.0, rel=1e-12)


@pytest.mark.parametrize("quarter", [0, 2], ids=["before the swap", "after"])
def test_a_dispatching_swap_is_valued_alike_by_the_optimizer_and_pivot(quarter: int) -> None:
    """The swap above (old machines, 32.5 J/TH, to 2026-06; new ones, 17.5 J/TH, from
    2026-07) beside an undated middle line (24 J/TH, 11.3 MW) on 45 MW, with
    ``[sites.dispatch]`` on ERCOT HB_WEST: each entry takes its layer of the entries
    installed in each period, in the order the slots are displaced (the old and new
    machines' slot first, after the swap too), each unit of a band on its entry's layer;
    the optimizer's band members take their entry's, so a plan converting 15 MW and
    keep-mining are worth the same to both (until 2026-12-07 both took the site's curve
    for every band)."""
    old = machines("old", 100.0, 3250.0, 9_000, uptime_fraction=0.95, end="2026-06")
    new = machines("new", 200.0, 3500.0, 7_000, uptime_fraction=0.95, start="2026-07-01",
                   capex_usd_per_th=15.0, depreciation_years=4.0)
    middle = machines("middle", 150.0, 3600.0, 3_000, uptime_fraction=0.95)
    pf = _old_and_new(old, new, 45.0, middle, dispatch=True)
    p = resolve_problem(pf, continuous=True)
    assert [[u.label for u in t.units] for t in p.tranches[0][1:]] == [
        ["old"], ["old", "new"], ["middle"]]  # teeth: the slot first, whatever holds it
    from hashpivot.engines.pivot.inputs import resolve_sites

    [site] = resolve_sites(pf)
    assert site.dispatch_uplift is not None
    [new_unit] = [u for u, (label, *_) in zip(site.fleet_uplifts, site.fleet_entries,
                                              strict=True) if label == "new"]
    assert new_unit is not None and new_unit.installed_layers is not None  # teeth: layers
    params, _ = scenario_params(p, 0)
    _assert_plan_and_keep_valued_alike(pf, p, params, 0, quarter, 15.0)


@pytest.mark.parametrize("quarter", [0, 3, 9], ids=["before", "after the purchase", "late"])
def test_dated_fleet_entries_are_valued_alike_by_the_optimizer_and_pivot(quarter: int
                                                                         ) -> None:
    """Old machines retiring at the end of 2028 and new ones bought in 2026-07 (15 USD/TH)
    fit the 60 MW site together: both engines mine each between its dates, pay the
    purchase on the MW not displaced by then and resell only machines installed. A plan
    converting 15 MW before the purchase, just after it, or in 2028 (the old machines
    displaced first in both: least efficient and worth least) is worth the same to the
    optimizer and to pivot, and so is keep-mining."""
    old = machines("old", 100.0, 3250.0, 9_000, uptime_fraction=0.95, end="2028-12")
    new = machines("new", 200.0, 3500.0, 7_000, uptime_fraction=0.95, start="2026-07-01",
                   capex_usd_per_th=15.0, depreciation_years=4.0)
    pf = _old_and_new(old, new, 60.0)
    p = resolve_problem(pf, continuous=True)
    assert [t.installed for t in p.tranches[0]] == [
        (None, None), (None, "2028-12"), ("2026-07-01", None)]
    params, _ = scenario_params(p, 0)
    _assert_plan_and_keep_valued_alike(pf, p, params, 0, quarter, 15.0)
    # teeth: keep-mining buys the new machines in 2026-07 (month 6) and the old ones mine
    # no more from 2029-01 (month 36)
    market = pivot.deterministic_market(pf, pd.Period(str(p.start), "M"), p.n_months)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("keep_mining"), market)
    assert cf.replacement_capex_usd[0, 6] == pytest.approx(7_000 * 200.0 * 15.0, rel=1e-12)
    np.testing.assert_allclose(cf.mining_mw[0, :6], 30.7125, rtol=1e-12)
    np.testing.assert_allclose(cf.mining_mw[0, 6:36], 30.7125 + 25.725, rtol=1e-12)
    np.testing.assert_allclose(cf.mining_mw[0, 36:], 25.725, rtol=1e-12)


def test_a_planned_block_worth_least_is_still_displaced_in_pivot_s_order() -> None:
    """New machines bought in 2029 (15 USD/TH) beside undated old ones: displacing the
    new block before its purchase saves the purchase, so it is the cheapest to displace,
    and the model took it (a reviewer's case: the plan added 195.6 M USD over keep-mining
    in the model, 177.6 in pivot on the same plan). At such a site the model now keeps
    pivot's order, least efficient first (``least_efficient_first``): both give a fixed
    plan the same value, and the optimized plan too."""
    old = machines("old", 100.0, 3250.0, 9_000, uptime_fraction=0.95)
    new = machines("new", 200.0, 3500.0, 7_000, uptime_fraction=0.95, start="2029-01-01",
                   capex_usd_per_th=15.0, depreciation_years=4.0)
    pf = _old_and_new(old, new, 60.0)
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    from hashpivot.optimize.displacement_order import least_efficient_first

    # teeth: the planned block is cheaper to displace than the old one in early quarters
    loss = c.mining_loss_usd_per_mw[0, 0]
    assert (loss[2, :4] < loss[1, :4]).all()
    assert least_efficient_first(p, c).tolist() == [0]
    _assert_plan_and_keep_valued_alike(pf, p, params, 0, 0, 40.0)
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False, continuous=True))
    check = r.center_path_check
    assert check["npv_with_tv_vs_keep_usd"] == pytest.approx(
        check["optimizer_value_over_keep_usd"], rel=1e-9)


def test_cost_items_between_their_dates_are_valued_as_pivot_values_them() -> None:
    """Site A's staff (fixed) to 2028-06, repairs (variable: they decide curtailment) from
    2027-04-10 and cash SG&A to 2031-12, site B's staff from 2029-01: a plan and
    keep-mining are worth the same to the optimizer and to pivot, which pay each item
    between its dates (``engines/pivot/cost_dates.py``); the terminal value takes each
    item as it stands on the horizon's last day (items starting or ending in the final
    year: A's insurance and office, B's repairs). Until 2026-12-05 both counted every
    item over the whole horizon."""
    a_costs = [site_opex("site staff", 1.0e6, end="2028-06"),
               site_opex("repairs", 6.0e6, behavior="variable", start="2027-04-10"),
               site_opex("insurance", 0.5e6, end="2033-10-15"),
               table(name="corporate", category="sga_cash", usd_per_year=2.0e6,
                     end="2031-12"),
               table(name="office", category="sga_cash", usd_per_year=1.0e6,
                     start="2033-12")]
    pf = portfolio(site_toml("A", capacity=60.0, cost_items=a_costs),
                   site_toml("B", lease=120.0, price=30.0,
                             cost_items=[site_opex("site staff", 1.0e6, start="2029-01"),
                                         site_opex("repairs", 2.0e6, behavior="variable",
                                                   start="2033-11")]),
                   years=8, btc_price_growth_per_year=0.10, network_hashrate_growth_per_year=0.0)
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    o = int(np.flatnonzero(p.offer_site == 0)[0])
    _assert_plan_and_keep_valued_alike(pf, p, params, o, 6, 30.0)
    _assert_plan_and_keep_valued_alike(pf, p, params, o, 0, 60.0)


def test_items_entries_and_a_connection_in_one_month_are_valued_alike() -> None:
    """Site A connected on 2026-03-16, its new machines installed from 2026-03-05 and the
    old ones to 2028-12-20, staff to 2026-03-25, insurance to 2028-12-10, variable repairs
    from 2026-03-20 and cash SG&A to 2028-12-10: each block runs, and each item is paid,
    on the days they share (``availability.both_dated``), in both engines: a plan and
    keep-mining are worth the same to the optimizer and to pivot (a tranche's items are
    paid on its own days: the old block's insurance ends 10 days before it does)."""
    from tests.portfolio_toml import contract, site, toml_text

    old = machines("old", 100.0, 3250.0, 9_000, uptime_fraction=0.95, end="2028-12-20")
    new = machines("new", 200.0, 3500.0, 7_000, uptime_fraction=0.95, start="2026-03-05",
                   capex_usd_per_th=15.0, depreciation_years=4.0)
    costs = [site_opex("site staff", 1.0e6, end="2026-03-25"),
             site_opex("insurance", 3.0e6, end="2028-12-10"),
             site_opex("repairs", 6.0e6, behavior="variable", start="2026-03-20"),
             table(name="corporate", category="sga_cash", usd_per_year=2.0e6,
                   end="2028-12-10")]
    hosting = table(pue=1.25, shell_capex_usd_per_it_mw=3.0e6,
                    fit_out_capex_usd_per_it_mw=5.0e6, construction_months=9,
                    lease_usd_per_kw_month=160.0, lease_term_years=10,
                    asic_resale_usd_per_th=4.0)
    one = site("A", contract(35.0, "fixed"), old, new, cost_items=costs, hosting=hosting,
               region="PJM", state="PA", capacity_mw=60.0, connection_date="2026-03-16")
    pf = portfolio(toml_text(sites=[one]), years=8, btc_price_growth_per_year=0.10,
                   network_hashrate_growth_per_year=0.0)
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    _assert_plan_and_keep_valued_alike(pf, p, params, 0, 4, 15.0)
    # teeth: March runs the 16 days from the connection on both blocks, not a product
    market = pivot.deterministic_market(pf, pd.Period(str(p.start), "M"), p.n_months)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("keep_mining"), market)
    np.testing.assert_allclose(cf.mining_mw[0, 2], cf.mining_mw[0, 3] * 16 / 31, rtol=1e-12)


@pytest.mark.parametrize("converted", [("B",), ("A", "B")])
def test_a_plan_whose_kept_machines_do_not_cover_the_sga_is_valued_as_pivot_does(
        converted: tuple[str, ...]) -> None:
    """Left at stop 40: pivot floors mining's terminal value as a whole, net of the cash
    SG&A, for every plan; the optimizer only for keep-mining and took each displaced MW's
    value off that. Where no machine kept covers the SG&A at the horizon (both sites
    converted), pivot stops mining and values it at 0, and the model valued the plan
    below it by the SG&A's value (14.9 M USD here, 7.5 M USD on a one-site file). Both
    now value it alike, keep-mining too; converting B alone, A's machines still cover it
    (the floor does not bind: the same values as before)."""
    pf, p, params = _two_sites_paying_sga()
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    assert c.baseline_terminal_usd[0] > 0  # keep-mining's machines cover the SG&A
    x = np.zeros((p.n_offers, p.n_quarters))
    names = [s.name for s in p.sites]
    for name in converted:
        o = int(np.flatnonzero(p.offer_site == names.index(name))[0])
        x[o, 0] = p.site_limit_mw[names.index(name)]
    plan = pd.DataFrame({"site": list(converted),
                         "start_month": [p.quarter_start_months[0]] * len(converted),
                         "gross_mw": [p.site_limit_mw[names.index(n)] for n in converted]})
    for label, x_plan, rows in (("plan", x, plan), ("keep", 0.0 * x, plan.iloc[:0])):
        v = value_fixed(p, c, ObjectiveSpec(), label, x_plan, time_limit_s=300.0)
        ref = _pivot_npv(pf, rows, str(p.start), p.n_months, p.discount_rate)
        assert v.npv_usd[0] == pytest.approx(ref, rel=1e-9), label
        if label == "plan":
            assert v.terminal_value_usd[0] >= 0.0


def test_the_model_counts_the_floor_in_its_objective_and_its_cvar() -> None:
    """The model's ``sga_floor`` columns (binaries) give each scenario's NPV as the formula
    does, in the expectation and in the CVaR: on scenarios whose mining terminal values
    are the central path's scaled by 0.1 to 2 (the SG&A as it is), some past the floor
    and some not, a fixed plan's objective is ``(1 - lambda) E[NPV] + lambda CVaR`` of
    the NPVs that :func:`scenario_npv_usd` gives, and a free plan's is at least as
    high (its optimum)."""
    from hashpivot.optimize.model import build_plan_model
    from hashpivot.optimize.results import cvar_usd
    from hashpivot.optimize.scenario_npv import floor_scenarios, sga_floor_usd
    from hashpivot.optimize.scenarios import ScenarioCoefficients
    from hashpivot.optimize.solve import solve_model

    _, p, params = _two_sites_paying_sga()
    c1 = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    raw = float(np.einsum("sj,sj->", c1.mining_terminal_usd_per_mw[0], p.tranche_mw))
    sga_tv = raw - float(c1.baseline_terminal_usd[0])
    f = np.linspace(0.1, 2.0, 20)
    kept = np.maximum(f * raw - sga_tv, 0.0)
    tv = c1.mining_terminal_usd_per_mw[0]
    c = ScenarioCoefficients(
        c1.baseline_npv_usd[0] + kept - c1.baseline_terminal_usd[0],
        c1.mining_loss_usd_per_mw[0][None] + ((f - 1.0)[:, None, None, None]
                                               * tv[None, :, :, None]),
        np.repeat(c1.signed, f.size, axis=0), kept, f[:, None, None] * tv[None])
    room = floor_scenarios(p, c)
    assert (room > 0).all()  # every scenario may reach the floor
    x = np.zeros((p.n_offers, p.n_quarters))  # B converted: A's machines are kept
    x[int(np.flatnonzero(p.offer_site == 1)[0]), 0] = p.site_limit_mw[1]
    obj = ObjectiveSpec(risk_aversion=0.5, alpha=0.2)
    v = value_fixed(p, c, obj, "B", x, time_limit_s=300.0)
    want = 0.5 * v.npv_usd.mean() + 0.5 * cvar_usd(v.npv_usd, 0.2)
    assert v.objective_usd == pytest.approx(want, rel=1e-9)
    # teeth: A's machines cover the SG&A in the scenarios of larger values, not in the
    # others
    pm = build_plan_model(p, c, obj, fixed_conversion_mw=x)
    sol, _ = solve_model(pm.m, pm.integer)
    g = sga_floor_usd(p, c, sol[pm.npv_cols])
    assert (g > 0).any() and (g == 0).any()
    free = build_plan_model(p, c, obj)
    _, rep = solve_model(free.m, free.integer)
    assert -rep.objective * 1e6 + 0.5 * c.baseline_npv_usd.mean() >= v.objective_usd - 1e-3


def test_past_the_floor_spare_capacity_still_goes_first() -> None:
    """A review's case: one site (60 MW, 44.1 MW of miners) whose 50 M USD/year of cash
    SG&A its machines never cover at the horizon, power at 30 USD/MWh. Past the floor a
    displaced MW forgoes no terminal value, so its loss is the one to the horizon: in the
    last quarter negative (the machines' resale is worth more than their last months of
    mining). The check that holds the model to pivot's order (spare capacity first)
    tested the whole loss, positive, so the model displaced miners and kept their resale:
    a 10 MW plan of the last quarter was worth 0.71 M USD more to it than to pivot."""
    from hashpivot.optimize.displacement_order import spare_first
    from hashpivot.optimize.scenario_npv import floor_scenarios

    sga = table(name="corporate", category="sga_cash", usd_per_year=50e6)
    pf = portfolio(site_toml("A", capacity=60.0, price=30.0,
                             cost_items=[site_opex("site staff", 1.0e6), sga]),
                   years=8, btc_price_growth_per_year=0.10, network_hashrate_growth_per_year=0.0)
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    assert floor_scenarios(p, c)[0] > 0 and spare_first(p, c).tolist() == [0]
    q = p.n_quarters - 1
    x = np.zeros((p.n_offers, p.n_quarters))
    x[0, q] = 10.0
    v = value_fixed(p, c, ObjectiveSpec(), "last quarter", x, time_limit_s=300.0)
    plan = pd.DataFrame({"site": ["A"], "start_month": [p.quarter_start_months[q]],
                         "gross_mw": [10.0]})
    ref = _pivot_npv(pf, plan, str(p.start), p.n_months, p.discount_rate)
    assert v.npv_usd[0] == pytest.approx(ref, rel=1e-9)


def test_the_shadow_prices_hold_the_floor_binaries_at_the_plan() -> None:
    """A review's case: relaxed, the floor's binaries take the chord of ``max(T - kept,
    0)`` and value mining past the horizon that the plan does not give up (a relaxation
    worth 259.0 M USD against the MILP's 240.5, whose plan is short of the floor), so the
    build capacity's shadow prices summed 102.2 M USD instead of 85.5. Held at the plan's
    values, the duals are those of the model without the floor, which is exact there."""
    from hashpivot.optimize.evaluate import shadow_price_frame
    from hashpivot.optimize.model import build_plan_model
    from hashpivot.optimize.scenario_npv import sga_floor_usd
    from hashpivot.optimize.solve import relaxation_duals, solve_model

    sga = table(name="corporate", category="sga_cash", usd_per_year=8.0e6)
    staff = site_opex("site staff", 1.0e6)
    pf = portfolio(site_toml("A", capacity=60.0, cost_items=[staff, sga]),
                   site_toml("B", lease=120.0, price=30.0, cost_items=[staff, sga]),
                   years=8, btc_price_growth_per_year=0.10, network_hashrate_growth_per_year=0.0,
                   tail="\n[optimize]\nbuild_mw_per_quarter = 1.5\n")
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    pm = build_plan_model(p, c, ObjectiveSpec())
    sol, _ = solve_model(pm.m, pm.integer, gap=1e-6)
    on = pm.m.variables["sga_floor_on"]
    assert on.size == 1 and round(float(sol[on][0])) == 0  # the plan is short of the floor
    assert sga_floor_usd(p, c, sol[pm.npv_cols])[0] == 0.0

    def prices(model: Any, pinned: Any = None) -> pd.Series:
        rows, _ = relaxation_duals(model.m, 300.0, pinned=pinned)
        return shadow_price_frame(p, model, rows).groupby("constraint").shadow_price.sum()

    held = prices(pm, (on, np.round(sol[on])))
    without = prices(build_plan_model(p, c, ObjectiveSpec(), sga_floor=False))
    assert held.to_dict() == pytest.approx(without.to_dict(), rel=1e-6)
    assert prices(pm).sum() > held.sum() * 1.05  # teeth: relaxed, the chord inflates them
    # and the optimizer's result reports the held ones
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False, continuous=True, gap=1e-6))
    got = r.shadow_prices.groupby("constraint").shadow_price.sum()
    assert got.to_dict() == pytest.approx(held.to_dict(), rel=1e-6)


def test_the_floor_binaries_bound_what_a_plan_can_forgo() -> None:
    """The scenarios given the floor's binaries are those where a plan can reach it, by a
    bound on the terminal value it can forgo: the tranches of most value per MW first, up
    to each site's MW and, in all, what the tenants can lease. A tenant of 8 IT MW (10 MW
    at a PUE of 1.25) can take 10 MW of B's machines, not all 44.1 MW of both sites: their
    value past the horizon is less than the SG&A's, so no scenario needs the binaries (the
    bound by the sites alone gave them one). The bound holds the forgone value of the
    largest plans the tenant allows, at each site."""
    from hashpivot.optimize.model import build_plan_model
    from hashpivot.optimize.scenario_npv import (
        _most_forgone_usd,
        floor_scenarios,
        mining_terminal_matrix,
    )
    from hashpivot.optimize.solve import solve_model

    tail = ('\n[optimize]\n  [[optimize.tenants]]\n  name = "T"\n  it_mw = 8.0\n'
            '  lease_usd_per_kw_month = 160.0\n  lease_term_years = 10\n')
    sga = table(name="corporate", category="sga_cash", usd_per_year=2.0e6)
    staff = site_opex("site staff", 1.0e6)
    pf = portfolio(site_toml("A", capacity=60.0, cost_items=[staff, sga]),
                   site_toml("B", lease=120.0, price=30.0, cost_items=[staff, sga]),
                   years=8, btc_price_growth_per_year=0.10, network_hashrate_growth_per_year=0.0,
                   tail=tail)
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    c.signed[:] = 1.0
    most = _most_forgone_usd(p, c)[0]
    assert most == pytest.approx(10.0 * c.mining_terminal_usd_per_mw[0][:, 1].max(), rel=1e-12)
    assert not floor_scenarios(p, c).any()
    assert build_plan_model(p, c, ObjectiveSpec()).m.variables["sga_floor"].size == 0
    forgone = []
    for site in range(p.n_sites):  # the largest plan the tenant allows at each site
        x = np.zeros((p.n_offers, p.n_quarters))
        x[int(np.flatnonzero(p.offer_site == site)[0]), 0] = 10.0
        pm = build_plan_model(p, c, ObjectiveSpec(), fixed_conversion_mw=x)
        sol, _ = solve_model(pm.m, pm.integer)
        forgone.append(-float((mining_terminal_matrix(p, c) @ sol[pm.npv_cols])[0]))
    # A's 10 MW are spare capacity (15.9 MW): nothing forgone; B's are its miners
    assert forgone[0] == 0.0 and 0.0 < forgone[1] <= most * (1 + 1e-12)
