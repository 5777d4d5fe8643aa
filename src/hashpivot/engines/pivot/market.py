"""The market path of the pivot model.

:func:`market_start` resolves the first month and the market state at start (explicit
``[pivot]`` values, else the bundled Coin Metrics data, else a built-in fallback);
:func:`growth_market` builds :class:`~hashpivot.market.MarketPaths` growing at constant
compound rates; :func:`deterministic_market` is the one path of ``[pivot]``.

Hash value follows the BTC price, network hashrate, fees and the block subsidy (halvings
at heights 1,050,000 and 1,260,000, the height advancing 144 blocks a day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.bitcoin import hashrate_from_difficulty, period_subsidy_btc, year_later
from hashpivot.engines.pivot.inputs import _pivot_spec
from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.market import MarketPaths
from hashpivot.models.pivot import PivotSpec
from hashpivot.scenarios.margin import MarginResponse, loss_spell_note, respond_to_margin
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models import Portfolio


BLOCKS_PER_DAY: int = 144
#: Fallback market state when the bundled BTC data cannot be read (Coin Metrics,
#: 2025-09-26): price [USD], difficulty-implied hashrate [TH/s], fees [BTC], height.
_FALLBACK_STATE = {
    "date": dt.date(2025, 9, 26),
    "btc_price_usd": 109_669.10,
    "network_hashrate_th_s": 1.0187e9,
    "fees_btc_per_block": 0.028,
    "height": 916_532,
}


@dataclass(frozen=True)
class MarketStart:
    """Market state at the first modelled month, and where each figure came from.

    Attributes
    ----------
    start : pandas.Period
        First month.
    btc_price_usd : float
        BTC price at start. [USD]
    network_hashrate_th_s : float
        Network hashrate at start. [TH/s]
    fees_btc_per_block : float
        Fees per block. [BTC]
    height : int
        Block height at the start of the first month. [-]
    source : str
        Origin of the defaults.
    fees_source : str
        Origin of the default fees: the mean of the last :data:`FEES_MEAN_DAYS` days and
        the sources of those days.
    history_sources : tuple of dict
        The sources of those days of the daily history, span by span (``first``,
        ``last``, ``attribution``: :func:`hashpivot.io.btc_daily_sources`), the days the
        start state was read from; empty for the built-in fallback.
    """

    start: pd.Period
    btc_price_usd: float
    network_hashrate_th_s: float
    fees_btc_per_block: float
    height: int
    source: str
    fees_source: str = ""
    history_sources: tuple[dict[str, str], ...] = ()


def _history_source(last: dt.date) -> str:
    """Where the latest day comes from: the bundled file (with Coin Metrics' CC BY-NC 4.0
    attribution, as every row that uses its data says it), ``hashpivot data update`` or a
    file of the user's (:func:`hashpivot.io.btc_daily_sources`)."""
    from hashpivot.io import COINMETRICS_ATTRIBUTION, network_state_on
    from hashpivot.io.user_data import MEMPOOL_ATTRIBUTION

    source = network_state_on(last).source
    if source == COINMETRICS_ATTRIBUTION:
        return f"bundled {COINMETRICS_ATTRIBUTION.removeprefix('Source: ')}, {last.isoformat()}"
    if source == MEMPOOL_ATTRIBUTION:
        return f"mempool.space chain data (hashpivot data update), {last.isoformat()}"
    return f"history from {source}, {last.isoformat()}"


#: Days of history whose mean fees per block start the path (one day's fees are noisy).
FEES_MEAN_DAYS = 90


def fees_source(market_source: str, window_source: str | None = None) -> str:
    """Where the start's fees per block come from: ``window_source``, the sources of the
    last :data:`FEES_MEAN_DAYS` days the mean was taken over (:attr:`MarketStart.fees_source`,
    kept in the run's inputs as ``fees_source``); for a run stored before it, the data
    ``market_source`` names (its other figures are its last day's)."""
    if window_source:
        return window_source
    if market_source.startswith("built-in"):
        return market_source
    return f"mean of the {FEES_MEAN_DAYS} days to the last of the {market_source}"


