"""Tests of the mempool.space fetcher on recorded responses (no network).

The HTTP layer is replaced by :class:`httpx.MockTransport` serving the files of
``tests/data/mempool`` (see its README): only the network boundary is mocked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hashpivot.exceptions import FetchError
from hashpivot.io import NetworkState
from hashpivot.io import mempool as M  # noqa: N812
from tests.mempool_recordings import MEMPOOL_DATA as DATA
from tests.mempool_recordings import recorded_handler

BASE = "https://mempool.example/api"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


# --------------------------------------------------------------------------- parsers


def test_parse_tip_height() -> None:
    assert M._parse_tip_height((DATA / "tip_height.json").read_text()) == 916_532
    assert M._parse_tip_height(" 698767\n") == 698_767
    with pytest.raises(FetchError, match="not an integer"):
        M._parse_tip_height("<html>rate limited</html>")
    with pytest.raises(FetchError, match="negative"):
        M._parse_tip_height("-1")


def test_parse_hashrate() -> None:
    hashrate_th_s, difficulty = M._parse_hashrate(load("hashrate_3d.json"))
    assert hashrate_th_s == pytest.approx(1.0188e21 / 1e12)  # H/s -> TH/s
    assert difficulty == 142342602928674.9
    with pytest.raises(FetchError, match="currentDifficulty"):
        M._parse_hashrate({"currentHashrate": 1e21})
    with pytest.raises(FetchError, match="positive"):
        M._parse_hashrate({"currentHashrate": 0, "currentDifficulty": 1.0})
    with pytest.raises(FetchError, match="expected a number"):
        M._parse_hashrate({"currentHashrate": "1e21", "currentDifficulty": 1.0})
    with pytest.raises(FetchError, match="expected an object"):
        M._parse_hashrate([1, 2])


def test_parse_blocks() -> None:
    blocks = M._parse_blocks(load("blocks.json"))
    assert blocks.newest_height == 916_532 and blocks.oldest_height == 916_518
    assert len(blocks.fees_sat) == 15
    assert blocks.fees_sat[0] == 3_412_876  # newest first
    # Hand sum of the 15 extras.totalFees = 45,139,930 sat.
    assert blocks.mean_fees_btc_per_block == pytest.approx(45_139_930 / 15 / 1e8)
    assert blocks.newest_time == dt.datetime(2025, 9, 26, 23, 53, tzinfo=dt.UTC)
    assert blocks.difficulty == 142342602928674.9
    # Order of the list does not matter.
    assert M._parse_blocks(load("blocks.json")[::-1]) == blocks


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ([], "non-empty list"),
        ({"height": 1}, "non-empty list"),
        ([{"height": 1, "timestamp": 1, "difficulty": 1}], "extras.totalFees"),
        ([{"height": 1, "timestamp": 1, "difficulty": 1, "extras": {"totalFees": -5}}], "negative"),
        ([{"height": "x", "timestamp": 1, "difficulty": 1, "extras": {"totalFees": 5}}], "height"),
        ([{"height": 1, "difficulty": 1, "extras": {"totalFees": 5}}], "timestamp"),
        ([1], "not an object"),
    ],
)
def test_parse_blocks_rejects(payload: Any, match: str) -> None:
    with pytest.raises(FetchError, match=match):
        M._parse_blocks(payload)


def test_parse_prices() -> None:
    assert M._parse_prices(load("prices.json")) == 109_669.0
    # The documented example of the API (2023-12-22).
    assert M._parse_prices({"time": 1703252411, "USD": 43753, "EUR": 40545}) == 43_753.0
    with pytest.raises(FetchError, match="USD"):
        M._parse_prices({"time": 1, "EUR": 5})
    with pytest.raises(FetchError, match="positive"):
        M._parse_prices({"USD": -1})


# --------------------------------------------------------------------------- fetch


def test_get_network_state_recorded() -> None:
    seen: list[str] = []
    with client_for(recorded_handler(seen=seen)) as client:
        state = M.get_network_state(base_url=BASE + "/", client=client)
    assert isinstance(state, NetworkState)
    assert state.date == dt.date(2025, 9, 26)
    assert state.height == 916_532
    assert state.btc_price_usd == 109_669.0
    assert state.difficulty == 142342602928674.9
    assert state.hashrate_th_s == pytest.approx(1.0188e9)
    assert state.subsidy_btc_per_block == 3.125  # 916,532 is in the 4th halving era
    assert state.fees_btc_per_block == pytest.approx(45_139_930 / 15 / 1e8)
    assert "mempool.space" in state.source and "15 blocks" in state.source
    assert seen == [
        "/api/blocks/tip/height",
        "/api/v1/mining/hashrate/3d",
        "/api/v1/blocks",
        "/api/v1/prices",
    ]


def test_get_network_state_pages_fee_blocks() -> None:
    seen: list[str] = []
    with client_for(recorded_handler(seen=seen)) as client:
        state = M.get_network_state(base_url=BASE, client=client, n_fee_blocks=20)
    assert "/api/v1/blocks/916517" in seen
    fees_page2 = [b["extras"]["totalFees"] for b in load("blocks_916517.json")][:5]
    assert state.fees_btc_per_block == pytest.approx((45_139_930 + sum(fees_page2)) / 20 / 1e8)
    with pytest.raises(ValueError):
        M.get_network_state(base_url=BASE, client=client, n_fee_blocks=0)


def test_matches_bundled_last_day() -> None:
    """The recorded responses describe the chain at the end of the bundled data."""
    from hashpivot.io import network_state_on

    with client_for(recorded_handler()) as client:
        live = M.get_network_state(base_url=BASE, client=client)
    bundled = network_state_on(live.date)
    assert live.height == bundled.height
    assert live.difficulty == pytest.approx(bundled.difficulty, rel=1e-9)
    assert live.subsidy_btc_per_block == bundled.subsidy_btc_per_block


def test_http_error_status() -> None:
    overrides = {"/api/v1/prices": lambda r: httpx.Response(429, text="Too Many Requests")}
    with (
        client_for(recorded_handler(overrides)) as client,
        pytest.raises(FetchError, match=r"HTTP 429: Too Many Requests"),
    ):
        M.get_network_state(base_url=BASE, client=client)


def test_connection_error_and_timeout() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with client_for(refuse) as client, pytest.raises(FetchError, match="ConnectError"):
        M.get_network_state(base_url=BASE, client=client)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with client_for(slow) as client, pytest.raises(FetchError, match="timed out after 2 s"):
        M.get_network_state(base_url=BASE, client=client, timeout_s=2)


def test_not_json_and_bad_payload() -> None:
    html = {"/api/v1/blocks": lambda r: httpx.Response(200, text="<html>maintenance</html>")}
    with client_for(recorded_handler(html)) as client, pytest.raises(FetchError, match="JSON"):
        M.get_network_state(base_url=BASE, client=client)
    odd = {"/api/v1/mining/hashrate/3d": lambda r: httpx.Response(200, json={"hashrates": []})}
    with (
        client_for(recorded_handler(odd)) as client,
        pytest.raises(FetchError, match=r"unexpected payload .*hashrate"),
    ):
        M.get_network_state(base_url=BASE, client=client)


def test_own_client_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a client, one is made (with our transport here) and closed afterwards."""
    made: list[httpx.Client] = []
    real_client = httpx.Client

    def factory(**kwargs: Any) -> httpx.Client:
        kwargs["transport"] = httpx.MockTransport(recorded_handler())
        c = real_client(**kwargs)
        made.append(c)
        return c

    monkeypatch.setattr(M.httpx, "Client", factory)
    state = M.get_network_state(base_url=BASE)
    assert state.height == 916_532
    assert len(made) == 1 and made[0].is_closed
    assert made[0].headers["user-agent"].startswith("hashpivot/")
