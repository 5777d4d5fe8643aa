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

__all__ = ["BoolArray", "FloatArray", "IntArray", "any_nonzero", "scalar_or_array", "sum_padded"]


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


def any_nonzero(a: npt.NDArray[Any]) -> bool:
    """Whether ``a`` has any non-zero element (``a.any()``), reading one row of an array
    broadcast along its first axis (stride 0: the same row on every path) instead of every
    path's copy of it."""
    if a.ndim >= 2 and a.strides[0] == 0 and a.shape[0] > 0:
        a = a[0]
    return bool(a.any())


def sum_padded(arrays: list[FloatArray]) -> FloatArray:
    """Sum arrays of different lengths along the last axis, each zero-padded at the end.

    Parameters
    ----------
    arrays : list of ndarray
        1-D ``(M_k,)`` or 2-D ``(P, M_k)`` (a 1-D one counts on every row).

    Returns
    -------
    ndarray
        ``(M,)``, or ``(P, M)`` when one of them is 2-D; ``M = max M_k`` (0 for none). A
        single float64 array is returned as it is (no copy).
    """
    if len(arrays) == 1 and arrays[0].dtype == np.float64:
        return arrays[0]
    m = max((a.shape[-1] for a in arrays), default=0)
    rows = max((a.shape[0] for a in arrays if a.ndim == 2), default=0)
    out = np.zeros(m) if rows == 0 else np.zeros((rows, m))
    for a in arrays:
        out[..., : a.shape[-1]] += a
    return out
