"""The sampling error of a figure estimated from independent draws (Monte Carlo paths,
scenarios): a mean, a quantile, an expected shortfall (CVaR).

One normal quantile and one half-width serve every engine that states how sure a mean is:
``simulate``'s ``±`` rows and its bound on every share, ``optimize``'s out-of-sample
intervals and its sampling check. ``simulate``'s P5 and CVaR95 rows carry theirs too: the
distribution-free order-statistic interval of a quantile and the asymptotic standard error
of the expected shortfall (cheap to import: numpy and ``scipy.special`` are loaded on first use).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["FEW_TAIL_PATHS", "Z95", "ci95_half", "cvar_ci95_half", "cvar_difference_ci95_half",
           "cvar_influence", "max_share_ci95_half", "quantile_ci95", "quantile_ci95_half",
           "share_ci95_half", "tail_size"]

#: Normal quantile of a two-sided 95 % interval. [-]
Z95 = 1.959963984540054

#: Below this many draws in the tail, :func:`cvar_ci95_half` is too narrow to quote without
#: saying so (tests: 85-93 % coverage with 10 of a normal law's, 93-97.5 % with 250). [-]
FEW_TAIL_PATHS = 20


def ci95_half(values: Any, z: float = Z95) -> float:
    """Half-width of the normal interval of the mean of ``values``: ``z s / sqrt(n)``, with
    ``s`` the sample standard deviation (independent draws; for a share, ``values`` are
    0/1 and this is the Wald interval). Four times the draws halve it. NaN with fewer than
    two. [unit of values]"""
    import numpy as np

    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return float("nan")
    return z * float(v.std(ddof=1)) / math.sqrt(v.size)


def ci95_half_of_m2(m2: float, n: int, z: float = Z95) -> float:
    """:func:`ci95_half` of ``n`` values from their sum of squared deviations from the
    mean ``m2`` (kept over chunks without the values): ``z sqrt(m2 / (n - 1) / n)``. NaN
    with fewer than two. [unit of the values]"""
    return z * math.sqrt(m2 / (n - 1) / n) if n > 1 else float("nan")


def share_ci95_half(share: float, n: int, z: float = Z95) -> float:
    """The ``±`` of a share ``p`` of ``n`` independent draws (P(beats keep)): the larger
    distance from ``p`` to an end of the Wilson score interval, so that ``p ± half``
    covers it. The interval holds the ``p0`` with ``|p - p0| <= z sqrt(p0 (1 - p0) / n)``:
    center ``(p + z^2 / (2 n)) / (1 + z^2 / n)``, half-width
    ``z sqrt(p (1 - p) / n + z^2 / (4 n^2)) / (1 + z^2 / n)`` (Wilson, JASA 22, 1927).
    Unlike the Wald interval (:func:`ci95_half` of 0/1 values), it is not empty at a share
    of 0 or 1: none of ``n`` bounds the model's share by ``z^2 / (n + z^2)`` (about
    ``3.8 / n``); in between the two differ by ``O(1 / n)``. NaN without draws. [-]"""
    if n < 1:
        return float("nan")
    z2n = z * z / n
    center = (share + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(share * (1.0 - share) / n + z2n / (4.0 * n)) / (1.0 + z2n)
    return max(share - (center - half), center + half - share)


def max_share_ci95_half(n: int) -> float:
    """The largest :func:`ci95_half` of a share over ``n`` draws, at a share of 0.5:
    ``Z95 x 0.5 / sqrt(n)`` (large n). [-]"""
    return Z95 * 0.5 / math.sqrt(max(n, 1))


def quantile_ci95(values: Any, q: float, level: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the ``q`` quantile of the law ``values`` are drawn
    from: the order statistics ``[x_(r), x_(s)]`` (1-based, ascending).

    The number ``B`` of draws at or below the true quantile is binomial ``(n, q)``, so
    ``P(x_(r) <= xi_q <= x_(s)) >= P(r <= B <= s - 1)``; ``r`` is the lower
    ``(1 - level) / 2`` binomial quantile and ``s - 1`` the upper one, so the coverage is
    at least ``level`` for any continuous law, without a density estimate (Conover,
    *Practical Nonparametric Statistics*, 3rd ed., section 3.2).

    Parameters
    ----------
    values : array_like
        Independent draws. [any unit]
    q : float
        Quantile, in (0, 1). [-]
    level : float
        Coverage, in (0, 1). [-]

    Returns
    -------
    (float, float)
        The bounds [unit of values]; ``-inf`` or ``inf`` where the draws are too few to
        bound that side (``r < 1`` or ``s > n``), both NaN without draws.
    """
    import numpy as np
    from scipy.special import bdtr  # not scipy.stats: 0.7 s more to import

    v = np.asarray(values, dtype=float).ravel()
    n = v.size
    if n == 0:
        return (float("nan"), float("nan"))
    tail = (1.0 - level) / 2.0
    # P(B <= i) on a window of 12 standard deviations around n q (the whole range when
    # the window misses a quantile): a million draws need ~10^4 terms, not 10^6
    spread = 12.0 * math.sqrt(n * q * (1.0 - q)) + 2.0
    first = max(0, math.floor(n * q - spread))
    ks = np.arange(first, min(n, math.ceil(n * q + spread)) + 1)
    cdf = bdtr(ks, n, q)
    if (first > 0 and cdf[0] >= tail) or (ks[-1] < n and cdf[-1] < 1.0 - tail):
        first, ks = 0, np.arange(n + 1)
        cdf = bdtr(ks, n, q)
    # r: the smallest with P(B <= r) >= tail, so P(B < r) < tail; s - 1: the smallest with
    # P(B <= s - 1) >= 1 - tail (the binomial quantiles)
    r = first + int(np.searchsorted(cdf, tail, side="left"))
    s = first + int(np.searchsorted(cdf, 1.0 - tail, side="left")) + 1
    picks = [i - 1 for i in (r, s) if 1 <= i <= n]
    part = np.partition(v, picks) if picks else v  # the two order statistics, no sort
    low = float(part[r - 1]) if r >= 1 else -math.inf
    high = float(part[s - 1]) if s <= n else math.inf
    return (low, high)


