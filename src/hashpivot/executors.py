"""Run independent chunks of work in this process (optionally on threads) or on Dask.

The Monte Carlo (:mod:`hashpivot.engines.simulate`) and the portfolio optimizer's scenario
coefficients (:mod:`hashpivot.optimize`) both split their paths into chunks
``(k, size, SeedSequence)`` and run a module-level function ``fn(task, k, size, seed)`` on
each. The ``stream_*`` executors hand each chunk's result to a ``consume`` callback as
soon as it is ready and keep nothing (a run's memory then does not hold every chunk's
result at once); :func:`run_chunks` returns every result in a list. A run's result does
not depend on the executor, because the callers combine the chunks in chunk order (the
Dask executors deliver them in the order they finish).
"""

from __future__ import annotations

import os
import re
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from hashpivot.exceptions import ClusterError, InputError, Problem
from hashpivot.heap import MALLOC_ENV

T = TypeVar("T")
R = TypeVar("R")

#: ``progress(done_chunks, total_chunks)``, called after each chunk.
ProgressFn = Callable[[int, int], None]
#: A chunk: its number ``k``, its size (paths or scenarios) and its seed.
Chunk = tuple[int, int, np.random.SeedSequence]

#: How long to wait for an existing Dask scheduler to answer before giving up. [s]
SCHEDULER_TIMEOUT_S = 10.0

#: A Dask scheduler's address another process can reach: a network scheme, a host (an
#: IPv6 address in brackets) and a port (``inproc://`` lives inside one process).
_SCHEDULER_ADDRESS = re.compile(
    r"^(?:tcp|tls|ucx|ws|wss)://(?:\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]@]+):(\d{1,5})$"
)


def scheduler_address_problem(address: str) -> str | None:
    """What is wrong with ``address`` as a Dask scheduler's address, or None when it is
    well-formed: ``SCHEME://HOST:PORT``, scheme tcp, tls, ucx, ws or wss, port 1-65535.

    Dask's own parser raises ``ValueError`` on some of these (a port that is no number,
    no port) and waits for a connection that cannot be made on others (port 99999).
    """
    match = _SCHEDULER_ADDRESS.match(address)
    if match is not None and 1 <= int(match.group(1)) <= 65535:
        return None
    return (f"expected a Dask scheduler address SCHEME://HOST:PORT, e.g. "
            f"tcp://10.0.0.2:8786 (scheme tcp, tls, ucx, ws or wss; port 1-65535) "
            f"(got {address!r})")


def stream_local(
    fn: Callable[[T, int, int, np.random.SeedSequence], R],
    task: T,
    chunks: Sequence[Chunk],
    consume: Callable[[R], None],
    threads: int = 1,
    progress: ProgressFn | None = None,
) -> None:
    """``fn`` on every chunk in this process; each result goes to ``consume`` in chunk
    order and is not kept.

    Parameters
    ----------
    fn : callable
        ``fn(task, k, size, seed)``.
    task : object
        The same for every chunk.
    chunks : sequence of (k, size, SeedSequence)
    consume : callable
        ``consume(result)``, called in this thread, once per chunk, in chunk order.
    threads : int
        Run the chunks on this many threads (numpy releases the GIL); one runs them in
        turn. At most ``2 * threads`` chunks are submitted ahead of the one consumed, so
        finished results do not pile up.
    progress : callable, optional
        ``progress(done, total)``.
    """
    total = len(chunks)
    done = 0

    def take(result: R) -> None:
        nonlocal done
        consume(result)
        done += 1
        if progress:
            progress(done, total)

    if threads <= 1 or total == 1:
        for k, size, ss in chunks:
            take(fn(task, k, size, ss))
        return
    window: deque[Future[R]] = deque()
    with ThreadPoolExecutor(max_workers=threads) as ex:
        try:
            for k, size, ss in chunks:
                window.append(ex.submit(fn, task, k, size, ss))
                while len(window) > 2 * threads or (window and window[0].done()):
                    take(window.popleft().result())
            while window:
                take(window.popleft().result())
        except BaseException:
            for f in window:
                f.cancel()
            raise


