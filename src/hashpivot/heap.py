"""glibc malloc settings that keep numpy's multi-MB temporaries on the heap.

A chunk of the Monte Carlo allocates and frees dozens of arrays of a few MB (5,000 paths x
120 months of float64 is 4.8 MB). With glibc's defaults such an array may be mmapped and
every one of its pages faulted in anew on each allocation; on the heap, freed memory is
reused at once. Keeping arrays up to :data:`MMAP_THRESHOLD_BYTES` on the heap, and trimming
the heap only when :data:`TRIM_THRESHOLD_BYTES` lie free at its top, made the Monte Carlo
~30 % faster in process (BENCHMARKS.md, 2026-12-04) with the same peak RSS; figures do not
depend on it.

The same settings go to the workers of a Dask ``LocalCluster`` as environment variables
(:data:`MALLOC_ENV`, read by glibc when a process starts: Dask's nanny otherwise sets a
trim threshold that forces every such array to be mmapped). A Monte Carlo that runs its
chunks in its own process sets them with ``mallopt`` (:func:`keep_large_arrays_on_heap`),
once, unless the user set either environment variable; elsewhere than glibc nothing
happens. The optimizer does not: its scenario stage is short (~0.04 s), nothing to gain.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

#: Allocations up to this size come from the heap, not from mmap. [bytes]
MMAP_THRESHOLD_BYTES = 32 * 2**20
#: The heap is given back to the system only when this much lies free at its top. [bytes]
TRIM_THRESHOLD_BYTES = 256 * 2**20
#: The settings as glibc's environment variables (for processes started later).
MALLOC_ENV: dict[str, int] = {
    "MALLOC_TRIM_THRESHOLD_": TRIM_THRESHOLD_BYTES,
    "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD_BYTES,
}
# mallopt parameter numbers (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_applied: bool | None = None


def keep_large_arrays_on_heap() -> bool:
    """Apply :data:`MMAP_THRESHOLD_BYTES` and :data:`TRIM_THRESHOLD_BYTES` to this process
    (once; later calls return the first answer).

    Returns
    -------
    bool
        Whether the settings are in effect: ``False`` without glibc, or when the user set
        ``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_`` (theirs then apply).
    """
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if any(name in os.environ for name in MALLOC_ENV):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _applied = bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    return _applied


__all__ = [
    "MALLOC_ENV",
    "MMAP_THRESHOLD_BYTES",
    "TRIM_THRESHOLD_BYTES",
    "keep_large_arrays_on_heap",
]
