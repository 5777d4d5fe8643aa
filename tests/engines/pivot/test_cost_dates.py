"""Cost items paid between their dates in the forward engines (``engines/pivot/cost_dates.py``).

Until 2026-12-05 ``pivot``, ``simulate`` and ``optimize`` counted every cost item over the
whole horizon whatever its dates, with a note: a 10 M USD/year site cost ending two years
into the 200 MW example's 15 was paid for 15 (keep-mining 126.3 M USD; 185.6 with the
item paid to its end).
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.simulate import corporate_cash_cost_usd_per_month
from hashpivot.engines.simulate.costs import noncash_cost_usd_per_month
from hashpivot.models import CostItem, Portfolio, parse_portfolio
from tests.engines.pivot_inputs import PIVOT, base_toml
from tests.portfolio_toml import (
    Table,
    contract,
    machines,
    portfolio_toml,
    site,
    site_opex,
    table,
)

#: five years from 2026-01
MONTHS = pd.period_range("2026-01", periods=60, freq="M")


def _portfolio(**pivot: object) -> Portfolio:
    return parse_portfolio(base_toml(pivot=table(**{**PIVOT, **pivot})), "test.toml")


def _with_costs(pf: Portfolio, *items: CostItem) -> Portfolio:
    site = pf.sites[0].model_copy(update={"cost_items": list(items)})
    return pf.model_copy(update={"sites": [site]})


def _days_share(start: str | None, end: str | None) -> np.ndarray:
    """By hand: share of each month of :data:`MONTHS` on which an item applies."""
    out = []
    for p in MONTHS:
        n = calendar.monthrange(p.year, p.month)[1]
        first = pd.Timestamp(start) if start else p.start_time
        last = (pd.Timestamp(end) + (pd.offsets.MonthEnd(0) if len(end) == 7 else
                                     pd.Timedelta(0))) if end else p.end_time.normalize()
        lo, hi = max(first, p.start_time), min(last, p.end_time.normalize())
        out.append(max((hi - lo).days + 1, 0) / n)
    return np.array(out)


def test_fixed_items_and_sga_are_paid_between_their_dates() -> None:
    """A curtailed site (power at 5,000 USD/MWh) pays its fixed items whatever it mines:
    1.2 M USD/year of staff from 2026-03-16 to 2027-06, 2.4 M USD/year of cash SG&A to
    2026-12 and 0.6 M USD/year of insurance throughout; each month's opex is each item's
    monthly amount times the share of the month's days it applies (16/31 in March 2026)."""
    pf = _with_costs(
        _portfolio(),
        CostItem(name="staff", category="site_opex", usd_per_year=1.2e6, start="2026-03-16",
                 end="2027-06"),
        CostItem(name="SG&A", category="sga_cash", usd_per_year=2.4e6, end="2026-12"),
        CostItem(name="insurance", category="site_opex", usd_per_year=0.6e6),
    )
    pf.sites[0].power_contract.price_usd_per_mwh = 5000.0
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), pv.deterministic_market(
        pf, None, 60))
    assert cf.btc_mined.sum() == 0.0  # curtailed throughout
    staff = 1e5 * _days_share("2026-03-16", "2027-06")
    assert staff[2] == pytest.approx(1e5 * 16 / 31) and staff[18] == 0.0
    expected = staff + 2e5 * _days_share(None, "2026-12") + 0.5e5
    np.testing.assert_allclose(cf.opex_usd[0], expected, rtol=1e-12)


def test_a_variable_item_decides_curtailment_only_while_it_applies() -> None:
    """A variable item ``v`` a month (repairs, paid in months mined) until 2028-06: before
    its end a month is mined when its margin beats ``v``, after it whenever the margin is
    positive (hand-checked against the same site without the item)."""
    pf = _portfolio(fleet_replacement_years=None, btc_price_growth_per_year=0.3)
    free = pv.strategy_cash_flows(_with_costs(pf), pv.Strategy("keep_mining"),
                                  pv.deterministic_market(pf, None, 60))
    margin = (free.mining_revenue_usd - free.power_cost_usd)[0]
    assert (margin > 0).all()
    v = float(np.median(margin))
    dated = _with_costs(pf, CostItem(name="repairs", category="site_opex",
                                     behavior="variable", usd_per_month=v, end="2028-06"))
    cf = pv.strategy_cash_flows(dated, pv.Strategy("keep_mining"),
                                pv.deterministic_market(pf, None, 60))
    applies = _days_share(None, "2028-06")
    mined = margin > v * applies
    assert 0 < mined[:30].sum() < 30 and mined[30:].all()  # teeth: the item's end matters
    np.testing.assert_array_equal(cf.btc_mined[0] > 0, mined)
    np.testing.assert_allclose(cf.opex_usd[0], np.where(mined, v * applies, 0.0), rtol=1e-12)


