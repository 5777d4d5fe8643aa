"""The tables of a finished run (hashpivot.reports.tables.runs), built from the stored
results: the same rows the CLI prints, and the resolved assumptions."""

from __future__ import annotations

from pathlib import Path

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models import load_portfolio
from hashpivot.reports.tables.formats import fmt_musd, fmt_pct
from hashpivot.reports.tables.runs import run_tables
from hashpivot.reports.tables.strategies import MC_ERROR_NOTE, share_error_note
from tests.optimize_result import plan_result_json

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"


def _cells(table, quantity):  # type: ignore[no-untyped-def]
    return next(r[2:] for r in table.rows if r[0] == quantity)


def test_pivot_tables_carry_the_cli_rows_and_the_assumptions() -> None:
    res = run_pivot(load_portfolio(EXAMPLE))
    results = res.to_json_dict()
    strategy, tornado, tornado_tv, assumptions = run_tables("pivot", results)
    names = [s.name for s in res.strategies]
    assert strategy.header == ("quantity", "unit", *names)
    assert _cells(strategy, "NPV") == tuple(fmt_musd(s.npv_usd) for s in res.strategies)
    assert _cells(strategy, "IRR (incremental)")[1:] == tuple(
        fmt_pct(s.irr_fraction) for s in res.strategies[1:])
    assert _cells(strategy, "NPV") == ("126.3", "526.8", "329.2", "528.9")  # README's table
    assert any(n.startswith("break-even lease (convert_100mw_2026-01): 100.0 USD/kW/month")
               for n in tornado_tv.notes)  # under the tornado, as the CLI prints it
    assert not any("tax" in r[0] for r in strategy.rows)  # the example is pre-tax
    assert assumptions.header == ("input", "value", "unit", "source")
    assert len(assumptions.rows) == len(results["resolved_assumptions"])
    # the CLI's caption, horizon totals and tornado tables (the page lacked them)
    assert strategy.notes[0].startswith("NPV of unlevered free cash flow (month-end")
    assert _cells(strategy, "BTC mined") == ("3,405", "0", "1,969", "1,409")
    assert tornado.rows[0][0] == "lease rate (first year)" and tornado_tv.notes[-1].startswith(
        "market start: ")
    old = {**results, "strategies": {n: {k: v for k, v in s.items() if k != "btc_mined"}
                                     for n, s in results["strategies"].items()}}
    assert "BTC mined" not in [r[0] for r in run_tables("pivot", old)[0].rows]
    assert ("[pivot] horizon_years", "15", "year", "file") in assumptions.rows


def test_simulate_tables_and_no_tables_for_other_kinds() -> None:
    res = simulate(load_portfolio(EXAMPLE), SimulationConfig(n_paths=200, seed=7,
                                                             horizon_months=60))
    results = res.to_json()
    strategy, reverse_margin, assumptions = run_tables("simulate", results)
    # keep-mining's reverse margin and the model line, as the CLI prints them
    assert reverse_margin.title == "P(reverse margin), keep_mining [% of paths]"
    assert reverse_margin.rows[0][0] == "2025-10" and len(reverse_margin.rows) == 6
    assert assumptions.notes[-1].startswith("model: BTC gbm, vol ")
    # the paths, the seed and the chunk size (what reproduces the run), the months, the
    # rates and the policy: the CLI's title, and its caption first among the notes (the
    # page had neither the months and the rates, nor what the figures are)
    assert strategy.title == ("Monte Carlo: 200 paths, seed 7, 5,000 paths per chunk, "
                              "2025-10 + 60 months, discount 10.0 %/year, "
                              "treasury policy sell_to_cover")
    caption = strategy.notes[0]
    assert caption.startswith("NPV of unlevered FCF, pre-tax, without terminal value unless "
                              "'with TV'; CVaR95 = mean NPV of the worst 5 % of paths")
    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    out = CliRunner().invoke(app, ["simulate", str(EXAMPLE), "--paths", "200", "--seed", "7",
                                   "--years", "5"]).output
    flat = " ".join(out.split())
    assert strategy.title in flat and caption in flat
    stats = [res.strategy_stats(n) for n in res.strategy_names]
    assert _cells(strategy, "NPV P5") == tuple(fmt_musd(s["npv_p5_usd"]) for s in stats)
    assert _cells(strategy, "P(forced sale), ex capex") == tuple(
        fmt_pct(s["prob_forced_sale_without_capex"]) for s in stats)
    notes = strategy.notes[1:]  # (after the caption)
    assert notes[0] == MC_ERROR_NOTE and notes[4].startswith("P(forced sale) = share of paths")
    assert notes[5].startswith("ex capex = ")
    # convert_all's forced sales all pay its halls from the treasury: the page says so, by
    # its name and with the BTC and USD sold, in the CLI's words
    capex = next(n for n in notes if n.startswith("convert_all: every forced sale ("))
    assert "halls' construction" in capex and capex in flat
    assert _cells(strategy, "P(forced sale) ±") == tuple(
        fmt_pct(s["prob_forced_sale_ci95_half"]) for s in stats)
    # over 60 months and 200 paths a strategy's mean gain with the terminal value is within
    # its error (not to the horizon): the note names that row only (over 36 it was, until
    # mining's terminal value took the year after the horizon: its final year holds the
    # 2028 halving)
    unsettled = [s for s in stats[1:] if abs(s["npv_with_tv_vs_baseline_mean_usd"])
                 <= s["npv_with_tv_vs_baseline_mean_ci95_half_usd"]]
    assert unsettled and not [s for s in stats[1:] if abs(s["npv_vs_baseline_mean_usd"])
                              <= s["npv_vs_baseline_mean_ci95_half_usd"]]
    assert notes[3].startswith(
        "where 'NPV with TV vs keep ±' is as large as the mean, these paths do not settle")
    assert notes[1] == share_error_note(200)  # 200 paths: within 6.9 points
    assert notes[2].startswith("CVaR95 ± over 200 paths rests on the worst 10")
    assert _cells(strategy, "NPV mean ±") == tuple(
        fmt_musd(s["npv_mean_ci95_half_usd"]) for s in stats)  # the page shows the errors
    assert assumptions.rows[0][0] == "[pivot] horizon_years"
    assert run_tables("cost", {"strategies": {}}) == []
    assert run_tables("simulate", {}) == []


