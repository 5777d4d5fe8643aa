"""Executors of the chunks: in this process (optionally on threads) or on Dask.

Both return the :class:`~hashpivot.engines.simulate.task.ChunkResult` of every chunk;
the result of a run does not depend on the executor (chunks are combined in chunk
order). Dask workers run the module-level
:func:`~hashpivot.engines.simulate.chunk.run_chunk` on the scattered task.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from hashpivot.engines.simulate.chunk import run_chunk
from hashpivot.engines.simulate.resolve import PreparedRun
from hashpivot.engines.simulate.task import ChunkResult
from hashpivot.exceptions import InputError, Problem

ProgressFn = Callable[[int, int], None]


def _run_local(
    run: PreparedRun, threads: int, progress: ProgressFn | None
) -> list[ChunkResult]:
    total = len(run.chunks)
    out: list[ChunkResult] = []
    if threads <= 1 or total == 1:
        for k, size, ss in run.chunks:
            out.append(run_chunk(run.task, k, size, ss))
            if progress:
                progress(len(out), total)
        return out
    with ThreadPoolExecutor(max_workers=threads) as ex:
        futs = [ex.submit(run_chunk, run.task, k, size, ss) for k, size, ss in run.chunks]
        for f in futs:
            out.append(f.result())
            if progress:
                progress(len(out), total)
    return out


#: glibc settings of the workers of the LocalCluster started by ``workers=N``.
_WORKER_MALLOC_ENV: dict[str, int] = {
    "MALLOC_TRIM_THRESHOLD_": 256 * 2**20,
    "MALLOC_MMAP_THRESHOLD_": 32 * 2**20,
}


def _run_dask(
    run: PreparedRun,
    workers: int | None,
    scheduler: str | None,
    progress: ProgressFn | None,
) -> list[ChunkResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            Problem(
                "workers",
                "Dask is not installed: pip install 'hashpivot[dask]' (or run without "
                "--workers/--scheduler)",
            )
        ) from exc
    cluster = None
    if scheduler is None:
        import dask

        n = int(workers or os.cpu_count() or 1)
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's dynamic
        # mmap threshold: every multi-MB numpy temporary is then mmapped and page-faulted
        # anew (chunks ran ~2x slower). Keep such arrays on the heap instead.
        environ = {
            **dask.config.get("distributed.nanny.pre-spawn-environ", {}),
            **_WORKER_MALLOC_ENV,
        }
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="10s")
    try:
        task_f = client.scatter(run.task, broadcast=True)
        token = uuid.uuid4().hex  # keys unique per run on a shared scheduler
        futs = [
            client.submit(run_chunk, task_f, k, size, ss, pure=False, key=f"hp-{token}-{k}")
            for k, size, ss in run.chunks
        ]
        out: list[ChunkResult] = []
        for fut in as_completed(futs):
            out.append(fut.result())
            if progress:
                progress(len(out), len(futs))
        return out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