def test_the_terminal_value_takes_each_item_as_it_stands_on_the_horizon_s_last_day() -> None:
    """Mining's terminal value (8x the final year's EBITDA) with 3 M USD/year of staff:
    ending in 2028, or on 2030-11-30 (a month before the horizon's last day), it is in
    none of it, as without the item; starting on 2030-12-01 (paid on after the horizon)
    or ending on the last day it is in it whole, as paid throughout: 8 x 3 M USD off at
    the horizon (discounted). (A review found the final year's average taken: 11/12 of
    an item gone at the horizon kept for ever, 1/12 of one starting in its last month.)"""
    pf = _portfolio(btc_price_growth_per_year=0.3)
    staff = dict(name="staff", category="site_opex", usd_per_year=3e6)
    dated = {"none": (), "ended": {"end": "2028-12"}, "ended late": {"end": "2030-11-30"},
             "started late": {"start": "2030-12-01"}, "to the end": {"end": "2030-12"},
             "throughout": {}}
    runs = {
        name: pv.run_pivot(_with_costs(pf, *(
            [] if name == "none" else [CostItem(**staff, **dates)]))).strategies[0]
        for name, dates in dated.items()
    }
    tv = {k: r.terminal_value_usd for k, r in runs.items()}
    assert tv["none"] > 8 * 3e6  # teeth: positive, more than the item takes off
    for name in ("ended", "ended late"):
        assert tv[name] == pytest.approx(tv["none"], rel=1e-12), name
    for name in ("started late", "to the end"):
        assert tv[name] == pytest.approx(tv["throughout"], rel=1e-12), name
    at_horizon = 1.10**-5  # five years at the mining line's 10 %/year
    assert tv["none"] - tv["throughout"] == pytest.approx(8 * 3e6 * at_horizon, rel=1e-3)
    assert runs["ended"].npv_usd > runs["throughout"].npv_usd


def test_the_terminal_value_mines_its_final_year_with_the_variable_items_standing() -> None:
    """A review's case: 13.7 M USD/year of variable repairs (about a month's margin in
    the final year) ending 2030-06 or starting 2030-07, inside the final year. The
    terminal value takes the items standing on the horizon's last day, and decides
    again which of the final year's months are mined with them: ending in 2030-06 it is
    the terminal value without the item, 67.3 M USD of present value (it was 35.1: the
    months curtailed while the item applied were valued as curtailed for ever), starting
    in 2030-07 the one paid throughout, 1.1 (it was 0: months mined without the item
    were charged it). Without fleet replacement (its own decision reads the same rule)."""
    pf = _portfolio(btc_price_growth_per_year=0.3)
    site = pf.sites[0].model_copy(update={"fleet_replacement": False})
    pf = pf.model_copy(update={"sites": [site]})
    repairs = dict(name="repairs", category="site_opex", usd_per_year=13.68e6,
                   behavior="variable")
    dated = {"none": None, "throughout": {}, "ended": {"end": "2030-06"},
             "started": {"start": "2030-07"}}
    tv = {name: pv.run_pivot(_with_costs(pf, *(
        [] if dates is None else [CostItem(**repairs, **dates)]))).strategies[0]
        .terminal_value_usd for name, dates in dated.items()}
    assert tv["none"] > tv["throughout"] + 10e6 > 10e6  # teeth: the item weighs on it
    assert tv["ended"] == pytest.approx(tv["none"], rel=1e-12)
    assert tv["started"] == pytest.approx(tv["throughout"], rel=1e-12)