def test_optimize_tables_from_a_stored_result() -> None:
    plan, value, rules, shadow = run_tables("optimize", plan_result_json())
    assert plan.title.startswith("Plan: 100 scenarios")
    assert plan.header[-1] == "capex M USD" and plan.right == frozenset({2, 3, 5})
    assert plan.rows[0] == ("2026Q3 (committed)", "Pecos", "100", "80.0", "Hyperscaler A",
                            "720.0")
    assert value.rows[0] == ("optimized plan", "410.7", "48.3", "212.3", "-57.2", "150")
    # every number column right-aligned, the names not
    assert value.right == frozenset(range(1, len(value.header)))
    assert any(n.startswith("out of sample (100 scenarios") for n in value.notes)
    assert rules.rows == [
        ("Pecos", "tx_sb1929_registration", "no", "obligation recorded", "[1]"),
        ("Pecos", "tx_sb6_study_fee", "yes", "100,000 USD paid", "[2]"),
        ("Odessa", "tx_sb1929_registration", "no", "obligation recorded", "[1]"),
    ]
    assert rules.notes == ("[1] SB 1929", "[2] SB 6")
    assert shadow.rows == [("build capacity", "2026Q3", "3.53e+04", "USD per MW")]
    with_rows = {**plan_result_json(), "resolved_assumptions": [
        {"name": "taxes", "value": "pre-tax", "unit": "-", "source": "model"}]}
    assert run_tables("optimize", with_rows)[-1].rows == [("taxes", "pre-tax", "-", "model")]
    bare = plan_result_json()
    bare.update(applicable_rules=[], shadow_prices=[], warnings=["time limit reached"])
    tables = run_tables("optimize", bare)
    assert len(tables) == 2 and tables[-1].notes[-1] == "warning: time limit reached"
    assert run_tables("optimize", {}) == []


