"""Read a :class:`~hashpivot.power.model.Schedule` out of a solution vector.

Each schedule field comes from the variable of the same name without its unit
(``grid_mw`` from ``grid``); an empty variable gives zeros.
"""

from __future__ import annotations

import numpy as np

from hashpivot.power.intervals import FloatArray
from hashpivot.power.lp.container import LinearModel
from hashpivot.power.model import DispatchProblem
from hashpivot.power.schedule import Schedule

__all__ = ["extract_schedule"]


def extract_schedule(problem: DispatchProblem, m: LinearModel, x: FloatArray) -> Schedule:
    """The schedule held by the column values ``x`` (negative round-off clipped to 0)."""
    t = problem.n_intervals

    def get(name: str) -> FloatArray:
        cols = m.get(name)
        return np.maximum(x[cols], 0.0) if cols.size else np.zeros(t)

    shortfall = np.zeros(t)
    shortfall[np.flatnonzero(problem.event())] = np.maximum(x[m.get("dr_shortfall")], 0.0)
    on_cols = m.get("tranche_on")
    return Schedule(
        segment_mw=np.maximum(x[m.get("segment")], 0.0),
        ai_flexible_mw=get("ai_flexible"),
        grid_mw=get("grid"),
        ppa_used_mw=get("ppa_used"),
        ppa_resold_mw=get("ppa_resold"),
        renewable_used_mw=get("renewable_used"),
        renewable_resold_mw=get("renewable_resold"),
        dr_shortfall_mw=shortfall,
        tranche_on=np.rint(x[on_cols]).astype(np.int64) if on_cols.size else None,
    )
