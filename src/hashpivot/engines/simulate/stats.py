"""Statistics of path samples: fan-chart quantiles and the expected shortfall (CVaR)."""

from __future__ import annotations

import math

import numpy as np

from hashpivot.engines.simulate.task import FloatArray

FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def _quantiles(x: FloatArray) -> FloatArray:
    return np.asarray(np.quantile(x, FAN_QUANTILES, axis=0), dtype=np.float64)


def _cvar(x: FloatArray, alpha: float = 0.05) -> float:
    k = max(1, math.ceil(alpha * x.size))
    return float(np.partition(x, k - 1)[:k].mean())