def test_cost_and_dispatch_tables_from_engine_results() -> None:
    from hashpivot.engines.dispatch import run_dispatch_file
    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.engines.economics.unit_economics import compute_unit_economics
    from hashpivot.reports.serialize import jsonable
    from tests.engines.dispatch_inputs import EXAMPLE as DISPATCH
    from tests.engines.dispatch_inputs import PRICES

    pf = load_portfolio(EXAMPLE.parent / "reverse-margin.toml")
    net = NetworkConditions(btc_price_usd=95_000, difficulty=117e12, fees_btc_per_block=0.03)
    unit, fleet, views, breakevens, items, assumptions = run_tables(
        "cost", jsonable(compute_unit_economics(pf, net).to_dict()))
    assert unit.title.startswith("Unit economics: ") and unit.rows[0][0] == "hashprice"
    # the resolved assumptions last, as the command line prints them
    assert assumptions.title.startswith("Resolved assumptions")
    assert ("Texas: [sites] pool_fee_fraction", "0.015", "-", "file") in assumptions.rows
    assert fleet.rows[-1][0] == "total" and items.title == "Cost items"
    # the README's figures: ~74,600 direct and ~130,000 total USD per BTC, reverse on total
    assert views.rows[0][:2] == ("direct", "74,606") and views.rows[0][-1] == "no"
    assert views.rows[1][:2] == ("total", "130,001") and views.rows[1][-1] == "YES"
    assert views.header[3] == "cost k USD" and "BTC 95,000 USD" in unit.title
    assert breakevens.rows[0] == ("direct", "40.47", "62.44", "29.99")
    summary = jsonable(run_dispatch_file(DISPATCH, prices_file=PRICES).summary())
    table, assumptions = run_tables("dispatch", summary)
    assert table.title.startswith("Dispatch of West Texas")
    assert table.rows[0][0] == "mining revenue" and table.notes[0].startswith("solver ")
    # the resolved assumptions under the notes, as the command line prints them; the
    # contract's row says how it is applied (the line "power contract: ..." did)
    assert assumptions.title == "Resolved assumptions (default = not in the file)"
    assert ("[sites.power_contract]", "index ercot:HB_WEST: expected 35 + 3 adder USD/MWh",
            "-", "file; index price + adder 3 USD/MWh") in assumptions.rows
    assert not any(n.startswith("power contract: ") for n in table.notes)
    # a run stored before the resolved assumptions: its contract line as it was
    stored = {k: v for k, v in summary.items() if k != "resolved_assumptions"}
    (table,) = run_tables("dispatch", stored)
    assert "power contract: index price + adder 3 USD/MWh" in table.notes
    assert run_tables("cost", {}) == run_tables("dispatch", {}) == run_tables("backtest", {}) == []
    # the web page and /api/runs/{id}/tables give the command line's notes (a review found
    # none of them: not the fleet's, nor a DR commitment cut, nor windows left unsolved)
    noted = {**summary, "fleet_note": "West Texas: each fleet entry runs on the days it is "
             "installed", "windows": 366, "windows_unimproved": 24}
    table, _ = run_tables("dispatch", noted)
    assert "note: West Texas: each fleet entry runs on the days it is installed" in table.notes
    assert any(n.startswith("note: 24 of 366 rolling-horizon windows") for n in table.notes)


def test_simulate_by_policy_and_backtest_tables() -> None:
    res = simulate(load_portfolio(EXAMPLE), SimulationConfig(
        n_paths=100, seed=7, horizon_months=24, policies=("sell_to_cover", "hold")))
    tables = run_tables("simulate", res.to_json())
    policy = next(t for t in tables if t.title.startswith("E[BTC sold under duress]"))
    assert policy.header == ("strategy", "sell_to_cover", "hold")
    by = res.forced_sales_by_policy()
    assert policy.rows[0] == ("keep_mining", f"{by['keep_mining']['sell_to_cover']:,.1f}",
                              f"{by['keep_mining']['hold']:,.1f}")
    one = simulate(load_portfolio(EXAMPLE), SimulationConfig(n_paths=50, seed=7,
                                                             horizon_months=12,
                                                             policies=("hold",)))
    assert not any("by treasury policy" in t.title for t in run_tables("simulate", one.to_json()))
    summary = {"days": 91.0, "btc_mined": 5134.75, "revenue_usd": 270_828_547.7,
               "cost_per_btc_direct_usd": 23_128.1, "margin_direct_usd": 152_071_393.8,
               "days_reverse_margin_direct": 0.0, "cost_per_btc_total_usd": 40_300.4,
               "margin_total_usd": 63_895_861.1, "days_reverse_margin_total": 3.0}
    (table,) = run_tables("backtest", {"summary": summary},
                       {"start": "2024-01-01", "end": "2024-03-31"})
    assert table.title == "Backtest 2024-01-01 to 2024-03-31 (91 days)"
    assert table.rows[:3] == [("BTC mined", "5,134.8", "BTC"), ("revenue", "270.8", "M USD"),
                              ("cost per BTC, direct", "23,128", "USD/BTC")]
    assert table.rows[-1] == ("days in reverse margin, total", "3", "day")
    assert table.notes == ()  # stored before the notes, or none to give
    (table,) = run_tables("backtest", {"summary": summary, "notes": ["total view: no ASIC"]},
                          {"start": "2024-01-01", "end": "2024-03-31"})
    assert table.notes == ("note: total view: no ASIC",)
    rows = [{"name": "network conditions", "value": "each day's", "unit": "-", "source": "x"}]
    _, assumptions = run_tables("backtest", {"summary": summary, "resolved_assumptions": rows},
                                {"start": "2024-01-01", "end": "2024-03-31"})
    assert assumptions.rows == [("network conditions", "each day's", "-", "x")]


def test_results_of_another_shape_give_no_tables_not_an_error() -> None:
    """A run stored by an older version may lack keys these tables read: its page shows
    its charts and JSON, never a server error."""
    assert run_tables("optimize", {"plan": [], "expected_npv_usd": 1.0}) == []
    assert run_tables("cost", {"cost_usd_per_day_direct": 1.0}) == []
    assert run_tables("pivot", {"strategies": {"keep_mining": None}}) == []
