"""Tests of the Monte Carlo engine (hashpivot.engines.simulate) on the real pivot model."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest

from hashpivot import finance
from hashpivot.engines import pivot
from hashpivot.engines.simulate import (
    SimulationConfig,
    corporate_cash_cost_usd_per_month,
    noncash_cost_usd_per_month,
    prepare,
    run_chunk,
    simulate,
)
from hashpivot.exceptions import InputError
from hashpivot.models import CostItem
from hashpivot.models.risk import ScenarioSpec, TreasurySpec
from tests.engines.simulate_inputs import PIVOT, SET, ZERO_VOL, assert_same_result, portfolio


def test_zero_volatility_equals_the_deterministic_pivot_model() -> None:
    for kind in ("fixed", "index"):
        pf = portfolio({**SET, **ZERO_VOL}, kind=kind)
        cfg = SimulationConfig(n_paths=7, horizon_months=60, seed=3, chunk_paths=4)
        res = simulate(pf, cfg)
        market = pivot.deterministic_market(pf, None, 60)
        rate_m = float(finance.periodic_rate(PIVOT.discount_rate))
        for s in pivot.build_strategies(pf):
            cf = pivot.strategy_cash_flows(pf, s, market)
            want = float(finance.npv(rate_m, cf.unlevered_fcf_usd[0]))
            # every path is the deterministic path: identical cash flows; the NPV sums
            # differ from finance.npv (BLAS dot) only by float rounding
            np.testing.assert_allclose(res.npv_usd[s.name], want, rtol=1e-12)
            assert res.deterministic_npv_usd[s.name] == pytest.approx(want, rel=1e-12)
            st = res.strategy_stats(s.name)
            assert st["npv_p5_usd"] == pytest.approx(st["npv_p95_usd"], rel=1e-12)


def test_zero_volatility_cash_flows_are_identical() -> None:
    pf = portfolio({**SET, **ZERO_VOL}, kind="index")
    run = prepare(pf, SimulationConfig(n_paths=3, horizon_months=36, chunk_paths=3))
    from hashpivot.scenarios import generate_chunk

    _, n, ss = run.chunks[0]
    paths = generate_chunk(run.task.params, ss, n)
    det = pivot.deterministic_market(pf, None, 36)
    for s in run.task.strategies:
        a = pivot.strategy_cash_flows(pf, s, paths)
        b = pivot.strategy_cash_flows(pf, s, det)
        for f in ("unlevered_fcf_usd", "btc_mined", "power_cost_usd", "mining_revenue_usd"):
            np.testing.assert_array_equal(getattr(a, f), np.repeat(getattr(b, f), 3, 0), f)


def test_threads_and_chunk_order_do_not_change_results() -> None:
    pf = portfolio(kind="index")
    cfg = SimulationConfig(n_paths=900, horizon_months=48, seed=11, chunk_paths=200,
                           policies=("sell_to_cover", "hold"))
    a = simulate(pf, cfg, threads=1)
    b = simulate(pf, cfg, threads=2)
    assert_same_result(a, b)
    # chunk k only depends on its own seed: running chunks in reverse gives the same chunk
    run = prepare(pf, cfg)
    fwd = run_chunk(run.task, *run.chunks[2])
    rev = [run_chunk(run.task, *c) for c in reversed(run.chunks)]
    np.testing.assert_array_equal(fwd.npv_usd, rev[-3].npv_usd)
    # another seed gives other paths
    c = simulate(pf, SimulationConfig(**{**cfg.__dict__, "seed": 12}))
    assert not np.array_equal(a.npv_usd["keep_mining"], c.npv_usd["keep_mining"])


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results() -> None:
    pytest.importorskip("dask.distributed")
    pf = portfolio(kind="index")
    cfg = SimulationConfig(n_paths=600, horizon_months=36, seed=5, chunk_paths=150)
    local = simulate(pf, cfg)
    # 8787 taken (Dask's default dashboard port; another cluster, a user's service): the
    # run neither needs it nor warns about it
    import socket
    import warnings

    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))
        held.listen()
    except OSError:
        pass  # already taken by someone else: the same situation
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            dist = simulate(pf, cfg, workers=2)
    finally:
        held.close()
    assert not [w for w in seen if "8787" in str(w.message)]
    assert_same_result(local, dist)
    assert dist.inputs["executor"] == "dask:LocalCluster(2)"


def test_statistics_are_consistent() -> None:
    pf = portfolio()
    res = simulate(pf, SimulationConfig(n_paths=2000, horizon_months=60, seed=1,
                                        chunk_paths=500, policies=tuple(
                                            ["sell_to_cover", "hold", "sell_all", "min_cash"])))
    assert res.strategy_names[0] == "keep_mining"
    for name in res.strategy_names:
        st = res.strategy_stats(name)
        assert st["cvar95_usd"] <= st["npv_p5_usd"] <= st["npv_p50_usd"] <= st["npv_p95_usd"]
        assert 0 <= st["prob_beats_baseline"] <= 1
        assert 0 <= st["prob_liquidity_breach"] <= 1
        x = np.sort(res.npv_usd[name])
        assert st["cvar95_usd"] == pytest.approx(x[: math.ceil(0.05 * x.size)].mean())
        # beats-baseline probability is a path-wise comparison
        if name != "keep_mining":
            assert st["prob_beats_baseline"] == pytest.approx(
                float((res.npv_usd[name] > res.npv_usd["keep_mining"]).mean())
            )
    # reverse margin: total (adds non-cash costs) at least as frequent as direct
    assert (res.prob_reverse_margin_total >= res.prob_reverse_margin_direct).all()
    assert (res.prob_reverse_margin_direct >= 0).all()
    assert (res.prob_reverse_margin_direct <= 1).all()
    # fan quantiles ordered
    for q in res.fan.values():
        assert (np.diff(q, axis=0) >= -1e-6).all()
    # ... taken over the first 250 paths of each of the 4 chunks, and every output says so
    from hashpivot.reports.labels import fan_sample_text
    from hashpivot.reports.simulate import fan_frame

    assert (res.inputs["fan_paths"], res.inputs["fan_paths_per_chunk"]) == (1000, 250)
    assert fan_sample_text(res.n_paths, res.inputs) == (
        "1,000 of the 2,000 paths (the first 250 of each chunk)")
    assert set(fan_frame(res)["paths"]) == {1000}
    by_pol = res.forced_sales_by_policy()
    assert set(by_pol["keep_mining"]) == {"sell_to_cover", "hold", "sell_all", "min_cash"}
    js = res.to_json()
    keys = {"npv_mean_usd", "npv_p5_usd", "npv_p50_usd", "npv_p95_usd", "cvar95_usd",
            "npv_p5_ci95_half_usd", "cvar95_ci95_half_usd",
            "prob_beats_baseline", "prob_liquidity_breach", "expected_forced_sale_btc"}
    for s in res.strategy_names:
        assert keys <= set(js["strategies"][s])


def test_monte_carlo_errors_are_standard_errors_and_cover_the_mean() -> None:
    from scipy import stats

    from hashpivot.risk_measures import cvar
    from hashpivot.sampling_error import (
        ci95_half,
        cvar_ci95_half,
        quantile_ci95,
        quantile_ci95_half,
        share_ci95_half,
    )

    res = simulate(portfolio(), SimulationConfig(n_paths=6000, horizon_months=60, seed=5,
                                                 chunk_paths=1000))
    name = next(n for n in res.strategy_names if n != "keep_mining")
    st = res.strategy_stats(name)
    x, d = res.npv_usd[name], res.npv_usd[name] - res.npv_usd["keep_mining"]
    assert st["npv_mean_ci95_half_usd"] == pytest.approx(1.959964 * stats.sem(x))
    assert st["npv_vs_baseline_mean_ci95_half_usd"] == pytest.approx(1.959964 * stats.sem(d))
    p = st["prob_beats_baseline"]
    # the farther end of the Wilson score interval (tests/engines/simulate/test_share_error
    # inverts the score test); within z^2 / n of the Wald half-width (that much at 0 or 1)
    assert st["prob_beats_baseline_ci95_half"] == pytest.approx(share_ci95_half(p, x.size))
    assert st["prob_beats_baseline_ci95_half"] == pytest.approx(
        1.959964 * math.sqrt(p * (1 - p) / x.size), abs=1.959964**2 / x.size)
    # the paths are independent draws: 30 blocks of 200 paths, each with its own interval,
    # cover the mean of all 6,000 about 95 % of the time (28.5 expected; 25 or fewer has a
    # binomial probability below 2 %)
    covered = 0
    for block in d.reshape(30, 200):
        covered += abs(block.mean() - d.mean()) <= ci95_half(block)
    assert covered >= 26, covered
    # the tail figures: P5's order-statistic interval and CVaR95's asymptotic one, on 12
    # blocks of 500 paths (25 in each block's tail), cover the figure of all 6,000 about
    # 95 % of the time (the figure of all has an error of its own, a twelfth of a
    # block's variance); 9 or fewer of 12 has a binomial probability below 2 %. On
    # keep-mining's NPV: convert_all's is the same on every path (all its MW leased)
    assert st["npv_p5_ci95_half_usd"] == quantile_ci95_half(x, 0.05)
    assert st["cvar95_ci95_half_usd"] == cvar_ci95_half(x, 0.05)
    keep, st_keep = res.npv_usd["keep_mining"], res.strategy_stats("keep_mining")
    assert st_keep["npv_p5_ci95_half_usd"] == quantile_ci95_half(keep, 0.05) > 0.0
    assert st_keep["cvar95_ci95_half_usd"] == cvar_ci95_half(keep, 0.05) > 0.0
    p5_all, cvar_all = float(np.percentile(keep, 5)), st_keep["cvar95_usd"]
    p5_covered = cvar_covered = 0
    for block in keep.reshape(12, 500):
        low, high = quantile_ci95(block, 0.05)
        p5_covered += low <= p5_all <= high
        cvar_covered += abs(cvar(block) - cvar_all) <= cvar_ci95_half(block)
    assert p5_covered >= 10 and cvar_covered >= 10, (p5_covered, cvar_covered)
    # the NPV with the terminal value (the verdict's usual figure) carries the same errors,
    # of its own paths
    xt = res.npv_with_terminal_value_usd["keep_mining"]
    dt = res.npv_with_terminal_value_usd[name] - xt
    assert np.ptp(xt) > 0 and np.ptp(dt) > 0  # spread: the errors are not 0
    assert st_keep["npv_with_tv_mean_ci95_half_usd"] == pytest.approx(1.959964 * stats.sem(xt))
    assert st_keep["npv_with_tv_p5_ci95_half_usd"] == quantile_ci95_half(xt, 0.05) > 0.0
    p_tv = st["prob_beats_baseline_with_tv"]
    assert p_tv == pytest.approx(float((dt > 0).mean()))
    assert st["prob_beats_baseline_with_tv_ci95_half"] == pytest.approx(
        share_ci95_half(p_tv, dt.size))
    assert st_keep["prob_beats_baseline_with_tv_ci95_half"] == 0.0  # keep vs itself
    assert st["npv_with_tv_vs_baseline_mean_usd"] == pytest.approx(float(dt.mean()))
    assert st["npv_with_tv_vs_baseline_mean_ci95_half_usd"] == pytest.approx(
        1.959964 * stats.sem(dt))  # paired: the error of the difference, not of each


def test_reverse_margin_extremes() -> None:
    # power at 2000 USD/MWh: the fleet never pays its power, is curtailed every month and
    # still pays opex -> reverse margin on every path in every month
    res = simulate(portfolio(power_usd_per_mwh=2000.0),
                   SimulationConfig(n_paths=50, horizon_months=12, chunk_paths=50))
    np.testing.assert_array_equal(res.prob_reverse_margin_direct, 1.0)
    # free power and no cost items: never in reverse margin
    pf = portfolio(power_usd_per_mwh=0.0)
    pf.sites[0].cost_items = []
    pf.sites[0].fleet[0].capex_usd_per_th = None
    res = simulate(pf, SimulationConfig(n_paths=50, horizon_months=12, chunk_paths=50))
    np.testing.assert_array_equal(res.prob_reverse_margin_total, 0.0)


def test_noncash_costs() -> None:
    pf = portfolio()
    nc = noncash_cost_usd_per_month(pf, 60)
    # SBC 0.1 M/month + fleet 15 USD/TH * 200 TH * 5000 / 48 months for 4 years
    fleet_dep = 15.0 * 200.0 * 5000 / 48
    assert nc[0] == pytest.approx(1e5 + fleet_dep)
    assert nc[-1] == pytest.approx(1e5)
    # bought 2024-01: from a first month of 2026-01, 24 of its 48 months are left; bought
    # 2020-01, it is written off (the run depreciated 48 months from the first month)
    pf.sites[0].fleet[0].start = "2024-01"
    nc = noncash_cost_usd_per_month(pf, 60, pd.Period("2026-01", "M"))
    np.testing.assert_allclose(nc, 1e5 + fleet_dep * (np.arange(60) < 24))
    pf.sites[0].fleet[0].start = "2020-01"
    np.testing.assert_allclose(noncash_cost_usd_per_month(pf, 60, pd.Period("2026-01", "M")),
                               1e5)
    # bought after the first month: from its start, for its life
    pf.sites[0].fleet[0].start = "2026-07"
    nc = noncash_cost_usd_per_month(pf, 60, pd.Period("2026-01", "M"))
    np.testing.assert_allclose(nc, 1e5 + fleet_dep * ((np.arange(60) >= 6) & (np.arange(60) < 54)))
    # ... once in service: its site connected 2026-10-16 (16 of October's 31 days), the
    # window does not move (from its start, for its life), its first months are cut
    pf.sites[0].connection_date = "2026-10-16"
    nc = noncash_cost_usd_per_month(pf, 60, pd.Period("2026-01", "M"))
    share = np.where(np.arange(60) < 9, 0.0, 1.0)
    share[9] = 16 / 31
    # (the site's stock-based compensation, 0.1 M a month, once it runs too)
    np.testing.assert_allclose(
        nc, (1e5 + fleet_dep * ((np.arange(60) >= 6) & (np.arange(60) < 54))) * share)


def test_corporate_cash_costs_reach_the_treasury_not_the_npv() -> None:
    tr = TreasurySpec(btc_held=0, cash_usd=1e9, min_cash_usd=0, policy="sell_all")
    cfg = SimulationConfig(n_paths=200, horizon_months=24, chunk_paths=100)
    base = simulate(portfolio(treasury=tr), cfg)
    pf = portfolio(treasury=tr)
    pf.cost_items = [
        CostItem(name="corporate SG&A", category="sga_cash", usd_per_year=1.2e6),
        CostItem(name="converts coupon", category="interest", usd_per_year=9e9),
        CostItem(name="sbc", category="stock_based_compensation", usd_per_year=9e9),
    ]
    np.testing.assert_allclose(corporate_cash_cost_usd_per_month(pf, 3), 1e5)
    res = simulate(pf, cfg)
    for s in base.strategy_names:
        np.testing.assert_array_equal(res.npv_usd[s], base.npv_usd[s])  # NPV unchanged
        # no forced sales (1 bn cash): end cash lower by exactly 24 x 0.1 M on every path,
        # so on average; the lowest cash too (the costs accrue every month)
        b, r = base.treasury[(s, "sell_all")], res.treasury[(s, "sell_all")]
        assert b.forced_paths == r.forced_paths == 0
        np.testing.assert_allclose((b.end_cash_sum_usd - r.end_cash_sum_usd) / b.n_paths, 2.4e6,
                                   rtol=1e-9)
        assert r.min_cash_min_usd < b.min_cash_min_usd
    assert (res.prob_reverse_margin_direct >= base.prob_reverse_margin_direct).all()


def test_treasury_debt_and_bad_config() -> None:
    tr = TreasurySpec(btc_held=10, cash_usd=1e6, min_cash_usd=5e5,
                      debt=[{"principal_usd": 5e6, "interest_rate": 0.1, "maturity": "2027-06"}])
    cfg = SimulationConfig(n_paths=300, horizon_months=36, chunk_paths=100)
    with_debt = simulate(portfolio(treasury=tr), cfg).strategy_stats("keep_mining")
    no_debt = simulate(
        portfolio(treasury=tr.model_copy(update={"debt": []})), cfg
    ).strategy_stats("keep_mining")
    # same paths (same seed): a 5 M bullet can only add breaches and forced sales
    assert with_debt["prob_liquidity_breach"] >= no_debt["prob_liquidity_breach"]
    assert with_debt["prob_liquidity_breach"] > 0
    assert with_debt["expected_forced_sale_btc"] >= no_debt["expected_forced_sale_btc"]
    assert with_debt["lowest_cash_mean_usd"] < no_debt["lowest_cash_mean_usd"]
    with pytest.raises(InputError):
        simulate(portfolio(), SimulationConfig(n_paths=0))
    with pytest.raises(InputError):
        simulate(portfolio(), SimulationConfig(policies=("yolo",)))


def test_history_anchor_and_calibration_echo() -> None:
    pf = portfolio({"anchor": "history", "power_calibrate_on": None,
                    "btc_drift_per_year": 0.0, "calibration_start": "2020-01-01"})
    res = simulate(pf, SimulationConfig(n_paths=200, horizon_months=24, chunk_paths=100,
                                        start="2026-01"))
    cal = res.inputs["calibration"]
    assert cal is not None and 0.3 < cal["btc_volatility_per_year"] < 1.2
    assert res.periods[0] == pd.Period("2026-01", "M")


@pytest.mark.parametrize("example", ["pivot-200mw.toml", "portfolio.toml"])
def test_example_at_zero_volatility_agrees_with_pivot_at_the_default_horizon(
        example: str) -> None:
    """One horizon (issue 9): without ``--years``, ``simulate`` values the same
    ``[pivot].horizon_years`` as ``pivot``; at zero volatility every strategy's NPV on the
    bundled examples equals ``run_pivot``'s to 1e-9 (relative; float summation order):
    also on the four-site portfolio, whose two-entry sites mine tranche by tranche, one of
    them dispatching, with the terminal value floored per tranche in both."""
    from pathlib import Path

    from hashpivot.models import load_portfolio

    pf = load_portfolio(Path(__file__).parents[3] / "examples" / example)
    spec = pf.scenario or ScenarioSpec()
    pf = pf.model_copy(
        update={"scenario": spec.model_copy(update={**ZERO_VOL, "anchor": "deterministic",
                                                    "price_model": "gbm"})}
    )
    want = pivot.run_pivot(pf)
    res = simulate(pf, SimulationConfig(n_paths=4, seed=1, chunk_paths=4))
    assert res.inputs["horizon_months"] == pf.pivot.horizon_years * 12
    assert res.inputs["horizon_source"] == "[pivot].horizon_years"
    for s in want.strategies:
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_usd, rtol=1e-9)
        # and with the terminal value of [pivot.terminal_value]
        np.testing.assert_allclose(res.npv_with_terminal_value_usd[s.name],
                                   s.npv_with_terminal_value_usd, rtol=1e-9)


def test_a_levered_npv_at_zero_volatility_is_pivot_s_at_the_equity_rate() -> None:
    """A review's case: ``npv_cash_flow="levered"`` discounted the equity's flows at the
    mining line's rate (10 %), where ``pivot``'s ``npv_levered_usd`` takes
    ``[financing].equity_discount_rate``: convert-all 579.8 M USD against 345.0 on the
    200 MW example."""
    from pathlib import Path

    from hashpivot.models import load_portfolio
    from tests.engines.simulate_inputs import at_zero_volatility

    pf = at_zero_volatility(load_portfolio(
        Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"))
    assert pf.financing is not None and pf.pivot is not None
    assert pf.financing.equity_discount_rate != pf.pivot.discount_rate  # teeth
    want = pivot.run_pivot(pf)
    res = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2,
                                        npv_cash_flow="levered"))
    for s in want.strategies:
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_levered_usd, rtol=1e-9)
    from hashpivot.engines.simulate.assumptions import resolved_assumptions

    # the equity's rate as pivot prints it (it was "levered NPV discount rate", its source
    # "[financing] equity_discount_rate", where pivot's row is that field, file)
    rows = {r["name"]: r for r in resolved_assumptions(res.inputs)}
    pivot_rows = {r["name"]: r for r in want.resolved_assumptions()}
    assert rows["[financing] equity_discount_rate"] == pivot_rows[
        "[financing] equity_discount_rate"]
    assert rows["[financing] equity_discount_rate"]["value"] == (
        pf.financing.equity_discount_rate)
    assert "levered NPV discount rate" not in rows
    # unlevered, the equity's rate is not used: no row
    assert "[financing] equity_discount_rate" not in {
        r["name"] for r in resolved_assumptions(simulate(pf, SimulationConfig(
            n_paths=2, seed=1, chunk_paths=2)).inputs)}
    # the run's rate, when given, is the levered NPV's (it was ignored, a review found)
    at = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2,
                                       npv_cash_flow="levered", discount_rate=0.30))
    keep = want.strategy("keep_mining").cash_flows.levered_fcf_usd[0]
    assert at.npv_usd["keep_mining"][0] == pytest.approx(
        finance.npv(float(finance.periodic_rate(0.30)), keep), rel=1e-9)
    assert {r["name"]: r for r in resolved_assumptions(at.inputs)}[
        "levered NPV discount rate"]["source"] == "run setting"


def test_a_levered_npv_without_financing_is_pivot_s_at_its_discount_rate() -> None:
    """A third review's case: without ``[financing]``, and with the lines at their own
    rates (15 % mining, 8 % hosting), pivot's levered NPV takes ``[pivot]
    discount_rate`` (10 %); the levered simulate took the mining line's (convert-all 122.2
    M USD against 525.9)."""
    from pathlib import Path

    from hashpivot.engines.simulate.assumptions import resolved_assumptions
    from hashpivot.models import load_portfolio
    from tests.engines.simulate_inputs import at_zero_volatility

    pf = load_portfolio(Path(__file__).parents[3] / "examples" / "pivot-200mw.toml")
    assert pf.pivot is not None
    pf = at_zero_volatility(pf.model_copy(update={"financing": None, "pivot": pf.pivot.model_copy(
        update={"mining_discount_rate": 0.15, "hosting_discount_rate": 0.08})}))
    want = pivot.run_pivot(pf)
    res = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2,
                                        npv_cash_flow="levered"))
    for s in want.strategies:
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_levered_usd, rtol=1e-9)
    row = {r["name"]: r for r in resolved_assumptions(res.inputs)}["levered NPV discount rate"]
    assert row["value"] == pf.pivot.discount_rate
    assert row["source"] == "[pivot] discount_rate (no financing)"


def test_a_block_height_the_deterministic_anchor_does_not_read_is_named() -> None:
    """A review's case: ``[scenario] block_height`` is read under ``anchor = "history"``
    only; under the default deterministic anchor the halvings are the pivot model's (so
    that both engines tell the same story), and it was ignored without a word."""
    pf = portfolio({**SET, **ZERO_VOL, "block_height": 1_000_000})
    res = simulate(pf, SimulationConfig(n_paths=2, horizon_months=24, seed=1, chunk_paths=2))
    assert [w for w in res.warnings if "block_height = 1000000 is not used" in w]
    plain = simulate(portfolio({**SET, **ZERO_VOL}),
                     SimulationConfig(n_paths=2, horizon_months=24, seed=1, chunk_paths=2))
    assert not [w for w in plain.warnings if "block_height" in w]
    np.testing.assert_array_equal(res.npv_usd["keep_mining"], plain.npv_usd["keep_mining"])


@pytest.mark.parametrize("center", ["median", "mean"])
def test_deterministic_pivot_path_is_the_monte_carlo_center(center: str) -> None:
    """Issue 9: the pivot model's deterministic BTC path is the median (or the mean, the
    user's choice) of the simulated paths, within 4 standard errors at 1, 5 and 10 years."""
    from pathlib import Path

    from hashpivot.models import load_portfolio
    from hashpivot.scenarios import generate_chunk

    pf = load_portfolio(Path(__file__).parents[3] / "examples" / "pivot-200mw.toml")
    spec = (pf.scenario or ScenarioSpec()).model_copy(
        update={"price_center": center, "btc_volatility_per_year": 0.55}
    )
    pf = pf.model_copy(update={"scenario": spec})
    run = prepare(pf, SimulationConfig(n_paths=1, seed=0, chunk_paths=1))
    det = pivot.deterministic_market(pf, None, pf.pivot.horizon_years * 12)
    n = 20_000
    m = generate_chunk(run.task.params, np.random.SeedSequence(11), n)
    for t_years in (1, 5, 10):
        t = 12 * t_years - 1
        ratio = m.btc_price_usd[:, t] / det.btc_price_usd[0, t]
        s = 0.55 * math.sqrt(12 * t_years / 12)
        if center == "median":
            # sample median of log ratio: se = sqrt(pi/2) sigma sqrt(t) / sqrt(n)
            se = math.sqrt(math.pi / 2) * s / math.sqrt(n)
            assert abs(np.median(np.log(ratio))) < 4 * se
        else:
            # sample mean of a lognormal ratio with mean 1: sd sqrt(exp(s^2) - 1) / sqrt(n)
            se = math.sqrt(math.exp(s * s) - 1) / math.sqrt(n)
            assert abs(ratio.mean() - 1) < 4 * se


