"""Tests of the memory estimate of a Monte Carlo run (hashpivot.engines.simulate.memory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashpivot.engines.simulate import SimulationConfig, prepare, simulate
from hashpivot.engines.simulate.memory import (
    F8,
    MIB,
    STATS_VALUES_PER_PATH,
    MemoryEstimate,
    available_memory_bytes,
    check_memory,
    estimate_for_run,
    estimate_memory,
    memory_limit,
)
from hashpivot.exceptions import InputError
from tests.engines.simulate_inputs import portfolio


def test_per_path_bytes_are_the_arrays_the_run_keeps() -> None:
    # 3 strategies: NPV, NPV with terminal value and the main policy's lowest cash, float64
    est = estimate_memory(n_paths=1_000_000, n_strategies=3, n_months=120, chunk_paths=5_000)
    assert est.bytes_per_path == 3 * 3 * 8
    assert est.per_path_bytes == 72_000_000
    lean = estimate_memory(n_paths=1_000_000, n_strategies=3, n_months=120,
                           chunk_paths=5_000, terminal_value=False)
    assert lean.bytes_per_path == 2 * 3 * 8


def test_the_fixed_part_does_not_grow_with_paths() -> None:
    kw = {"n_strategies": 4, "n_months": 180, "chunk_paths": 5_000, "fan_paths": 20_000,
          "threads": 2}
    small = estimate_memory(n_paths=100_000, **kw)
    big = estimate_memory(n_paths=10_000_000, **kw)
    assert small.fixed_bytes == big.fixed_bytes
    assert small.chunk_bytes == big.chunk_bytes
    # the chunks' working memory is per thread and proportional to paths x months
    one = estimate_memory(n_paths=100_000, **{**kw, "threads": 1})
    assert small.chunk_bytes == 2 * one.chunk_bytes
    double = estimate_memory(n_paths=100_000, **{**kw, "chunk_paths": 10_000})
    assert double.chunk_bytes == 2 * small.chunk_bytes
    # fan samples: paths x months x (market fans + strategies)
    assert small.fan_bytes == 8 * 20_000 * 180 * (2 + 4)
    # transient: the chunks being computed and the statistics' copies after the run
    assert big.stats_bytes == STATS_VALUES_PER_PATH * F8 * 10_000_000
    assert big.transient_bytes == big.chunk_bytes + big.stats_bytes
    assert big.total_bytes == big.per_path_bytes + big.fixed_bytes + big.transient_bytes


def test_dask_workers_run_the_chunks_elsewhere() -> None:
    kw = {"n_paths": 100_000, "n_strategies": 3, "n_months": 120, "chunk_paths": 5_000}
    local = estimate_memory(**kw, threads=2)
    cluster = estimate_memory(**kw, threads=0, local_workers=2)
    remote = estimate_memory(**kw, threads=0)
    assert cluster.chunk_bytes == remote.chunk_bytes == 0
    assert cluster.worker_bytes == 2 * (local.base_bytes + local.chunk_bytes // 2)
    assert remote.total_bytes < local.total_bytes < cluster.total_bytes


def test_max_paths_is_the_inverse_of_the_estimate() -> None:
    kw = {"n_strategies": 3, "n_months": 120, "chunk_paths": 5_000, "fan_paths": 20_000}
    for limit in (700 * MIB, 2 * 2**30, 20 * 2**30):
        n = estimate_memory(n_paths=10_000_000, **kw).max_paths(limit)
        assert n > 0
        assert estimate_memory(n_paths=n, **kw).total_bytes <= limit
        assert estimate_memory(n_paths=n + 2, **kw).total_bytes > limit
    assert estimate_memory(n_paths=10_000_000, **kw).max_paths(100 * MIB) == 0


def test_estimate_of_a_prepared_run() -> None:
    cfg = SimulationConfig(n_paths=1_030, horizon_months=30, seed=3, chunk_paths=200,
                           fan_paths_per_chunk=40)
    run = prepare(portfolio(kind="index"), cfg)
    est = estimate_for_run(run, threads=2)
    S = len(run.task.strategy_names)
    assert est.n_paths == 1_030
    assert est.bytes_per_path == 3 * 8 * S  # with terminal value
    assert est.fan_bytes == 8 * (5 * 40 + 30) * 30 * (3 + S)  # power simulated: 3 market fans
    seen: list[MemoryEstimate] = []
    simulate(portfolio(kind="index"), cfg, on_estimate=seen.append)
    assert seen == [estimate_for_run(run, threads=1)]


def test_check_memory_refuses_with_the_figures() -> None:
    est = estimate_memory(n_paths=10_000_000, n_strategies=4, n_months=180, chunk_paths=5_000)
    check_memory(est, None, "unknown")
    check_memory(est, est.total_bytes, "x")
    with pytest.raises(InputError) as info:
        check_memory(est, 1000 * MIB, "`max_memory_mib`")
    (problem,) = info.value.problems
    assert problem.path == "paths"
    assert "10,000,000 paths need an estimated" in problem.message
    assert "1,000 MiB available (`max_memory_mib`)" in problem.message
    assert f"at most about {est.max_paths(1000 * MIB):,} paths fit" in problem.message
    with pytest.raises(InputError) as info:
        check_memory(est, 1, "`max_memory_mib`")  # not even the fixed part fits
    assert info.value.problems[0].message.endswith("lower `chunk_paths` or `threads`")
    with pytest.raises(InputError) as info:  # a stored run: its parameters, no threads
        check_memory(est, 1, "HASHPIVOT_MAX_MEMORY_MIB", source="<run parameters>",
                     fixed_settings=("chunk_paths",))
    (problem,) = info.value.problems
    assert problem.source == "<run parameters>"
    assert problem.message.endswith("fits: lower `chunk_paths`")


def test_memory_limit_and_available_memory() -> None:
    assert memory_limit(512) == (512 * MIB, "`max_memory_mib`")
    assert memory_limit(512, setting="HASHPIVOT_MAX_MEMORY_MIB") == (
        512 * MIB, "HASHPIVOT_MAX_MEMORY_MIB"
    )
    avail = available_memory_bytes()
    if Path("/proc/meminfo").exists():
        assert avail is not None and avail > 0
    assert memory_limit(None)[1] == "MemAvailable"


def test_after_tax_npvs_are_counted() -> None:
    kw = {"n_paths": 1_000, "n_strategies": 3, "n_months": 120, "chunk_paths": 500}
    assert estimate_memory(**kw, after_tax=True).bytes_per_path == 4 * 3 * 8
    assert estimate_memory(**kw, terminal_value=False, after_tax=True).bytes_per_path == 3 * 3 * 8
