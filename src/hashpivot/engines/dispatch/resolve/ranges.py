"""The range of each series a dispatch reads from a side file, and the problem outside it:
one table for the resolve steps (the values aligned to the prices) and for the check of
the side files before there are prices (:func:`hashpivot.engines.dispatch.sources.
side_file_value_problems`), so the two cannot drift apart.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["SERIES_RANGES", "range_problem"]

#: Series name -> (least, greatest, the problem's message) of its values. The renewable
#: profile allows 1e-9 of rounding either side (it is clipped to 0..1). [series' unit]
SERIES_RANGES: dict[str, tuple[float, float, str]] = {
    "renewable_profile": (-1e-9, 1 + 1e-9, "profile values must be in 0..1"),
    "peak_probability": (0.0, 1.0, "peak probabilities must be in 0..1"),
    "emissions_series": (0.0, 5.0, "emissions factors must lie within 0-5 t CO2/MWh"),
    # interval prices reach their market's cap (ERCOT 5,000, once 9,000 USD/MWh), never
    # ten times it: beyond, a unit or a column is mixed up (and the sums overflow)
    "prices": (-1.0e5, 1.0e5, "prices must lie within -100,000..100,000 USD/MWh (no market "
               "clears beyond: a unit or a column mixed up?)"),
}


def range_problem(series: str, values: npt.ArrayLike, nan_ok: bool = True) -> str | None:
    """The message of :data:`SERIES_RANGES` when a value of ``series`` lies outside its
    range (a NaN counts as outside unless ``nan_ok``); None when all lie inside.

    Parameters
    ----------
    series : str
        A key of :data:`SERIES_RANGES`.
    values : array_like
        The series' values. [its unit]
    nan_ok : bool, optional
        Whether missing values pass (they are checked elsewhere, or filled).
    """
    low, high, message = SERIES_RANGES[series]
    v = np.asarray(values, dtype=np.float64)
    bad = (v < low) | (v > high)
    if not nan_ok:
        bad |= np.isnan(v)
    return message if bool(bad.any()) else None