@pytest.mark.parametrize("center", ["median", "mean"])
def test_deterministic_path_is_the_monte_carlo_center_with_the_margin_response(
    center: str,
) -> None:
    """Issue 9 item 7 with ``hashrate_response = "margin"``: the deterministic path (whose
    hashrate now responds to the marginal fleet's margin) is still the Monte Carlo center:
    the BTC price its median or mean and, with median centering, the network hashrate its
    median, within 4 standard errors at 1, 5 and 10 years. (With mean centering the
    hashrate follows the log price, whose median lies below the deterministic path, so
    only the price is checked there.)"""
    from pathlib import Path

    from hashpivot.models import load_portfolio
    from hashpivot.scenarios import generate_chunk

    pf = load_portfolio(Path(__file__).parents[3] / "examples" / "pivot-200mw.toml")
    # 70 USD/MWh: the marginal fleet falls below cost after the 2028 halving
    spec = (pf.scenario or ScenarioSpec()).model_copy(
        update={"price_center": center, "btc_volatility_per_year": 0.55,
                "hashrate_response": "margin", "network_power_price_usd_per_mwh": 70.0}
    )
    pf = pf.model_copy(update={"scenario": spec})
    exo = pf.model_copy(update={"scenario": spec.model_copy(
        update={"hashrate_response": "exogenous"})})
    run = prepare(pf, SimulationConfig(n_paths=1, seed=0, chunk_paths=1))
    det = pivot.deterministic_market(pf, None, pf.pivot.horizon_years * 12)
    det_exo = pivot.deterministic_market(exo, None, pf.pivot.horizon_years * 12)
    # the option bites: the deterministic hashrate ends lower than the exogenous one
    assert det.network_hashrate_th_s[0, -1] < 0.9 * det_exo.network_hashrate_th_s[0, -1]
    n = 20_000
    m = generate_chunk(run.task.params, np.random.SeedSequence(11), n)
    for t_years in (1, 5, 10):
        t = 12 * t_years - 1
        ratio = m.btc_price_usd[:, t] / det.btc_price_usd[0, t]
        s = 0.55 * math.sqrt(t_years)
        if center == "median":
            assert abs(np.median(np.log(ratio))) < 4 * math.sqrt(math.pi / 2) * s / math.sqrt(n)
        else:
            se = math.sqrt(math.exp(s * s) - 1) / math.sqrt(n)
            assert abs(ratio.mean() - 1) < 4 * se
        lr = np.log(m.network_hashrate_th_s[:, t] / det.network_hashrate_th_s[0, t])
        # sample median of a symmetric variable: se = sqrt(pi/2) sd / sqrt(n) (normal)
        se_h = math.sqrt(math.pi / 2) * float(lr.std()) / math.sqrt(n)
        if center == "median":
            assert abs(float(np.median(lr))) < 4 * se_h


