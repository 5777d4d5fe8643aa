"""Discounting by risk: mining and contracted hosting at their own rates (issue 9)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.discounting import hosting_fcf_usd, line_rates
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models import load_portfolio, parse_portfolio
from tests.engines.pivot_inputs import BASE_TOML
from tests.engines.simulate_inputs import at_zero_volatility

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"


def _with_rates(pf, mining: float, hosting: float):  # type: ignore[no-untyped-def]
    spec = pf.pivot.model_copy(
        update={"mining_discount_rate": mining, "hosting_discount_rate": hosting}
    )
    return pf.model_copy(update={"pivot": spec})


def test_each_line_at_its_rate_equals_numpy_financial() -> None:
    pf = _with_rates(parse_portfolio(BASE_TOML), 0.15, 0.08)
    res = pv.run_pivot(pf)
    market = pv.deterministic_market(pf, None, pf.pivot.horizon_years * 12)
    r_m = 1.15 ** (1 / 12) - 1
    r_h = 1.08 ** (1 / 12) - 1
    for s in pv.build_strategies(pf):
        cf = pv.strategy_cash_flows(pf, s, market)
        host = hosting_fcf_usd(cf)[0]
        mining = cf.unlevered_fcf_usd[0] - host
        # numpy_financial discounts its first flow at t=0: prepend a zero (month-end flows)
        want = npf.npv(r_m, np.r_[0.0, mining]) + npf.npv(r_h, np.r_[0.0, host])
        assert res.strategy(s.name).npv_usd == pytest.approx(want, rel=1e-10)
    assert res.inputs["discounting"].startswith("discount: mining 15.0 %/year")
    # keep-mining has no hosting line
    keep = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"), market)
    assert np.abs(hosting_fcf_usd(keep)).max() == 0.0
    # a lower hosting rate raises the value of converting
    res_flat = pv.run_pivot(_with_rates(parse_portfolio(BASE_TOML), 0.15, 0.15))
    assert res.strategy("convert_all").npv_vs_baseline_usd > res_flat.strategy(
        "convert_all"
    ).npv_vs_baseline_usd


def test_equal_line_rates_change_nothing() -> None:
    pf = parse_portfolio(BASE_TOML)
    a = pv.run_pivot(pf)
    b = pv.run_pivot(_with_rates(pf, pf.pivot.discount_rate, pf.pivot.discount_rate))
    for sa, sb in zip(a.strategies, b.strategies, strict=True):
        assert sa.npv_usd == sb.npv_usd
    assert not line_rates(pf.pivot).differ


def test_simulate_at_zero_volatility_agrees_with_pivot_under_line_rates() -> None:
    pf = at_zero_volatility(_with_rates(load_portfolio(EXAMPLE), 0.15, 0.08))
    want = pv.run_pivot(pf)
    res = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2))
    for s in want.strategies:
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_usd, rtol=1e-9)
        np.testing.assert_allclose(res.npv_with_terminal_value_usd[s.name],
                                   s.npv_with_terminal_value_usd, rtol=1e-9)


def test_a_runs_own_rate_discounts_both_lines_and_says_what_it_replaced() -> None:
    """``simulate --discount-rate`` with a file that splits the rates: the run's rate is
    the one used (the split is replaced, with a note), not only the unused base rate."""
    pf = at_zero_volatility(_with_rates(load_portfolio(EXAMPLE), 0.15, 0.08))
    res = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2, discount_rate=0.12))
    assert (res.inputs["mining_discount_rate"], res.inputs["hosting_discount_rate"]) == (
        0.12, 0.12)
    assert res.inputs["discounting"] == "discount 12.0 %/year"
    (note,) = [w for w in res.warnings if "replaces the file's" in w]
    assert "mining_discount_rate 15.0 %/year and hosting_discount_rate 8.0 %/year" in note
    # the same NPVs as pivot with the file's three rates set to 12 %
    flat = pf.model_copy(update={"pivot": pf.pivot.model_copy(update={
        "discount_rate": 0.12, "mining_discount_rate": 0.12, "hosting_discount_rate": 0.12})})
    for s in pv.run_pivot(flat).strategies:
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_usd, rtol=1e-9)
    # without the run's rate, the file's split stands and nothing is said
    own = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2))
    assert own.inputs["discounting"].startswith("discount: mining 15.0 %/year")
    assert not [w for w in own.warnings if "replaces the file's" in w]
    rows = {r["name"]: r["source"] for r in res.resolved_assumptions()}
    assert rows["[pivot] hosting_discount_rate"] == "run setting"


def test_a_runs_own_rate_decides_the_fleet_replacement_too() -> None:
    """With a fleet worth replacing (hashrate growing 5 %/year, machines at 14 USD/TH), the
    decision to replace weighs later cash flows at the rate: ``simulate --discount-rate
    0.30`` on a file at 10 % decided at 10 % and discounted at 30 %, a deterministic NPV
    no pivot run gives (an audit: 201.7 M USD where pivot at 30 % says 217.3). It now
    agrees with pivot on the file at 30 %."""
    pf = load_portfolio(EXAMPLE)
    pf = at_zero_volatility(pf.model_copy(update={"pivot": pf.pivot.model_copy(update={
        "network_hashrate_growth_per_year": 0.05, "replacement_capex_usd_per_th": 14.0})}))
    at_30 = pf.model_copy(update={"pivot": pf.pivot.model_copy(update={"discount_rate": 0.30})})
    want = pv.run_pivot(at_30)
    res = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2, discount_rate=0.30))
    for s in want.strategies:
        np.testing.assert_allclose(res.deterministic_npv_usd[s.name], s.npv_usd, rtol=1e-9)
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_usd, rtol=1e-9)
    # the file sets no mining or hosting rate: the run's is not said to come from it
    assert "mining_discount_rate" not in res.inputs["pivot_fields_in_file"]
    # the decision does depend on the rate here: at 10 % it replaces otherwise
    at_10 = pv.run_pivot(pf)
    assert list(at_10.strategies[0].annual["capex_usd"]) != list(
        want.strategies[0].annual["capex_usd"])
