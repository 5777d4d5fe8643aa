"""Tests of the chunk executors (hashpivot.executors): order, threads, progress, errors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from hashpivot.exceptions import InputError
from hashpivot.executors import run_chunks


def _draw(task: float, k: int, size: int, seed: np.random.SeedSequence) -> tuple[int, float]:
    """A chunk: its number and ``task`` times the sum of ``size`` uniform draws."""
    return k, task * float(np.random.default_rng(seed).random(size).sum())


def _chunks(n: int) -> list[tuple[int, int, np.random.SeedSequence]]:
    return [(k, 3 + k, ss) for k, ss in enumerate(np.random.SeedSequence(11).spawn(n))]


def test_local_runs_every_chunk_in_chunk_order_with_its_own_seed() -> None:
    chunks = _chunks(4)
    out = run_chunks(_draw, 2.0, chunks)
    # independent reference: each chunk drawn by hand from its own child seed
    expected = [
        (k, 2.0 * float(np.random.default_rng(ss).random(size).sum()))
        for k, size, ss in chunks
    ]
    assert out == expected


def test_threads_give_the_same_results_as_one_thread() -> None:
    chunks = _chunks(6)
    seen: set[str] = set()

    def draw(task: float, k: int, size: int, seed: np.random.SeedSequence) -> tuple[int, float]:
        seen.add(threading.current_thread().name)
        return _draw(task, k, size, seed)

    assert run_chunks(draw, 1.0, chunks, threads=3) == run_chunks(_draw, 1.0, chunks)
    assert any(name != threading.main_thread().name for name in seen)


@pytest.mark.parametrize("threads", [1, 2])
def test_progress_counts_every_chunk(threads: int) -> None:
    calls: list[tuple[int, int]] = []
    run_chunks(_draw, 1.0, _chunks(3), threads=threads, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_workers_and_scheduler_together_are_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        run_chunks(_draw, 1.0, _chunks(1), workers=2, scheduler="tcp://127.0.0.1:1")
    (problem,) = info.value.problems
    assert problem.path == "workers" and "not both" in problem.message


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_streaming_hands_each_result_over_in_chunk_order_with_few_ahead(threads: int) -> None:
    from hashpivot.executors import stream_chunks

    chunks = _chunks(12)
    lock = threading.Lock()
    started: list[int] = []
    consumed: list[tuple[int, float]] = []
    ahead: list[int] = []

    def draw(task: float, k: int, size: int, seed: np.random.SeedSequence) -> tuple[int, float]:
        with lock:
            started.append(k)
            ahead.append(len(started) - len(consumed))
        return _draw(task, k, size, seed)

    stream_chunks(draw, 1.0, chunks, consumed.append, threads=threads)
    assert consumed == run_chunks(_draw, 1.0, chunks)
    # results waiting to be consumed stay bounded (2 x threads submitted ahead)
    assert max(ahead) <= 2 * threads + 1


def test_streaming_stops_at_a_failing_chunk() -> None:
    from hashpivot.executors import stream_chunks

    def fail(task: float, k: int, size: int, seed: np.random.SeedSequence) -> tuple[int, float]:
        if k == 2:
            raise RuntimeError("chunk 2")
        return _draw(task, k, size, seed)

    got: list[tuple[int, float]] = []
    with pytest.raises(RuntimeError, match="chunk 2"):
        stream_chunks(fail, 1.0, _chunks(40), got.append, threads=2)
    assert [k for k, _ in got] == [0, 1]


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_scheduler_is_a_cluster_failure_naming_its_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A well-formed address nobody answers at: an environment failure (not bad input),
    one message naming the argument and the address, not Dask's own exception."""
    pytest.importorskip("distributed")
    import hashpivot.executors as executors
    from hashpivot.exceptions import ClusterError

    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT_S", 0.5)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with pytest.raises(ClusterError) as info:
        run_chunks(_draw, 1.0, _chunks(1), scheduler=address)
    message = str(info.value)
    assert "`scheduler`" in message and address in message, message
    assert not isinstance(info.value, InputError)


@pytest.mark.parametrize(
    "address",
    ["garbage", "tcp://h:abc", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "tcp://:8786",
     "tcp://127.0.0.1:0", "tcp://[::1:8786", "inproc://127.0.0.1/1/1", "tcp://h:8786/x"],
)
def test_a_malformed_scheduler_address_is_an_input_error_at_scheduler(address: str) -> None:
    """Dask's parser raised ValueError on a port that is no number or no port at all (an
    internal error on the command line); every such address is bad input at ``scheduler``,
    found before any connection is tried."""
    from hashpivot.executors import scheduler_address_problem

    assert scheduler_address_problem(address) is not None, address
    with pytest.raises(InputError) as info:
        run_chunks(_draw, 1.0, _chunks(1), scheduler=address)
    (problem,) = info.value.problems
    assert problem.path == "scheduler" and "HOST:PORT" in problem.message, problem


@pytest.mark.parametrize(
    "address", ["tcp://127.0.0.1:8786", "tls://sched.example.com:8786", "tcp://[::1]:8786",
                "ucx://10.0.0.2:13337", "tcp://dask-scheduler:8786"],
)
def test_a_dask_address_is_well_formed(address: str) -> None:
    from hashpivot.executors import scheduler_address_problem

    assert scheduler_address_problem(address) is None