def stream_dask(
    fn: Callable[[T, int, int, np.random.SeedSequence], R],
    task: T,
    chunks: Sequence[Chunk],
    consume: Callable[[R], None],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
    key_prefix: str = "hp",
) -> None:
    """``fn`` on every chunk on Dask; each result goes to ``consume`` as it finishes
    (``as_completed``) and is then released, here and on the workers.

    Parameters
    ----------
    fn, task, chunks, consume, progress
        As :func:`stream_local`; ``task`` is scattered to every worker once, and
        ``consume`` is called in this thread in the order the chunks finish.
    workers : int, optional
        Start a ``dask.distributed.LocalCluster`` with this many single-threaded worker
        processes (the machine's CPU count when ``None`` and no scheduler is given), with
        :data:`hashpivot.heap.MALLOC_ENV` in their environment (Dask's nanny sets
        ``MALLOC_TRIM_THRESHOLD_=65536``, which made every multi-MB numpy temporary be
        mmapped and page-faulted anew: chunks ran ~2x slower).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``).
    key_prefix : str
        Task keys are ``{key_prefix}-{run token}-{k}`` (unique per run on a shared
        scheduler).

    Raises
    ------
    InputError
        At ``workers`` when Dask is not installed.
    ClusterError
        When no scheduler answers at ``scheduler`` within :data:`SCHEDULER_TIMEOUT_S`.
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
            **MALLOC_ENV,
        }
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            cluster = LocalCluster(
                n_workers=int(workers or os.cpu_count() or 1),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # no dashboard; its health routes on any free port, not 8787 (a second
                # cluster, or anything else on 8787, made Dask warn on stderr)
                scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
            )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except OSError as exc:  # (Dask's time-out on connecting is one)
            raise ClusterError(
                f"cannot connect to the Dask scheduler at {scheduler} (`scheduler`): {exc}; "
                "check that it is running and reachable from here"
            ) from exc
    try:
        task_f = client.scatter(task, broadcast=True)
        token = uuid.uuid4().hex
        futs = [
            client.submit(fn, task_f, k, size, ss, pure=False, key=f"{key_prefix}-{token}-{k}")
            for k, size, ss in chunks
        ]
        total = len(futs)
        finished = as_completed(futs)
        del futs  # as_completed holds each future until it yields it
        for done, fut in enumerate(finished, start=1):
            result = fut.result()
            fut.release()  # the workers drop their copy
            consume(result)
            del result
            if progress:
                progress(done, total)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def stream_chunks(
    fn: Callable[[T, int, int, np.random.SeedSequence], R],
    task: T,
    chunks: Sequence[Chunk],
    consume: Callable[[R], None],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    progress: ProgressFn | None = None,
    key_prefix: str = "hp",
) -> None:
    """``fn`` on every chunk, each result handed to ``consume`` as soon as it is ready
    and not kept: on Dask when ``workers`` or ``scheduler`` is given, else here.

    See :func:`stream_local` (chunk order) and :func:`stream_dask` (finishing order).

    Raises
    ------
    InputError
        At ``workers`` when both ``workers`` and ``scheduler`` are given; at
        ``scheduler`` when it is no Dask address (:func:`scheduler_address_problem`).
    ClusterError
        When no scheduler answers at ``scheduler`` (:func:`stream_dask`).
    """
    if workers is not None and scheduler is not None:
        raise InputError(Problem("workers", "give workers or scheduler, not both"))
    if scheduler is not None and (problem := scheduler_address_problem(scheduler)):
        raise InputError(Problem("scheduler", problem))
    if workers is not None or scheduler is not None:
        stream_dask(fn, task, chunks, consume, workers, scheduler, progress, key_prefix)
    else:
        stream_local(fn, task, chunks, consume, threads, progress)


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
    """``fn`` on every chunk, every result returned in a list (:func:`stream_chunks`).

    Raises
    ------
    InputError, ClusterError
        As :func:`stream_chunks`.
    """
    out: list[R] = []
    stream_chunks(
        fn, task, chunks, out.append, workers=workers, scheduler=scheduler, threads=threads,
        progress=progress, key_prefix=key_prefix,
    )
    return out