def test_forced_sales_ex_capex_on_the_example() -> None:
    """The treasury run again with the capex paid from outside it (``_without_capex``) on
    the bundled example (15 years, sell_to_cover). Convert-all's only cash drain beyond
    its operations is the equity part of the hall (20 % of 1.4 bn USD from 300 M cash with
    a 25 M floor): it sells BTC under duress on every path, and on none ex capex.
    Keep-mining's fleet replacements (every 4 years where they pay) drain the cash that
    the 150 M convertible of 2030-12 and the late, low-margin years need: fewer of its
    paths sell under duress ex capex. Over the first three years (no replacement yet) its
    two runs are the same."""
    from pathlib import Path

    from hashpivot.models import load_portfolio
    from hashpivot.reports.simulate import forced_sales_frame

    pf = load_portfolio(Path(__file__).parents[3] / "examples" / "pivot-200mw.toml")
    res = simulate(pf, SimulationConfig(n_paths=300, seed=7, chunk_paths=150))
    conv = res.strategy_stats("convert_all")
    assert conv["prob_forced_sale"] == 1.0 and conv["expected_forced_sale_btc"] > 10
    assert conv["prob_forced_sale_without_capex"] == 0.0
    assert conv["expected_forced_sale_without_capex_btc"] == 0.0
    keep = res.strategy_stats("keep_mining")
    assert keep["prob_forced_sale_without_capex"] < keep["prob_forced_sale"] - 0.1
    # the by-policy CSV carries both runs
    df = forced_sales_frame(res, res.forced_sales_by_policy())
    row = df[(df.strategy == "convert_all") & (df.policy == res.policies[0])].iloc[0]
    assert row.prob_forced_sale == 1.0 and row.prob_forced_sale_without_capex == 0.0
    short = simulate(pf, SimulationConfig(n_paths=300, seed=7, horizon_months=36,
                                          chunk_paths=150)).strategy_stats("keep_mining")
    for key, ex in (("expected_forced_sale_btc", "expected_forced_sale_without_capex_btc"),
                    ("prob_forced_sale", "prob_forced_sale_without_capex"),
                    ("prob_liquidity_breach", "prob_liquidity_breach_without_capex")):
        assert short[ex] == short[key], key