def test_a_dispatching_site_s_final_year_is_mined_again_with_its_flexibility() -> None:
    """A review's case: the 200 MW example on an index contract with [sites.dispatch] and
    20 M USD/year of variable repairs ending 2040-03, inside the final year (2039-10 to
    2040-09), or at 2039-09, before it: neither stands on the horizon's last day, so the
    terminal value is the same. It was 9.8 against 9.0 M USD: the final year was mined
    again without the repairs but kept the flexibility measured with them (the margin of
    the months they had idled counted twice)."""
    from pathlib import Path

    text = (Path(__file__).parents[3] / "examples" / "pivot-200mw.toml").read_text()
    contract = ('  kind = "fixed"\n  price_usd_per_mwh = 38.0         # reported: Riot 3.7 '
                'c/kWh, IREN 3.8, MARA 4.0 [USD/MWh]\n')
    replace = "fleet_replacement_years = 4.0"
    assert contract in text and "  [sites.hosting]\n" in text and replace in text
    text = text.replace(contract, '  kind = "index"\n  price_usd_per_mwh = 30.0\n'
                        '  adder_usd_per_mwh = 3.0\n  market = "ercot:HB_WEST"\n')
    # (a flat network: at 5 % a year the fleet is worth nothing once the terminal value
    # takes the year after the horizon, past the 2040 halving)
    text = text.replace("network_hashrate_growth_per_year = 0.20",
                        "network_hashrate_growth_per_year = 0.0").replace(replace, "#")
    tv = {}
    for end in ("2039-09", "2040-03"):
        extra = ('  [[sites.cost_items]]\n  name = "repairs"\n  category = "site_opex"\n'
                 f'  behavior = "variable"\n  usd_per_year = 20e6\n  end = "{end}"\n\n'
                 '  [sites.dispatch]\n  availability_fraction = 0.97\n\n')
        pf = parse_portfolio(text.replace("  [sites.hosting]\n", extra + "  [sites.hosting]\n"),
                             "dispatch.toml")
        tv[end] = pv.run_pivot(pf).strategies[0].terminal_value_usd
    assert tv["2039-09"] > 1e6  # teeth: the fleet is worth something at the horizon
    assert tv["2040-03"] == pytest.approx(tv["2039-09"], rel=1e-9)


def test_simulate_s_corporate_and_non_cash_items_follow_their_dates() -> None:
    """The treasury pays the portfolio's own cash items between their dates (2 M USD/year
    of SG&A from 2026-07; interest is the debt's), and the total cost counts non-cash
    items so (stock-based compensation to 2026-09-15)."""
    text = base_toml() + (
        '[[cost_items]]\nname = "SG&A"\ncategory = "sga_cash"\nusd_per_year = 2.4e6\n'
        'start = "2026-07"\n'
        '[[cost_items]]\nname = "SBC"\ncategory = "stock_based_compensation"\n'
        'usd_per_year = 1.2e6\nend = "2026-09-15"\n')
    pf = parse_portfolio(text, "test.toml")
    first = MONTHS[0]
    np.testing.assert_allclose(corporate_cash_cost_usd_per_month(pf, 60, first),
                               2e5 * _days_share("2026-07", None), rtol=1e-12)
    np.testing.assert_allclose(noncash_cost_usd_per_month(pf, 60, first),
                               1e5 * _days_share(None, "2026-09-15"), rtol=1e-12)
    assert corporate_cash_cost_usd_per_month(pf, 3).tolist() == [2e5] * 3  # no first month


def test_the_note_names_dated_items_and_one_after_the_horizon() -> None:
    from hashpivot.engines.standing import standing_portfolio

    pf = _with_costs(_portfolio(),
                     CostItem(name="lease", category="site_opex", usd_per_year=1e6,
                              end="2027-06"),
                     CostItem(name="expansion staff", category="site_opex", usd_per_year=1e6,
                              start="2032-01"))
    [note] = standing_portfolio(pf, MONTHS).notes
    assert note == (
        "A: dated cost items are paid between their dates (the terminal value takes each as "
        "it stands on the horizon's last day; the figures per year printed are those of "
        "every item applying), valued 2026-01 to 2030-12: sites[0].cost_items[0] (lease; "
        "end 2027-06); sites[0].cost_items[1] (expansion staff; start 2032-01, after the "
        "horizon's last month: never in the valuation)")


