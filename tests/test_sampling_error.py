"""The Monte Carlo errors of a quantile and of the expected shortfall (CVaR): exact
order-statistic indices found by brute force, and coverage of known laws' true values.

Coverage tolerances: over R = 1,000 seeded replications, a true coverage of 95 % gives a
count with binomial standard deviation sqrt(R 0.95 0.05) = 6.9, so 0.93 is about three
standard deviations below it; an off-by-a-few order statistic or a mean's standard error
used for the tail would move it further (a 90 % interval covers about 900).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hashpivot.optimize import cvar_usd
from hashpivot.risk_measures import cvar
from hashpivot.sampling_error import (
    cvar_ci95_half,
    cvar_difference_ci95_half,
    cvar_influence,
    quantile_ci95,
    quantile_ci95_half,
)


def _binom_cdfs(n: int, p: float) -> list[float]:
    """``[P(B <= -1), P(B <= 0), ..., P(B <= n)]`` for B ~ Binomial(n, p), summed exactly
    from the pmf (no scipy)."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return [0.0] + [math.fsum(pmf[: i + 1]) for i in range(n + 1)]


@pytest.mark.parametrize(("n", "q"), [(100, 0.05), (1000, 0.05), (1000, 0.5), (59, 0.05)])
def test_quantile_interval_is_the_tightest_pair_of_order_statistics(n: int, q: float) -> None:
    # draws 1..n: the order statistic x_(i) is i, so the bounds are the indices themselves
    low, high = quantile_ci95(np.arange(n, 0, -1, dtype=float), q)
    # brute force: r the largest index with P(B < r) < 2.5 %, s the smallest with
    # P(B <= s - 1) >= 97.5 %; then P(r <= B <= s - 1) >= 95 %
    cdf = _binom_cdfs(n, q)  # cdf[i] = P(B <= i - 1)
    r = max(i for i in range(0, n + 1) if cdf[i] < 0.025)
    s = min(i for i in range(1, n + 2) if cdf[i] >= 0.975)
    assert low == (r if r >= 1 else -math.inf)
    assert high == (s if s <= n else math.inf)
    if math.isfinite(low) and math.isfinite(high):
        assert cdf[int(high)] - cdf[int(low)] >= 0.95


@pytest.mark.parametrize("n", [1, 5, 20, 60, 20_000, 54_321, 1_000_000])
@pytest.mark.parametrize("q", [0.001, 0.05, 0.5, 0.95, 0.999])
def test_quantile_interval_matches_scipy_stats(n: int, q: float) -> None:
    # the binomial quantiles of scipy.stats.binom.ppf (an independent implementation), on
    # shuffled draws 1..n: a bound is its index, or open where the draws are too few
    draws = np.random.default_rng(n).permutation(np.arange(1.0, n + 1))
    r = stats.binom.ppf(0.025, n, q)
    s = stats.binom.ppf(0.975, n, q) + 1
    assert quantile_ci95(draws, q) == (r if r >= 1 else -math.inf,
                                       s if s <= n else math.inf)


def test_quantile_interval_of_too_few_draws_is_open() -> None:
    # 59 draws: P(B = 0) = 0.95^59 = 4.8 % > 2.5 %, so no order statistic bounds P5 below
    low, high = quantile_ci95(np.arange(59.0), 0.05)
    assert low == -math.inf and math.isfinite(high)
    assert math.isnan(quantile_ci95_half(np.arange(59.0), 0.05))
    assert math.isnan(quantile_ci95_half([1.0], 0.05))


def test_quantile_interval_covers_the_true_p5() -> None:
    rng = np.random.default_rng(11)
    true_p5 = float(stats.norm.ppf(0.05))
    covered = sum(lo <= true_p5 <= hi for lo, hi in (
        quantile_ci95(rng.standard_normal(600), 0.05) for _ in range(1000)))
    assert 930 <= covered <= 985, covered  # at least 95 % by construction, a little more


def test_cvar_is_the_mean_of_the_worst_ceil_alpha_n() -> None:
    x = np.random.default_rng(0).permutation(np.arange(1.0, 101.0))
    assert cvar(x, 0.05) == pytest.approx(3.0)  # (1 + ... + 5) / 5
    assert cvar(x, 0.051) == pytest.approx(3.5)  # ceil(5.1) = 6 values
    assert cvar(x, 0.001) == 1.0  # at least one
    assert math.isnan(cvar([], 0.05))
    assert cvar_usd(x) == cvar(x)  # optimize's and simulate's are one definition


