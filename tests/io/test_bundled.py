"""Tests of the bundled BTC daily table and reference tables (hashpivot.io.bundled)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hashpivot.bitcoin import block_subsidy_btc
from hashpivot.exceptions import DataError
from hashpivot.io import (
    NetworkState,
    btc_daily_range,
    load_btc_daily,
    load_hosting_deals,
    load_miner_unit_costs,
    network_state_on,
)
from hashpivot.io.coinmetrics import BTC_DAILY_COLUMNS


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load_btc_daily()


def test_range_columns_and_index(btc: pd.DataFrame) -> None:
    assert list(btc.columns) == list(BTC_DAILY_COLUMNS)
    assert isinstance(btc.index, pd.DatetimeIndex)
    assert btc.index.name == "date"
    assert btc.index[0] == pd.Timestamp("2010-07-18")  # first day with a price
    assert btc.index[-1] == pd.Timestamp("2025-09-26")
    assert btc_daily_range() == (dt.date(2010, 7, 18), dt.date(2025, 9, 26))
    # One row per day, no gap.
    assert len(btc) == (btc.index[-1] - btc.index[0]).days + 1
    assert btc.index.is_monotonic_increasing and btc.index.is_unique
    assert btc["blocks"].dtype == np.int64 and btc["height_end"].dtype == np.int64


def test_no_nan_and_positive(btc: pd.DataFrame) -> None:
    assert not btc.loc["2014-01-01":].isna().any().any()
    assert not btc.isna().any().any()
    for col in ("price_usd", "difficulty", "subsidy_btc_per_block", "hashrate_th_s"):
        assert (btc[col] > 0).all(), col
    assert (btc["blocks"] > 0).all()
    assert (btc["fees_btc_per_block"] >= 0).all()
    assert (btc.loc["2012-01-01":, "fees_btc_per_block"] > 0).all()


def test_height_end_is_cumulative_block_count(btc: pd.DataFrame) -> None:
    # Consecutive days: height grows by exactly that day's block count.
    diff = btc["height_end"].diff().iloc[1:]
    assert (diff == btc["blocks"].iloc[1:]).all()


@pytest.mark.parametrize(
    ("height", "day"),
    [
        (210_000, "2012-11-28"),
        (420_000, "2016-07-09"),
        (630_000, "2020-05-11"),
        # Block 840,000's header time is 2024-04-20 00:09 UTC, but Coin Metrics counts it
        # (and 3 more) in its 2024-04-19 row: see PROVENANCE.md. Offset in blocks: 0.
        (840_000, "2024-04-19"),
    ],
)
def test_halving_heights(btc: pd.DataFrame, height: int, day: str) -> None:
    row = btc.loc[day]
    first_height = row["height_end"] - row["blocks"] + 1
    assert first_height <= height <= row["height_end"]


def test_halving_blocks_match_issuance(btc: pd.DataFrame) -> None:
    """Exact counts: the day's mean subsidy is a blend whose split pins height_end."""
    # 2016-07-09: 149 blocks, 96 at 25 BTC (heights 419,904..419,999) then 53 at 12.5.
    row = btc.loc["2016-07-09"]
    assert row["height_end"] == 420_052
    assert row["subsidy_btc_per_block"] == pytest.approx((96 * 25 + 53 * 12.5) / 149, rel=1e-9)
    # 2024-04-19: 151 blocks, 147 at 6.25 then 4 at 3.125 (840,000..840,003).
    row = btc.loc["2024-04-19"]
    assert row["height_end"] == 840_003
    assert row["subsidy_btc_per_block"] == pytest.approx((147 * 6.25 + 4 * 3.125) / 151, rel=1e-9)
    assert btc.loc["2024-04-18", "subsidy_btc_per_block"] == pytest.approx(6.25, rel=1e-9)
    assert btc.loc["2024-04-20", "subsidy_btc_per_block"] == pytest.approx(3.125, rel=1e-9)


def test_subsidy_consistent_with_heights_every_day(btc: pd.DataFrame) -> None:
    """Independent check of height_end on all 5,550 days.

    The mean subsidy over heights ``height_end - blocks + 1 .. height_end`` (Bitcoin
    Core's schedule) must equal Coin Metrics' issuance per block. Tolerance 1e-4
    relative: the values agree to ~1e-9 except on 2022-09-09..12, where Coin Metrics'
    IssTotUSD and PriceUSD disagree by up to 2.2e-5 (a price revision, not a block
    count); a one-block shift on a halving day would move the mean by >= 0.3 %.
    """
    h_end = btc["height_end"].to_numpy()
    blocks = btc["blocks"].to_numpy()
    h_start = h_end - blocks + 1
    total = np.zeros(len(btc))
    for era in range(6):
        lo, hi = era * 210_000, (era + 1) * 210_000 - 1
        n_in_era = np.clip(np.minimum(h_end, hi) - np.maximum(h_start, lo) + 1, 0, None)
        total += n_in_era * 50.0 / 2**era
    expected = total / blocks
    np.testing.assert_allclose(btc["subsidy_btc_per_block"], expected, rtol=1e-4)
    off = np.abs(btc["subsidy_btc_per_block"].to_numpy() / expected - 1) > 1e-6
    assert btc.index[off].strftime("%Y-%m-%d").tolist() == [
        "2022-09-09",
        "2022-09-10",
        "2022-09-11",
        "2022-09-12",
    ]
    # The tip height on the last day against Bitcoin Core's rule for a single block.
    assert block_subsidy_btc(int(h_end[-1])) == 3.125


