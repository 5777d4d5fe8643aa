"""Memory a Monte Carlo run needs, estimated before it runs: :func:`estimate_memory`.

What a run holds (:mod:`~hashpivot.engines.simulate.combine`) grows with the path count
only through the per-path arrays it keeps: every strategy's NPV (and its NPV with terminal
value, and after income tax, when the run has them) and the main policy's lowest cash of
each path, float64 each.
The rest: the interpreter and libraries, the working memory of the chunks being computed
(proportional to ``chunk_paths x months``, per thread or worker), the fan-chart samples
(at most :data:`~hashpivot.engines.simulate.chunk.FAN_PATHS_MAX` paths) and, after the
run, the copies the statistics make (percentiles sort a copy; 3 float64 per path). The
constants were measured with ``ru_maxrss`` (``benchmarks/bench_simulate_ratio.py``, and
runs of the examples at two chunk sizes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hashpivot.engines.simulate.chunk import fan_rows
from hashpivot.exceptions import InputError, Problem

if TYPE_CHECKING:
    from hashpivot.engines.simulate.resolve import PreparedRun

MIB = 2**20

#: Interpreter, numpy, pandas, numba and its cached kernels, the bundled market data and
#: the run's set-up, for a one-site portfolio (measured: 257 MiB). [bytes]
BASE_BYTES = 260 * MIB
#: More of it per further site (measured: 4 sites about 295 MiB). [bytes]
BASE_BYTES_PER_EXTRA_SITE = 15 * MIB
#: Working memory of a chunk being computed, per path and month: the market paths, one
#: strategy's cash flows and the treasury of every policy (measured: 160 for one site,
#: 295 for four). [bytes]
CHUNK_BYTES_PER_PATH_MONTH = 115
#: More of it per site. [bytes]
CHUNK_BYTES_PER_PATH_MONTH_PER_SITE = 45
#: Transient copies of the statistics after the run (a percentile's sorted copy, the
#: difference to the baseline and its copy): float64 values per path. [-]
STATS_VALUES_PER_PATH = 3
#: Bytes of one float64. [bytes]
F8 = 8


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak memory of a run, in parts.

    Attributes
    ----------
    n_paths : int
        Paths of the run. [-]
    bytes_per_path : int
        Per-path arrays kept: (1 + terminal value + after tax) NPVs and the lowest cash of each
        strategy, float64. [bytes]
    base_bytes : int
        Interpreter, libraries, data and set-up of this process. [bytes]
    chunk_bytes : int
        Working memory of the chunks computed at once here (threads). [bytes]
    fan_bytes : int
        Fan-chart samples. [bytes]
    stats_bytes : int
        Transient copies of the statistics after the run, when the chunks' working memory
        is free again (:data:`STATS_VALUES_PER_PATH` float64 per path). [bytes]
    worker_bytes : int
        Dask worker processes started on this machine (``workers=N``): each its own base
        and chunk. [bytes]
    """

    n_paths: int
    bytes_per_path: int
    base_bytes: int
    chunk_bytes: int
    fan_bytes: int
    stats_bytes: int
    worker_bytes: int = 0

    @property
    def per_path_bytes(self) -> int:
        """What the run keeps that grows with the path count: ``n_paths x
        bytes_per_path``. [bytes]"""
        return self.n_paths * self.bytes_per_path

    @property
    def fixed_bytes(self) -> int:
        """What does not depend on the path count: base, fan samples, local Dask
        workers. [bytes]"""
        return self.base_bytes + self.fan_bytes + self.worker_bytes

    @property
    def transient_bytes(self) -> int:
        """The chunks' working memory and the statistics' copies after the run: both count,
        because the allocator keeps the chunks' freed memory (in its per-thread arenas)
        after the run (the 10,000,000-path run peaked after its chunks). [bytes]"""
        return self.chunk_bytes + self.stats_bytes

    @property
    def total_bytes(self) -> int:
        """Estimated peak memory of the run on this machine. [bytes]"""
        return self.per_path_bytes + self.fixed_bytes + self.transient_bytes

    def max_paths(self, limit_bytes: int) -> int:
        """Most paths that fit in ``limit_bytes`` with the same settings (0 if none),
        assuming this estimate's chunk working memory (full chunks). [-]"""
        room = limit_bytes - self.fixed_bytes - self.chunk_bytes
        return int(max(0, room // (self.bytes_per_path + STATS_VALUES_PER_PATH * F8)))

    def describe(self) -> str:
        """One line: the total and its parts."""
        return (
            f"memory estimate: {fmt_bytes(self.total_bytes)} at the peak = {self.n_paths:,} "
            f"paths x {self.bytes_per_path} B kept per path ({fmt_bytes(self.per_path_bytes)})"
            f" + {fmt_bytes(self.fixed_bytes)} fixed (base {fmt_bytes(self.base_bytes)}, fan "
            f"samples {fmt_bytes(self.fan_bytes)}"
            + (f", Dask workers {fmt_bytes(self.worker_bytes)}" if self.worker_bytes else "")
            + f") + {fmt_bytes(self.transient_bytes)} transient (chunks being computed "
            f"{fmt_bytes(self.chunk_bytes)}, the statistics' copies "
            f"{fmt_bytes(self.stats_bytes)})"
        )


def fmt_bytes(n: float) -> str:
    """``n`` bytes as MiB below 1 GiB, else GiB."""
    return f"{n / MIB:,.0f} MiB" if n < 2**30 else f"{n / 2**30:,.2f} GiB"


def estimate_memory(
    *,
    n_paths: int,
    n_strategies: int,
    n_months: int,
    chunk_paths: int,
    n_sites: int = 1,
    terminal_value: bool = True,
    after_tax: bool = False,
    fan_paths: int = 0,
    n_market_fans: int = 2,
    threads: int = 1,
    local_workers: int = 0,
) -> MemoryEstimate:
    """Estimate the peak memory of a run before it starts.

    Parameters
    ----------
    n_paths, n_strategies, n_months, chunk_paths : int
        Paths, strategies, simulated months, paths per chunk. [-]
    n_sites : int
        Sites simulated. [-]
    terminal_value : bool
        Whether each path also keeps its NPV with terminal value.
    after_tax : bool
        Whether each path also keeps its NPV after income tax (``[pivot.tax]``).
    fan_paths : int
        Fan-chart paths kept over the whole run (at most ``FAN_PATHS_MAX``). [-]
    n_market_fans : int
        Market fan charts (BTC price, hashprice, and the power price of each index
        market when simulated). [-]
    threads : int
        Chunks computed at once in this process: the threads of a local run, 0 when the
        chunks run on Dask. [-]
    local_workers : int
        Dask worker processes started on this machine (``workers=N``; 0 for a local
        run or a remote scheduler), each with its own base and chunk. [-]

    Returns
    -------
    MemoryEstimate
    """
    sites = max(1, n_sites)
    per_path = F8 * n_strategies * (2 + int(terminal_value) + int(after_tax))
    base = BASE_BYTES + BASE_BYTES_PER_EXTRA_SITE * (sites - 1)
    chunk_one = (
        (CHUNK_BYTES_PER_PATH_MONTH + CHUNK_BYTES_PER_PATH_MONTH_PER_SITE * sites)
        * min(chunk_paths, n_paths) * n_months
    )
    n_chunks = -(-n_paths // max(1, chunk_paths))
    here = min(max(0, threads), n_chunks)
    fan = F8 * fan_paths * n_months * (n_market_fans + n_strategies)
    return MemoryEstimate(
        n_paths=n_paths,
        bytes_per_path=per_path,
        base_bytes=base,
        chunk_bytes=chunk_one * here,
        fan_bytes=fan,
        stats_bytes=STATS_VALUES_PER_PATH * F8 * n_paths,
        worker_bytes=local_workers * (base + chunk_one),
    )


def available_memory_bytes() -> int | None:
    """Memory available to a new run: ``MemAvailable`` of ``/proc/meminfo``, else the
    free physical pages (``os.sysconf``); None when neither is known. [bytes]"""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


def estimate_for_run(
    run: PreparedRun, *, threads: int = 1, local_workers: int = 0
) -> MemoryEstimate:
    """:func:`estimate_memory` of a prepared run (its strategies, months, chunks, sites).

    Parameters
    ----------
    run : PreparedRun
        From :func:`~hashpivot.engines.simulate.resolve.prepare`.
    threads, local_workers : int
        As :func:`estimate_memory`.
    """
    task = run.task
    sizes = [size for _, size, _ in run.chunks]
    n_sites = 1 if task.site_name is not None else len(task.portfolio.sites)
    power = bool(run.inputs.get("resolved", {}).get("power_simulated", False))
    return estimate_memory(
        n_paths=sum(sizes),
        n_strategies=len(task.strategy_names),
        n_months=len(run.center.periods),
        chunk_paths=max(sizes),
        n_sites=n_sites,
        terminal_value=task.keeps_terminal_value,
        after_tax=task.tax is not None,
        fan_paths=sum(fan_rows(k, n, task.fan_paths) for k, n in enumerate(sizes)),
        # one power fan per index market: the first's and each other's (power_markets)
        n_market_fans=2 + (1 + len(task.params.power_markets) if power else 0),
        threads=threads,
        local_workers=local_workers,
    )


def check_memory(
    estimate: MemoryEstimate,
    limit_bytes: int | None,
    limit_source: str,
    source: str = "<command line>",
    fixed_settings: tuple[str, ...] = ("chunk_paths", "threads"),
) -> None:
    """Refuse a run whose estimate exceeds the memory it may use.

    Parameters
    ----------
    estimate : MemoryEstimate
    limit_bytes : int or None
        Memory the run may use; None: no check. [bytes]
    limit_source : str
        Where the limit comes from, for the message (e.g. ``MemAvailable``).
    source : str
        Where ``paths`` was given, for the problem (the CLI's command line, or a stored
        run's parameters).
    fixed_settings : tuple of str
        The settings that shrink the part that does not grow with paths, named when not
        even that part fits (a stored run has no ``threads``).

    Raises
    ------
    InputError
        At ``paths``, with the estimate, the limit and the most paths that fit.
    """
    if limit_bytes is None or estimate.total_bytes <= limit_bytes:
        return
    fit = estimate.max_paths(limit_bytes)
    advice = (
        f"at most about {fit:,} paths fit with these settings"
        if fit > 0
        else "not even the part that does not grow with paths fits: lower "
        + " or ".join(f"`{name}`" for name in fixed_settings)
    )
    raise InputError(
        Problem(
            "paths",
            f"{estimate.n_paths:,} paths need an estimated {fmt_bytes(estimate.total_bytes)} "
            f"of memory ({estimate.bytes_per_path} B per path + "
            f"{fmt_bytes(estimate.fixed_bytes + estimate.transient_bytes)}), more than the "
            f"{fmt_bytes(limit_bytes)} available ({limit_source}); {advice}",
            source,
        )
    )


def memory_limit(
    max_memory_mib: float | None = None, setting: str = "`max_memory_mib`"
) -> tuple[int | None, str]:
    """The memory a run may use and where that figure comes from.

    Parameters
    ----------
    max_memory_mib : float, optional
        A limit set by the user (the CLI's ``--max-memory-mib`` or
        ``HASHPIVOT_MAX_MEMORY_MIB``);
        None: what the machine has available now (:func:`available_memory_bytes`). [MiB]
    setting : str
        How messages name a user's limit (the service: ``HASHPIVOT_MAX_MEMORY_MIB``).

    Returns
    -------
    tuple
        (limit [bytes], or None when unknown; its source, for messages).
    """
    if max_memory_mib is not None:
        return int(max_memory_mib * MIB), setting
    return available_memory_bytes(), "MemAvailable"