@pytest.mark.parametrize("day", ["2026-03-15", "2027-03-15"])
def test_cost_on_a_day_and_pivot_in_its_month_count_the_same_items(day: str) -> None:
    """Every engine tells the same story on one file: ``cost --date`` counts the site
    items that apply on that day (10 M USD/year of staff to 2026-06, 4 M USD/year of
    security from 2027-01), pivot the same items in that month, each at its own
    convention (a year of 365.25 days, a month a twelfth of the year)."""
    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.engines.economics.unit_economics import compute_unit_economics

    pf = _with_costs(
        _portfolio(),
        CostItem(name="staff", category="site_opex", usd_per_year=10e6, end="2026-06"),
        CostItem(name="security", category="site_opex", usd_per_year=4e6, start="2027-01"))
    market = pv.deterministic_market(pf, None, 60)
    k = list(MONTHS).index(pd.Period(day[:7], "M"))
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), market)
    assert cf.btc_mined[0, k] > 0  # mining whole: the items are paid on every MW
    net = NetworkConditions(float(market.btc_price_usd[0, k]), float(market.difficulty[0, k]),
                            float(market.fees_btc_per_block[0, k]),
                            float(market.subsidy_btc_per_block[0, k]),
                            date=pd.Timestamp(day).date())
    f = compute_unit_economics(pf, net).figures
    site_items_per_year = (f["cost_usd_per_day_production"] - f["energy_cost_usd_per_day"]
                           ) * 365.25
    expected = 10e6 if day < "2026-07" else 4e6
    assert site_items_per_year == pytest.approx(expected, rel=1e-12)
    assert cf.opex_usd[0, k] * 12 == pytest.approx(expected, rel=1e-12)


def _connected_on(pf: Portfolio, day: str, **entry: object) -> Portfolio:
    site = pf.sites[0]
    fleet = [site.fleet[0].model_copy(update=entry)] if entry else site.fleet
    site = site.model_copy(update={"connection_date": day, "fleet": fleet})
    return pf.model_copy(update={"sites": [site]})


def test_an_item_and_a_connection_in_one_month_are_paid_on_the_days_they_share() -> None:
    """A site connected on 2026-03-16, curtailed throughout (power at 5,000 USD/MWh): staff
    to 2026-03-15 is paid on none of March (it ended before the connection), insurance
    from 2026-03-20 on its 12 days, cash SG&A to 2026-03-20 on the 5 days from the 16th.
    (Until 2026-12-06 each month paid the product of the two shares: 15/31 x 16/31 of a
    month of staff, 12/31 x 16/31 of insurance, 20/31 x 16/31 of SG&A; helper-46 #4.)"""
    pf = _with_costs(
        _connected_on(_portfolio(), "2026-03-16"),
        CostItem(name="staff", category="site_opex", usd_per_year=1.2e6, end="2026-03-15"),
        CostItem(name="insurance", category="site_opex", usd_per_year=0.6e6,
                 start="2026-03-20"),
        CostItem(name="SG&A", category="sga_cash", usd_per_year=2.4e6, end="2026-03-20"),
    )
    pf.sites[0].power_contract.price_usd_per_mwh = 5000.0
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), pv.deterministic_market(
        pf, None, 60))
    assert cf.btc_mined.sum() == 0.0  # curtailed throughout
    opex = cf.opex_usd[0]
    assert opex[:2].tolist() == [0.0, 0.0]  # not connected
    assert opex[2] == pytest.approx(0.5e5 * 12 / 31 + 2e5 * 5 / 31, rel=1e-12)
    np.testing.assert_allclose(opex[3:], 0.5e5, rtol=1e-12)


def test_an_entry_that_ends_before_the_connection_in_its_month_mines_none_of_it() -> None:
    """Machines retired on 2026-03-15 at a site connected on 2026-03-16 never run: no BTC,
    energy or variable cost in March (the product of the shares mined 15/31 x 16/31 of
    the month); machines installed from 2026-03-10 run the 16 days from the connection,
    as machines installed on the 16th do (the product gave them 22/31 x 16/31 of March
    and 16/31 x 16/31: two figures for the same days)."""
    pf = _portfolio()
    pf = pf.model_copy(update={"sites": [pf.sites[0].model_copy(
        update={"fleet_replacement": False})]})  # ([pivot] cannot write None in TOML)
    gone = _connected_on(pf, "2026-03-16", end="2026-03-15")
    cf = pv.strategy_cash_flows(gone, pv.Strategy("keep_mining"),
                                pv.deterministic_market(gone, None, 60))
    assert cf.btc_mined.sum() == 0.0 and cf.energy_mwh.sum() == 0.0
    assert float(np.max(cf.opex_usd)) == 0.0
    runs = {name: pv.strategy_cash_flows(p, pv.Strategy("keep_mining"),
                                         pv.deterministic_market(p, None, 60))
            for name, p in (("10th", _connected_on(pf, "2026-03-16", start="2026-03-10")),
                            ("16th", _connected_on(pf, "2026-03-16", start="2026-03-16")))}
    a, b = runs["10th"], runs["16th"]
    mw = np.ravel(a.mining_mw)
    assert mw[2] == pytest.approx(mw[3] * 16 / 31, rel=1e-12) and mw[3] > 0
    assert b.btc_mined[0, 2] > 0  # teeth: March is mined
    for name in ("btc_mined", "energy_mwh", "opex_usd", "mining_revenue_usd"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12,
                                   err_msg=name)