def _fees_window_source(last: dt.date, spans: list[dict[str, str]]) -> str:
    """The mean fees' source: its last day and the sources of its days (``spans``), each
    with its days (:func:`hashpivot.io.sources_text`)."""
    from hashpivot.io import sources_text

    return f"mean of the {FEES_MEAN_DAYS} days to {last.isoformat()}: {sources_text(spans)}"


def _bundled_state() -> dict[str, Any]:
    """Latest bundled day: price, difficulty-implied hashrate, mean fees of the last
    :data:`FEES_MEAN_DAYS` days, height."""
    try:
        from hashpivot.io import btc_daily_range, btc_daily_sources, load_btc_daily

        _, last = btc_daily_range()
        first = last - dt.timedelta(days=FEES_MEAN_DAYS - 1)
        df = load_btc_daily(first, last)
        row = df.iloc[-1]
        spans = btc_daily_sources(first, last)
        return {
            "date": last,
            "btc_price_usd": float(row["price_usd"]),
            "network_hashrate_th_s": float(hashrate_from_difficulty(float(row["difficulty"]))),
            "fees_btc_per_block": float(df["fees_btc_per_block"].mean()),
            "height": int(row["height_end"]),
            "source": _history_source(last),
            "fees_source": _fees_window_source(last, spans),
            "history_sources": tuple(spans),
        }
    except (DataError, ImportError, KeyError, OSError, ValueError):
        fallback = "built-in fallback (Coin Metrics 2025-09-26)"
        return {**_FALLBACK_STATE, "source": fallback, "fees_source": fallback,
                "history_sources": ()}


def market_start(spec: PivotSpec, start: pd.Period | str | None = None) -> MarketStart:
    """Resolve the start month and the market state at start.

    Parameters
    ----------
    spec : PivotSpec
        Pivot settings (explicit values win over the bundled data).
    start : pandas.Period or 'YYYY-MM', optional
        Overrides ``spec.start``.

    Returns
    -------
    MarketStart
        Default start is the month after the latest bundled day; the height is advanced
        144 blocks per day from that day to the start.
    """
    state = _bundled_state()
    last: dt.date = state["date"]
    if start is None:
        start = spec.start
    period = pd.Period(last, freq="M") + 1 if start is None else pd.Period(start, freq="M")
    days = (period.start_time.date() - last).days - 1  # blocks after the last bundled day
    height = spec.start_height
    if height is None:
        height = max(0, int(state["height"]) + BLOCKS_PER_DAY * days)
    return MarketStart(
        start=period,
        btc_price_usd=float(spec.btc_price_usd or state["btc_price_usd"]),
        network_hashrate_th_s=float(spec.network_hashrate_th_s or state["network_hashrate_th_s"]),
        fees_btc_per_block=float(
            spec.fees_btc_per_block
            if spec.fees_btc_per_block is not None
            else state["fees_btc_per_block"]
        ),
        height=int(height),
        source=str(state["source"]),
        fees_source=str(state["fees_source"]),
        history_sources=tuple(state["history_sources"]),
    )


