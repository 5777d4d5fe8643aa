"""Daily backtest: a portfolio's unit economics over a historical window.

Uses the bundled Coin Metrics daily history (price, mean difficulty, fees per block and
the subsidy actually paid that day) and the portfolio as it stands (fleet and contracts
constant; cost items only on the days between their ``start`` and ``end``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashpivot.engines.unit_economics import cost_lines_with_items, portfolio_arrays
from hashpivot.mining import (
    COST_VIEWS,
    cost_per_btc_usd,
    hashprice_usd_per_ph_day,
    hashvalue_btc_per_ph_day,
    margin_fraction,
)
from hashpivot.models import Portfolio
from hashpivot.units import TH_PER_PH


@dataclass(frozen=True)
class BacktestResult:
    """Daily figures (``daily``) and window totals (``summary``) of a backtest."""

    daily: pd.DataFrame
    summary: dict[str, float]




def run_backtest(
    portfolio: Portfolio, start: str, end: str, history: pd.DataFrame | None = None
) -> BacktestResult:
    """Daily hashprice, BTC mined, revenue, cost per BTC (direct, total) and margins.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    start, end : str
        Window, inclusive (YYYY-MM-DD).
    history : pandas.DataFrame, optional
        Daily network data with columns ``price_usd, difficulty, fees_btc_per_block,
        subsidy_btc_per_block``, indexed by date; defaults to the bundled history.

    Returns
    -------
    BacktestResult
        ``daily`` columns: ``btc_price_usd, difficulty, fees_btc_per_block,
        subsidy_btc_per_block, hashprice_usd_per_ph_day, btc_mined, revenue_usd,
        power_cost_usd, cost_<view>_usd, cost_per_btc_<view>_usd, margin_<view>_fraction``
        for the views direct, total, production and all_in.
    """
    if history is None:
        from hashpivot.io import load_btc_daily

        history = load_btc_daily(start, end)
    else:
        history = history.loc[start:end]
    dates = pd.DatetimeIndex(history.index)
    price = history["price_usd"].to_numpy(float)
    diff = history["difficulty"].to_numpy(float)
    fees = history["fees_btc_per_block"].to_numpy(float)
    subsidy = history["subsidy_btc_per_block"].to_numpy(float)

    arr = portfolio_arrays(portfolio)
    hv_ph = hashvalue_btc_per_ph_day(diff, subsidy, fees)
    btc = hv_ph / TH_PER_PH * float(arr.net_effective_hashrate_th_s.sum())
    revenue = btc * price
    power_cost = float(arr.power_cost_usd_per_day.sum())

    # per-view daily cost: constant lines plus date-bounded cost items; each line keeps the
    # item it comes from, so items sharing a name (a cost that steps up over dated periods)
    # each apply on their own days
    lines = cost_lines_with_items(portfolio, arr)
    active = [item.active_on(dates).astype(float) if item is not None else 1.0 for _, item in lines]

    out = pd.DataFrame(index=dates)
    out.index.name = "date"
    out["btc_price_usd"] = price
    out["difficulty"] = diff
    out["fees_btc_per_block"] = fees
    out["subsidy_btc_per_block"] = subsidy
    out["hashprice_usd_per_ph_day"] = hashprice_usd_per_ph_day(price, diff, subsidy, fees)
    out["btc_mined"] = btc
    out["revenue_usd"] = revenue
    out["power_cost_usd"] = power_cost
    summary: dict[str, float] = {
        "days": float(len(dates)),
        "btc_mined": float(btc.sum()),
        "revenue_usd": float(revenue.sum()),
        "power_cost_usd": power_cost * len(dates),
    }
    for view, cats in COST_VIEWS.items():
        cost = np.zeros(len(dates))
        for (line, _), factor in zip(lines, active, strict=True):
            if line.category in cats:
                cost = cost + line.usd_per_day * factor
        per_btc = cost_per_btc_usd(cost, btc)
        out[f"cost_{view}_usd"] = cost
        out[f"cost_per_btc_{view}_usd"] = per_btc
        out[f"margin_{view}_fraction"] = margin_fraction(price, per_btc)
        summary[f"cost_{view}_usd"] = float(cost.sum())
        summary[f"cost_per_btc_{view}_usd"] = float(cost.sum() / btc.sum())
        summary[f"margin_{view}_usd"] = float(revenue.sum() - cost.sum())
        summary[f"days_reverse_margin_{view}"] = float((per_btc > price).sum())
    return BacktestResult(daily=out, summary=summary)