@pytest.mark.parametrize(("law", "n", "covered_range"), [
    (stats.norm(), 5000, (930, 975)),
    (stats.t(5), 5000, (925, 975)),  # a heavier tail than the normal's
    (stats.norm(), 200, (850, 930)),  # 10 paths in the tail: asymptotic, too narrow
])
def test_cvar_interval_covers_the_true_expected_shortfall(
        law: object, n: int, covered_range: tuple[int, int]) -> None:
    # true lower-tail expected shortfall at 5 %: E[X | X <= q] = integral of the quantile
    # function over (0, 0.05) / 0.05, by quadrature (independent of the closed forms)
    from scipy.integrate import quad

    true_es = quad(law.ppf, 0.0, 0.05, limit=200)[0] / 0.05  # type: ignore[attr-defined]
    rng = np.random.default_rng(3)
    estimates, halves, tail_only = [], [], []
    k = math.ceil(0.05 * n)
    for _ in range(1000):
        x = law.rvs(n, random_state=rng)  # type: ignore[attr-defined]
        estimates.append(cvar(x, 0.05))
        halves.append(cvar_ci95_half(x, 0.05))
        tail_only.append(1.959964 * float(np.sort(x)[:k].std(ddof=1)) / math.sqrt(k))
    est, half = np.array(estimates), np.array(halves)
    covered = int((np.abs(est - true_es) <= half).sum())
    assert covered_range[0] <= covered <= covered_range[1], covered
    if n >= 5000:
        # the half-width is 1.96 times the estimator's own spread over the replications
        assert np.mean(half) / 1.959964 == pytest.approx(np.std(est, ddof=1), rel=0.08)
        # the standard error of the tail's mean alone leaves out the error of the 5 %
        # level itself and covers far less often
        assert int((np.abs(est - true_es) <= np.array(tail_only)).sum()) < 870


def test_cvar_interval_needs_a_tail() -> None:
    assert math.isnan(cvar_ci95_half(np.arange(20.0), 0.05))  # one value in the tail
    assert cvar_ci95_half(np.arange(40.0), 0.05) > 0.0  # two
    assert cvar_ci95_half(np.full(1000, 7.0), 0.05) == 0.0  # no spread, no error


def test_cvar_is_its_level_plus_the_mean_of_its_influence_terms() -> None:
    # the estimator's identity: mean of the worst k = q + mean(min(x - q, 0)) / (k / n)
    x = np.random.default_rng(5).standard_normal(1001)
    k = math.ceil(0.05 * x.size)
    q = np.sort(x)[k - 1]
    assert cvar(x) == pytest.approx(q + cvar_influence(x).mean(), abs=1e-12)
    assert cvar_ci95_half(x) == pytest.approx(
        1.959964 * np.minimum(x - q, 0.0).std(ddof=1) / (k / x.size) / math.sqrt(x.size))
    # the terms keep the draws' order (pairing needs it)
    assert cvar_influence(x)[np.argmax(x)] == 0.0
    assert cvar_influence(x)[np.argmin(x)] < 0.0


def test_paired_cvar_difference_interval_covers_the_true_difference() -> None:
    # X ~ N(0, 1), Y ~ N(0.5, 2^2), correlation 0.6, on the same draws; the lower-tail
    # expected shortfall of N(mu, s^2) at 5 % is mu - s phi(z_0.05) / 0.05
    es = float(stats.norm.pdf(stats.norm.ppf(0.05)) / 0.05)
    true_difference = (0.0 - 1.0 * es) - (0.5 - 2.0 * es)
    rng = np.random.default_rng(9)
    covered, halves, diffs = 0, [], []
    for _ in range(1000):
        z1, z2 = rng.standard_normal((2, 5000))
        x, y = z1, 0.5 + 2.0 * (0.6 * z1 + 0.8 * z2)
        d = cvar(x) - cvar(y)
        half = cvar_difference_ci95_half(x, y)
        covered += abs(d - true_difference) <= half
        halves.append(half)
        diffs.append(d)
    assert 930 <= covered <= 975, covered
    assert np.mean(halves) / 1.959964 == pytest.approx(np.std(diffs, ddof=1), rel=0.08)
    # independent errors would add in quadrature; the shared draws make it narrower
    assert np.mean(halves) < math.hypot(cvar_ci95_half(x), cvar_ci95_half(y))
    with pytest.raises(ValueError, match="paired draws"):
        cvar_difference_ci95_half(x, y[:-1])
    assert math.isnan(cvar_difference_ci95_half(x[:20], y[:20]))  # one path in the tail


def test_ci95_half_of_m2_is_ci95_half_of_the_values() -> None:
    """From the sum of squared deviations alone (what chunks keep), the same half-width
    as from the values; NaN below two values."""
    from hashpivot.sampling_error import ci95_half, ci95_half_of_m2

    x = np.random.default_rng(3).gamma(0.5, 40.0, 777)
    m2 = float(np.square(x - x.mean()).sum())
    assert ci95_half_of_m2(m2, x.size) == pytest.approx(ci95_half(x), rel=1e-12)
    assert math.isnan(ci95_half_of_m2(0.0, 1)) and math.isnan(ci95_half(x[:1]))


def test_the_tail_holds_ceil_alpha_n_draws_where_alpha_n_is_whole() -> None:
    """``ceil(alpha n)`` of the exact product: 0.07 x 100 is 7.000000000000001 in binary
    floating point, and the CVaR averaged the worst 8 of 100 (8 %, not 7 %); the
    optimizer's Rockafellar-Uryasev divisor and every reported CVaR with it."""
    import numpy as np

    from hashpivot.risk_measures import cvar
    from hashpivot.sampling_error import tail_size

    assert [tail_size(n, 0.07) for n in (100, 200, 1100)] == [7, 14, 77]
    assert [tail_size(n, 0.05) for n in (20, 30, 50, 60)] == [1, 2, 3, 3]
    assert tail_size(101, 0.07) == 8 and tail_size(1, 0.05) == 1 and tail_size(0) == 0
    assert cvar(np.arange(100.0), 0.07) == 3.0  # mean of 0..6
