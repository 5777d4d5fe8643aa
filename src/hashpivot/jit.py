"""numba's ``njit`` with its on-disk cache where one can be written: :func:`cached_njit`.

The kernels (``*_kernel.py``, ``treasury/kernel.py``,
``engines/simulate/reverse_margin.py``) are compiled on their first call and cached on
disk, next to their modules, else in the user's cache folder, or in ``NUMBA_CACHE_DIR``
when it is set. numba looks for a writable one when a function is decorated, at import:
where there is none (a read-only install, e.g. a container's read-only root file system,
with a home folder that cannot be written) ``njit(cache=True)`` raised ``RuntimeError:
cannot cache function ...: no locator available`` and ``simulate`` and ``optimize``
stopped with an internal error. The kernels are then compiled without the cache, in
every process (a few seconds), and a warning says how to keep them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from numba import njit

F = TypeVar("F", bound=Callable[..., Any])

#: The warning of kernels compiled without the on-disk cache.
NO_CACHE_WARNING = (
    "numba finds no writable folder to cache the compiled kernels in (the package's and "
    "the user's cache folder are read-only): every run compiles them again (a few "
    "seconds); set NUMBA_CACHE_DIR to a writable folder to keep them"
)


#: Whether this process has given :data:`NO_CACHE_WARNING` (once, not once per kernel).
_warned = [False]


def cached_njit(**options: Any) -> Callable[[F], F]:
    """``njit(cache=True, **options)``, or ``njit(**options)`` with a warning (once a
    process) where numba has no writable cache folder: the same machine code, compiled in
    each process."""

    def decorate(fn: F) -> F:
        try:
            return njit(cache=True, **options)(fn)
        except RuntimeError as exc:
            if "cannot cache function" not in str(exc):
                raise
            if not _warned[0]:
                _warned[0] = True
                warnings.warn(NO_CACHE_WARNING, RuntimeWarning, stacklevel=2)
            return njit(**options)(fn)

    return decorate


__all__ = ["NO_CACHE_WARNING", "cached_njit"]
