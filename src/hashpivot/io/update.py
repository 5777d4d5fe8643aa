"""``hashpivot data update``: fetch the days after the latest one and store them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from hashpivot.exceptions import FetchError
from hashpivot.io.chain_history import (
    BLOCK_AT_TIMESTAMP_PATH,
    BLOCK_FEES_PATH,
    HISTORICAL_PRICE_PATH,
    _midnight_after,
    _parse_block_at_timestamp,
    _parse_block_fees,
    _parse_historical_price,
    fetch_daily_history,
)
from hashpivot.io.mempool import DEFAULT_BASE_URL, _json, _request, api_root


def _first_full_day(http: httpx.Client, root: str, timeout_s: float) -> tuple[dt.date, int]:
    """First day with both a price and fees, and the height before it."""

    def get(path: str) -> Any:
        return _json(_request(http, root + path, timeout_s), root + path)

    prices = _parse_historical_price(get(HISTORICAL_PRICE_PATH))
    fees = _parse_block_fees(get(BLOCK_FEES_PATH))
    both = sorted(set(prices) & set(fees))
    if not both:
        raise FetchError("mempool.space has no day with both a USD price and fees")
    first = both[0]
    midnight = _midnight_after(first - dt.timedelta(days=1))
    height, block_time = _parse_block_at_timestamp(get(f"{BLOCK_AT_TIMESTAMP_PATH}/{midnight}"))
    return first, (height - 1 if block_time >= midnight else height)


def update_history(
    full: bool = False,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    timeout_s: float = 30.0,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Fetch and store the daily history after the latest day (or all of it with ``full``).

    Returns
    -------
    dict
        ``days_added``, ``first_new_day``, ``latest_day``, ``file`` (None when nothing new)
        and ``data_dir``.

    Raises
    ------
    FetchError
        The API could not be reached or answered something unexpected.
    InputError
        ``base_url`` is not an http(s) URL with a host
        (:func:`hashpivot.io.mempool.api_root`).
    """
    from hashpivot import __version__
    from hashpivot.io.bundled import clear_caches
    from hashpivot.io.user_data import data_dir, last_height, latest_day, write_rows

    root = api_root(base_url)
    own = client is None
    http = client or httpx.Client(
        headers={"User-Agent": f"hashpivot/{__version__}"}, follow_redirects=True
    )
    try:
        if full:
            first_day, height_before = _first_full_day(http, root, timeout_s)
        else:
            last, height_before = last_height()
            first_day = last + dt.timedelta(days=1)
        rows = fetch_daily_history(first_day, height_before, root, http, timeout_s, today)
    finally:
        if own:
            http.close()
    path = write_rows(rows, full=full, base_url=root) if rows else None
    clear_caches()
    return {
        "days_added": len(rows),
        "first_new_day": rows[0].date.isoformat() if rows else None,
        "latest_day": latest_day().isoformat(),
        "file": None if path is None else str(path),
        "data_dir": str(data_dir()),
    }
