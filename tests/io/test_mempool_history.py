"""Daily chain history from mempool.space (``data update``): parsers, assembly, the merged
loader. Recorded responses through ``httpx.MockTransport``; every expected value is
computed by hand from the fixture numbers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from hashpivot.exceptions import FetchError
from hashpivot.io import bundled
from hashpivot.io.chain_history import (
    _mean_over_heights,
    _parse_block_fees,
    _parse_difficulty_adjustments,
    _parse_historical_price,
    fetch_daily_history,
)
from hashpivot.io.update import update_history
from hashpivot.io.user_data import latest_day, staleness_warning, status
from tests.mempool_recordings import MEMPOOL_DATA as FIX
from tests.mempool_recordings import transport

D1, D2 = 142_342_602_928_674.9, 150_000_000_000_000.0


def test_parsers_on_recorded_payloads() -> None:
    heights, diffs = _parse_difficulty_adjustments(
        json.loads((FIX / "update" / "difficulty_adjustments.json").read_text())
    )
    assert heights == [913_248, 915_264, 917_280] and diffs[-1] == D2
    fees = _parse_block_fees(json.loads((FIX / "update" / "blocks_fees_all.json").read_text()))
    assert fees[dt.date(2025, 9, 30)] == pytest.approx(0.04)  # 4,000,000 sat
    prices = _parse_historical_price(
        json.loads((FIX / "update" / "historical_price.json").read_text())
    )
    assert prices[dt.date(2025, 9, 29)] == 114_000.0  # the day's last quote


@pytest.mark.parametrize(
    "payload",
    [[], [[1, -5, 3.0]], [[1, 2]], [[1, 2, "x"]], {"a": 1}],
)
def test_bad_difficulty_payload_is_a_fetch_error(payload: Any) -> None:
    with pytest.raises(FetchError, match="difficulty-adjustments"):
        _parse_difficulty_adjustments(payload)


def test_mean_subsidy_blends_a_halving_day() -> None:
    # blocks 839,853..840,003: 147 at 6.25 BTC, 4 at 3.125 BTC
    assert _mean_over_heights(839_853, 840_003, lambda h: 6.25 if h < 840_000 else 3.125) == (
        pytest.approx((147 * 6.25 + 4 * 3.125) / 151)
    )


def test_fetch_builds_days_by_hand() -> None:
    with httpx.Client(transport=transport("update")) as client:
        rows = fetch_daily_history(
            dt.date(2025, 9, 27), 916_532, "https://x/api", client, today=dt.date(2025, 10, 2)
        )
    assert [r.date for r in rows] == [dt.date(2025, 9, 27) + dt.timedelta(d) for d in range(5)]
    assert [r.blocks for r in rows] == [144, 144, 130, 150, 190]
    assert [r.height_end for r in rows] == [916_676, 916_820, 916_950, 917_100, 917_290]
    last = rows[-1]
    # 179 blocks (917,101..917,279) at D1, 11 (917,280..917,290) at D2
    assert last.difficulty == pytest.approx((179 * D1 + 11 * D2) / 190)
    assert last.hashrate_th_s == pytest.approx(last.difficulty * 2**32 * 190 / 86_400 / 1e12)
    assert last.price_usd == 118_000.0 and last.fees_btc_per_block == pytest.approx(0.035)
    assert all(r.subsidy_btc_per_block == 3.125 for r in rows)


def test_update_appends_and_every_loader_sees_it(data_dir: Path) -> None:
    with httpx.Client(transport=transport("update")) as client:
        out = update_history(client=client, base_url="https://x/api", today=dt.date(2025, 10, 2))
    assert out["days_added"] == 5 and out["latest_day"] == "2025-10-01"
    assert (data_dir / "PROVENANCE.md").read_text().startswith("# Daily chain history")
    assert json.loads((data_dir / "btc_daily_meta.json").read_text())["btc_daily_updates.csv"][
        "source"
    ] == "https://x/api"
    daily = bundled.load_btc_daily("2025-09-25", "2025-10-01")
    assert len(daily) == 7 and daily["height_end"].iloc[-1] == 917_290
    assert bundled.btc_daily_range()[1] == dt.date(2025, 10, 1) == latest_day()
    state = bundled.network_state_on("2025-09-30")
    assert state.btc_price_usd == 113_500.0 and "mempool.space" in state.source
    assert "Coin Metrics" in bundled.network_state_on("2025-09-26").source
    # a second run has nothing new, fetches no day and keeps the file
    with httpx.Client(transport=transport("update")) as client:
        again = update_history(client=client, base_url="https://x/api", today=dt.date(2025, 10, 2))
    assert again["days_added"] == 0 and len(bundled.load_btc_daily("2025-09-27")) == 5


def test_full_rebuild_replaces_the_bundled_file(data_dir: Path) -> None:
    with httpx.Client(transport=transport("full")) as client:
        out = update_history(
            full=True, client=client, base_url="https://x/api", today=dt.date(2024, 4, 22)
        )
    assert out["first_new_day"] == "2024-04-18" and out["days_added"] == 4
    assert bundled.btc_daily_range() == (dt.date(2024, 4, 18), dt.date(2024, 4, 21))
    day = bundled.load_btc_daily("2024-04-19", "2024-04-19").iloc[0]
    assert day["blocks"] == 151
    assert day["subsidy_btc_per_block"] == pytest.approx((147 * 6.25 + 4 * 3.125) / 151)
    # the bundled file gives the same blend on that day (independent source)
    cm = bundled._bundled_btc_daily().loc["2024-04-19"]
    assert day["subsidy_btc_per_block"] == pytest.approx(cm["subsidy_btc_per_block"], rel=1e-9)
    assert "mempool.space" in bundled.network_state_on("2024-04-19").source
    assert status()["bundled"]["used"] is False and status()["chain"]["last_day"] == "2024-04-21"


def test_http_error_is_a_fetch_error_and_writes_nothing(data_dir: Path) -> None:
    failing = httpx.MockTransport(lambda r: httpx.Response(503, text="busy"))
    with httpx.Client(transport=failing) as client, pytest.raises(FetchError, match="503"):
        update_history(client=client, base_url="https://x/api", today=dt.date(2025, 10, 2))
    assert not (data_dir / "btc_daily_updates.csv").exists()


def test_staleness_warning(data_dir: Path) -> None:
    assert staleness_warning(dt.date(2025, 10, 20)) is None
    msg = staleness_warning(dt.date(2025, 12, 1))
    assert msg is not None and "2025-09-26" in msg and "data update" in msg
