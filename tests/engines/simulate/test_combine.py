"""Tests of the streaming reduction of the chunks (hashpivot.engines.simulate.combine)."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.engines.simulate import (
    ChunkCombiner,
    ChunkResult,
    PreparedRun,
    SimulationConfig,
    combine_chunks,
    prepare,
    run_chunk,
    simulate,
)
from hashpivot.engines.simulate.chunk import FAN_PATHS_MAX, fan_rows
from hashpivot.engines.simulate.stats import _quantiles
from hashpivot.treasury.totals import TreasuryTotals
from tests.engines.simulate_inputs import assert_same_result, portfolio


def _run() -> tuple[PreparedRun, list[ChunkResult]]:
    """A prepared run of 6 chunks (the last one short) and its chunk results."""
    pf = portfolio(kind="index")
    cfg = SimulationConfig(n_paths=1_030, horizon_months=30, seed=3, chunk_paths=200,
                           policies=("sell_to_cover", "hold"), fan_paths_per_chunk=40)
    run = prepare(pf, cfg)
    return run, [run_chunk(run.task, *c) for c in run.chunks]


def _combiner(run: PreparedRun, results: list[ChunkResult]) -> ChunkCombiner:
    """An empty combiner for ``run``'s chunks (sized by ``results``), as the run builds it."""
    task = run.task
    return ChunkCombiner(task.strategy_names, task.policies, run.center.periods,
                         [r.n for r in results], task.fan_paths, task.keeps_terminal_value)


def test_any_arrival_order_gives_the_concatenation_of_the_chunks() -> None:
    run, results = _run()
    task = run.task
    names, pols = task.strategy_names, task.policies
    ordered = combine_chunks(results, names, pols, run.center.periods, task.fan_paths)
    comb = _combiner(run, results)
    order = [3, 5, 0, 4, 1, 2]  # chunks finishing out of order, as on Dask
    for k in order:
        comb.add(results[k])
    shuffled = comb.result()
    assert_same_result(ordered, shuffled)
    # independent reference: what the chunks hold, concatenated in chunk order
    for i, s in enumerate(names):
        np.testing.assert_array_equal(
            ordered.npv_usd[s], np.concatenate([r.npv_usd[i] for r in results]))
        assert ordered.npv_with_terminal_value_usd[s] is not None
        np.testing.assert_array_equal(
            ordered.npv_with_terminal_value_usd[s],
            np.concatenate([np.asarray(r.npv_with_tv_usd)[i] for r in results]))
        main = ordered.treasury[(s, pols[0])]
        np.testing.assert_array_equal(
            main.min_cash_usd,
            np.concatenate([r.treasury[(s, pols[0])].min_cash_usd for r in results]))
        np.testing.assert_array_equal(
            ordered.fan[f"cash_usd:{s}"],
            _quantiles(np.concatenate([r.treasury[(s, pols[0])].cash_sample_usd
                                       for r in results])))
        # totals: the plain sums over the chunks, in chunk order
        assert main.forced_btc_sum == sum(r.treasury[(s, pols[0])].forced_btc_sum
                                          for r in results)
        assert ordered.treasury[(s, pols[1])].min_cash_usd.size == 0
    np.testing.assert_array_equal(
        ordered.prob_reverse_margin_direct,
        np.sum([r.reverse_direct_count for r in results], axis=0) / 1_030)
    np.testing.assert_array_equal(
        ordered.fan["power_price_usd_per_mwh"],
        _quantiles(np.concatenate([np.asarray(r.fan_power_usd_per_mwh) for r in results])))
    fcf = np.sum([r.mean_fcf_usd_sum for r in results], axis=0) / 1_030
    for i, s in enumerate(names):
        np.testing.assert_array_equal(ordered.mean_cash_flow_usd[s], fcf[i])


def test_per_path_values_are_held_once_in_the_run_arrays() -> None:
    run, results = _run()
    task = run.task
    comb = _combiner(run, results)
    for r in results:
        comb.add(r)
    res = comb.result()
    for i, s in enumerate(task.strategy_names):
        # views of the (strategies, paths) arrays, not copies
        assert np.shares_memory(res.npv_usd[s], comb.npv_usd)
        assert comb.npv_with_tv_usd is not None
        assert np.shares_memory(res.npv_with_terminal_value_usd[s], comb.npv_with_tv_usd)
        assert np.shares_memory(res.treasury[(s, task.policies[0])].min_cash_usd,
                                comb.min_cash_usd[i])
    assert comb.npv_usd.shape == (len(task.strategy_names), 1_030)


def test_a_chunk_twice_or_missing_is_an_error() -> None:
    run, results = _run()
    comb = _combiner(run, results)
    comb.add(results[1])
    with pytest.raises(ValueError, match="already"):
        comb.add(results[1])
    with pytest.raises(ValueError, match="not combined"):
        comb.result()


def test_fan_rows_stop_at_the_cap() -> None:
    rows = [fan_rows(k, 5_000, 250) for k in range(200)]
    assert sum(rows) == FAN_PATHS_MAX and rows[0] == 250 and rows[-1] == 0
    assert fan_rows(0, 100, 250) == 100


@pytest.mark.slow
def test_dask_streaming_gives_the_local_result() -> None:
    pytest.importorskip("dask.distributed")
    pf = portfolio(kind="index")
    cfg = SimulationConfig(n_paths=700, horizon_months=24, seed=9, chunk_paths=100,
                           policies=("sell_to_cover", "hold"))
    assert_same_result(simulate(pf, cfg, threads=2), simulate(pf, cfg, workers=2))


def test_treasury_totals_plus_is_the_chunk_order_sum() -> None:
    run, results = _run()
    key = (run.task.strategy_names[0], run.task.policies[0])
    parts = [r.treasury[key] for r in results]
    tot = TreasuryTotals.combine(parts)
    assert tot.n_paths == 1_030
    assert tot.min_cash_usd.size == 1_030
    lean = TreasuryTotals.combine([p.without_paths() for p in parts])
    assert lean.min_cash_usd.size == 0 and lean.cash_sample_usd.shape[0] == 0
    assert lean.metrics()["end_cash_mean_usd"] == tot.metrics()["end_cash_mean_usd"]
