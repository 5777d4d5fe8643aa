"""Statistics of path samples: fan-chart quantiles (the expected shortfall is
:func:`hashpivot.risk_measures.cvar`)."""

from __future__ import annotations

import numpy as np

from hashpivot.engines.simulate.task import FloatArray

FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def _quantiles(x: FloatArray) -> FloatArray:
    return np.asarray(np.quantile(x, FAN_QUANTILES, axis=0), dtype=np.float64)
