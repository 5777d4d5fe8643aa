"""Daily BTC chain history from the public mempool.space REST API (``hashpivot data update``).

Builds rows with the columns of the bundled table (:data:`BTC_DAILY_COLUMNS`) from four
documented endpoints (relative to ``base_url``, default ``https://mempool.space/api``):

* ``GET /v1/mining/difficulty-adjustments`` -> ``[[timestamp s, height, difficulty,
  adjustment ratio], ...]``: the difficulty of every block (that of the last retarget at or
  below its height);
* ``GET /v1/mining/blocks/timestamp/:timestamp`` -> ``{"height", "hash", "timestamp"}``:
  the block closest to a UTC midnight, which fixes the heights of each day (one request per
  day);
* ``GET /v1/mining/blocks/fees/all`` -> ``[{"avgHeight", "timestamp", "avgFees" sat, "USD"},
  ...]``: mean fees per block, grouped by UTC day (buckets are averaged per UTC day of their
  ``timestamp``);
* ``GET /v1/historical-price?currency=USD`` -> ``{"prices": [{"time" s, "USD"}, ...],
  "exchangeRates": {...}}``: the last quote of each UTC day.

Derived columns: ``blocks`` = difference of the day-end heights; ``subsidy_btc_per_block`` =
mean of the protocol subsidy over the day's heights (a blend on a halving day, as in the
bundled data); ``difficulty`` = mean over the day's blocks; ``hashrate_th_s`` = difficulty *
2^32 * blocks / 86,400 / 1e12 (the estimate the bundled data uses, see PROVENANCE.md).

Every payload goes to a ``_parse_*`` function that tests call on recorded responses
(``tests/data/mempool``). Failures raise :class:`hashpivot.exceptions.FetchError`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from hashpivot.bitcoin import block_subsidy_btc
from hashpivot.exceptions import FetchError
from hashpivot.io.mempool import (
    DEFAULT_BASE_URL,
    _bad,
    _json,
    _positive_number,
    _request,
    api_root,
)
from hashpivot.units import SATOSHI_PER_BTC

DIFFICULTY_ADJUSTMENTS_PATH = "/v1/mining/difficulty-adjustments"
BLOCK_AT_TIMESTAMP_PATH = "/v1/mining/blocks/timestamp"
BLOCK_FEES_PATH = "/v1/mining/blocks/fees/all"
HISTORICAL_PRICE_PATH = "/v1/historical-price?currency=USD"

#: Hashes per unit of difficulty. [-]
_HASHES_PER_DIFFICULTY = 2.0**32
_SECONDS_PER_DAY = 86_400
_H_PER_TH = 1e12


@dataclass(frozen=True)
class DailyRow:
    """One UTC day of chain history, in the bundled table's columns and units."""

    date: dt.date
    price_usd: float
    difficulty: float
    blocks: int
    fees_btc_per_block: float
    subsidy_btc_per_block: float
    hashrate_th_s: float
    height_end: int


def _utc_day(timestamp_s: float) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp_s, tz=dt.UTC).date()


def _midnight_after(day: dt.date) -> int:
    """Unix time of the UTC midnight that ends ``day``. [s]"""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return int(end.timestamp())


def _parse_difficulty_adjustments(payload: Any) -> tuple[list[int], list[float]]:
    """Parse ``/v1/mining/difficulty-adjustments``: retarget heights and difficulties,
    sorted by height."""
    path = DIFFICULTY_ADJUSTMENTS_PATH
    if not isinstance(payload, list) or not payload:
        raise _bad(path, "expected a non-empty list of [timestamp, height, difficulty, ratio]")
    pairs: dict[int, float] = {}
    for i, entry in enumerate(payload):
        if not isinstance(entry, list | tuple) or len(entry) < 3:
            raise _bad(path, f"entry [{i}] is not [timestamp, height, difficulty, ...]")
        height = entry[1]
        if isinstance(height, bool) or not isinstance(height, int) or height < 0:
            raise _bad(path, f"entry [{i}] height is {height!r}")
        pairs[height] = _positive_number(entry[2], path, f"entry [{i}] difficulty")
    heights = sorted(pairs)
    return heights, [pairs[h] for h in heights]


