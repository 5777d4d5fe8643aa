"""Another seed moves simulate's figures within their printed Monte Carlo errors: the
two runs are independent, so the difference of two estimates has the standard error
sqrt(se_1^2 + se_2^2); a z of 4 or more has a probability below 1e-4 per figure."""

from __future__ import annotations

import math

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.sampling_error import Z95
from tests.engines.simulate_inputs import portfolio

#: figure -> its printed ``±`` (95 % half-width)
FIGURES = {
    "npv_mean_usd": "npv_mean_ci95_half_usd",
    "npv_p5_usd": "npv_p5_ci95_half_usd",
    "cvar95_usd": "cvar95_ci95_half_usd",
    "npv_with_tv_mean_usd": "npv_with_tv_mean_ci95_half_usd",
    "prob_beats_baseline_with_tv": "prob_beats_baseline_with_tv_ci95_half",
    "npv_vs_baseline_mean_usd": "npv_vs_baseline_mean_ci95_half_usd",
    "expected_forced_sale_btc": "expected_forced_sale_btc_ci95_half",
}


def test_another_seed_moves_the_figures_within_their_errors() -> None:
    cfg = dict(n_paths=3000, horizon_months=48, chunk_paths=1000)
    a, b = (simulate(portfolio(), SimulationConfig(seed=s, **cfg))  # type: ignore[arg-type]
            for s in (21, 22))
    checked = 0
    for name in ("keep_mining", "phased"):
        sa, sb = a.strategy_stats(name), b.strategy_stats(name)
        for fig, err in FIGURES.items():
            ha, hb = sa[err], sb[err]
            if not (ha > 0 and hb > 0):
                continue  # keep-mining against itself, a figure the same on every path
            z = (sa[fig] - sb[fig]) / (math.hypot(ha, hb) / Z95)
            assert abs(z) < 4.0, (name, fig, sa[fig], sb[fig], ha, hb)
            assert sa[fig] != sb[fig]  # the paths differ
            checked += 1
    assert checked >= 8