def test_a_non_cash_item_and_a_connection_in_one_month_count_the_days_they_share() -> None:
    """The total cost's non-cash items of a site connected on 2026-09-10:
    stock-based compensation to 2026-09-15 counts the 6 days from the 10th."""
    pf = _with_costs(_connected_on(_portfolio(), "2026-09-10"),
                     CostItem(name="SBC", category="stock_based_compensation",
                              usd_per_year=1.2e6, end="2026-09-15"))
    out = noncash_cost_usd_per_month(pf, 60, MONTHS[0])
    assert out[8] == pytest.approx(1e5 * 6 / 30, rel=1e-12)
    assert out[:8].tolist() == [0.0] * 8 and out[9:].sum() == 0.0


def _two_lines(*fleet: Table, price: float = 40.0, **pivot: object) -> Portfolio:
    """Site A (100 MW) with the fleet lines given, 12 M USD/year of staff (fixed) and
    6 M USD/year of repairs (variable), no fleet replacement."""
    a = site("A", contract(price, "fixed"), *fleet,
             cost_items=[site_opex("staff", 12e6),
                         site_opex("repairs", 6e6, behavior="variable")],
             capacity_mw=100.0, power_overhead_factor=1.05, fleet_replacement=False)
    return parse_portfolio(portfolio_toml("t", a, pivot=table(**{**PIVOT, **pivot})), "t.toml")


def test_the_machines_installed_pay_the_site_s_items_whole() -> None:
    """10,000 machines, and 10,000 more from 2027-01-16: the site pays its 12 M USD/year
    of staff and 6 M USD/year of repairs whole before the expansion, as ``cost`` counts
    them on a day then (until 2026-12-06 ``pivot`` paid half: the items were divided by
    the whole fleet's power, the later machines' included), and whole in January 2027
    (the first machines run all month); a conversion of 50 MW of the 100 still displaces
    its share of them (23.5 of the 73.5 MW installed: spare capacity goes first)."""
    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.engines.economics.unit_economics import compute_unit_economics

    pf = _two_lines(machines("old", 200.0, 3500.0, 10000, uptime_fraction=0.9),
                    machines("new", 200.0, 3500.0, 10000, uptime_fraction=0.9,
                             start="2027-01-16"), btc_price_growth_per_year=0.5)
    market = pv.deterministic_market(pf, None, 60)
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), market)
    assert cf.btc_mined[0].min() > 0  # mined throughout: the variable items are paid
    np.testing.assert_allclose(cf.opex_usd[0], 1.5e6, rtol=1e-12)
    for day in ("2026-03-15", "2027-03-15"):
        k = list(MONTHS).index(pd.Period(day[:7], "M"))
        net = NetworkConditions(
            float(market.btc_price_usd[0, k]), float(market.difficulty[0, k]),
            float(market.fees_btc_per_block[0, k]), float(market.subsidy_btc_per_block[0, k]),
            date=pd.Timestamp(day).date())
        f = compute_unit_economics(pf, net).figures
        items = (f["cost_usd_per_day_production"] - f["energy_cost_usd_per_day"]) * 365.25
        assert items == pytest.approx(cf.opex_usd[0, k] * 12, rel=1e-12), day
    phase = pv.ConversionPhase("A", pd.Period("2027-06", "M"), 50.0)
    plan = pv.strategy_cash_flows(pf, pv.Strategy("plan", (phase,)), market)
    mw = np.ravel(plan.mining_mw)
    assert mw[17] == pytest.approx(50.0, rel=1e-12)  # (its halls' opex comes later)
    assert plan.opex_usd[0, 17] == pytest.approx(1.5e6 * 50.0 / 73.5, rel=1e-12)


