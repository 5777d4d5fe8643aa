"""Reduction of the chunks as they arrive: :class:`ChunkCombiner` (and :func:`combine_chunks`).

The per-path values of a run (every strategy's NPV, with and without terminal value, and
the main policy's lowest cash of each path) and the fan-chart samples are written once,
at the chunk's place, into arrays allocated for the whole run; the totals over paths
(treasury totals, reverse-margin counts, mean cash flows) are folded in chunk order. The
executor hands each chunk's result to :meth:`ChunkCombiner.add` as it finishes and drops
it, so a run holds each per-path value once, whatever the executor; the result does not
depend on the order the chunks finish in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from hashpivot.engines.simulate.chunk import fan_rows
from hashpivot.engines.simulate.result import SimulationResult
from hashpivot.engines.simulate.stats import _quantiles
from hashpivot.engines.simulate.task import ChunkResult, FloatArray
from hashpivot.treasury.totals import TreasuryTotals

#: Fan key of the index power price of the first index site's market.
POWER_FAN = "power_price_usd_per_mwh"

#: Names of the market fan samples of a chunk (``ChunkResult`` attribute -> fan key).
_MARKET_FANS: dict[str, str] = {
    "fan_btc_price_usd": "btc_price_usd",
    "fan_hashprice_usd_per_ph_day": "hashprice_usd_per_ph_day",
    "fan_power_usd_per_mwh": POWER_FAN,
}


def power_fan_key(node: str) -> str:
    """Fan key of the index power process of market ``node`` (``iso:point``) other than
    the first index site's, whose fan is ``power_price_usd_per_mwh``:
    ``power_price_usd_per_mwh:<node>`` (``power_price_usd_per_mwh:nyiso:WEST``)."""
    return f"{POWER_FAN}:{node}"


class ChunkCombiner:
    """Streaming reduction of a run's chunks into a :class:`SimulationResult`.

    Parameters
    ----------
    strategy_names, policies : sequence of str
        As the chunks' task; ``policies[0]`` is the main policy.
    periods : pandas.PeriodIndex
        Simulated months.
    chunk_sizes : sequence of int
        Paths of chunk ``k`` at index ``k``. [-]
    fan_paths : int
        Fan-chart paths per chunk (``ChunkTask.fan_paths``). [-]
    with_terminal_value : bool
        Whether the chunks return NPVs with terminal value (``ChunkTask.keeps_terminal_value``).
    with_tax : bool
        Whether the chunks return NPVs after income tax (``ChunkTask.tax`` given).

    Notes
    -----
    Memory: ``2 + with_terminal_value + with_tax`` float64 arrays of shape
    (strategies, paths), allocated here, plus the fan samples (at most
    :data:`~hashpivot.engines.simulate.chunk.FAN_PATHS_MAX` paths) and the totals of the
    chunks that finished before an earlier one (a few numbers per month each).
    """

    def __init__(
        self,
        strategy_names: Sequence[str],
        policies: Sequence[str],
        periods: pd.PeriodIndex,
        chunk_sizes: Sequence[int],
        fan_paths: int,
        with_terminal_value: bool,
        with_tax: bool = False,
    ) -> None:
        self.strategy_names = list(strategy_names)
        self.policies = tuple(policies)
        self.periods = periods
        self._sizes = [int(n) for n in chunk_sizes]
        self._offsets = np.concatenate([[0], np.cumsum(self._sizes)]).astype(np.int64)
        fan = [fan_rows(k, n, fan_paths) for k, n in enumerate(self._sizes)]
        self._fan_offsets = np.concatenate([[0], np.cumsum(fan)]).astype(np.int64)
        self.n_paths = int(self._offsets[-1])
        S, n = len(self.strategy_names), self.n_paths
        self.npv_usd: FloatArray = np.empty((S, n))
        self.npv_with_tv_usd: FloatArray | None = np.empty((S, n)) if with_terminal_value else None
        self.npv_after_tax_usd: FloatArray | None = np.empty((S, n)) if with_tax else None
        self.min_cash_usd: FloatArray = np.empty((S, n))  # main policy
        self._fan: dict[str, FloatArray] = {}  # allocated by the first chunk
        self._cash_fan: FloatArray | None = None  # (S, fan paths, T), main policy
        # the fold, in chunk order
        self._next = 0
        self._waiting: dict[int, ChunkResult] = {}
        self._treasury: dict[tuple[str, str], TreasuryTotals] = {}
        self._direct: FloatArray | None = None
        self._total: FloatArray | None = None
        self._fcf: FloatArray | None = None
        self.loss_spell_paths = 0
        self.chunk_seconds = 0.0

    @property
    def chunks_done(self) -> int:
        """Chunks received so far. [-]"""
        return self._next + len(self._waiting)

    def add(self, r: ChunkResult) -> None:
        """Store chunk ``r.k``'s per-path values at its place and fold its totals (in
        chunk order; a chunk that finished early waits, without its per-path arrays)."""
        k = r.k
        if not 0 <= k < len(self._sizes) or r.n != self._sizes[k]:
            raise ValueError(f"chunk {k} of {r.n} paths does not belong to this run")
        if k < self._next or k in self._waiting:
            raise ValueError(f"chunk {k} was already combined")
        lo, hi = int(self._offsets[k]), int(self._offsets[k + 1])
        self.npv_usd[:, lo:hi] = r.npv_usd
        if self.npv_with_tv_usd is not None:
            if r.npv_with_tv_usd is None:
                raise ValueError(f"chunk {k} has no NPV with terminal value")
            self.npv_with_tv_usd[:, lo:hi] = r.npv_with_tv_usd
        if self.npv_after_tax_usd is not None:
            if r.npv_after_tax_usd is None:
                raise ValueError(f"chunk {k} has no NPV after tax")
            self.npv_after_tax_usd[:, lo:hi] = r.npv_after_tax_usd
        main = self.policies[0]
        f_lo, f_hi = int(self._fan_offsets[k]), int(self._fan_offsets[k + 1])
        if f_hi > f_lo:
            self._store_fan(r, f_lo, f_hi)
        for i, s in enumerate(self.strategy_names):
            self.min_cash_usd[i, lo:hi] = r.treasury[(s, main)].min_cash_usd
        self.loss_spell_paths += r.loss_spell_paths
        self.chunk_seconds += r.seconds
        # what waits for its turn: the totals only (fresh empty arrays, not views, which
        # would keep the chunk's arrays alive)
        no_fan = np.empty((0, len(self.periods)))
        self._waiting[k] = replace(
            r,
            npv_usd=np.empty((len(self.strategy_names), 0)),
            npv_with_tv_usd=None,
            npv_after_tax_usd=None,
            treasury={key: t.without_paths() for key, t in r.treasury.items()},
            fan_btc_price_usd=no_fan,
            fan_hashprice_usd_per_ph_day=no_fan,
            fan_power_usd_per_mwh=None,
            fan_power_by_market_usd_per_mwh={},
        )
        while self._next in self._waiting:
            self._fold(self._waiting.pop(self._next))
            self._next += 1

    def _store_fan(self, r: ChunkResult, lo: int, hi: int) -> None:
        n_fan, T = int(self._fan_offsets[-1]), len(self.periods)
        parts = [(key, getattr(r, attr)) for attr, key in _MARKET_FANS.items()]
        parts += [(power_fan_key(node), paths)
                  for node, paths in r.fan_power_by_market_usd_per_mwh.items()]
        for key, part in parts:
            if part is None:
                continue
            if key not in self._fan:
                self._fan[key] = np.empty((n_fan, T))
            self._fan[key][lo:hi] = part
        if self._cash_fan is None:
            self._cash_fan = np.empty((len(self.strategy_names), n_fan, T))
        main = self.policies[0]
        for i, s in enumerate(self.strategy_names):
            self._cash_fan[i, lo:hi] = r.treasury[(s, main)].cash_sample_usd

    def _fold(self, r: ChunkResult) -> None:
        """Add chunk ``r``'s totals to those of the chunks before it (sums in chunk order)."""
        if self._direct is None or self._total is None or self._fcf is None:
            self._treasury = dict(r.treasury)
            self._direct, self._total = r.reverse_direct_count, r.reverse_total_count
            self._fcf = r.mean_fcf_usd_sum
            return
        self._treasury = {key: t.plus(r.treasury[key]) for key, t in self._treasury.items()}
        self._direct = self._direct + r.reverse_direct_count
        self._total = self._total + r.reverse_total_count
        self._fcf = self._fcf + r.mean_fcf_usd_sum

    def result(self) -> SimulationResult:
        """The combined result, once every chunk has been added.

        Raises
        ------
        ValueError
            If a chunk is missing.
        """
        if self._next != len(self._sizes):
            missing = sorted(set(range(len(self._sizes))) - set(self._waiting))
            raise ValueError(f"chunks not combined yet: {missing[:10]}")
        assert self._direct is not None and self._total is not None and self._fcf is not None
        n, main = self.n_paths, self.policies[0]
        treasury = dict(self._treasury)
        empty = np.empty((0, len(self.periods)))
        for i, s in enumerate(self.strategy_names):
            treasury[(s, main)] = replace(
                treasury[(s, main)],
                min_cash_usd=self.min_cash_usd[i],
                cash_sample_usd=empty if self._cash_fan is None else self._cash_fan[i],
            )
        fan: dict[str, FloatArray] = {
            key: _quantiles(self._fan.get(key, empty))
            for key in _MARKET_FANS.values()
            if key in self._fan or key != POWER_FAN
        }
        # each other index market's, in the order of its first site (every chunk's order)
        fan.update({key: _quantiles(q) for key, q in self._fan.items() if key not in fan})
        for s in self.strategy_names:
            fan[f"cash_usd:{s}"] = _quantiles(treasury[(s, main)].cash_sample_usd)
        self._fan = {}  # the market samples are not kept (their quantiles are)
        fcf = self._fcf / n
        tv, at = self.npv_with_tv_usd, self.npv_after_tax_usd
        return SimulationResult(
            periods=self.periods,
            strategy_names=list(self.strategy_names),
            npv_usd={s: self.npv_usd[i] for i, s in enumerate(self.strategy_names)},
            deterministic_npv_usd={},
            treasury=treasury,
            policies=self.policies,
            prob_reverse_margin_direct=self._direct / n,
            prob_reverse_margin_total=self._total / n,
            fan=fan,
            mean_cash_flow_usd={s: fcf[i] for i, s in enumerate(self.strategy_names)},
            npv_with_terminal_value_usd=(
                {} if tv is None else {s: tv[i] for i, s in enumerate(self.strategy_names)}
            ),
            npv_after_tax_usd=(
                {} if at is None else {s: at[i] for i, s in enumerate(self.strategy_names)}
            ),
        )


def combine_chunks(
    results: Iterable[ChunkResult],
    strategy_names: Sequence[str],
    policies: Sequence[str],
    periods: pd.PeriodIndex,
    fan_paths: int,
) -> SimulationResult:
    """Join the results of every chunk of a run, given in any order (a
    :class:`ChunkCombiner` fed in chunk order); ``fan_paths`` as the run's
    ``ChunkTask.fan_paths``."""
    rs = sorted(results, key=lambda r: r.k)
    combiner = ChunkCombiner(
        strategy_names, policies, periods, [r.n for r in rs], fan_paths,
        rs[0].npv_with_tv_usd is not None,
        rs[0].npv_after_tax_usd is not None,
    )
    for r in rs:
        combiner.add(r)
    return combiner.result()