def test_the_treasury_does_not_repay_project_debt_at_the_horizon() -> None:
    """The NPV repays the project debt still outstanding at the horizon in its last month
    (a balloon); the treasury does not, like its own debts that mature later. At zero
    volatility a 3-year run's treasury therefore ends where a 15-year run's stands after 3
    years, for every strategy, and the run says so in a note. Before, convert-all's 3-year
    run force-sold ~1,400 BTC in its last month and breached on most paths."""
    from pathlib import Path

    from hashpivot.engines.simulate.chunk import treasury_deduction_usd
    from hashpivot.models import load_portfolio

    pf = load_portfolio(Path(__file__).parents[3] / "examples" / "pivot-200mw.toml")
    spec = (pf.scenario or ScenarioSpec()).model_copy(
        update={**ZERO_VOL, "anchor": "deterministic", "price_model": "gbm"}
    )
    pf = pf.model_copy(update={"scenario": spec})
    short = simulate(pf, SimulationConfig(n_paths=2, seed=1, horizon_months=36))
    full = simulate(pf, SimulationConfig(n_paths=2, seed=1))
    pol = short.policies[0]
    for s in short.strategy_names:
        a, b = short.treasury[(s, pol)], full.treasury[(s, pol)]
        assert a.breach_paths == 0, s
        np.testing.assert_allclose(a.end_cash_sum_usd / a.n_paths, b.cash_sample_usd[0, 35],
                                   rtol=1e-9, err_msg=s)
        np.testing.assert_allclose(a.forced_btc_sum, b.forced_btc_by_month_sum[:36].sum(),
                                   rtol=1e-9, err_msg=s)
    note = next(w for w in short.warnings if w.startswith("project debt still outstanding"))
    assert "convert_all" in note and "keep_mining" not in note and "2028-09" in note
    assert not any(w.startswith("project debt") for w in full.warnings)  # all repaid by then
    corp = np.array([1.0, 2.0, 3.0])
    assert treasury_deduction_usd(corp, 0.0) is corp
    np.testing.assert_array_equal(treasury_deduction_usd(corp, 10.0), [1.0, 2.0, -7.0])