def test_machines_left_at_the_horizon_pay_the_items_whole_in_its_terminal_value() -> None:
    """Old machines retired at the end of 2028 beside new ones: from 2029 on, and in the
    terminal value, the new ones pay the site's items whole, and the site is worth at
    the horizon what it would be with the new ones alone (until 2026-12-06 they paid
    their half: a terminal value of 100.3 M USD instead of 55.6)."""
    new = machines("new", 200.0, 3500.0, 10000, uptime_fraction=0.9)
    growth = {"btc_price_growth_per_year": 0.5}
    both = _two_lines(machines("old", 100.0, 3500.0, 10000, uptime_fraction=0.9,
                               end="2028-12"), new, price=20.0, **growth)
    alone = _two_lines(new, price=20.0, **growth)
    a, b = (pv.run_pivot(p).strategy("keep_mining") for p in (both, alone))
    assert b.terminal_value_usd > 10e6  # teeth: worth something at the horizon
    assert a.terminal_value_usd == pytest.approx(b.terminal_value_usd, rel=1e-12)
    np.testing.assert_allclose(a.cash_flows.opex_usd[0, 36:], b.cash_flows.opex_usd[0, 36:],
                               rtol=1e-12)


def test_a_swap_s_machines_pay_the_items_whole_before_and_after_it() -> None:
    """S21s to 2026-06 then S21 XPs on the same power (a swap; the slot is the XPs'
    power): each pays the site's items whole (the S21s paid 3,500/3,645 of them)."""
    pf = _two_lines(machines("S21", 200.0, 3500.0, 20000, uptime_fraction=0.9,
                             end="2026-06"),
                    machines("S21 XP", 270.0, 3645.0, 20000, uptime_fraction=0.9,
                             start="2026-07-01"), btc_price_growth_per_year=0.5)
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"),
                                pv.deterministic_market(pf, None, 60))
    assert pf.sites[0].fleet_slots == [[0, 1]]  # teeth: a swap
    np.testing.assert_allclose(cf.opex_usd[0], 1.5e6, rtol=1e-12)


def test_simulate_depreciates_a_fleet_entry_on_the_days_backtest_does() -> None:
    """A review's cases (36,000 USD/month of depreciation: 200 x 200 TH/s at 27 USD/TH
    over 3 years): machines installed on 2026-03-20 at a site connected on 2026-03-10
    are depreciated from the 20th (12/31 of March: it was 22/31, the product of the whole
    month from the start's month and the share connected), to their end 2027-06-30 (they
    were depreciated for the whole 3 years), and machines retired before the connection
    not at all (they were from 2026-03 for 3 years)."""
    machines_ = dict(name="m", hashrate_th_s=200.0, power_w=3500.0, count=200,
                     capex_usd_per_th=27.0, depreciation_years=3.0)
    cases = {"2027-06-30": (1e4, "2026-03-20"), "2026-03-09": (0.0, "2026-03-01")}
    for end, (march, start) in cases.items():
        a = site("A", contract(40.0, "fixed"), table(**machines_, start=start, end=end),
                 capacity_mw=10.0, connection_date="2026-03-10")
        pf = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
        out = noncash_cost_usd_per_month(pf, 60, MONTHS[0])
        monthly = 27.0 * 200.0 * 200 / 36
        if march == 0.0:
            assert out.sum() == 0.0
            continue
        np.testing.assert_allclose(out, monthly * _days_share("2026-03-20", end),
                                   rtol=1e-12)
        assert out[2] == pytest.approx(monthly * 12 / 31, rel=1e-12)


def test_an_entry_that_ends_before_the_connection_is_neither_mined_nor_bought() -> None:
    """A review's case: machines installed 2026-02-01 to 2026-03-15, at 15 USD/TH, at a
    site connected 2026-03-16 never run: no purchase (6.8 M USD was paid in February),
    no resale when a conversion displaces them, and the note says they never run (it
    said they mine from their start)."""
    from hashpivot.engines.standing import standing_portfolio

    never = machines("never", 100.0, 3500.0, 4500, start="2026-02-01", end="2026-03-15",
                     capex_usd_per_th=15.0, depreciation_years=3.0)
    kept = machines("kept", 200.0, 3500.0, 10000)
    a = site("A", contract(40.0, "fixed"), kept, never, capacity_mw=60.0,
             connection_date="2026-03-16",
             hosting=table(asic_disposition="sell", asic_resale_usd_per_th=5.0))
    pf = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
    market = pv.deterministic_market(pf, None, 60)
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), market)
    assert float(np.max(cf.replacement_capex_usd[0, :3])) == 0.0
    # a conversion displacing them (the least efficient) resells none: never bought (a
    # second review found 2.25 M USD of resale booked in February)
    phase = pv.ConversionPhase("A", pd.Period("2026-02", "M"), 23.25)
    plan = pv.strategy_cash_flows(pf, pv.Strategy("plan", (phase,)), market)
    assert float(np.max(plan.asic_resale_usd)) == 0.0
    assert float(np.max(plan.replacement_capex_usd[0, :3])) == 0.0
    notes = [n for n in standing_portfolio(pf, MONTHS).notes if "never runs" in n]
    assert notes and ("sites[0].fleet[1] (never, 4,500 machines; installed to 2026-03-15, "
                      "before the site's connection on 2026-03-16: never runs, neither "
                      "mined nor bought)") in notes[0]


