"""Switching values: where, within a tornado input's range, the pivot's verdict flips.

For each tornado variable, NPV(pivot) - NPV(keep_mining) is known at the low and the high
input. When the two have opposite signs, the input value between them at which the
difference is zero (the other inputs at their base value) is the variable's *switching
value* (HM Treasury's Green Book calls it so): the verdict "convert" or "keep mining" turns
there. It is found by Brent's method on the variable's own parameter (``scipy.optimize.
brentq``, to a relative tolerance of 1e-6 of the range), or, for a whole number of months
(the build delay, the lease term's step), by bisection on the integers, giving the first
value at which the verdict has turned. A range whose ends have the same sign reports none
(NaN): the verdict holds over it (for a difference that is monotone in the input it holds
at every point between).
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["switching_value"]

#: Relative tolerance of a switching value, as a share of the variable's range. [-]
RELATIVE_TOLERANCE = 1e-6


def switching_value(
    difference: Callable[[float], float],
    low: float,
    high: float,
    at_low_usd: float,
    at_high_usd: float,
    whole: bool = False,
) -> float:
    """The parameter at which ``difference`` changes sign between ``low`` and ``high``.

    Parameters
    ----------
    difference : callable
        NPV(pivot) - NPV(keep_mining) with the variable's parameter at the argument, the
        others at base. [USD]
    low, high : float
        The parameter's tornado range (its unit, or a factor on the base value).
    at_low_usd, at_high_usd : float
        ``difference`` at ``low`` and ``high`` (the tornado's cells). [USD]
    whole : bool
        The parameter takes whole values (months): the first whole value from ``low``
        at which the sign has changed.

    Returns
    -------
    float
        The switching value of the parameter; NaN when both ends have the same sign (or
        one is not finite). An end at exactly zero is its own switching value.
    """
    if not (math.isfinite(at_low_usd) and math.isfinite(at_high_usd)):
        return float("nan")
    if at_low_usd == 0.0:
        return float(low)
    if at_high_usd == 0.0:
        return float(high)
    if (at_low_usd > 0.0) == (at_high_usd > 0.0):
        return float("nan")
    if whole:
        i, j = round(low), round(high)
        low_positive = at_low_usd > 0.0
        while j - i > 1:  # invariant: i has low's sign, j the other
            m = (i + j) // 2
            if (difference(float(m)) > 0.0) == low_positive:
                i = m
            else:
                j = m
        return float(j)
    from scipy.optimize import brentq

    a, b = min(low, high), max(low, high)
    try:
        return float(brentq(difference, a, b, xtol=RELATIVE_TOLERANCE * (b - a), rtol=1e-12))
    except ValueError:  # the ends re-evaluated disagree with the cells (a root at an end)
        return float("nan")