def test_hashrate_vs_difficulty_2024(btc: pd.DataFrame) -> None:
    """hashrate_th_s ~ difficulty * 2^32 / 600 / 1e12 (difficulty definition) over 2024.

    Coin Metrics' HashRate is the hashrate implied by the day's blocks:
    D * 2^32 * BlkCnt / 86,400 s, so its ratio to the 600-s formula is BlkCnt / 144.
    Blocks came a bit faster than 600 s on average in 2024 (hashrate grows within each
    2016-block epoch) and a single day's block count is Poisson-noisy (sd ~ 8 %), so the
    mean ratio is near 1 but not exact: within 15 % on average.
    """
    y = btc.loc["2024-01-01":"2024-12-31"]
    ratio = y["hashrate_th_s"] / (y["difficulty"] * 2**32 / 600 / 1e12)
    assert len(y) == 366
    assert abs(ratio.mean() - 1.0) < 0.15
    # The exact identity, to the 10-significant-digit rounding of the stored values.
    implied = y["difficulty"] * 2**32 * y["blocks"] / 86_400 / 1e12
    np.testing.assert_allclose(y["hashrate_th_s"], implied, rtol=1e-8)


def test_known_values(btc: pd.DataFrame) -> None:
    # Raw Coin Metrics values (see tests/data/coinmetrics_sample.csv), 10 sig. digits.
    row = btc.loc["2024-04-20"]
    assert row["price_usd"] == pytest.approx(64907.9928366452, rel=1e-9)
    assert row["blocks"] == 130
    assert row["difficulty"] == pytest.approx(86388558925171.02, rel=1e-9)
    # Runes launch: fees 78.3M USD over 130 blocks at 64,908 USD/BTC = 9.28 BTC/block.
    assert row["fees_btc_per_block"] == pytest.approx(78309324.417887 / 64907.9928366452 / 130)
    assert btc.loc["2025-09-26", "height_end"] == 916_532


def test_window_and_copy() -> None:
    w = load_btc_daily("2024-01-01", dt.date(2024, 1, 31))
    assert len(w) == 31
    assert w.index[0] == pd.Timestamp("2024-01-01") and w.index[-1] == pd.Timestamp("2024-01-31")
    w["price_usd"] = 0.0  # a copy: must not touch the cache
    assert (load_btc_daily("2024-01-01", "2024-01-31")["price_usd"] > 0).all()
    assert len(load_btc_daily(start="2025-09-01")) == 26
    assert load_btc_daily(end="2010-07-20").index[-1] == pd.Timestamp("2010-07-20")


@pytest.mark.parametrize(
    ("start", "end"),
    [("2009-01-01", "2010-12-31"), ("2025-09-01", "2025-12-31"), ("2030-01-01", None)],
)
def test_window_outside_range(start: str, end: str | None) -> None:
    with pytest.raises(DataError, match="2010-07-18 to 2025-09-26"):
        load_btc_daily(start, end)


def test_bad_window() -> None:
    with pytest.raises(DataError, match="after end"):
        load_btc_daily("2024-02-01", "2024-01-01")
    with pytest.raises(DataError, match="not a date"):
        load_btc_daily("yesterday-ish")


def test_network_state_on() -> None:
    s = network_state_on("2020-05-11")
    assert isinstance(s, NetworkState)
    assert s.date == dt.date(2020, 5, 11)
    assert s.height == 630_028
    assert s.btc_price_usd == pytest.approx(8591.65288433665, rel=1e-9)
    assert s.subsidy_btc_per_block == pytest.approx((128 * 12.5 + 29 * 6.25) / 157, rel=1e-9)
    assert s.hashrate_th_s == pytest.approx(125690168.62291455, rel=1e-9)
    assert "Coin Metrics" in s.source
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.height = 1  # type: ignore[misc]
    d = s.as_dict()
    assert d["date"] == "2020-05-11" and d["height"] == 630_028
    assert network_state_on(pd.Timestamp("2020-05-11 15:00")) == s
    with pytest.raises(DataError, match="available"):
        network_state_on("2026-01-01")


def test_reference_tables() -> None:
    deals = load_hosting_deals()
    assert {"deal", "operator", "tenant", "critical_it_mw", "implied_usd_per_kw_month"} <= set(
        deals.columns
    )
    assert "core_scientific_coreweave_initial" in set(deals["deal"])
    costs = load_miner_unit_costs()
    assert {"period", "metric", "value", "unit"} <= set(costs.columns)
    deals.loc[:, "operator"] = "x"
    assert (load_hosting_deals()["operator"] != "x").all()
