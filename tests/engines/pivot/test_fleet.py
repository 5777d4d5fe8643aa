"""Market-only mining arrays (hashpivot.engines.pivot.fleet): shared across strategies."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.simulate import SimulationConfig
from hashpivot.engines.simulate.resolve import prepare
from hashpivot.models import parse_portfolio
from hashpivot.scenarios import generate_chunk
from tests.portfolio_toml import contract, portfolio_toml, site, site_opex, table


def _toml(kind: str) -> str:
    """Two sites: A on a ``kind`` contract with fixed and variable opex (the variable
    costs enter the curtailment decision), cash SG&A and hosting terms (its ASICs sold),
    B fixed-price."""
    a = site("A", contract(40.0, kind), table(asic="Antminer S21", count=30000,
                                               uptime_fraction=0.95),
             cost_items=[site_opex("staff", 5e6),
                         site_opex("repairs", 4e6, behavior="variable"),
                         table(name="office", category="sga_cash", usd_per_year=3.1e6)],
             hosting=table(convertible_gross_mw=100.0, asic_disposition="sell",
                           asic_resale_usd_per_th=3.7),
             capacity_mw=120.0, power_overhead_factor=1.05, pool_fee_fraction=0.02)
    b = site("B", contract(55.0, "fixed"), table(asic="Antminer S19 XP", count=15000),
             capacity_mw=60.0)
    return portfolio_toml("two sites", a, b,
                          pivot=table(horizon_years=9, strategies=["convert_all", "phased"]))


@pytest.mark.parametrize("kind", ["fixed", "index"])
def test_shared_market_arrays_give_bitwise_the_same_cash_flows(kind: str) -> None:
    pf = parse_portfolio(_toml(kind), "t.toml")
    run = prepare(pf, SimulationConfig(n_paths=64, seed=3, chunk_paths=64))
    market = generate_chunk(run.task.params, np.random.SeedSequence(11), 64)
    shared = pv.market_mining(pf, market)
    assert set(shared) == {"A", "B"}
    assert any(go.any() and not go.all() for go in shared["A"].replaced)  # mixed decisions
    for strategy in run.task.strategies:
        alone = pv.strategy_cash_flows(pf, strategy, market)
        with_shared = pv.strategy_cash_flows(pf, strategy, market, shared=shared)
        for f in dataclasses.fields(alone):
            a, b = getattr(alone, f.name), getattr(with_shared, f.name)
            if isinstance(a, np.ndarray):
                assert np.array_equal(np.broadcast_to(a, np.shape(b)), b), f.name
                assert np.array_equal(np.signbit(a), np.signbit(np.broadcast_to(b, a.shape)))


@pytest.mark.parametrize("kind", ["fixed", "index"])
def test_compiled_mining_is_bitwise_the_numpy_expressions(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hashpivot.engines.pivot import mining

    pf = parse_portfolio(_toml(kind), "t.toml")
    run = prepare(pf, SimulationConfig(n_paths=96, seed=5, chunk_paths=96))
    market = generate_chunk(run.task.params, np.random.SeedSequence(2), 96)
    assert market.n_paths >= mining._KERNEL_MIN_PATHS
    compiled = [pv.strategy_cash_flows(pf, s, market) for s in run.task.strategies]
    monkeypatch.setattr(mining, "_KERNEL_MIN_PATHS", 10**9)  # every kernel
    for strategy, fast in zip(run.task.strategies, compiled, strict=True):
        ref = pv.strategy_cash_flows(pf, strategy, market)
        assert (np.asarray(ref.btc_mined) == 0).any()  # some months curtailed
        for f in dataclasses.fields(ref):
            a, b = getattr(ref, f.name), getattr(fast, f.name)
            if isinstance(a, np.ndarray):
                assert np.array_equal(a, b), f.name
                assert np.array_equal(np.signbit(a), np.signbit(b)), f.name


@pytest.mark.parametrize(("kind", "method", "start", "years"), [
    ("fixed", "exit_multiple", None, 9),
    ("index", "gordon", None, 9),
    ("fixed", "none", None, 9),
    # no halving in the final year or the year after: the final year taken as mined
    ("fixed", "exit_multiple", "2026-01", 5),
])
def test_compiled_replacement_decision_is_bitwise_the_numpy_one(
    kind: str, method: str, start: str | None, years: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hashpivot.engines.pivot import replacement

    a = site("A", contract(40.0, kind), table(asic="Antminer S19 XP", count=30000),
             cost_items=[site_opex("staff", 5e6),
                         site_opex("repairs", 4e6, behavior="variable")],
             capacity_mw=120.0, fleet_replacement=True)
    tv = table(mining_method=method, growth_per_year=0.0 if method == "gordon" else None)
    pf = parse_portfolio(portfolio_toml("one site", a, pivot=table(
        horizon_years=years, start=start, fleet_replacement_years=2,
        terminal_value=tv)), "t.toml")
    run = prepare(pf, SimulationConfig(n_paths=96, seed=5, chunk_paths=96))
    market = generate_chunk(run.task.params, np.random.SeedSequence(2), 96)
    assert market.n_paths >= replacement._KERNEL_MIN_PATHS
    fast = pv.market_mining(pf, market)["A"]
    monkeypatch.setattr(replacement, "_KERNEL_MIN_PATHS", 10**9)
    ref = pv.market_mining(pf, market)["A"]
    assert len(ref.gain_usd_per_mw) >= 2
    assert any(go.any() and not go.all() for go in ref.replaced)  # mixed decisions
    for g_ref, g_fast in zip(ref.gain_usd_per_mw, fast.gain_usd_per_mw, strict=True):
        assert g_ref.tobytes() == g_fast.tobytes()
    assert np.array_equal(ref.th_s_per_mw, fast.th_s_per_mw)
