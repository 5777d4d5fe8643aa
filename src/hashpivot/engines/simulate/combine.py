"""Reduction of the chunks: :func:`combine_chunks` joins chunk results in chunk order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hashpivot.engines.simulate.result import SimulationResult
from hashpivot.engines.simulate.stats import _quantiles
from hashpivot.engines.simulate.task import ChunkResult, FloatArray
from hashpivot.treasury_totals import TreasuryTotals


def combine_chunks(
    results: Sequence[ChunkResult],
    strategy_names: Sequence[str],
    policies: Sequence[str],
    periods: pd.PeriodIndex,
) -> SimulationResult:
    """Join chunk results in chunk order (independent of the order they finished in)."""
    rs = sorted(results, key=lambda r: r.k)
    n = sum(r.n for r in rs)
    npv_all = np.concatenate([r.npv_usd for r in rs], axis=1)
    tv_parts = [r.npv_with_tv_usd for r in rs]
    npv_tv = (
        np.concatenate([np.asarray(x) for x in tv_parts], axis=1)
        if all(x is not None for x in tv_parts)
        else None
    )
    treasury = {
        key: TreasuryTotals.combine([r.treasury[key] for r in rs])
        for key in rs[0].treasury
    }
    fan: dict[str, FloatArray] = {
        "btc_price_usd": _quantiles(np.concatenate([r.fan_btc_price_usd for r in rs])),
        "hashprice_usd_per_ph_day": _quantiles(
            np.concatenate([r.fan_hashprice_usd_per_ph_day for r in rs])
        ),
    }
    if rs[0].fan_power_usd_per_mwh is not None:
        fan["power_price_usd_per_mwh"] = _quantiles(
            np.concatenate(
                [r.fan_power_usd_per_mwh for r in rs if r.fan_power_usd_per_mwh is not None]
            )
        )
    main = policies[0]
    for s in strategy_names:
        fan[f"cash_usd:{s}"] = _quantiles(treasury[(s, main)].cash_sample_usd)
    fcf = np.sum([r.mean_fcf_usd_sum for r in rs], axis=0) / n
    return SimulationResult(
        periods=periods,
        strategy_names=list(strategy_names),
        npv_usd={s: npv_all[i].copy() for i, s in enumerate(strategy_names)},
        deterministic_npv_usd={},
        treasury=treasury,
        policies=tuple(policies),
        prob_reverse_margin_direct=np.sum([r.reverse_direct_count for r in rs], axis=0) / n,
        prob_reverse_margin_total=np.sum([r.reverse_total_count for r in rs], axis=0) / n,
        fan=fan,
        mean_cash_flow_usd={s: fcf[i] for i, s in enumerate(strategy_names)},
        npv_with_terminal_value_usd=(
            {} if npv_tv is None else {s: npv_tv[i].copy() for i, s in enumerate(strategy_names)}
        ),
    )