def test_cost_and_pivot_count_the_power_a_file_gives_in_watts() -> None:
    """A review's case: a line giving 200 TH/s, 3,500 W and 17.2 J/TH (1.7 % apart, within
    the file check's 2 %): ``cost`` and the capacity check read the efficiency, pivot
    ``power_w``; every engine now counts ``power_w`` (3,500 W x 10,000 x 1.05 = 36.75
    MW), so a capacity of 36.5 MW is too small."""
    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.engines.economics.unit_economics import compute_unit_economics
    from hashpivot.exceptions import InputError

    line = machines("S21", 200.0, 3500.0, 10000, efficiency_j_per_th=17.2)
    a = site("A", contract(40.0, "fixed"), line, capacity_mw=40.0,
             power_overhead_factor=1.05)
    pf = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
    assert pf.sites[0].fleet_power_mw == pytest.approx(36.75, rel=1e-12)
    market = pv.deterministic_market(pf, None, 60)
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), market)
    net = NetworkConditions(float(market.btc_price_usd[0, 2]), float(market.difficulty[0, 2]),
                            float(market.fees_btc_per_block[0, 2]),
                            float(market.subsidy_btc_per_block[0, 2]),
                            date=pd.Timestamp("2026-03-15").date())
    f = compute_unit_economics(pf, net).figures
    assert f["energy_mwh_per_day"] * 31 == pytest.approx(cf.energy_mwh[0, 2], rel=1e-12)
    a["capacity_mw"] = 36.5
    with pytest.raises(InputError, match=r"36\.8 MW"):
        parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")


def test_an_item_and_a_block_dated_in_one_month_are_paid_by_the_day() -> None:
    """A second review's cases: 10,000 machines, 10,000 more from 2027-03-16, and staff
    ending 2027-03-15 (or starting 2027-03-16): March 2027 pays 15/31 (16/31) of a
    month of it, as ``cost`` counts it day by day; the month's average scale gave 0.319
    and 0.681."""
    new = machines("new", 200.0, 3500.0, 10000, uptime_fraction=0.9, start="2027-03-16")
    for dates, share in (({"end": "2027-03-15"}, 15 / 31), ({"start": "2027-03-16"}, 16 / 31)):
        a = site("A", contract(40.0, "fixed"),
                 machines("old", 200.0, 3500.0, 10000, uptime_fraction=0.9), new,
                 cost_items=[site_opex("staff", 12e6, **dates)], capacity_mw=100.0,
                 power_overhead_factor=1.05, fleet_replacement=False)
        pf = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
        cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"),
                                    pv.deterministic_market(pf, None, 60))
        assert cf.opex_usd[0, 14] == pytest.approx(1e6 * share, rel=1e-12), dates


def test_the_terminal_value_takes_the_machines_running_on_the_horizon_s_last_day() -> None:
    """A second review's case: the terminal value took the last month's average scale, so
    a line starting on 2030-12-16 beside another had the items paid 1.32 times over at
    the horizon, and old machines leaving on 2030-12-15 left the new ones paying 0.67 of
    them; it takes the machines running on the last day: both lines (each its half), or
    the new line alone (all of it, as a site of it alone)."""
    from hashpivot.engines.pivot.cost_dates import horizon_share
    from hashpivot.engines.pivot.tranches import fleet_tranches

    periods = pd.period_range("2026-01", periods=60, freq="M")
    old = machines("old", 200.0, 3500.0, 10000, uptime_fraction=0.9)
    new = machines("new", 200.0, 3500.0, 10000, uptime_fraction=0.9)
    for fleet, standing in (((old, {**new, "start": "2030-12-16"}), [1.0, 1.0]),
                            (({**old, "end": "2030-12-15"}, new), [2.0, 2.0])):
        pf = _two_lines(*fleet)
        parts = fleet_tranches(pv.resolve_sites(pf)[0])
        assert [horizon_share(p, "fixed_mining", periods) for p in parts] == standing
    growth = {"btc_price_growth_per_year": 0.5}
    leaving = _two_lines({**old, "end": "2030-12-15"}, new, price=20.0, **growth)
    alone = _two_lines(new, price=20.0, **growth)
    a, b = (pv.run_pivot(p).strategy("keep_mining") for p in (leaving, alone))
    assert a.terminal_value_usd == pytest.approx(b.terminal_value_usd, rel=1e-9)