def test_a_scenario_start_starts_the_strategies_there_as_pivot_would() -> None:
    """``[scenario] start`` after ``[pivot] start``: the strategies start converting at
    the first simulated month, as pivot's do with its start there (they started at
    pivot's start, so the capex paid before the first simulated month was left out while
    the leases were counted: convert_all worth about 3x pivot's figure)."""
    base = portfolio({**SET, **ZERO_VOL})
    later = base.model_copy(update={"scenario": base.scenario.model_copy(  # type: ignore[union-attr]
        update={"start": "2026-07"})})
    res = simulate(later, SimulationConfig(n_paths=2, horizon_months=60, seed=3))
    at_pivot = base.model_copy(update={"pivot": PIVOT.model_copy(update={"start": "2026-07"})})
    want = pivot.run_pivot(at_pivot.model_copy(update={"pivot": at_pivot.pivot.model_copy(  # type: ignore[union-attr]
        update={"horizon_years": 5})}))
    for s in want.strategies:
        assert res.deterministic_npv_usd[s.name] == pytest.approx(s.npv_usd, rel=1e-9), s.name


def test_a_file_start_before_the_first_simulated_month_is_named_so() -> None:
    """The strategies start at the first simulated month: a phase the file starts before
    it is a problem that says which month that is and where it comes from (it read 'the
    model start', which the file does not set)."""
    base = portfolio({**SET, **ZERO_VOL})
    later = base.model_copy(update={
        "scenario": base.scenario.model_copy(update={"start": "2026-07"}),  # type: ignore[union-attr]
        "pivot": PIVOT.model_copy(update={"strategies": ["convert"], "convert_mw": 5.0,
                                          "convert_start": "2026-03"})})
    with pytest.raises(InputError) as err:
        simulate(later, SimulationConfig(n_paths=2, horizon_months=60))
    (problem,) = err.value.problems
    assert problem.path == "pivot.convert_start"
    assert problem.message == ("2026-03 is before the first simulated month 2026-07 "
                               "([scenario] start or `start`)")