def _parse_block_at_timestamp(payload: Any) -> tuple[int, float]:
    """Parse ``/v1/mining/blocks/timestamp/:ts``: ``(height, block time [unix s])``."""
    path = BLOCK_AT_TIMESTAMP_PATH
    if not isinstance(payload, dict):
        raise _bad(path, f"expected an object, got {type(payload).__name__}")
    height = payload.get("height")
    if isinstance(height, bool) or not isinstance(height, int) or height < 0:
        raise _bad(path, f"height is {height!r}")
    stamp = payload.get("timestamp")
    if isinstance(stamp, str):
        try:
            when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise _bad(path, f"timestamp {stamp!r} is not ISO 8601") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return height, when.timestamp()
    return height, _positive_number(stamp, path, "timestamp")


def _daily_means(
    payload: Any, path: str, list_key: str | None, time_key: str, value_key: str
) -> dict[dt.date, float]:
    """Mean of ``value_key`` per UTC day of ``time_key`` over a list of buckets."""
    items = payload.get(list_key) if list_key and isinstance(payload, dict) else payload
    if not isinstance(items, list) or not items:
        raise _bad(path, f"expected a non-empty list of {{{time_key!r}, {value_key!r}}}")
    sums: dict[dt.date, list[float]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _bad(path, f"entry [{i}] is not an object")
        stamp = _positive_number(item.get(time_key), path, f"entry [{i}] {time_key}")
        value = item.get(value_key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(path, f"entry [{i}] {value_key} is {value!r}")
        if not math.isfinite(value) or value < 0:
            raise _bad(path, f"entry [{i}] {value_key} is {value!r}")
        acc = sums.setdefault(_utc_day(stamp), [0.0, 0.0])
        acc[0] += float(value)
        acc[1] += 1.0
    return {day: s / n for day, (s, n) in sums.items()}


def _parse_block_fees(payload: Any) -> dict[dt.date, float]:
    """Parse ``/v1/mining/blocks/fees/all``: mean fees per block per UTC day. [BTC/block]"""
    sat = _daily_means(payload, BLOCK_FEES_PATH, None, "timestamp", "avgFees")
    return {day: v / SATOSHI_PER_BTC for day, v in sat.items()}


def _parse_historical_price(payload: Any) -> dict[dt.date, float]:
    """Parse ``/v1/historical-price?currency=USD``: the last USD quote of each UTC day.
    [USD/BTC]"""
    path = HISTORICAL_PRICE_PATH
    items = payload.get("prices") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise _bad(path, "expected {'prices': [{'time', 'USD'}, ...]}")
    last: dict[dt.date, tuple[float, float]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _bad(path, f"prices[{i}] is not an object")
        stamp = _positive_number(item.get("time"), path, f"prices[{i}].time")
        usd = item.get("USD")
        if isinstance(usd, bool) or not isinstance(usd, int | float) or not usd > 0:
            continue  # mempool.space reports 0 (or -1) where it has no price
        day = _utc_day(stamp)
        if day not in last or stamp >= last[day][0]:
            last[day] = (stamp, float(usd))
    return {day: usd for day, (_, usd) in last.items()}


def _mean_over_heights(first: int, last: int, value: Callable[[int], float]) -> float:
    """Mean of ``value(h)`` for ``h`` in ``first..last``, piecewise by halving era."""
    total = 0.0
    h = first
    while h <= last:
        era_end = min(last, (h // 210_000 + 1) * 210_000 - 1)
        total += value(h) * (era_end - h + 1)
        h = era_end + 1
    return total / (last - first + 1)


def _mean_difficulty(first: int, last: int, heights: list[int], values: list[float]) -> float:
    """Mean difficulty over blocks ``first..last`` from the retarget table. [-]"""
    if first < heights[0]:
        raise FetchError(
            f"mempool.space difficulty adjustments start at height {heights[0]}, after "
            f"block {first}"
        )
    total = 0.0
    h = first
    while h <= last:
        k = bisect.bisect_right(heights, h) - 1
        seg_end = last if k + 1 >= len(heights) else min(last, heights[k + 1] - 1)
        total += values[k] * (seg_end - h + 1)
        h = seg_end + 1
    return total / (last - first + 1)


def build_daily_rows(
    days: Iterable[dt.date],
    height_end: dict[dt.date, int],
    height_before: int,
    retargets: tuple[list[int], list[float]],
    fees_btc_per_block: dict[dt.date, float],
    price_usd: dict[dt.date, float],
) -> list[DailyRow]:
    """Assemble daily rows; a day without price, fees or blocks ends the series there.

    Parameters
    ----------
    days : iterable of datetime.date
        Consecutive UTC days, oldest first.
    height_end : dict
        Height of each day's last block. [-]
    height_before : int
        Height of the last block before the first day. [-]
    retargets : tuple of list
        Retarget heights [-] and difficulties [-], sorted by height.
    fees_btc_per_block, price_usd : dict
        Mean fees per block [BTC/block] and the day's price [USD/BTC].
    """
    rows: list[DailyRow] = []
    prev = height_before
    for day in days:
        end = height_end.get(day)
        if end is None or day not in price_usd or day not in fees_btc_per_block or end <= prev:
            break
        first = prev + 1
        blocks = end - prev
        difficulty = _mean_difficulty(first, end, *retargets)
        rows.append(
            DailyRow(
                date=day,
                price_usd=price_usd[day],
                difficulty=difficulty,
                blocks=blocks,
                fees_btc_per_block=fees_btc_per_block[day],
                subsidy_btc_per_block=_mean_over_heights(first, end, block_subsidy_btc),
                hashrate_th_s=difficulty * _HASHES_PER_DIFFICULTY * blocks / _SECONDS_PER_DAY
                / _H_PER_TH,
                height_end=end,
            )
        )
        prev = end
    return rows


def fetch_daily_history(
    first_day: dt.date,
    height_before: int,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    timeout_s: float = 30.0,
    today: dt.date | None = None,
) -> list[DailyRow]:
    """Fetch complete UTC days from ``first_day`` to yesterday (UTC).

    Parameters
    ----------
    first_day : datetime.date
        First day to fetch.
    height_before : int
        Height of the last block before ``first_day`` (``-1`` from the genesis day). [-]
    base_url : str
        API root of mempool.space or a self-hosted instance.
    client : httpx.Client, optional
        Client to use (and not close).
    timeout_s : float
        Timeout of each request. [s]
    today : datetime.date, optional
        UTC today (default: the clock); only days before it are complete.

    Returns
    -------
    list of DailyRow
        Oldest first; empty when there is no complete new day. The series stops at the
        first day the API lacks a price or fees for.

    Raises
    ------
    FetchError
        Connection failure, timeout, HTTP status other than 200 or an unexpected payload.
    InputError
        ``base_url`` is not an http(s) URL with a host
        (:func:`hashpivot.io.mempool.api_root`).
    """
    from hashpivot import __version__

    today = today or dt.datetime.now(dt.UTC).date()
    days = [first_day + dt.timedelta(days=k) for k in range((today - first_day).days)]
    if not days:
        return []
    root = api_root(base_url)
    own = client is None
    http = client or httpx.Client(
        headers={"User-Agent": f"hashpivot/{__version__}"}, follow_redirects=True
    )
    try:

        def get(path: str) -> Any:
            url = root + path
            return _json(_request(http, url, timeout_s), url)

        retargets = _parse_difficulty_adjustments(get(DIFFICULTY_ADJUSTMENTS_PATH))
        fees = _parse_block_fees(get(BLOCK_FEES_PATH))
        prices = _parse_historical_price(get(HISTORICAL_PRICE_PATH))
        ends: dict[dt.date, int] = {}
        for day in days:
            if day not in prices or day not in fees:
                break
            midnight = _midnight_after(day)
            height, block_time = _parse_block_at_timestamp(
                get(f"{BLOCK_AT_TIMESTAMP_PATH}/{midnight}")
            )
            ends[day] = height - 1 if block_time >= midnight else height
    finally:
        if own:
            http.close()
    return build_daily_rows(days, ends, height_before, retargets, fees, prices)
