"""The sampling error of a mean over independent draws (Monte Carlo paths, scenarios).

One normal quantile and one half-width serve every engine that states how sure a mean is:
``simulate``'s ``±`` rows and its bound on every share, ``optimize``'s out-of-sample
intervals and its sampling check (cheap to import: numpy is loaded on first use).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Z95", "ci95_half", "max_share_ci95_half"]

#: Normal quantile of a two-sided 95 % interval. [-]
Z95 = 1.959963984540054


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


def max_share_ci95_half(n: int) -> float:
    """The largest :func:`ci95_half` of a share over ``n`` draws, at a share of 0.5:
    ``Z95 x 0.5 / sqrt(n)`` (large n). [-]"""
    return Z95 * 0.5 / math.sqrt(max(n, 1))