def test_the_caption_says_the_deterministic_row_draws_no_hosting_risk() -> None:
    """A review's case: with [sites.hosting.risk] the deterministic row is pivot's value,
    the halls built on time and on budget (-191.4 M USD for a convert-all of the review's
    file), while every path at zero volatility draws delays and overruns (their mean
    -284.4): the caption said the row was 'every volatility zero', which is neither. It
    says the hosting risk is not drawn there, and where."""
    from pathlib import Path

    from hashpivot.models import load_portfolio
    from hashpivot.models.hosting import HostingRiskSpec
    from hashpivot.reports.labels import simulate_caption

    pf = load_portfolio(Path(__file__).parents[3] / "examples" / "pivot-200mw.toml")
    site = pf.sites[0]
    assert site.hosting is not None
    risky = site.model_copy(update={"hosting": site.hosting.model_copy(update={
        "risk": HostingRiskSpec(construction_delay_fraction_mean=0.34,
                                capex_overrun_fraction_mean=0.10)})})
    spec = pf.scenario or ScenarioSpec()
    pf = pf.model_copy(update={"sites": [risky], "scenario": spec.model_copy(
        update={**ZERO_VOL, "anchor": "deterministic", "price_model": "gbm"})})
    res = simulate(pf, SimulationConfig(n_paths=8, seed=1, chunk_paths=8))
    # teeth: at zero volatility the paths still differ from the deterministic row
    assert np.mean(res.npv_usd["convert_all"]) < res.deterministic_npv_usd["convert_all"] - 1e6
    caption = simulate_caption(res.inputs, False, [])
    assert ("deterministic = every volatility zero (the pivot model's path, the hosting as "
            "pivot values it ([sites.hosting.risk] not drawn at West Texas 200: built on "
            "time and on budget, defaults in expectation))") in caption
    res.inputs["hosting_risk_sites"] = []
    assert "not drawn" not in simulate_caption(res.inputs, False, [])


_UNCALIBRATED = {k: v for k, v in SET.items() if k != "power_calibrate_on"}


@pytest.mark.parametrize(("kind", "given", "why"), [
    ("index", _UNCALIBRATED, "one market node (ercot:HB_WEST)"),
    ("index", SET, "power_calibrate_on gives every index site one market's process"),
    ("fixed", SET, "no index-priced site"),
])
def test_a_market_correlation_with_no_second_market_is_named(
    kind: Literal["fixed", "index"], given: dict[str, Any], why: str
) -> None:
    """``[scenario] power_market_correlation`` correlates each other index market with
    the first; with one market node (or none) it was ignored without a word, the run's
    rows listing no correlation. It is named as not used, and why."""
    config = SimulationConfig(n_paths=2, horizon_months=12, seed=1, chunk_paths=2)
    res = simulate(portfolio({**given, **ZERO_VOL, "power_market_correlation": 0.3},
                             kind=kind), config)
    notes = [w for w in res.warnings if "power_market_correlation = 0.3 is not used" in w]
    assert len(notes) == 1 and why in notes[0], res.warnings
    plain = simulate(portfolio({**given, **ZERO_VOL}, kind=kind), config)
    assert not [w for w in plain.warnings if "power_market_correlation" in w]
