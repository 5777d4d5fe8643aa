"""Array type aliases and the scalar-or-array return rule of the vectorised functions.

Every numeric function of layer 1 (``finance``, ``hosting``, ``mining``...) accepts scalars or
arrays and returns the same kind: a Python ``float`` for scalar input, an array otherwise.
:func:`scalar_or_array` is that rule, written once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

__all__ = ["BoolArray", "FloatArray", "IntArray", "scalar_or_array"]


def scalar_or_array(out: Any) -> Any:
    """Return ``out`` as a Python float when it is 0-dimensional, else unchanged.

    Parameters
    ----------
    out : numeric or numpy.ndarray
        Result of a vectorised computation.

    Returns
    -------
    float or numpy.ndarray
        ``float(out)`` for a scalar or 0-d array, ``out`` itself otherwise.
    """
    return float(out) if np.ndim(out) == 0 else out
