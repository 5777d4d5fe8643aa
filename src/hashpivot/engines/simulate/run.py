"""The simulation entry point: :func:`simulate` (resolve, run the chunks, combine)."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType

import numpy as np

from hashpivot.compile_time import compile_timer
from hashpivot.engines.pivot.regulation import regulation_findings
from hashpivot.engines.simulate.chunk import fan_rows, run_chunk
from hashpivot.engines.simulate.combine import POWER_FAN, ChunkCombiner, power_fan_key
from hashpivot.engines.simulate.config import SimulationConfig
from hashpivot.engines.simulate.memory import MemoryEstimate, estimate_for_run
from hashpivot.engines.simulate.resolve import prepare
from hashpivot.engines.simulate.result import SimulationResult
from hashpivot.engines.simulate.signing import drawn_signing_notes
from hashpivot.engines.simulate.task import PivotModel
from hashpivot.engines.simulate.valuation import value_paths
from hashpivot.exceptions import InputError, Problem
from hashpivot.executors import ProgressFn, stream_chunks
from hashpivot.heap import keep_large_arrays_on_heap
from hashpivot.models import Portfolio
from hashpivot.models.pivot import PivotSpec
from hashpivot.scenarios import MarketCalibration, PowerFit, generate_chunk
from hashpivot.scenarios.generator import margin_notes


def simulate(
    portfolio: Portfolio,
    config: SimulationConfig,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    progress: ProgressFn | None = None,
    on_estimate: Callable[[MemoryEstimate], None] | None = None,
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
        faster with :data:`hashpivot.heap.MALLOC_ENV` in their environment
        (``MALLOC_TRIM_THRESHOLD_=268435456``, ``MALLOC_MMAP_THRESHOLD_=33554432``: what
        ``workers=N`` sets; Dask's default trim threshold makes numpy's large temporaries
        page-fault).
    threads : int
        Local run only: chunks run on this many threads (numpy releases the GIL). The
        result does not depend on it.
    progress : callable, optional
        ``progress(done_chunks, total_chunks)`` after each chunk.
    on_estimate : callable, optional
        ``on_estimate(estimate)`` with the run's :class:`MemoryEstimate` once its inputs
        are resolved, before any chunk runs (to print it, or to refuse the run by
        raising, e.g. with :func:`~hashpivot.engines.simulate.memory.check_memory`).
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
    if on_estimate is not None:
        local = workers is None and scheduler is None
        on_estimate(
            estimate_for_run(run, threads=threads if local else 0, local_workers=workers or 0)
        )
    t1 = time.perf_counter()
    # streaming: each chunk's per-path values go into the run's arrays as it finishes,
    # and the chunk's result is dropped
    combiner = ChunkCombiner(
        run.task.strategy_names, run.task.policies, run.center.periods,
        [size for _, size, _ in run.chunks], run.task.fan_paths,
        run.task.keeps_terminal_value, run.task.tax is not None,
    )
    if workers is None and scheduler is None:
        keep_large_arrays_on_heap()  # the chunks run here: their temporaries stay on the heap
    with compile_timer() as compiling:  # a first run compiles the kernels (cached after)
        stream_chunks(
            run_chunk, run.task, run.chunks, combiner.add, workers=workers,
            scheduler=scheduler, threads=threads, progress=progress,
        )
    t2 = time.perf_counter()
    res = combiner.result()
    # deterministic reference: the center path, every volatility zero
    det_params = run.task.params.zero_volatility()
    det_market = generate_chunk(det_params, np.random.SeedSequence(0), 1)
    balloons: dict[str, float] = {}
    for name, strat in zip(run.task.strategy_names, run.task.strategies, strict=True):
        cf = run.task.pivot.strategy_cash_flows(run.task.portfolio, strat, det_market,
                                                config.site_name)
        if cf.debt_balloon_usd > 0:
            balloons[name] = cf.debt_balloon_usd
        values = value_paths(run.task, cf)
        res.deterministic_npv_usd[name] = float(values.npv_usd[0])
        if values.npv_with_tv_usd is not None and res.npv_with_terminal_value_usd:
            res.deterministic_npv_with_terminal_value_usd[name] = float(
                values.npv_with_tv_usd[0]
            )
        if values.npv_after_tax_usd is not None:
            res.deterministic_npv_after_tax_usd[name] = float(values.npv_after_tax_usd[0])
    res.warnings.extend(
        margin_notes(run.task.params, det_market, combiner.loss_spell_paths, res.n_paths)
    )
    if balloons and run.inputs.get("treasury_given", True):
        res.warnings.append(balloon_note(balloons, str(res.periods[-1])))
    res.warnings.extend(drawn_signing_notes(run.task.strategies, run.task.strategy_names))
    # the regulation rules that apply, and the strategies that break them (as pivot)
    facts, findings = regulation_findings(run.rule_effects, run.task.strategies,
                                          portfolio.pivot or PivotSpec(), res.periods[0])
    res.warnings.extend([*run.standing_notes, *run.rule_notes, *findings])
    res.inputs = run.inputs
    res.inputs["regulation_rules"] = facts
    # the fan charts' quantiles: the first fan_paths of each chunk (memory bounded)
    kept = [fan_rows(k, size, run.task.fan_paths) for k, (_, size, _) in enumerate(run.chunks)]
    res.inputs["fan_paths"] = sum(kept)
    res.inputs["fan_paths_per_chunk"] = run.task.fan_paths
    res.inputs["fan_chunks"] = sum(1 for n in kept if n > 0)
    # index sites on several market nodes: the node of each power fan, by its fan key
    power = run.inputs.get("power_model") or {}
    if power.get("markets"):
        res.inputs["fan_power_nodes"] = {
            POWER_FAN: power["node"],
            **{power_fan_key(m["node"]): m["node"] for m in power["markets"]},
        }
    res.inputs["chunks"] = len(kept)
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
        # of "chunks": numba compiling its kernels in this process (0 once cached)
        "compile": compiling.seconds,
    }
    return res


def balloon_note(balloons: dict[str, float], last_month: str) -> str:
    """The note a run prints when project debt outstanding at the horizon is repaid as a
    balloon in the NPV but not by the treasury
    (:func:`~hashpivot.engines.simulate.chunk.treasury_deduction_usd`).

    Parameters
    ----------
    balloons : dict
        Strategy -> project debt outstanding at the horizon. [USD]
    last_month : str
        The horizon's last month (``YYYY-MM``).
    """
    each = ", ".join(f"{name} {usd / 1e6:,.1f} M USD" for name, usd in balloons.items())
    return (
        f"project debt still outstanding at the horizon ({each}) is repaid in "
        f"{last_month} in the NPV (a balloon), not by the treasury: its cash, forced sales "
        "and breaches leave that debt amortizing after the horizon"
    )