def quantile_ci95_half(values: Any, q: float) -> float:
    """Half the width of :func:`quantile_ci95`: the ``±`` of a quantile (its interval is
    a little skewed; this is its mean half). NaN with fewer than two draws or when a side
    is unbounded. [unit of values]"""
    import numpy as np

    if np.asarray(values).size < 2:
        return float("nan")
    low, high = quantile_ci95(values, q)
    half = (high - low) / 2.0
    return half if math.isfinite(half) else float("nan")


def cvar_influence(values: Any, alpha: float = 0.05) -> Any:
    """Per-draw terms whose mean's error is the error of the lower-tail expected shortfall
    (CVaR) estimated as the mean of the worst ``k = ceil(alpha n)`` draws
    (:func:`hashpivot.risk_measures.cvar`): ``min(x - q, 0) / a``, with ``q`` the k-th
    smallest draw (the value at risk) and ``a = k / n``, in the draws' order.

    The estimator is ``q + mean(min(x - q, 0)) / a``; the error of ``q`` cancels to first
    order (``q`` maximises ``q + E[min(X - q, 0)] / a``: the Rockafellar-Uryasev form),
    so the estimator's asymptotic variance is that of the mean of these terms,
    ``Var(min(X - q, 0)) / (a^2 n)`` = ``[Var(X | X <= q) + (1 - a)(CVaR - q)^2] / (a n)``
    (Manistre and Hancock, *Variance of the CTE estimator*, NAAJ 9(2), 2005). Paired
    draws of two outcomes (two strategies on the same paths) give the error of the
    difference of their CVaRs as that of the mean of the difference of their terms.

    Parameters
    ----------
    values : array_like
        Independent draws. [any unit]
    alpha : float
        Tail share (0.05: the worst 5 %). [-]

    Returns
    -------
    ndarray
        One term per draw, in their order [unit of values]; empty without draws.
    """
    import numpy as np

    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        return v
    k = tail_size(v.size, alpha)
    q = float(np.partition(v, k - 1)[k - 1])
    return np.minimum(v - q, 0.0) / (k / v.size)


def tail_size(n: int, alpha: float = 0.05) -> int:
    """How many of ``n`` draws the CVaR averages: ``ceil(alpha n)``, at least one (none
    of none); ``alpha n`` rounded to 9 decimals first, so that a whole product is not
    pushed up by binary floating point (0.07 x 100 = 7.000000000000001: 7, not 8). [-]"""
    return max(1, math.ceil(round(alpha * n, 9))) if n else 0


def cvar_ci95_half(values: Any, alpha: float = 0.05, z: float = Z95) -> float:
    """Half-width of the normal interval of the lower-tail expected shortfall (CVaR) of
    ``values`` (independent draws) at the tail share ``alpha`` [-], with the normal
    quantile ``z`` [-]: ``z sd(min(x - q, 0)) / (a sqrt(n))``, :func:`ci95_half` of
    :func:`cvar_influence`. Asymptotic, so too narrow with few draws in the tail (85 to
    93 % coverage in the tests with 10 in a normal law's); NaN with fewer than two draws
    in the tail. [unit of values]"""
    import numpy as np

    v = np.asarray(values, dtype=float).ravel()
    if tail_size(v.size, alpha) < 2:
        return float("nan")
    return ci95_half(cvar_influence(v, alpha), z)


def cvar_difference_ci95_half(values: Any, other: Any, alpha: float = 0.05,
                              z: float = Z95) -> float:
    """Half-width of the normal interval of ``CVaR(values) - CVaR(other)`` on paired
    draws (the same paths): :func:`ci95_half` of the difference of their
    :func:`cvar_influence` terms. Far narrower than either alone when the two move
    together. NaN with fewer than two draws in the tail. [unit of values]"""
    import numpy as np

    a = np.asarray(values, dtype=float).ravel()
    b = np.asarray(other, dtype=float).ravel()
    if a.size != b.size:
        raise ValueError(f"paired draws: {a.size} values against {b.size}")
    if tail_size(a.size, alpha) < 2:
        return float("nan")
    return ci95_half(cvar_influence(a, alpha) - cvar_influence(b, alpha), z)
