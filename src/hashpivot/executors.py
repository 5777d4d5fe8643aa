"""Run independent chunks of work in this process (optionally on threads) or on Dask.

The Monte Carlo (:mod:`hashpivot.engines.simulate`) and the portfolio optimizer's scenario
coefficients (:mod:`hashpivot.optimize`) both split their paths into chunks
``(k, size, SeedSequence)`` and run a module-level function ``fn(task, k, size, seed)`` on
each. The executors here return every chunk's result; a run's result does not depend on
the executor, because the callers combine the chunks in chunk order (the Dask executor
returns them in the order they finish).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from hashpivot.exceptions import InputError, Problem

T = TypeVar("T")
R = TypeVar("R")

#: ``progress(done_chunks, total_chunks)``, called after each chunk.
ProgressFn = Callable[[int, int], None]
#: A chunk: its number ``k``, its size (paths or scenarios) and its seed.
Chunk = tuple[int, int, np.random.SeedSequence]

#: glibc settings of the workers of the LocalCluster started by ``workers=N``. Dask's
#: nanny sets ``MALLOC_TRIM_THRESHOLD_=65536``, which turns off glibc's dynamic mmap
#: threshold: every multi-MB numpy temporary is then mmapped and page-faulted anew
#: (chunks ran ~2x slower). These keep such arrays on the heap instead.
WORKER_MALLOC_ENV: dict[str, int] = {
    "MALLOC_TRIM_THRESHOLD_": 256 * 2**20,
    "MALLOC_MMAP_THRESHOLD_": 32 * 2**20,
}


def run_local(
    fn: Callable[[T, int, int, np.random.SeedSequence], R],
    task: T,
    chunks: Sequence[Chunk],
    threads: int = 1,
    progress: ProgressFn | None = None,
) -> list[R]:
    """``fn`` on every chunk in this process, in chunk order.

    Parameters
    ----------
    fn : callable
        ``fn(task, k, size, seed)``.
    task : object
        The same for every chunk.
    chunks : sequence of (k, size, SeedSequence)
    threads : int
        Run the chunks on this many threads (numpy releases the GIL); one runs them in
        turn.
    progress : callable, optional
        ``progress(done, total)``.
    """
    total = len(chunks)
    out: list[R] = []
    if threads <= 1 or total == 1:
        for k, size, ss in chunks:
            out.append(fn(task, k, size, ss))
            if progress:
                progress(len(out), total)
        return out
    with ThreadPoolExecutor(max_workers=threads) as ex:
        futs = [ex.submit(fn, task, k, size, ss) for k, size, ss in chunks]
        for f in futs:
            out.append(f.result())
            if progress:
                progress(len(out), total)
    return out


def run_dask(
    fn: Callable[[T, int, int, np.random.SeedSequence], R],
    task: T,
    chunks: Sequence[Chunk],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
    key_prefix: str = "hp",
) -> list[R]:
    """``fn`` on every chunk on Dask, in the order the chunks finish.

    Parameters
    ----------
    fn, task, chunks, progress
        As :func:`run_local`; ``task`` is scattered to every worker once.
    workers : int, optional
        Start a ``dask.distributed.LocalCluster`` with this many single-threaded worker
        processes (the machine's CPU count when ``None`` and no scheduler is given), with
        :data:`WORKER_MALLOC_ENV` in their environment.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``).
    key_prefix : str
        Task keys are ``{key_prefix}-{run token}-{k}`` (unique per run on a shared
        scheduler).

    Raises
    ------
    InputError
        At ``workers`` when Dask is not installed.
    """
    try:
        import dask
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            Problem(
                "workers",
                "Dask is not installed: pip install 'hashpivot[dask]' (or run without "
                "workers or a scheduler)",
            )
        ) from exc
    cluster = None
    if scheduler is None:
        environ = {
            **dask.config.get("distributed.nanny.pre-spawn-environ", {}),
            **WORKER_MALLOC_ENV,
        }
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            cluster = LocalCluster(
                n_workers=int(workers or os.cpu_count() or 1),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="10s")
    try:
        task_f = client.scatter(task, broadcast=True)
        token = uuid.uuid4().hex
        futs = [
            client.submit(fn, task_f, k, size, ss, pure=False, key=f"{key_prefix}-{token}-{k}")
            for k, size, ss in chunks
        ]
        out: list[R] = []
        for fut in as_completed(futs):
            out.append(fut.result())
            if progress:
                progress(len(out), len(futs))
        return out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_chunks(
    fn: Callable[[T, int, int, np.random.SeedSequence], R],
    task: T,
    chunks: Sequence[Chunk],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    progress: ProgressFn | None = None,
    key_prefix: str = "hp",
) -> list[R]:
    """``fn`` on every chunk: on Dask when ``workers`` or ``scheduler`` is given, else here.

    See :func:`run_local` and :func:`run_dask`.

    Raises
    ------
    InputError
        At ``workers`` when both ``workers`` and ``scheduler`` are given.
    """
    if workers is not None and scheduler is not None:
        raise InputError(Problem("workers", "give workers or scheduler, not both"))
    if workers is not None or scheduler is not None:
        return run_dask(fn, task, chunks, workers, scheduler, progress, key_prefix)
    return run_local(fn, task, chunks, threads, progress)
