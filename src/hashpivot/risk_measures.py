"""Risk measures of a sample of outcomes (NPV per path or scenario): the lower-tail
expected shortfall (CVaR), one definition for ``simulate`` and ``optimize`` (whose
objective's Rockafellar-Uryasev form gives the same value at the optimum)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.sampling_error import tail_size

__all__ = ["cvar"]


def cvar(values: Any, alpha: float = 0.05) -> float:
    """Mean of the worst ``ceil(alpha n)`` values: the expected shortfall as a level (a
    low NPV, not a loss), NaN without values.

    Parameters
    ----------
    values : array_like
        Outcomes, one per path. [any unit]
    alpha : float
        Tail share (0.05: the worst 5 %). [-]

    Returns
    -------
    float
        [unit of values]
    """
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        return float("nan")
    k = tail_size(v.size, alpha)
    return float(np.partition(v, k - 1)[:k].mean())
