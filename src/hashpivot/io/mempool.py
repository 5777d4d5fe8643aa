"""Optional live fetch of the current Bitcoin network state from the mempool.space REST API.

Nothing in hashpivot calls this implicitly: the demo and the tests use the bundled data.
Endpoints used (relative to ``base_url``, default ``https://mempool.space/api``):

* ``GET /blocks/tip/height``       -> plain-text integer, height of the chain tip;
* ``GET /v1/mining/hashrate/3d``   -> ``{"hashrates": [{"timestamp", "avgHashrate"}...],
  "difficulty": [{"time", "height", "difficulty", "adjustment"}...],
  "currentHashrate": H/s, "currentDifficulty": D}``;
* ``GET /v1/blocks[/:startHeight]`` -> the 15 blocks up to (and including) the tip or
  ``startHeight``, each with ``height, timestamp, difficulty`` and an ``extras`` object
  holding ``totalFees`` and ``reward`` in satoshis;
* ``GET /v1/prices``               -> ``{"time": unix s, "USD": price, "EUR": ...}``.

Each payload goes to a ``_parse_*`` function that tests call directly on recorded
responses (``tests/data/mempool``). Every failure (connection, timeout, HTTP status,
malformed payload) raises :class:`hashpivot.exceptions.FetchError`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import httpx

from hashpivot import __version__
from hashpivot.bitcoin import block_subsidy_btc
from hashpivot.exceptions import FetchError, InputError, Problem
from hashpivot.io.bundled import NetworkState
from hashpivot.units import H_PER_TH, SATOSHI_PER_BTC

DEFAULT_BASE_URL = "https://mempool.space/api"
TIP_HEIGHT_PATH = "/blocks/tip/height"
HASHRATE_PATH = "/v1/mining/hashrate/3d"
BLOCKS_PATH = "/v1/blocks"
PRICES_PATH = "/v1/prices"

#: Blocks returned by one ``/v1/blocks`` page (mempool.space documentation).
BLOCKS_PER_PAGE = 15


@dataclass(frozen=True)
class RecentBlocks:
    """Summary of recent blocks from ``/v1/blocks``.

    Parameters
    ----------
    newest_height : int
        Height of the newest block in the payload. [-]
    newest_time : datetime.datetime
        Header time of the newest block, UTC.
    oldest_height : int
        Height of the oldest block in the payload. [-]
    difficulty : float
        Difficulty of the newest block. [-]
    fees_sat : tuple of int
        ``extras.totalFees`` of each block, newest first. [sat]
    """

    newest_height: int
    newest_time: dt.datetime
    oldest_height: int
    difficulty: float
    fees_sat: tuple[int, ...]

    @property
    def mean_fees_btc_per_block(self) -> float:
        """Mean fees over the blocks. [BTC/block]"""
        return sum(self.fees_sat) / len(self.fees_sat) / SATOSHI_PER_BTC


def _bad(endpoint: str, why: str) -> FetchError:
    return FetchError(f"unexpected payload from mempool.space {endpoint}: {why}")


def _positive_number(value: Any, endpoint: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(endpoint, f"{field} is {value!r}, expected a number")
    x = float(value)
    if not math.isfinite(x) or x <= 0:
        raise _bad(endpoint, f"{field} is {value!r}, expected a positive number")
    return x


def _parse_tip_height(text: str) -> int:
    """Parse ``/blocks/tip/height`` (a plain-text integer). [-]"""
    try:
        height = int(str(text).strip())
    except ValueError:
        raise _bad(TIP_HEIGHT_PATH, f"{str(text)[:80]!r} is not an integer height") from None
    if height < 0:
        raise _bad(TIP_HEIGHT_PATH, f"negative height {height}")
    return height


def _parse_hashrate(payload: Any) -> tuple[float, float]:
    """Parse ``/v1/mining/hashrate/:period``.

    Returns
    -------
    tuple of float
        ``(hashrate_th_s, difficulty)``: ``currentHashrate`` converted from H/s to TH/s
        [TH/s] and ``currentDifficulty`` [-].
    """
    if not isinstance(payload, dict):
        raise _bad(HASHRATE_PATH, f"expected an object, got {type(payload).__name__}")
    for field in ("currentHashrate", "currentDifficulty"):
        if field not in payload:
            raise _bad(HASHRATE_PATH, f"missing {field!r}")
    hashrate_h_s = _positive_number(payload["currentHashrate"], HASHRATE_PATH, "currentHashrate")
    difficulty = _positive_number(payload["currentDifficulty"], HASHRATE_PATH, "currentDifficulty")
    return hashrate_h_s / H_PER_TH, difficulty


def _parse_blocks(payload: Any) -> RecentBlocks:
    """Parse ``/v1/blocks[/:startHeight]`` (a list of blocks with ``extras``)."""
    if not isinstance(payload, list) or not payload:
        raise _bad(BLOCKS_PATH, "expected a non-empty list of blocks")
    heights: list[int] = []
    fees: list[int] = []
    for i, block in enumerate(payload):
        if not isinstance(block, dict):
            raise _bad(BLOCKS_PATH, f"block [{i}] is not an object")
        extras = block.get("extras")
        if not isinstance(extras, dict) or "totalFees" not in extras:
            raise _bad(BLOCKS_PATH, f"block [{i}] has no extras.totalFees")
        total_fees = extras["totalFees"]
        if isinstance(total_fees, bool) or not isinstance(total_fees, int | float):
            raise _bad(BLOCKS_PATH, f"block [{i}] extras.totalFees is {total_fees!r}")
        if total_fees < 0:
            raise _bad(BLOCKS_PATH, f"block [{i}] has negative fees {total_fees}")
        height = block.get("height")
        if not isinstance(height, int) or isinstance(height, bool):
            raise _bad(BLOCKS_PATH, f"block [{i}] height is {height!r}")
        heights.append(height)
        fees.append(int(total_fees))
    newest = payload[max(range(len(heights)), key=heights.__getitem__)]
    timestamp = _positive_number(newest.get("timestamp"), BLOCKS_PATH, "timestamp")
    difficulty = _positive_number(newest.get("difficulty"), BLOCKS_PATH, "difficulty")
    order = sorted(range(len(heights)), key=lambda j: -heights[j])
    return RecentBlocks(
        newest_height=max(heights),
        newest_time=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC),
        oldest_height=min(heights),
        difficulty=difficulty,
        fees_sat=tuple(fees[j] for j in order),
    )


def _parse_prices(payload: Any) -> float:
    """Parse ``/v1/prices``: the ``USD`` price. [USD/BTC]"""
    if not isinstance(payload, dict) or "USD" not in payload:
        raise _bad(PRICES_PATH, "missing 'USD'")
    return _positive_number(payload["USD"], PRICES_PATH, "USD")


def api_root(base_url: str) -> str:
    """``base_url`` without its trailing ``/``, when it is an http(s) URL with a host.

    Parameters
    ----------
    base_url : str
        API root of mempool.space or a self-hosted instance.

    Returns
    -------
    str
        The root the endpoint paths are appended to.

    Raises
    ------
    InputError
        At ``base_url``: no ``http://`` or ``https://`` scheme, or no host (``junk``,
        ``mempool.space/api``): a typo, not a network failure.
    """
    try:
        url = httpx.URL(base_url) if base_url.strip() == base_url else None
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise InputError([Problem(
            "base_url", f"expected an http:// or https:// URL with a host, e.g. "
            f"{DEFAULT_BASE_URL} (got {base_url!r})")])
    return base_url.rstrip("/")


def _request(client: httpx.Client, url: str, timeout_s: float) -> httpx.Response:
    try:
        response = client.get(url, timeout=timeout_s)
    except httpx.TimeoutException as exc:
        raise FetchError(f"mempool.space request {url} timed out after {timeout_s:g} s") from exc
    except httpx.HTTPError as exc:
        why = f"{type(exc).__name__}: {exc}"
        raise FetchError(f"mempool.space request {url} failed: {why}") from exc
    if response.status_code != 200:
        snippet = response.text[:120].strip()
        raise FetchError(
            f"mempool.space request {url} answered HTTP {response.status_code}"
            + (f": {snippet}" if snippet else "")
        )
    return response


def _json(response: httpx.Response, url: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise FetchError(f"mempool.space request {url} did not return JSON: {exc}") from exc


def get_network_state(
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    timeout_s: float = 10.0,
    n_fee_blocks: int = BLOCKS_PER_PAGE,
) -> NetworkState:
    """Fetch the current network state from a mempool.space-compatible API.

    Parameters
    ----------
    base_url : str
        API root, e.g. ``https://mempool.space/api`` or a self-hosted instance.
    client : httpx.Client, optional
        Client to use (and not close); a new one is made and closed otherwise.
    timeout_s : float
        Timeout of each request. [s]
    n_fee_blocks : int
        Number of recent blocks whose fees are averaged (pages of 15 blocks are fetched
        until at least this many; Luxor's Hashrate Index uses 144). [blocks]

    Returns
    -------
    NetworkState
        ``date`` = UTC day of the newest block, ``btc_price_usd`` from ``/v1/prices``,
        ``difficulty`` and ``hashrate_th_s`` (3-day estimate) from
        ``/v1/mining/hashrate/3d``, ``fees_btc_per_block`` = mean fees of the last
        ``n_fee_blocks`` blocks, ``subsidy_btc_per_block`` = subsidy at the tip height
        (Bitcoin Core rule), ``height`` = tip height.

    Raises
    ------
    FetchError
        Connection failure, timeout, non-200 status or an unexpected payload.
    InputError
        ``base_url`` is not an http(s) URL with a host (:func:`api_root`).
    """
    if n_fee_blocks < 1:
        raise ValueError(f"n_fee_blocks must be >= 1, got {n_fee_blocks}")
    root = api_root(base_url)
    own_client = client is None
    http = client or httpx.Client(
        headers={"User-Agent": f"hashpivot/{__version__}"}, follow_redirects=True
    )
    try:
        url = root + TIP_HEIGHT_PATH
        height = _parse_tip_height(_request(http, url, timeout_s).text)
        url = root + HASHRATE_PATH
        hashrate_th_s, difficulty = _parse_hashrate(_json(_request(http, url, timeout_s), url))
        url = root + BLOCKS_PATH
        blocks = _parse_blocks(_json(_request(http, url, timeout_s), url))
        fees = list(blocks.fees_sat)
        next_start = blocks.oldest_height - 1
        for _ in range(64):  # bounded paging
            if len(fees) >= n_fee_blocks or next_start < 0:
                break
            url = f"{root}{BLOCKS_PATH}/{next_start}"
            page = _parse_blocks(_json(_request(http, url, timeout_s), url))
            fees.extend(page.fees_sat)
            next_start = page.oldest_height - 1
        fees = fees[:n_fee_blocks]
        url = root + PRICES_PATH
        price_usd = _parse_prices(_json(_request(http, url, timeout_s), url))
    finally:
        if own_client:
            http.close()
    return NetworkState(
        date=blocks.newest_time.date(),
        btc_price_usd=price_usd,
        difficulty=difficulty,
        fees_btc_per_block=sum(fees) / len(fees) / SATOSHI_PER_BTC,
        subsidy_btc_per_block=block_subsidy_btc(height),
        hashrate_th_s=hashrate_th_s,
        height=height,
        source=f"mempool.space API ({root}), fees averaged over {len(fees)} blocks",
    )
