"""The Monte Carlo error of simulate's P(beats keep): a share of 0 or 1 over n paths is
not known exactly (the Wald interval's zero width said so); the ``±`` is the farther end
of the Wilson score interval, checked here by inverting the score test numerically."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.sampling_error import Z95, share_ci95_half
from tests.engines.simulate_inputs import portfolio


def _score_bounds(p_hat: float, n: int) -> tuple[float, float]:
    """The 95 % score interval by hand: the p0 at which |p_hat - p0| is Z95 standard
    errors of a share at p0, ``sqrt(p0 (1 - p0) / n)`` (brentq on each side)."""
    def excess(p0: float) -> float:
        return abs(p_hat - p0) - Z95 * math.sqrt(p0 * (1.0 - p0) / n)

    eps = 1e-15
    # the score is below z at p_hat itself (away from 0 and 1, where its error is 0)
    low = 0.0 if p_hat == 0.0 else brentq(excess, eps, min(p_hat, 1.0 - eps), xtol=1e-14)
    high = 1.0 if p_hat == 1.0 else brentq(excess, max(p_hat, eps), 1.0 - eps, xtol=1e-14)
    return low, high


@pytest.mark.parametrize(("k", "n"), [(0, 400), (400, 400), (1, 400), (163, 200),
                                      (1630, 2000), (1000, 2000), (3, 20)])
def test_share_error_is_the_farther_end_of_the_score_interval(k: int, n: int) -> None:
    """Tolerance 1e-9: brentq's root to 1e-14 of a share."""
    p = k / n
    low, high = _score_bounds(p, n)
    assert share_ci95_half(p, n) == pytest.approx(max(p - low, high - p), abs=1e-9)


def test_a_share_of_none_or_all_paths_has_an_error() -> None:
    """No path of 400 beats keep-mining without the terminal value: the model's share is
    still only bounded, at 95 %, by about 3.8 / 400 (the score interval's z^2 / (n + z^2));
    the Wald interval printed 0.0 ± 0.0. keep-mining against itself keeps 0 ± 0 (no
    sampling: the same NPV on every path)."""
    res = simulate(portfolio(), SimulationConfig(n_paths=400, horizon_months=36, seed=3,
                                                 chunk_paths=200))
    keep = res.npv_usd["keep_mining"]
    for name in ("convert_all", "phased"):
        st = res.strategy_stats(name)
        beats = res.npv_usd[name] > keep
        assert st["prob_beats_baseline"] == float(beats.mean()) == 0.0
        assert st["prob_beats_baseline_ci95_half"] == pytest.approx(
            Z95**2 / (400 + Z95**2), rel=1e-12)
        with_tv = res.npv_with_terminal_value_usd[name] > res.npv_with_terminal_value_usd[
            "keep_mining"]
        p = float(with_tv.mean())
        low, high = _score_bounds(p, with_tv.size)
        assert st["prob_beats_baseline_with_tv_ci95_half"] == pytest.approx(
            max(p - low, high - p), abs=1e-9)
    st_keep = res.strategy_stats("keep_mining")
    assert st_keep["prob_beats_baseline"] == st_keep["prob_beats_baseline_ci95_half"] == 0.0
    assert np.ptp(keep) > 0