def growth_market(
    periods: pd.PeriodIndex,
    btc_price_usd: Any,
    btc_price_growth_per_year: Any,
    network_hashrate_th_s: Any,
    network_hashrate_growth_per_year: Any,
    fees_btc_per_block: float,
    start_height: int,
    response: MarginResponse | None = None,
) -> MarketPaths:
    """Market paths growing at constant compound rates, one path per parameter set.

    Parameters
    ----------
    periods : pandas.PeriodIndex
        Monthly periods.
    btc_price_usd, btc_price_growth_per_year : numeric or array (P,)
        Price at month 0 [USD] and its compound growth [1/year].
    network_hashrate_th_s, network_hashrate_growth_per_year : numeric or array (P,)
        Hashrate at month 0 [TH/s] and its compound growth [1/year].
    fees_btc_per_block : float
        Fees per block, constant. [BTC]
    start_height : int
        Height of the first block of month 0. [-]
    response : MarginResponse, optional
        ``[scenario] hashrate_response = "margin"``: the hashrate growth slows while the
        marginal fleet mines below cost (:mod:`hashpivot.scenarios.margin`); the log margin
        is kept in ``extra["log_margin"]``.

    Returns
    -------
    MarketPaths
        ``x_t = x_0 (1 + g)^(t/12)``; the subsidy is the mean of each month's blocks
        (144 per day) under Bitcoin Core's halving schedule.
    """
    p0, gp, h0, gh = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(v, dtype=float))
            for v in (
                btc_price_usd,
                btc_price_growth_per_year,
                network_hashrate_th_s,
                network_hashrate_growth_per_year,
            )
        )
    )
    n = len(periods)
    years = np.arange(n, dtype=float) / MONTHS_PER_YEAR
    price = p0[:, None] * np.power(1.0 + gp[:, None], years)
    hashrate = h0[:, None] * np.power(1.0 + gh[:, None], years)
    # month 0 starts at ``start_height``; heights advance 144 blocks a day
    first_day = periods[0].start_time if n else pd.Timestamp(0)
    subsidy = period_subsidy_btc(periods, start_height, first_day, BLOCKS_PER_DAY)
    later = period_subsidy_btc(year_later(periods), start_height, first_day, BLOCKS_PER_DAY)
    shape = price.shape
    fees = np.full(shape, float(fees_btc_per_block))
    extra: dict[str, FloatArray] = {}
    if response is not None:
        hashrate, extra["log_margin"] = respond_to_margin(
            periods, price, hashrate, fees, subsidy, response
        )
    return MarketPaths(
        periods=periods,
        btc_price_usd=price,
        network_hashrate_th_s=hashrate,
        fees_btc_per_block=fees,
        subsidy_btc_per_block=np.broadcast_to(subsidy, shape).copy(),
        extra=extra,
        subsidy_year_later_btc_per_block=later,
    )


def network_below_fleet(
    portfolio: Portfolio, tables: Sequence[str] = ("pivot",), source: str = ""
) -> list[Problem]:
    """The problems of the network hashrates given in ``tables`` (``"pivot"``,
    ``"scenario"``) that are smaller than the portfolio's own fleet (every entry's
    machines, which are part of the network); none where it is not given or holds it."""
    fleet_th_s = sum(
        float(e.count) * float(e.hashrate_th_s or 0.0) for s in portfolio.sites for e in s.fleet
    )
    problems = []
    for name in tables:
        spec = getattr(portfolio, name)
        network_th_s = None if spec is None else spec.network_hashrate_th_s
        if network_th_s is not None and network_th_s < fleet_th_s:
            problems.append(Problem(
                f"{name}.network_hashrate_th_s", f"{network_th_s:.4g} TH/s is less than the "
                f"portfolio's own fleet ({fleet_th_s:.4g} TH/s), which is part of the network",
                source))
    return problems


def deterministic_market(
    portfolio: Portfolio, start: pd.Period | str | None, horizon_months: int
) -> MarketPaths:
    """The deterministic market path of ``[pivot]`` (``n_paths = 1``).

    Parameters
    ----------
    portfolio : Portfolio
        Its ``pivot`` section (or :class:`PivotSpec` defaults) sets the growth rates.
    start : pandas.Period, 'YYYY-MM' or None
        First month (None: ``pivot.start``, else the month after the bundled data).
    horizon_months : int
        Number of months. [month]

    Returns
    -------
    MarketPaths
        One path.
    """
    spec = _pivot_spec(portfolio)
    ms = market_start(spec, start)
    below = network_below_fleet(portfolio)
    if below:
        raise InputError(below)
    periods = pd.period_range(ms.start, periods=int(horizon_months), freq="M")
    return growth_market(
        periods,
        ms.btc_price_usd,
        spec.btc_price_growth_per_year,
        ms.network_hashrate_th_s,
        spec.network_hashrate_growth_per_year,
        ms.fees_btc_per_block,
        ms.height,
        margin_response(portfolio),
    )


def margin_response(portfolio: Portfolio) -> MarginResponse | None:
    """The ``[scenario]`` margin response of the portfolio, or None (exogenous hashrate)."""
    return MarginResponse.from_spec(portfolio.scenario)


def market_notes(market: MarketPaths, response: MarginResponse | None) -> list[str]:
    """Notes on the deterministic path: a spell of more than a year below cost."""
    if response is None or "log_margin" not in market.extra:
        return []
    note = loss_spell_note(market.extra["log_margin"][0], market.periods, response)
    return [] if note is None else [note]
