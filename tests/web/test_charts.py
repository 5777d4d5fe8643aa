"""The dashboard's figures built from stored results (hashpivot.web.charts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models import load_portfolio
from hashpivot.reports.labels import MW_SPLIT_SOURCE
from hashpivot.web.charts import (
    LIQUIDITY_BARS,
    fan,
    pivot_tornado,
    simulate_liquidity,
    simulate_npv,
    simulate_reverse_margin,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"


def test_liquidity_chart_shows_each_strategy_with_and_ex_capex() -> None:
    # a stored simulate run's results are result.to_json(): the chart reads its stats
    res = simulate(load_portfolio(EXAMPLE), SimulationConfig(n_paths=200, seed=7,
                                                             horizon_months=24))
    results = res.to_json()
    fig = simulate_liquidity(results)
    assert fig is not None
    bars = fig["data"]
    # labelled as the table's rows
    assert [b["name"] for b in bars] == ["P(forced sale)", "P(forced sale), ex capex",
                                         "P(liquidity breach)", "P(breach), ex capex"]
    assert [b["name"] for b in bars] == [label for _, label in LIQUIDITY_BARS]
    for bar, (key, _) in zip(bars, LIQUIDITY_BARS, strict=True):
        assert list(bar["x"]) == res.strategy_names
        want = [100 * res.strategy_stats(n)[key] for n in res.strategy_names]
        assert list(bar["y"]) == pytest.approx(want)
        # the table's ± row is the bar's error bar, not a bar of its own
        half = [100 * res.strategy_stats(n)[key + "_ci95_half"] for n in res.strategy_names]
        assert list(bar["error_y"]["array"]) == pytest.approx(half)
        assert all(h > 0 for h in half)  # (Wilson: not 0 where no path or every path counts)
    # convert_all pays the hall's equity from cash: forced sales on every path, none ex capex
    i = res.strategy_names.index("convert_all")
    assert bars[0]["y"][i] == 100.0 and bars[1]["y"][i] == 0.0
    assert "sell_to_cover" in fig["layout"]["title"]["text"]


def test_no_liquidity_chart_without_a_treasury() -> None:
    pf = load_portfolio(EXAMPLE).model_copy(update={"treasury": None})
    res = simulate(pf, SimulationConfig(n_paths=50, seed=7, horizon_months=12))
    results = res.to_json()
    assert all(s["prob_forced_sale"] is None for s in results["strategies"].values())
    assert simulate_liquidity(results) is None


def test_npv_distribution_chart_from_the_stored_quantiles() -> None:
    results = {"strategies": {"keep_mining": {"npv_mean_usd": 3.9e8,
                                              "npv_deterministic_usd": 1.26e8},
                              "convert_all": {"npv_mean_usd": 5.26e8,
                                              "npv_deterministic_usd": 5.26e8}}}
    charts = {"npv_usd": {"keep_mining": [-2e7, 6e7, 1.7e8, 3.6e8, 1.35e9],
                          "convert_all": [5.26e8] * 5}}
    fig = simulate_npv(results, charts)
    assert fig is not None
    boxes = [t for t in fig["data"] if t["type"] == "box"]
    assert [b["name"] for b in boxes] == ["keep_mining", "convert_all"]
    keep = boxes[0]
    assert (keep["lowerfence"][0], keep["q1"][0], keep["median"][0], keep["q3"][0],
            keep["upperfence"][0], keep["mean"][0]) == (-2e7, 6e7, 1.7e8, 3.6e8, 1.35e9, 3.9e8)
    det = next(t for t in fig["data"] if t["type"] == "scatter")
    assert list(det["y"]) == [1.26e8, 5.26e8]
    assert simulate_npv(results, {}) is None


def test_tornado_bars_run_from_the_base_case() -> None:
    charts = {"tornado": [
        {"label": "lease rate", "npv_vs_baseline_low_usd": 2.7e7,
         "npv_vs_baseline_high_usd": 3.78e8, "low_input": 104.0, "high_input": 156.0,
         "unit": "USD/kW/month"},
        {"label": "capex", "npv_vs_baseline_low_usd": 3.63e8,
         "npv_vs_baseline_high_usd": 4.2e7, "low_input": 6.75e6, "high_input": 1.125e7,
         "unit": "USD/MW"},
    ]}
    fig = pivot_tornado(charts, 2.025e8)
    low, high, base = fig["data"]
    # the base line is named in the legend with its value (a label above the plot sat on
    # the title's source line), as the --out chart's "base value"
    assert base["name"] == "base case 202.5 M USD" and not fig["layout"].get("annotations")
    assert list(low["y"]) == ["lease rate", "capex"]  # the largest swing first ...
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"  # ... drawn on top
    assert low["base"] == high["base"] == 2.025e8
    assert [low["base"] + x for x in low["x"]] == pytest.approx([2.7e7, 3.63e8])
    assert [high["base"] + x for x in high["x"]] == pytest.approx([3.78e8, 4.2e7])
    assert any(s.get("x0") == 2.025e8 for s in fig["layout"]["shapes"])  # the base line
    # hovering a bar tells the input's value and the NPV difference at the bar's end
    assert [list(c) for c in low["customdata"]] == [["104.0 USD/kW/month", "27.0"],
                                                    ["6.75 M USD/MW", "363.0"]]
    assert list(high["customdata"][0]) == ["156.0 USD/kW/month", "378.0"]
    no_base = pivot_tornado(charts)
    assert len(no_base["data"]) == 2 and no_base["data"][0]["base"] == 0.0
    assert list(no_base["data"][0]["x"]) == [2.7e7, 3.63e8]


def test_tornado_with_the_terminal_value_is_a_second_chart() -> None:
    """A stored pivot run whose terminal value changes the differences gets a second
    tornado, of the NPVs with TV, ordered by their swings and drawn from that base."""
    from hashpivot.web.charts import for_run

    rows = [
        {"label": "lease rate", "npv_vs_baseline_low_usd": -9.2e8, "swing_usd": 1.17e9,
         "npv_vs_baseline_high_usd": 2.4e8, "npv_with_tv_vs_baseline_low_usd": -2.0e8,
         "npv_with_tv_vs_baseline_high_usd": 1.33e9, "swing_with_tv_usd": 1.53e9,
         "low_input": 104.0, "high_input": 156.0, "unit": "USD/kW/month"},
        {"label": "capex", "npv_vs_baseline_low_usd": 4.2e8, "swing_usd": 1.53e9,
         "npv_vs_baseline_high_usd": -1.11e9, "npv_with_tv_vs_baseline_low_usd": 1.33e9,
         "npv_with_tv_vs_baseline_high_usd": -2.0e8, "swing_with_tv_usd": 1.529e9,
         "low_input": 6.75e6, "high_input": 1.125e7, "unit": "USD/MW"},
    ]
    results = {"pivot": "convert_all", "strategies": {"convert_all": {
        "npv_vs_baseline_usd": -3.42e8, "npv_with_terminal_value_vs_baseline_usd": 5.63e8}}}
    figs = for_run("pivot", results, {"tornado": rows})
    horizon, with_tv = figs[2], figs[3]
    assert "NPV to the horizon" in horizon["layout"]["title"]["text"]
    assert "NPV with the terminal value" in with_tv["layout"]["title"]["text"]
    low = with_tv["data"][0]
    assert list(low["y"]) == ["lease rate", "capex"]  # by the swing with TV
    assert low["base"] == 5.63e8
    assert [low["base"] + x for x in low["x"]] == pytest.approx([-2.0e8, 1.33e9])
    # without a terminal value (or a run stored before it) one tornado
    same = [{**r, "npv_with_tv_vs_baseline_low_usd": r["npv_vs_baseline_low_usd"],
             "npv_with_tv_vs_baseline_high_usd": r["npv_vs_baseline_high_usd"]} for r in rows]
    assert len(for_run("pivot", results, {"tornado": same})) == 3


def test_a_dispatching_sites_flexibility_is_a_chart_of_pivot_and_simulate_runs() -> None:
    """The stored result's site facts carry the central path's uplift month by month; the
    dashboard draws it as ``--out`` does (uplift, gain, whole-month saving per site), for
    pivot and simulate runs, and not at all without a dispatching site."""
    from hashpivot.web.charts import for_run

    by_month = {"month": ["2026-01", "2026-02"], "hashprice_multiplier": [0.5, 0.2],
                "price_level": [1.0, 1.0], "gain_usd_per_mw_month": [3600.0, 7900.0],
                "whole_month_saving_usd_per_mw_month": [0.0, 9000.0],
                "uplift_usd_per_mw_month": [3600.0, 0.0], "revenue_share": [0.95, 0.0],
                "energy_share": [0.94, 0.0]}
    facts = [{"name": "Flat"},
             {"name": "Odessa", "dispatch_uplift_central_usd_per_mw_month": {
                 "mean": 1800.0, "first_year": 1800.0, "final_year": 1800.0,
                 "by_month": by_month}}]
    results = {"pivot": "", "strategies": {}, "inputs": {"site_assumptions": facts}}
    fig = for_run("pivot", results, {})[-1]
    assert "Dispatch flexibility" in fig["layout"]["title"]["text"]
    assert [t["name"] for t in fig["data"]] == [
        "Odessa: uplift", "Odessa: gain", "Odessa: whole-month saving"]
    assert list(fig["data"][0]["y"]) == [3600.0, 0.0]
    assert list(fig["data"][0]["x"]) == ["2026-01", "2026-02"]
    sim = for_run("simulate", {"inputs": {"site_assumptions": facts}}, {"fan": {}})
    assert "Dispatch flexibility" in sim[-1]["layout"]["title"]["text"]
    flat = {"pivot": "", "strategies": {}, "inputs": {"site_assumptions": facts[:1]}}
    assert not any("Dispatch" in f["layout"]["title"]["text"]
                   for f in for_run("pivot", flat, {}))


def test_fan_titles_name_the_quantity_and_strategy() -> None:
    charts = {"periods": ["2025-10", "2025-11"],
              "fan": {"cash_usd:keep_mining": [[1.0, 2.0]] * 5,
                      "btc_price_usd": [[1e5, 1.1e5]] * 5}}
    cash = fan(charts, "cash_usd:keep_mining", "USD")
    assert cash["layout"]["title"]["text"] == "Treasury cash, keep_mining: Monte Carlo fan"
    assert cash["layout"]["yaxis"]["title"]["text"] == "Treasury cash [USD]"
    price = fan(charts, "btc_price_usd", "USD", log=True)
    assert price["layout"]["yaxis"]["type"] == "log"
    assert price["layout"]["title"]["text"] == "BTC price: Monte Carlo fan"


def test_each_market_s_power_fan_is_named_by_its_node() -> None:
    """Index sites on two markets: a power fan each, titled with its node, the first's
    too (before: the first market's fan alone, titled "Power price"); with one market,
    its one fan titled as before."""
    from hashpivot.web.charts import for_run

    q = [[40.0, 41.0]] * 5
    charts = {"periods": ["2026-01", "2026-02"],
              "fan": {"btc_price_usd": q, "hashprice_usd_per_ph_day": q,
                      "power_price_usd_per_mwh": q, "power_price_usd_per_mwh:nyiso:WEST": q}}
    inputs = {"fan_power_nodes": {"power_price_usd_per_mwh": "ercot:LZ_WEST",
                                  "power_price_usd_per_mwh:nyiso:WEST": "nyiso:WEST"}}
    titles = [f["layout"]["title"]["text"]
              for f in for_run("simulate", {"inputs": inputs}, charts)]
    power = [t for t in titles if t.startswith("Power price")]
    assert power == ["Power price, ercot:LZ_WEST: Monte Carlo fan",
                     "Power price, nyiso:WEST: Monte Carlo fan"]
    del charts["fan"]["power_price_usd_per_mwh:nyiso:WEST"]
    titles = [f["layout"]["title"]["text"] for f in for_run("simulate", {}, charts)]
    assert [t for t in titles if t.startswith("Power price")] == [
        "Power price: Monte Carlo fan"]


def test_reverse_margin_chart_one_line_when_direct_equals_total() -> None:
    same = {"strategies": {"keep_mining": {}},
            "prob_reverse_margin_direct_by_month": {"2025-10": 0.0, "2025-11": 0.25},
            "prob_reverse_margin_total_by_month": {"2025-10": 0.0, "2025-11": 0.25}}
    fig = simulate_reverse_margin(same)
    assert fig is not None
    assert [t["name"] for t in fig["data"]] == ["direct = total"]
    from hashpivot.reports.labels import REVERSE_MARGIN_SAME_NOTE

    assert REVERSE_MARGIN_SAME_NOTE in fig["layout"]["title"]["text"]  # as the --out chart
    assert list(fig["data"][0]["y"]) == [0.0, 25.0]
    apart = {**same, "prob_reverse_margin_total_by_month": {"2025-10": 0.5, "2025-11": 0.75}}
    fig = simulate_reverse_margin(apart)
    assert fig is not None and len(fig["data"]) == 2
    assert list(fig["data"][1]["y"]) == [50.0, 75.0]
    assert simulate_reverse_margin({**same, "strategies": {"convert_all": {}}}) is None


def test_plan_value_chart_shows_the_terminal_value_under_the_table_names() -> None:
    from hashpivot.reports.tables.optimize import PLAN_LABEL
    from hashpivot.web.charts import for_run, optimize_strategies
    from tests.optimize_result import plan_result_json

    j = plan_result_json()
    # a run page draws from the results, not the stored chart subset (which has no TV)
    stored_charts = {"plan": j["plan"], "strategies": j["strategies"],
                     "expected_npv_usd": j["expected_npv_usd"], "cvar95_usd": j["cvar95_usd"]}
    _, fig = for_run("optimize", j, stored_charts)
    assert fig == optimize_strategies(j)
    traces = {t["name"]: t for t in fig["data"]}
    assert list(traces) == ["expected NPV [USD]", "of which terminal value [USD]",
                            "CVaR95 [USD]"]
    tv = traces["of which terminal value [USD]"]
    assert list(tv["x"]) == [PLAN_LABEL, "keep_mining"]  # the infeasible one left out
    assert list(tv["y"]) == [212.35e6, 0.0]
    # a plan stored before terminal values: no such bars
    del j["expected_terminal_value_usd"], j["strategies"]["keep_mining"][
        "expected_terminal_value_usd"]
    names = [t["name"] for t in optimize_strategies(j)["data"]]
    assert names == ["expected NPV [USD]", "CVaR95 [USD]"]


def test_mw_split_takes_spare_capacity_first_as_the_pivot_model() -> None:
    """60 MW site, 44.1 MW of miners: a 10 MW hall takes spare capacity only, a 40 MW hall
    displaces 24.1 MW of miners; the stack never exceeds the capacity."""
    from hashpivot.models.hosting import HostingPhase
    from hashpivot.store.run_steps import mw_split as split_rows
    from hashpivot.web.charts import mw_split
    from tests.optimize.optimize_inputs import portfolio, site_toml

    pf = portfolio(site_toml("A", capacity=60.0), site_toml("B", capacity=60.0))
    for site, mw in zip(pf.sites, (10.0, 40.0), strict=True):
        assert site.hosting is not None
        site.hosting = site.hosting.model_copy(
            update={"phases": [HostingPhase(start="2026-04", gross_mw=mw)]})
    rows = split_rows(pf)
    fleet = rows[0]["mining_mw"]
    assert fleet == pytest.approx(44.1)
    assert [r["mining_after_plan_mw"] for r in rows] == pytest.approx([fleet, 20.0])
    data = mw_split(rows)["data"]
    names = [t["name"] for t in data]
    assert names == ["mining [MW]", "AI/HPC planned [MW]", "unused capacity [MW]",
                     "mining today [MW]"]
    stacks = [sum(t["y"][i] for t in data[:3]) for i in range(2)]
    assert stacks == pytest.approx([60.0, 60.0])
    assert list(data[3]["x"]) == ["B"]  # today's mining marked where the plan changes it


def test_mw_split_keeps_the_ai_load_a_dispatching_site_serves() -> None:
    """The West Texas example with a 200 MW hall: 300 MW energized, 50 MW of firm AI load,
    243.6 MW of miners. The chart mined 100 MW after the hall and drew the AI load as
    unused capacity (a review); as the pivot model counts it, the hall leaves 50 MW to
    the miners, and the AI load is its own bar."""
    from hashpivot.models import load_portfolio
    from hashpivot.models.hosting import HostingPhase, HostingProjectSpec
    from hashpivot.store.run_steps import mw_split as split_rows
    from hashpivot.web.charts import mw_split

    pf = load_portfolio(Path(__file__).resolve().parents[2] / "examples"
                        / "dispatch-west-texas.toml")
    pf.sites[0].hosting = HostingProjectSpec(
        phases=[HostingPhase(start="2026-04", gross_mw=200.0)])
    (row,) = split_rows(pf)
    assert row["mining_after_plan_mw"] == pytest.approx(50.0)
    assert row["ai_load_mw"] == pytest.approx(50.0)
    data = mw_split([row])["data"]
    bars = {t["name"]: t["y"][0] for t in data if t["type"] == "bar"}
    assert bars == pytest.approx({"mining [MW]": 50.0, "AI load served today [MW]": 50.0,
                                  "AI/HPC planned [MW]": 200.0})


def test_mw_split_keeps_the_halls_in_service() -> None:
    """A 60 MW site with a 20 MW hall in service ([[sites.hosting.in_service]]) and 44.1
    MW of miners: the hall keeps its MW, the miners mine 40 MW, a 10 MW planned hall
    displaces 10 MW of them; the hall in service is its own bar."""
    from hashpivot.models.hosting import HostingInService, HostingPhase
    from hashpivot.store.run_steps import mw_split as split_rows
    from hashpivot.web.charts import mw_split
    from tests.optimize.optimize_inputs import portfolio, site_toml

    pf = portfolio(site_toml("A", capacity=60.0))
    h = pf.sites[0].hosting
    assert h is not None
    pf.sites[0].hosting = h.model_copy(update={
        "phases": [HostingPhase(start="2026-04", gross_mw=10.0)],
        "in_service": [HostingInService(gross_mw=20.0, lease_start="2024-06",
                                        lease_end="2036-05", lease_usd_per_kw_month=120.0)]})
    (row,) = split_rows(pf)
    assert row["mining_mw"] == pytest.approx(40.0)
    assert row["mining_after_plan_mw"] == pytest.approx(30.0)
    assert row["in_service_mw"] == pytest.approx(20.0)
    bars = {t["name"]: t["y"][0] for t in mw_split([row])["data"] if t["type"] == "bar"}
    assert bars == pytest.approx({"mining [MW]": 30.0, "AI/HPC in service [MW]": 20.0,
                                  "AI/HPC planned [MW]": 10.0})


def test_the_plan_chart_has_every_quarter_of_its_span() -> None:
    """Only the quarters with a start were drawn, evenly spaced: 2026Q3, 2027Q1 and
    2027Q4 stood equally apart."""
    from hashpivot.web.charts import optimize_plan

    plan = [{"site": "Pecos", "quarter": "2026Q3", "gross_mw": 100.0},
            {"site": "Pecos", "quarter": "2027Q1", "gross_mw": 50.0},
            {"site": "Rome", "quarter": "2027Q4", "gross_mw": 20.0}]
    fig = optimize_plan({"plan": plan})
    quarters = ["2026Q3", "2026Q4", "2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    pecos, rome = fig["data"]
    assert list(pecos["x"]) == list(rome["x"]) == quarters
    assert list(pecos["y"]) == [100.0, 0.0, 50.0, 0.0, 0.0, 0.0]
    assert list(rome["y"]) == [0.0] * 5 + [20.0]
    assert not optimize_plan({"plan": []})["data"]


def test_the_plan_value_chart_names_the_strategies_it_leaves_out() -> None:
    from hashpivot.web.charts import optimize_strategies
    from tests.optimize_result import plan_result_json

    j = plan_result_json()
    title = optimize_strategies(j)["layout"]["title"]["text"]
    assert "not shown, infeasible: convert_all_now" in title
    j["strategies"]["convert_all_now"]["feasible"] = True
    assert "infeasible" not in optimize_strategies(j)["layout"]["title"]["text"]


def test_chart_labels_say_what_is_plotted() -> None:
    """The pivot NPV chart is to the horizon without terminal value (titled "NPV"); the
    tornado did not name the strategy compared; the dispatch hours did not name their
    zone; the revenue line lay under the hashprice line on the cost chart."""
    from hashpivot.web.charts import cost_vs_price, for_run, pivot_npv

    charts = {"npv_usd": {"keep_mining": 1e8, "convert_100mw_2026-01": 2e8},
              "tornado": [{"label": "lease rate", "npv_vs_baseline_low_usd": 1e7,
                           "npv_vs_baseline_high_usd": 3e8, "low_input": 1.0,
                           "high_input": 2.0, "unit": "USD/kW/month"}]}
    results = {"pivot": "convert_100mw_2026-01", "baseline": "keep_mining", "strategies": {
        "keep_mining": {"npv_with_terminal_value_usd": 1.5e8},
        "convert_100mw_2026-01": {"npv_with_terminal_value_usd": 4e8,
                                  "npv_vs_baseline_usd": 1e8}}}
    npv, _, tornado = for_run("pivot", results, charts)
    assert npv["layout"]["title"]["text"] == (
        "NPV by strategy: to the horizon, and with the terminal value")
    assert [t["name"] for t in npv["data"]] == [
        "NPV to the horizon, without terminal value [USD]",
        "NPV with the terminal value [USD]"]
    assert list(npv["data"][1]["y"]) == [1.5e8, 4e8]
    alone = pivot_npv(charts)
    assert alone["layout"]["title"]["text"] == (
        "NPV by strategy: to the horizon, without terminal value")
    assert tornado["layout"]["title"]["text"] == (
        "Sensitivity (tornado): NPV to the horizon, convert_100mw_2026-01 vs keep_mining")
    assert tornado["layout"]["xaxis"]["title"]["text"] == (
        "NPV(convert_100mw_2026-01) - NPV(keep_mining) [USD]")

    inputs = {"params": {"site": "West", "market": None},
              "portfolio": {"sites": [{"name": "West", "power_contract": {
                  "market": "ercot:HB_WEST:2024"}}]}}
    (heat,) = for_run("dispatch", {}, {"days": [], "hours": [], "mining_mw": []}, inputs)
    assert heat["layout"]["xaxis"]["title"]["text"] == (
        "hour of day (America/Chicago, local)")
    inputs["params"]["market"] = "nyiso:WEST:2019"
    (heat,) = for_run("dispatch", {}, {}, inputs)
    assert "America/New_York" in heat["layout"]["xaxis"]["title"]["text"]

    cost = cost_vs_price({"btc_price_usd": 100_000.0, "hashprice_usd_per_ph_day": 50.0,
                          "cost_per_btc_direct_usd": 60_000.0,
                          "cost_per_btc_total_usd": 90_000.0})
    axis = {t["name"]: t.get("yaxis", "y") for t in cost["data"]}
    assert axis["hashprice [USD/PH/day]"] != axis["revenue per BTC = price [USD/BTC]"]
    layout = cost["layout"]
    assert "overlaying" not in layout[axis["hashprice [USD/PH/day]"].replace("y", "yaxis")]
    assert [a["text"] for a in layout["annotations"]] == ["reverse margin (total)",
                                                          "BTC 100,000"]


def test_a_taxed_run_s_tornado_says_it_is_pre_tax() -> None:
    """With [pivot.tax] the run page's strategy table leads with after-tax rows; the
    tornado's NPVs are pre-tax. The tables' caption and the --out chart said so, the web
    chart did not (its title read as the table's after-tax NPV)."""
    from hashpivot.web.charts import for_run

    charts = {"npv_usd": {"keep_mining": 1e8, "convert_all": 2e8},
              "tornado": [{"label": "lease rate", "npv_vs_baseline_low_usd": 1e7,
                           "npv_vs_baseline_high_usd": 3e8,
                           "npv_with_tv_vs_baseline_low_usd": 2e7,
                           "npv_with_tv_vs_baseline_high_usd": 5e8, "low_input": 1.0,
                           "high_input": 2.0, "unit": "USD/kW/month"}]}
    results = {"pivot": "convert_all", "baseline": "keep_mining", "strategies": {
        "keep_mining": {}, "convert_all": {"npv_vs_baseline_usd": 1e8,
                                           "npv_with_terminal_value_vs_baseline_usd": 3e8}},
        "inputs": {"tax": "after-tax: income tax 21.0 %"}}
    _, _, tornado, with_tv = for_run("pivot", results, charts)
    assert tornado["layout"]["title"]["text"] == (
        "Sensitivity (tornado): pre-tax NPV to the horizon, convert_all vs keep_mining")
    assert with_tv["layout"]["title"]["text"].startswith(
        "Sensitivity (tornado): pre-tax NPV with the terminal value")
    untaxed = for_run("pivot", {**results, "inputs": {"tax": None}}, charts)[2]
    assert "pre-tax" not in untaxed["layout"]["title"]["text"]


def test_the_btc_chart_names_the_sources_of_its_days() -> None:
    """The market page's chart said "bundled Coin Metrics history" whatever the days'
    source (a user's file, data update's days): it names each, Coin Metrics with its
    CC BY-NC 4.0 attribution."""
    from hashpivot.io import COINMETRICS_ATTRIBUTION
    from hashpivot.web.charts import btc_price

    rows = [{"date": "2025-09-26", "price_usd": 109_500.0},
            {"date": "2025-09-27", "price_usd": 110_000.0}]
    yours = "your file /d/btc_daily_updates.csv (sha256 0123456789abcdef; not written by " \
            "hashpivot data update)"
    both = [{"first": "2025-09-26", "last": "2025-09-26", "attribution": COINMETRICS_ATTRIBUTION},
            {"first": "2025-09-27", "last": "2025-09-27", "attribution": yours}]
    title = btc_price(rows, both)["layout"]["title"]["text"]
    assert "bundled" not in title, title
    assert COINMETRICS_ATTRIBUTION in title and "(2025-09-26 to 2025-09-26)" in title, title
    assert f"{yours} (2025-09-27 to 2025-09-27)" in title, title
    title = btc_price(rows[1:], both[1:])["layout"]["title"]["text"]
    assert "Coin Metrics" not in title and yours in title, title


def test_the_backtest_chart_names_the_runs_sources() -> None:
    """A backtest run's chart names where its days came from (the run's own, stored with
    its charts); a run stored before that has no source line."""
    from hashpivot.web.charts import backtest_history

    charts = {"dates": ["2025-09-27"], "btc_price_usd": [1.0],
              "history_source": "your file /d/btc_daily_chain.csv (sha256 0123) "
                                "(2025-09-27 to 2025-09-27)"}
    title = backtest_history(charts)["layout"]["title"]["text"]
    assert "Source: your file /d/btc_daily_chain.csv (sha256 0123) (2025-09-27 to " in title
    assert "Source" not in backtest_history({"dates": []})["layout"]["title"]["text"]


def test_the_backtest_hashprice_axis_has_round_ticks() -> None:
    """plotly.js draws an overlaying axis's ticks at the left axis's gridlines ('sync'):
    the backtest's hashprice axis read 41.93, 46.53, 51.13 USD/PH/day. It picks its own
    ticks (40, 45, 50 ...) and draws no second grid."""
    from hashpivot.web.charts import backtest_history

    y2 = backtest_history({"dates": ["2025-09-27"], "hashprice_usd_per_ph_day": [48.0]}
                          )["layout"]["yaxis2"]
    assert y2["tickmode"] == "auto" and y2["showgrid"] is False
    assert y2["title"]["text"] == "hashprice [USD/PH/day]"


@pytest.mark.parametrize("kind, params", [
    ("pivot", {}),
    ("simulate", {"paths": 100, "years": 2, "chunk_paths": 100}),
    ("optimize", {"scenarios": 5, "evpi_scenarios": 2, "oos_scenarios": 20}),
    ("cost", {}),
    ("dispatch", {"hashprice_usd_per_ph_day": None}),
])
def test_every_dashboard_chart_of_a_run_names_what_its_numbers_come_from(
        kind: str, params: dict[str, object]) -> None:
    """Each figure of a stored run whose numbers come from the bundled daily history names
    it with its CC BY-NC 4.0 attribution, as the ``--out`` charts do: pivot's, simulate's
    and optimize's named nothing of it, the dispatch heatmap neither (a cost chart named
    nothing either). A cost run's MW split is drawn from the portfolio alone: it names the
    portfolio file, not Coin Metrics (it carried the Coin Metrics line)."""
    import importlib

    from hashpivot.io import COINMETRICS_ATTRIBUTION
    from hashpivot.store import run_params
    from hashpivot.store.run_steps.context import RunContext
    from hashpivot.web.charts import for_run

    portfolio = load_portfolio(EXAMPLE.parent / (
        "dispatch-west-texas.toml" if kind == "dispatch" else
        "reverse-margin.toml" if kind == "cost" else "portfolio.toml"))
    if portfolio.optimize is not None:  # (its extra rules file is read beside the file)
        portfolio = portfolio.model_copy(update={
            "optimize": portfolio.optimize.model_copy(update={"rules_file": None})})
    step = importlib.import_module(f"hashpivot.store.run_steps.{kind}")
    model = getattr(run_params, f"{kind.capitalize()}Params")(**params)
    out = step.execute(portfolio, model, RunContext())
    inputs = {"params": model.model_dump(mode="json"),
              "portfolio": portfolio.model_dump(mode="json")}
    figs = for_run(kind, out.results, out.charts, inputs)
    assert figs
    needed = COINMETRICS_ATTRIBUTION.removeprefix("Source: ")
    split = [f for f in figs if f["layout"]["title"]["text"].startswith("MW split")]
    assert len(split) == (kind == "cost")
    for fig in figs:
        text = fig["layout"]["title"]["text"]
        if fig in split:
            assert needed not in text and "Coin Metrics" not in text, text
            assert text.endswith(f"<br><sup>Source: {MW_SPLIT_SOURCE}</sup>"), text
        else:
            assert needed in text, text


def test_the_overview_charts_name_their_sources(sqlite_db: tuple[str, None]) -> None:
    """The portfolio overview's cost chart (of its default cost run, on the bundled
    history's latest day) named no source, though the Coin Metrics licence asks for its
    attribution wherever the data is used; its MW split names the portfolio file."""
    import json
    import re

    from hashpivot.io import COINMETRICS_ATTRIBUTION
    from tests.web.conftest import launch_from_form, login, make_client, wait_run

    with make_client(*sqlite_db) as c:
        csrf = login(c)
        assert wait_run(c, launch_from_form(c, csrf, 1, "cost"))["status"] == "succeeded"
        page = c.get("/portfolios/1").text
    figures = [json.loads(f) for f in re.findall(
        r'<script type="application/json" class="figure-data"[^>]*>(.*?)</script>', page)]
    titles = {f["layout"]["title"]["text"].split("<br>")[0]: f["layout"]["title"]["text"]
              for f in figures}
    cost = titles["Cost per BTC against the BTC price"]
    assert COINMETRICS_ATTRIBUTION.removeprefix("Source: ") in cost, cost
    split = titles["MW split: mining vs AI/HPC once the planned halls are built"]
    assert split.endswith(f"Source: {MW_SPLIT_SOURCE}</sup>") and "Coin Metrics" not in split


def test_the_overview_mw_split_names_the_portfolio_file() -> None:
    """The portfolio overview's MW split (the same figure as a cost run's) says where its
    numbers come from: the portfolio file, not the network data."""
    from hashpivot.store.run_steps import mw_split as split_rows
    from hashpivot.web.charts import mw_split

    fig = mw_split(split_rows(load_portfolio(EXAMPLE)))
    assert fig["layout"]["title"]["text"] == (
        "MW split: mining vs AI/HPC once the planned halls are built"
        f"<br><sup>Source: {MW_SPLIT_SOURCE}</sup>")


@pytest.mark.parametrize(("network", "expected"), [
    ({"source": "Source: Coin Metrics Community Network Data (CC BY-NC 4.0)",
      "date": "2025-09-26"},
     "Coin Metrics Community Network Data (CC BY-NC 4.0) on 2025-09-26"),
    ({"source": "command line; other fields from Source: Coin Metrics Community Network "
                "Data (CC BY-NC 4.0) on 2025-09-26", "date": "2025-09-26"},
     "command line; other fields from Coin Metrics Community Network Data (CC BY-NC 4.0) "
     "on 2025-09-26"),
    ({"source": "command line"}, "command line"),
])
def test_a_cost_runs_charts_name_the_day_of_their_network_figures(
        network: dict[str, str], expected: str) -> None:
    """A cost run's figures are of one day of the history: its charts' source line named
    Coin Metrics without the day (the README says the charts name the days they use), once
    and only once where the source's words already name it."""
    from hashpivot.web.charts.runs import run_sources

    assert run_sources("cost", {"network": network}) == expected
