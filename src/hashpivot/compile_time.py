"""The time numba spends compiling the kernels during a run.

The compiled kernels (``*_kernel.py``, ``treasury/kernel.py``,
``engines/simulate/reverse_margin.py``) are compiled on their first call and cached on
disk (:mod:`hashpivot.jit`: next to the modules, else in the user's cache folder, or in
``NUMBA_CACHE_DIR``). A first run after installing, or after an update of hashpivot or
numba, compiles them: a few seconds that a later run, loading them from the cache, does
not pay. A Monte Carlo's time for its paths would otherwise read as its speed on that
first run (4.40 s for 200 paths of the example, 0.34 s the run after, on this machine).
:func:`compile_timer` measures that time in this process (a Dask worker's compiling is
its own and not seen here); loading a kernel from the cache is no compiling and is not
counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class CompileTime:
    """Wall time numba spent compiling while :func:`compile_timer` was open. [s]"""

    seconds: float = 0.0


@contextmanager
def compile_timer() -> Iterator[CompileTime]:
    """Measure numba's compiling (its ``numba:compile`` events, in any thread of this
    process) while the block runs; the result's ``seconds`` is set on leaving it. [s]"""
    from numba.core import event

    out = CompileTime()
    listener = event.TimingListener()
    with event.install_listener("numba:compile", listener):
        yield out
    if listener.done:
        out.seconds = float(listener.duration)


__all__ = ["CompileTime", "compile_timer"]
