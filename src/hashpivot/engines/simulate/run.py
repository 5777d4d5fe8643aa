"""The simulation entry point: :func:`simulate` (resolve, run the chunks, combine)."""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

import numpy as np

from hashpivot.engines.pivot.discounting import hosting_fcf_usd
from hashpivot.engines.pivot.terminal import terminal_value
from hashpivot.engines.simulate.chunk import run_chunk
from hashpivot.engines.simulate.combine import ChunkCombiner
from hashpivot.engines.simulate.config import SimulationConfig
from hashpivot.engines.simulate.resolve import prepare
from hashpivot.engines.simulate.result import SimulationResult
from hashpivot.engines.simulate.task import PivotModel
from hashpivot.exceptions import InputError, Problem
from hashpivot.executors import ProgressFn, stream_chunks
from hashpivot.scenarios import MarketCalibration, PowerFit, generate_chunk
from hashpivot.scenarios.generator import margin_notes


def simulate(
    portfolio: Any,
    config: SimulationConfig,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    progress: ProgressFn | None = None,
    pivot: PivotModel | ModuleType | None = None,
    calibration: MarketCalibration | None = None,
    power_fit: PowerFit | None = None,
    source: str = "",
) -> SimulationResult:
    """Run the Monte Carlo simulation of every strategy.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    config : SimulationConfig
        Paths, horizon, seed, chunk size, discount rate, policies.
    workers : int, optional
        Start a ``dask.distributed.LocalCluster`` with this many single-threaded worker
        processes and run the chunks on it.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``). Its workers run
        faster with ``MALLOC_TRIM_THRESHOLD_=268435456`` and
        ``MALLOC_MMAP_THRESHOLD_=33554432`` in their environment (what ``workers=N`` sets;
        Dask's default trim threshold makes numpy's large temporaries page-fault).
    threads : int
        Local run only: chunks run on this many threads (numpy releases the GIL). The
        result does not depend on it.
    progress : callable, optional
        ``progress(done_chunks, total_chunks)`` after each chunk.
    pivot, calibration, power_fit, source
        See :func:`prepare`.

    Returns
    -------
    SimulationResult
        Identical for the same seed and chunk size, however the chunks are run.
    """
    if workers is not None and scheduler is not None:
        raise InputError(Problem("workers", "give workers or scheduler, not both"))
    t0 = time.perf_counter()
    run = prepare(
        portfolio, config, pivot=pivot, calibration=calibration, power_fit=power_fit,
        source=source,
    )
    t1 = time.perf_counter()
    # streaming: each chunk's per-path values go into the run's arrays as it finishes,
    # and the chunk's result is dropped
    combiner = ChunkCombiner(
        run.task.strategy_names, run.task.policies, run.center.periods,
        [size for _, size, _ in run.chunks], run.task.fan_paths,
        run.task.keeps_terminal_value,
    )
    stream_chunks(
        run_chunk, run.task, run.chunks, combiner.add, workers=workers, scheduler=scheduler,
        threads=threads, progress=progress,
    )
    t2 = time.perf_counter()
    res = combiner.result()
    # deterministic reference: the center path, every volatility zero
    det_params = run.task.params.zero_volatility()
    det_market = generate_chunk(det_params, np.random.SeedSequence(0), 1)
    for name, strat in zip(run.task.strategy_names, run.task.strategies, strict=True):
        cf = run.task.pivot.strategy_cash_flows(portfolio, strat, det_market, config.site_name)
        flow = cf.unlevered_fcf_usd if config.npv_cash_flow == "unlevered" else cf.levered_fcf_usd
        flow = np.asarray(flow, dtype=np.float64)
        if run.task.hosting_discount_factors is not None and config.npv_cash_flow == "unlevered":
            host = hosting_fcf_usd(cf)
            det = float(((flow - host) * run.task.discount_factors).sum()) + float(
                (host * run.task.hosting_discount_factors).sum()
            )
        else:
            det = float((flow * run.task.discount_factors).sum())
        res.deterministic_npv_usd[name] = det
        if res.npv_with_terminal_value_usd:
            tv = terminal_value(cf, run.task.terminal_value, run.task.discount_rate,
                                run.task.hosting_discount_rate)
            res.deterministic_npv_with_terminal_value_usd[name] = res.deterministic_npv_usd[
                name
            ] + float(tv.present_value_usd[0])
    res.warnings.extend(
        margin_notes(run.task.params, det_market, combiner.loss_spell_paths, res.n_paths)
    )
    res.inputs = run.inputs
    res.inputs["executor"] = (
        f"dask:{scheduler}" if scheduler else f"dask:LocalCluster({workers})"
        if workers is not None
        else f"local:threads={threads}"
    )
    res.timings_s = {
        "setup": t1 - t0,
        "chunks": t2 - t1,
        "combine": time.perf_counter() - t2,
        "chunk_cpu_sum": combiner.chunk_seconds,
    }
    return res
