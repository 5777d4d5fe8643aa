"""Each valued site's hosting terms and power contract in the resolved assumptions of
``pivot`` and ``simulate`` (hashpivot.engines.pivot.site_assumptions, site_rows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.site_assumptions import site_assumption_facts
from hashpivot.engines.pivot.site_rows import site_assumption_rows
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models import CostItem, load_portfolio, parse_portfolio
from tests.engines.pivot_inputs import base_toml
from tests.portfolio_toml import contract, portfolio_toml, site, table

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"


def _by_name(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(r["name"]): r for r in rows}


def test_the_example_site_terms_come_from_the_file() -> None:
    res = pv.run_pivot(load_portfolio(EXAMPLE), deals=None)
    rows = _by_name(res.resolved_assumptions())
    assert rows["[sites.hosting] lease_usd_per_kw_month"] == {
        "name": "[sites.hosting] lease_usd_per_kw_month", "value": 130.0,
        "unit": "USD/kW/month", "source": "file"}
    assert rows["[sites.hosting] lease_escalator_per_year"]["value"] == 0.03
    assert rows["[sites.hosting] lease_term_years"]["value"] == 12
    assert rows["[sites.hosting] pue"]["value"] == 1.3
    assert rows["[sites.hosting] tenant_default_probability_per_year"]["value"] == 0.01
    assert rows["[sites.hosting] capex per IT MW"]["value"] == (
        "9.00 (shell 3.00 + fit-out 6.00)")
    assert rows["[sites.power_contract]"]["value"] == "fixed 38 USD/MWh"
    # simulate values the same site on the same terms: the same rows
    sim = simulate(load_portfolio(EXAMPLE), SimulationConfig(n_paths=20, seed=1,
                                                             horizon_months=12))
    sim_rows = _by_name(sim.resolved_assumptions())
    for name, row in rows.items():
        if name.startswith(("[sites.hosting]", "[sites.power_contract]")):
            assert sim_rows[name] == row, name


def test_the_site_costs_and_their_behavior_are_a_row() -> None:
    """Fixed, variable and cash SG&A per year as the forward models count them, the items
    whose behavior comes from their category named (``site_opex`` is fixed by default: a
    choice that moves curtailment and keep-mining's value); ``none`` without cost items;
    results stored before the row existed (no ``site_costs`` fact) still give rows."""
    pf = load_portfolio(EXAMPLE)
    rows = _by_name(pv.run_pivot(pf, deals=None).resolved_assumptions())
    row = rows["[sites.cost_items] site costs"]
    name = pf.sites[0].cost_items[0].name
    assert row["value"] == "fixed 10.00 + variable 0.00" and row["unit"] == "M USD/year"
    # each item 1/12 of its year a month, where cost and backtest take 1/365.25 a day
    assert row["source"] == ("file; each paid 1/12 of its year a month, whatever the "
                             "month's days (cost and backtest: 1/365.25 a day); behavior by "
                             f"category (default) for {name}: fixed")
    pf.sites[0].cost_items[0].behavior = "variable"
    pf.sites[0].cost_items.append(CostItem(name="corporate", category="sga_cash",
                                           usd_per_year=1.2e6))
    facts = site_assumption_facts(pf, pv.resolve_sites(pf))
    row = _by_name(site_assumption_rows(facts))["[sites.cost_items] site costs"]
    assert row == {"name": "[sites.cost_items] site costs",
                   "value": "fixed 0.00 + variable 10.00 + cash SG&A 1.20",
                   "unit": "M USD/year",
                   "source": "file; each paid 1/12 of its year a month, whatever the "
                   "month's days (cost and backtest: 1/365.25 a day)"}
    # a demand charge (category power) is a site cost here, not in the power cost that
    # cost and backtest count it in: the row names it
    pf.sites[0].cost_items.append(CostItem(name="demand charge", category="power",
                                           usd_per_year=2.0e5))
    row = _by_name(site_assumption_rows(site_assumption_facts(pf, pv.resolve_sites(pf))))[
        "[sites.cost_items] site costs"]
    assert row["source"].endswith(
        "; power-category items here, in opex_usd, not in power_cost_usd (cost's and "
        "backtest's power cost count them): demand charge")
    pf.sites[0].cost_items = []
    row = _by_name(site_assumption_rows(site_assumption_facts(pf, pv.resolve_sites(pf))))[
        "[sites.cost_items] site costs"]
    assert row["value"] == "none" and row["source"].startswith("not in the file")
    del facts[0]["site_costs"]
    assert "[sites.cost_items] site costs" not in _by_name(site_assumption_rows(facts))


def test_default_terms_say_default_and_several_sites_are_named() -> None:
    pf = parse_portfolio(base_toml(hosting=None))
    rows = _by_name(pv.run_pivot(pf, deals=None).resolved_assumptions())
    assert rows["[sites.hosting] lease_usd_per_kw_month"]["source"] == "default"
    assert rows["[sites.hosting] capex per IT MW"]["source"] == "default"
    assert rows["[sites.power_contract]"]["value"] == "fixed 40 USD/MWh"
    two = parse_portfolio(portfolio_toml(
        "two", site("A", contract(40.0, "fixed"), table(asic="Antminer S21", count=10),
                    capacity_mw=1.0, hosting=table(pue=1.2)),
        site("B", contract(35.0, "index", adder_usd_per_mwh=3.0, market="ercot:HB_WEST"),
             table(asic="Antminer S21", count=10), capacity_mw=1.0)))
    rows = _by_name(site_assumption_rows(site_assumption_facts(two, pv.resolve_sites(two))))
    assert rows["A: [sites.hosting] pue"]["source"] == "file"
    assert rows["A: [sites.hosting] lease_term_years"]["source"] == "default"
    assert rows["B: [sites.hosting] pue"]["source"] == "default"
    assert rows["B: [sites.power_contract]"]["value"] == (
        "index ercot:HB_WEST: expected 35 + 3 adder USD/MWh")


def test_a_dispatching_site_adds_its_flexibility_to_each_month_of_mining() -> None:
    """With ``[sites.dispatch]`` keep-mining's NPV (no terminal value) rises by
    ``sum_t d_t MW (max(0, margin_t + g_t - v phi_t) - max(0, margin_t - v))``, ``d_t``
    the month-end discount factor, ``margin_t`` the month's revenue less power cost always
    on per MW, ``v`` the variable site costs per MW [USD/MW/month] (the monthly model mines
    a month when the margin beats them), ``phi_t`` the dispatch's energy share (it pays
    that share of them) and ``g_t`` the engine's gain at the month's margin: its revenue
    per MW (gross hashprice of the deterministic market x the fleet's TH/s per MW, decayed)
    over the price year's, its power price (the contract's expected price) over the price
    year's as the site pays it, over the month's hours (``G`` is per 730.5 h); to 1e-9.
    The uplift (what the dispatch adds to the monthly model's revenue less power cost) and
    its measurement are a row of the assumptions."""
    import numpy as np

    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.fleet import site_market
    from hashpivot.engines.pivot.inputs import resolve_sites
    from tests.optimize.optimize_inputs import NO_TV, keep_mining_npv_usd, portfolio, site_toml
    from tests.portfolio_toml import site_opex

    variable_usd_per_year = 2.4e6
    site = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
            "market": "ercot:HB_WEST",
            "cost_items": [site_opex("site staff", 1.0e6),
                           site_opex("maintenance", variable_usd_per_year,
                                     behavior="variable")]}
    flat = portfolio(site_toml("A", **site), years=5, tail=NO_TV)
    flexible = portfolio(site_toml("A", **site, dispatch={"availability_fraction": 0.95}),
                         years=5, tail=NO_TV)
    start, months = pd.Period("2026-01", "M"), 60

    s = resolve_sites(flexible)[0]
    curve = s.dispatch_uplift
    assert curve is not None and resolve_sites(flat)[0].dispatch_uplift is None
    u = s.dispatch_uplift_usd_per_mw_month
    assert u > 0 and resolve_sites(flat)[0].dispatch_uplift_usd_per_mw_month == 0.0
    assert flexible.pivot is not None
    market = pivot.deterministic_market(flexible, start, months)
    per_mw = site_market(s, flexible.pivot, market).th_s_per_mw[0]  # decay, replacements
    hashprice = market.btc_price_usd[0] * market.hashvalue_btc_per_th_day[0]  # gross
    assert market.power_price_usd_per_mwh is None  # deterministic: the expected price
    price = np.full(months, s.power_price_usd_per_mwh)
    days = np.asarray(market.periods.days_in_month, dtype=float)
    net = s.uptime_fraction * (1 - s.pool_fee_fraction)
    margin = (per_mw * hashprice * net - 24 * s.uptime_fraction * price) * days
    lam = price / curve.reference_power_price_usd_per_mwh
    k = per_mw * hashprice / lam / (curve.reference_hashprice_usd_per_th_day
                                    * s.fleet_hashrate_th_s / s.fleet_power_mw)
    g = np.interp(np.log(k), np.log(curve.multipliers), curve.gain_usd_per_mw_month)
    g_t = lam * g * (24 * days / 730.5)
    phi = np.interp(np.log(k), np.log(curve.multipliers), curve.energy_share)
    v = variable_usd_per_year / 12 / s.fleet_power_mw
    flex_t = np.maximum(margin + g_t - v * phi, 0.0)
    flat_t = np.maximum(margin - v, 0.0)
    r_m = 1.10 ** (1 / 12) - 1
    factors = (1 + r_m) ** -(np.arange(months) + 1.0)
    gained = keep_mining_npv_usd(flexible, months) - keep_mining_npv_usd(flat, months)
    assert gained == pytest.approx(
        float(((flex_t - flat_t) * factors).sum()) * s.fleet_power_mw, rel=1e-9)
    # the monthly model curtails after the halving; the dispatch mines the cheap hours
    # of those months, paying their share of the variable costs
    on, mined = margin > v, margin + g_t - v * phi > 0
    u_t = np.where(mined, np.where(on, g_t, g_t + margin), np.where(on, -margin, 0.0))
    # after the halving the monthly model curtails these 29 J/TH machines every month
    # (at 40 USD/MWh); dispatching still earns the cheap hours
    halving = market.periods.get_loc(pd.Period("2028-04", "M"))
    assert (margin[halving + 1:] < 0).all() and (margin[:12] > 0).all()
    assert (u_t[halving + 1:] > 0).all() and (u_t < lam * g * 24 * days / 730.5)[
        halving + 1:].all()
    # BTC and energy: a full month's times the dispatch's shares at the month's k, in the
    # months it mines some intervals (every month here: the uplift is positive after the
    # halving too, where the monthly model mines none)
    def keep(pf: Any) -> Any:
        return pivot.strategy_cash_flows(pf, pivot.Strategy("keep_mining"),
                                         pivot.deterministic_market(pf, start, months))

    flex_cf, flat_cf = keep(flexible), keep(flat)
    on_btc = (per_mw * market.hashvalue_btc_per_th_day[0] * net * days) * s.fleet_power_mw
    on_energy = 24 * days * s.uptime_fraction * s.fleet_power_mw
    rho = np.interp(np.log(k), np.log(curve.multipliers), curve.revenue_share)
    assert flex_cf.btc_mined[0] == pytest.approx(on_btc * rho, rel=1e-12)
    assert flex_cf.energy_mwh[0] == pytest.approx(on_energy * phi, rel=1e-12)
    assert (flat_cf.btc_mined[0][halving + 1:] == 0).all()  # curtailed without dispatch
    assert (rho < 1).all() and (phi < 1).all()
    rows = site_assumption_rows(site_assumption_facts(flexible, [s]))
    row = next(r for r in rows if r["name"].startswith("[sites.dispatch] flexibility"))
    assert row["value"] == u and row["unit"] == "USD/MW/month"
    assert "over always-on" in row["source"] and "hashprice levels" in row["source"]
    # with the central path: the mean counted on it, first and final year
    rows = site_assumption_rows(site_assumption_facts(flexible, [s], market))
    row = next(r for r in rows if r["name"].startswith("[sites.dispatch] flexibility"))
    assert row["name"].endswith("central path mean")
    assert row["value"] == round(float(u_t.mean()))
    assert row["source"].startswith(f"first year {u_t[:12].mean():,.0f}, final year "
                                    f"{u_t[-12:].mean():,.0f}; dispatch ")
    flat_rows = site_assumption_rows(site_assumption_facts(flat, resolve_sites(flat)))
    assert not any("[sites.dispatch]" in r["name"] for r in flat_rows)


def test_the_central_flexibility_counts_the_months_the_machines_run() -> None:
    """A review's case: a dispatching site connected on 2026-04-16 runs none of its
    first three months; the flexibility printed with the result (central path: mean,
    first and final year) is the mean over the months it runs, each weighted by the
    share of its days connected (it counted the months before the connection, the
    blocks weighted by their days installed alone)."""
    import numpy as np

    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.engines.pivot.site_assumptions import _central_uplift
    from tests.optimize.optimize_inputs import NO_TV, portfolio, site_toml

    site = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
            "market": "ercot:HB_WEST", "dispatch": {"availability_fraction": 0.95}}
    late = portfolio(site_toml("A", **site, connection_date="2026-04-16"), years=5,
                     tail=NO_TV)
    s = resolve_sites(late)[0]
    market = pivot.deterministic_market(late, pd.Period("2026-01", "M"), 60)
    central = _central_uplift(late, s, market)
    u = np.array(central["by_month"]["uplift_usd_per_mw_month"])
    assert u[:3].min() > 0  # teeth: the months before the connection had an uplift
    assert central["first_year"] == pytest.approx(u[3:12].mean(), rel=1e-12)
    assert central["mean"] == pytest.approx(u[3:].mean(), rel=1e-12)


def test_two_fleet_entries_of_one_name_are_told_apart_in_the_flexibility() -> None:
    """A review's case: two lines of one name, after a line that ended before the first
    month, were told apart by their position among the entries valued (``fleet[1]`` for
    the file's ``fleet[2]``), and the month-by-month rows put both under one name; they
    are the name and the name (#2), in the file's order."""
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.engines.pivot.site_assumptions import _central_uplift
    from hashpivot.engines.standing import standing_portfolio
    from tests.optimize.optimize_inputs import NO_TV, portfolio
    from tests.portfolio_toml import contract, machines, site, toml_text

    one = site("A", contract(40.0, "index", market="ercot:HB_WEST"),
               machines("S9", 13.5, 1323.0, 1000, end="2021-01"),
               machines("S19j Pro", 100.0, 3050.0, 5000, end="2026-06"),
               machines("S19j Pro", 104.0, 3068.0, 5000, start="2026-07-01"),
               machines("S21", 200.0, 3500.0, 5000),
               dispatch={"availability_fraction": 0.95}, region="ERCOT", capacity_mw=60.0)
    pf = portfolio(toml_text(sites=[one]), years=5, tail=NO_TV)
    months = pd.period_range("2026-01", periods=60, freq="M")
    valued = standing_portfolio(pf, months).portfolio
    s = resolve_sites(valued)[0]
    central = _central_uplift(valued, s, pivot.deterministic_market(valued, months[0], 60))
    assert set(central["by_entry"]) == {"S19j Pro", "S19j Pro (#2)", "S21"}
    assert set(central["by_month"]["fleet_entry"]) == {"S19j Pro", "S19j Pro (#2)", "S21"}


def test_the_renewal_the_lease_structure_and_the_resale_are_rows() -> None:
    """Each can flip the verdict (no renewal: +37.8 M USD to -20.0 on a review's 103
    USD/kW/month case) and was printed nowhere; a result stored before them still shows."""
    res = pv.run_pivot(load_portfolio(EXAMPLE), deals=None)
    rows = _by_name(res.resolved_assumptions())
    for field, unit in (("renewal_options", "-"), ("renewal_probability", "-"),
                        ("lease_structure", "-"), ("nnn_operator_opex_fraction", "-"),
                        ("asic_resale_usd_per_th", "USD/TH")):
        row = rows[f"[sites.hosting] {field}"]
        assert row["unit"] == unit and row["source"] in ("file", "default"), row
    assert rows["[sites.hosting] renewal_probability"]["value"] == 0.5
    assert rows["[sites.hosting] lease_structure"]["value"] == "triple_net"
    # a result stored before these rows existed: the rows it has
    facts = res.inputs["site_assumptions"]
    old = [{**s, "hosting": {k: v for k, v in s["hosting"].items()
                             if k not in ("renewal_probability", "lease_structure")}}
           for s in facts]
    names = {r["name"] for r in site_assumption_rows(old)}
    assert "[sites.hosting] renewal_probability" not in names
    assert "[sites.hosting] pue" in names


def test_each_site_convertible_mw_is_a_row_from_the_file_or_the_capacity() -> None:
    """The MW a conversion may take at each site bound every strategy and the plan
    (examples/portfolio.toml: Pecos PPA's capacity 150 -> 200 MW moves optimize's plan,
    100 MW there in 2026Q3 instead of 50); pivot and simulate named it only inside their
    convert_all row, optimize nowhere. A row per site, with its source: the file's
    ``[sites.hosting] convertible_gross_mw`` or the capacity less the AI load."""
    two = parse_portfolio(portfolio_toml(
        "two", site("A", contract(40.0, "fixed"), table(asic="Antminer S21", count=10),
                    capacity_mw=3.0, hosting=table(convertible_gross_mw=2.0)),
        site("B", contract(35.0, "fixed"), table(asic="Antminer S21", count=10),
             capacity_mw=5.0, hosting=table(pue=1.2))))
    rows = _by_name(site_assumption_rows(site_assumption_facts(two, pv.resolve_sites(two))))
    a, b = rows["A: [sites.hosting] convertible_gross_mw"], rows[
        "B: [sites.hosting] convertible_gross_mw"]
    assert (a["value"], a["unit"], a["source"]) == (2.0, "MW", "file")
    assert (b["value"], b["unit"]) == (5.0, "MW")
    assert b["source"] == "default: = capacity_mw, less [sites.dispatch] ai_load_mw"


def test_each_site_capacity_and_connection_are_rows() -> None:
    """The site's capacity and its grid connection move every strategy but no row named
    them (``scripts/sweep_assumptions.py``, examples/pivot-200mw.toml: capacity_mw 200 ->
    400 MW moved an NPV by 19.7 %: the convert strategy takes the 209 MW the fleet leaves
    spare before any machine; connection_date 2026-06-01 moved one by 49.6 %: no mining
    before it). Site A: 10 S21 at the meter 10 x 3,500 W x 1.05 = 0.03675 MW, capacity 3
    MW in the file, connected from 2026-06-01; site B: no capacity (the fleet's MW) and
    connected throughout."""
    two = parse_portfolio(portfolio_toml(
        "two", site("A", contract(40.0, "fixed"), table(asic="Antminer S21", count=10),
                    capacity_mw=3.0, connection_date="2026-06-01"),
        site("B", contract(35.0, "fixed"), table(asic="Antminer S21", count=10))))
    rows = _by_name(site_assumption_rows(site_assumption_facts(two, pv.resolve_sites(two))))
    a, b = rows["A: [sites] capacity_mw"], rows["B: [sites] capacity_mw"]
    assert (a["value"], a["unit"]) == (3.0, "MW")
    assert a["source"] == ("file; a conversion takes the MW the fleet leaves spare first, "
                           "then the least efficient machines")
    assert (b["unit"], b["source"]) == ("MW", "default: the fleet's power at the meter, "
                                               "none spare")
    assert b["value"] == pytest.approx(10 * 3500 * 1.05 / 1e6)
    a, b = rows["A: [sites] connection_date"], rows["B: [sites] connection_date"]
    assert (a["value"], a["unit"], a["source"]) == (
        "2026-06-01", "day", "file; no mining and no hall in service before it")
    assert (b["value"], b["unit"], b["source"]) == ("none: connected throughout", "-",
                                                    "default")
    # a result stored before the rows: none
    facts = site_assumption_facts(two, pv.resolve_sites(two))
    for f in facts:
        del f["capacity_mw"], f["connection_date"]
    names = {r["name"] for r in site_assumption_rows(facts)}
    assert not any("capacity_mw" in n or "connection_date" in n for n in names)


def test_a_dispatching_sites_tables_are_rows_of_what_its_flexibility_is_measured_on() -> None:
    """pivot, simulate and optimize print the flexibility a site's [sites.dispatch]
    measures, not what it was measured with: the assumption sweep found 13 fields of its
    tables (limits.import_mw 15 %, demand response's commitment 2-9 %, the renewable plant)
    that moved an NPV with no row naming them. Each table is a row now, in the dispatch's
    own words, with what it holds outside an event (the example's file, by hand)."""
    from hashpivot.engines.dispatch.assumptions import measured_terms

    west_texas = load_portfolio(EXAMPLE.parent / "dispatch-west-texas.toml").sites[0]
    assert west_texas.dispatch is not None
    terms = dict(measured_terms(west_texas.dispatch))
    assert terms == {
        "ppa": "150 MW at 32 USD/MWh, physical, resale allowed",
        "renewable": "solar 50 MW at 28 USD/MWh, resale allowed, synthetic clear-sky "
                     "profile at 31.9 deg N, -102.1 deg E",
        "demand_response": "50 MW committed, readiness 5 USD/MW-h, penalty 1000 USD/MWh, 2 "
                           "events; kept online outside them, withdrawable at 0 USD/MW-h "
                           "unavailable",
        "four_cp": "66 USD/kW/year at peak_intervals (4: 2024-06-27 16:45, 2024-07-31 "
                   "16:45, 2024-08-20 16:45, 2024-09-19 16:45)",
        "limits": "import_mw 300 MW, ramp_mw_per_interval no limit, min_up_intervals 1, "
                  "min_down_intervals 1"}
    # a change of a limit is in its table's row; a table the file has not: none
    spec = west_texas.dispatch.model_copy(update={
        "limits": west_texas.dispatch.limits.model_copy(update={"import_mw": None,
                                                               "min_up_intervals": 4}),
        "renewable": None})
    changed = dict(measured_terms(spec))
    assert changed["limits"].startswith("import_mw = [sites] capacity_mw, if set, ")
    assert "min_up_intervals 4" in changed["limits"] and changed["renewable"] == "none"
    # pivot's rows: the file's tables in the dispatch's words (the same rows in simulate
    # and optimize, which print these site rows)
    rows = _by_name(pv.run_pivot(load_portfolio(EXAMPLE.parent / "dispatch-west-texas.toml"),
                                 deals=None).resolved_assumptions())
    for name, text in terms.items():
        assert rows[f"[sites.dispatch.{name}]"] == {
            "name": f"[sites.dispatch.{name}]", "value": text, "unit": "-",
            "source": "file; the flexibility is measured with it"}
