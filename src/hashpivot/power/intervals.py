"""Per-interval arrays of a dispatch: their types, constant series and blocks of intervals.

A horizon can hold ten million intervals (a year of 5-minute prices is 105,120): a
constant input is a read-only view of one number (:func:`constant_series`), and the
interval-by-interval passes (fast path, accounts) go through :func:`interval_blocks` so no
temporary spans the whole horizon.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from hashpivot.arrays import BoolArray, FloatArray

__all__ = [
    "ALL",
    "BLOCK_INTERVALS",
    "BoolArray",
    "FloatArray",
    "constant_series",
    "interval_blocks",
]


#: Every interval (the default ``rows`` of the per-interval accessors).
ALL = slice(None)
#: Intervals per block of the interval-by-interval passes (fast path, accounts): their
#: temporaries stay a few tens of MB whatever the horizon.
BLOCK_INTERVALS = 1 << 16


def constant_series(value: float, n: int) -> FloatArray:
    """``n`` equal values as a read-only view of one number (no memory per interval).

    Parameters
    ----------
    value : float
    n : int
        Number of intervals.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Read-only; arithmetic on it gives the same values as on ``numpy.full(n, value)``.
    """
    return np.broadcast_to(np.float64(value), (n,))


def interval_blocks(n: int, size: int | None = None) -> Iterator[slice]:
    """Consecutive slices covering ``range(n)``, ``size`` intervals each.

    No block but a single-interval horizon holds one interval (a short tail joins the
    block before), so every block has the shape ``(rows, ...)`` with ``rows >= 2`` that
    numpy reduces along axis 1 in the same order as the whole array: a blockwise pass
    gives the same bits as one over all intervals.

    Parameters
    ----------
    n : int
        Number of intervals.
    size : int, optional
        Block length (default :data:`BLOCK_INTERVALS`).

    Yields
    ------
    slice
    """
    size = max(2, size or BLOCK_INTERVALS)
    start = 0
    while start < n:
        stop = start + size
        if n - stop < 2:
            stop = n
        yield slice(start, stop)
        start = stop
