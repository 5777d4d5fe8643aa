"""Run the coefficient chunks in this process or on Dask (``workers`` or ``scheduler``).

The result does not depend on the executor: chunks are combined in chunk order
(:func:`hashpivot.optimize.scenarios.combine`). Dask workers get the same glibc settings
as the risk engine's LocalCluster.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import numpy as np

from hashpivot.engines.simulate import _WORKER_MALLOC_ENV
from hashpivot.exceptions import InputError, Problem
from hashpivot.optimize.scenarios import (
    CoefficientTask,
    ScenarioCoefficients,
    coefficient_chunk,
    combine,
)

ProgressFn = Callable[[int, int], None]
Chunks = list[tuple[int, int, np.random.SeedSequence]]


def run_chunks(
    task: CoefficientTask,
    chunks: Chunks,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
) -> ScenarioCoefficients:
    """Coefficients of every chunk, combined in chunk order.

    Parameters
    ----------
    task : CoefficientTask
    chunks : list of (k, size, SeedSequence)
    workers : int, optional
        Start a ``dask.distributed.LocalCluster`` with this many worker processes.
    scheduler : str, optional
        Address of an existing Dask scheduler.
    progress : callable, optional
        ``progress(done, total)``.
    """
    if workers is None and scheduler is None:
        out = []
        for k, size, ss in chunks:
            out.append(coefficient_chunk(task, k, size, ss))
            if progress:
                progress(len(out), len(chunks))
        return combine(out)
    if workers is not None and scheduler is not None:
        raise InputError(Problem("workers", "give workers or scheduler, not both"))
    try:
        import dask
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            Problem("workers", "Dask is not installed: pip install 'hashpivot[dask]'")
        ) from exc
    cluster = None
    if scheduler is None:
        environ = {
            **dask.config.get("distributed.nanny.pre-spawn-environ", {}),
            **_WORKER_MALLOC_ENV,
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
            client.submit(coefficient_chunk, task_f, k, size, ss, pure=False,
                          key=f"hp-opt-{token}-{k}")
            for k, size, ss in chunks
        ]
        parts = []
        for fut in as_completed(futs):
            parts.append(fut.result())
            if progress:
                progress(len(parts), len(futs))
        return combine(parts)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
