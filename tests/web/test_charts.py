"""The dashboard's figures built from stored results (hashpivot.web.charts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models import load_portfolio
from hashpivot.web.charts import LIQUIDITY_BARS, simulate_liquidity

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"


def test_liquidity_chart_shows_each_strategy_with_and_ex_capex() -> None:
    # a stored simulate run's results are result.to_json(): the chart reads its stats
    res = simulate(load_portfolio(EXAMPLE), SimulationConfig(n_paths=200, seed=7,
                                                             horizon_months=24))
    results = res.to_json()
    fig = simulate_liquidity(results)
    assert fig is not None
    bars = fig["data"]
    assert [b["name"] for b in bars] == [label for _, label in LIQUIDITY_BARS]
    for bar, (key, _) in zip(bars, LIQUIDITY_BARS, strict=True):
        assert list(bar["x"]) == res.strategy_names
        want = [100 * res.strategy_stats(n)[key] for n in res.strategy_names]
        assert list(bar["y"]) == pytest.approx(want)
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
