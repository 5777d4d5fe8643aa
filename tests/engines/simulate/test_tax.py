"""Income tax in the Monte Carlo ([pivot.tax]): the same after-tax NPV as the pivot model
at zero volatility, pre-tax when the file has no tax table, and the treasury pays it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.simulate import SimulationConfig, SimulationResult, simulate
from hashpivot.engines.simulate.assumptions import TAX_USE
from hashpivot.models import Portfolio, parse_portfolio
from hashpivot.models.risk import ScenarioSpec
from tests.engines.simulate_inputs import ZERO_VOL as ZERO_VOLATILITY

EXAMPLE = (Path(__file__).parents[3] / "examples" / "pivot-200mw.toml").read_text()
TAX = "\n[pivot.tax]\nincome_tax_rate = 0.21\n"
ZERO_VOL = {**ZERO_VOLATILITY, "anchor": "deterministic", "price_model": "gbm"}


def _portfolio(tax: str = "", zero_volatility: bool = True) -> Portfolio:
    pf = parse_portfolio(EXAMPLE + tax, "pivot-200mw.toml")
    if zero_volatility:
        spec = (pf.scenario or ScenarioSpec()).model_copy(update=ZERO_VOL)
        pf = pf.model_copy(update={"scenario": spec})
    return pf


def _simulate(pf: Portfolio, n_paths: int = 4) -> SimulationResult:
    return simulate(pf, SimulationConfig(n_paths=n_paths, seed=1, chunk_paths=n_paths))


def test_zero_volatility_after_tax_npv_equals_the_pivot_model() -> None:
    """Every strategy's after-tax NPV on the example at 21 % equals ``run_pivot``'s to
    1e-9 (relative; float summation order), on every path and on the center path."""
    pf = _portfolio(TAX)
    want = run_pivot(pf, deals=None)
    res = _simulate(pf)
    for s in want.strategies:
        assert s.income_tax_pv_usd > 0  # the case is not trivial
        np.testing.assert_allclose(res.npv_after_tax_usd[s.name], s.npv_after_tax_usd,
                                   rtol=1e-9)
        assert res.deterministic_npv_after_tax_usd[s.name] == pytest.approx(
            s.npv_after_tax_usd, rel=1e-9
        )
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_usd, rtol=1e-9)  # unchanged
    stats = res.strategy_stats("convert_all")
    assert stats["npv_after_tax_mean_usd"] == pytest.approx(
        want.strategy("convert_all").npv_after_tax_usd, rel=1e-9
    )
    assert stats["prob_beats_baseline_after_tax"] in (0.0, 1.0)
    row = next(r for r in res.resolved_assumptions() if r["name"] == "[pivot.tax]")
    assert row["value"].startswith("after-tax: income tax 21.0 %")  # as pivot's row
    assert row["source"] == "file; " + TAX_USE  # the treasury pays the tax


def test_pre_tax_without_a_tax_table() -> None:
    res = _simulate(_portfolio())
    assert res.npv_after_tax_usd == {}
    assert "npv_after_tax_mean_usd" not in res.strategy_stats("keep_mining")
    row = next(r for r in res.resolved_assumptions() if r["name"] == "[pivot.tax]")
    assert row["value"].startswith("pre-tax") and row["source"] == "default"


def test_the_treasury_pays_the_tax() -> None:
    """Taxes are cash: with a tax table the company ends with less cash on the same
    paths, and the pre-tax NPVs do not move."""
    pre = _simulate(_portfolio(zero_volatility=False), n_paths=200)
    taxed = _simulate(_portfolio(TAX, zero_volatility=False), n_paths=200)
    for name in ("keep_mining", "convert_all"):
        np.testing.assert_array_equal(taxed.npv_usd[name], pre.npv_usd[name])
        assert (taxed.strategy_stats(name)["end_cash_mean_usd"]
                < pre.strategy_stats(name)["end_cash_mean_usd"])
        assert (taxed.npv_after_tax_usd[name] <= taxed.npv_usd[name] + 1e-6).all()


def test_the_after_tax_figures_carry_their_monte_carlo_errors() -> None:
    """The after-tax mean, P5 and P(beats keep) carry the ± of the pre-tax ones, each of
    the after-tax paths: 0 at zero volatility (every path alike; 100 paths, enough for an
    order-statistic interval of P5), above 0 with spread."""
    from hashpivot.sampling_error import ci95_half, quantile_ci95_half, share_ci95_half

    still = _simulate(_portfolio(TAX), n_paths=100).strategy_stats("keep_mining")
    assert still["npv_after_tax_mean_ci95_half_usd"] == 0.0
    assert still["npv_after_tax_p5_ci95_half_usd"] == 0.0
    res = _simulate(_portfolio(TAX, zero_volatility=False), n_paths=200)
    x = res.npv_after_tax_usd["keep_mining"]
    d = res.npv_after_tax_usd["convert_all"] - x
    keep, convert = res.strategy_stats("keep_mining"), res.strategy_stats("convert_all")
    assert keep["npv_after_tax_mean_ci95_half_usd"] == ci95_half(x) > 0.0
    assert keep["npv_after_tax_p5_ci95_half_usd"] == quantile_ci95_half(x, 0.05) > 0.0
    beats = (d > 0).astype(float)
    assert 0.0 < beats.mean() < 1.0  # some paths each way: the error is not 0
    assert convert["prob_beats_baseline_after_tax_ci95_half"] == share_ci95_half(
        float(beats.mean()), beats.size)