def test_lines_taken_as_they_stand_pay_the_site_s_items_whole() -> None:
    """A second review's case: lines that take turns on different powers (40.4 MW to
    2026-12, 20.2 MW to 2027-06, and two of 20.2 MW from 2027-01 on 61 MW) fit no slots
    and are taken as they stand, each over the whole horizon, cut to the capacity: the
    site paid the capacity's share of its items (0.60 of its staff); it pays them
    whole, as ``cost`` does."""
    lines = [machines("A", 200.0, 3500.0, 11000, end="2026-12"),
             machines("B", 200.0, 3500.0, 5500, end="2027-06"),
             machines("C", 200.0, 3500.0, 5500, start="2027-01-01"),
             machines("D", 200.0, 3500.0, 5500, start="2027-01-01")]
    a = site("A", contract(40.0, "fixed"), *lines, cost_items=[site_opex("staff", 12e6)],
             capacity_mw=61.0, power_overhead_factor=1.05, fleet_replacement=False)
    pf = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
    assert pf.sites[0].fleet_slots is None and not pf.sites[0].fleet_fits_capacity  # teeth
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"),
                                pv.deterministic_market(pf, None, 60))
    np.testing.assert_allclose(cf.opex_usd[0], 1e6, rtol=1e-12)


@pytest.mark.parametrize("day", ["2999-12-31", "9999-12-31"])
def test_a_date_past_2262_is_far_in_the_future(day: str) -> None:
    """A review's cases: a fleet entry or a cost item ending on 2999-12-31 or 9999-12-31
    (a common "for ever") was read as a day before the horizon (no nanosecond datetime
    holds it): the machines mined nothing, the item was never paid; an entry starting in
    2400 mined from the first month. Each is now the same as undated (or never)."""
    pf = _portfolio()
    undated = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"),
                                     pv.deterministic_market(pf, None, 60))
    fleet = [pf.sites[0].fleet[0].model_copy(update={"end": day})]
    staff = [i.model_copy(update={"end": day}) for i in pf.sites[0].cost_items]
    dated = pf.model_copy(update={"sites": [pf.sites[0].model_copy(
        update={"fleet": fleet, "cost_items": staff})]})
    cf = pv.strategy_cash_flows(dated, pv.Strategy("keep_mining"),
                                pv.deterministic_market(dated, None, 60))
    assert undated.btc_mined.sum() > 0 and undated.opex_usd.sum() > 0  # teeth
    np.testing.assert_array_equal(cf.btc_mined, undated.btc_mined)
    np.testing.assert_array_equal(cf.opex_usd, undated.opex_usd)
    later = machines("later", 200.0, 3500.0, 1000, start="2400-01-01")
    a = site("A", contract(40.0, "fixed"), machines("now", 200.0, 3500.0, 10000), later,
             capacity_mw=100.0)
    two = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
    mw = np.ravel(pv.strategy_cash_flows(two, pv.Strategy("keep_mining"),
                                         pv.deterministic_market(two, None, 60)).mining_mw)
    np.testing.assert_allclose(mw, 10000 * 3500 * 1.05 / 1e6, rtol=1e-12)  # (overhead)


def test_a_depreciation_past_year_9999_is_no_internal_error() -> None:
    """A review's case: machines from 9998-01-01 depreciated over 3 years ended past the
    calendar (``year 10001 is out of range``: an internal error in backtest, simulate and
    optimize); their depreciation runs to the calendar's end."""
    line = machines("far", 200.0, 3500.0, 100, start="9998-01-01", capex_usd_per_th=20.0,
                    depreciation_years=3.0)
    a = site("A", contract(40.0, "fixed"), machines("now", 200.0, 3500.0, 1000), line,
             capacity_mw=10.0)
    pf = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
    assert pf.sites[0].fleet[1].depreciation_end == pd.Timestamp("9999-12-31")
    assert noncash_cost_usd_per_month(pf, 60, MONTHS[0]).sum() == 0.0  # (after the horizon)
