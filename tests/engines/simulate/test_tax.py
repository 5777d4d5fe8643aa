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


#: The terms of the example's 21 % tax (:meth:`~hashpivot.models.tax.TaxSpec.describe`
#: up to how pivot's after-tax figures are made of the tax): every engine's row says them.
TERMS = ("after-tax: income tax 21.0 %; macrs ASICs 5 y, fit-out 15 y, shell 39 y straight "
         "line; bonus 100 %; interest up to 30 % of EBITDA; losses carried forward (up to "
         "80 % of a year's income; no loss carried in (opening_loss_usd)); existing "
         "fleet's tax basis not modelled; rent taxed as earned (a prepayment as it is "
         "credited: IRC 467); ")


@pytest.mark.parametrize("levered", [False, True])
def test_the_tax_row_says_the_figures_simulate_prints(levered: bool) -> None:
    """``simulate``'s ``[pivot.tax]`` row was ``pivot``'s: it described 'after tax with
    TV' and the levered tax beside the unlevered one, figures ``simulate`` does not print.
    It says the terms, then how its own 'NPV after tax' (mean, P5, P(beats keep), tax) is
    made: the unlevered NPV to the horizon less the unlevered tax at discount_rate, or
    the levered NPV less the levered tax at the levered NPV's rate."""
    pf = _portfolio(TAX)
    res = simulate(pf, SimulationConfig(n_paths=4, seed=1, chunk_paths=4,
                                        npv_cash_flow="levered" if levered else "unlevered"))
    row = next(r for r in res.resolved_assumptions() if r["name"] == "[pivot.tax]")
    assert row["value"].startswith(TERMS), row["value"]
    said = row["value"].removeprefix(TERMS)
    for absent in ("with TV", "terminal value", "Gordon", "exit multiple",
                   "[financing] equity_discount_rate"):
        assert absent not in said, (absent, said)
    assert said.startswith("'NPV after tax' (mean, P5, P(beats keep), tax): ")
    if levered:
        assert "the levered NPV less the levered tax (interest deducted) at the levered " \
               "NPV's rate" in said
        assert "unlevered" not in said
    else:
        assert "the NPV to the horizon less the income tax (no interest deducted) " \
               "discounted at discount_rate" in said
        assert "levered tax" not in said
    assert row["source"] == "file; " + TAX_USE


def test_pivots_tax_row_is_unchanged() -> None:
    """The row ``pivot`` prints, byte for byte as before ``simulate`` got its own."""
    from hashpivot.engines.pivot.model_assumptions import tax_row
    from hashpivot.models.tax import TaxSpec

    assert tax_row(TaxSpec(income_tax_rate=0.21, opening_loss_usd=5e6).describe()) == {
        "name": "[pivot.tax]", "unit": "-", "source": "file", "value": (
            "after-tax: income tax 21.0 %; macrs ASICs 5 y, fit-out 15 y, shell 39 y "
            "straight line; bonus 100 %; interest up to 30 % of EBITDA; losses carried "
            "forward (up to 80 % of a year's income; 5.0 M USD carried in "
            "(opening_loss_usd)); existing fleet's tax basis not modelled; rent taxed as "
            "earned (a prepayment as it is credited: IRC 467); the tax discounted at "
            "[pivot] discount_rate (the lines' own rates are the pre-tax flows'); 'after "
            "tax with TV': the contract and Gordon terminal values taxed at the income tax "
            "rate as their cash flows (capex after the horizon deducted as paid, no "
            "depreciation of what was built before), an exit multiple as it is (a buyer's "
            "price) but for a PPA block's months after the horizon, taxed as a contract's; "
            "the levered tax (interest deducted) at [financing] equity_discount_rate, as "
            "the levered flows (construction interest deducted as paid, not capitalized "
            "into the hall)")}
    row = next(r for r in run_pivot(_portfolio(TAX), deals=None).resolved_assumptions()
               if r["name"] == "[pivot.tax]")
    assert row == tax_row(TaxSpec(income_tax_rate=0.21).describe())
