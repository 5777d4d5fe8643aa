"""Tests of the Coin Metrics parser (hashpivot.io.coinmetrics)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.exceptions import DataError
from hashpivot.io import load_btc_daily, read_coinmetrics_csv
from hashpivot.io.coinmetrics import BTC_DAILY_COLUMNS, coinmetrics_text_excerpt

SAMPLE = Path(__file__).parents[1] / "data" / "coinmetrics_sample.csv"

HEADER = "asset,date,AdrActCnt,BlkCnt,DiffMean,FeeTotUSD,HashRate,IssTotUSD,PriceUSD,TxCnt\n"


def test_sample_equals_bundled_rows() -> None:
    """The raw excerpt (19 rows copied byte-for-byte from the raw file) parses to the
    bundled rows; tolerance 1e-9 relative = the 10-significant-digit rounding of the
    bundled file."""
    parsed = read_coinmetrics_csv(SAMPLE)
    assert len(parsed) == 19
    assert list(parsed.columns) == list(BTC_DAILY_COLUMNS)
    assert parsed.index.name == "date"
    bundled = load_btc_daily().loc[parsed.index]
    floats = [c for c in BTC_DAILY_COLUMNS if c not in ("blocks", "height_end")]
    np.testing.assert_allclose(
        parsed[floats].to_numpy(float), bundled[floats].to_numpy(float), rtol=1e-9
    )
    assert (parsed["blocks"].to_numpy(np.int64) == bundled["blocks"].to_numpy()).all()
    # An excerpt cannot know its starting height: height_end is left missing.
    assert parsed["height_end"].isna().all()


def test_sample_hand_values() -> None:
    parsed = read_coinmetrics_csv(SAMPLE)
    row = parsed.loc["2020-05-11"]
    assert row["blocks"] == 157
    # IssTotUSD / PriceUSD / BlkCnt: 128 blocks at 12.5 BTC, 29 at 6.25 BTC.
    assert row["subsidy_btc_per_block"] == pytest.approx((128 * 12.5 + 29 * 6.25) / 157)
    assert row["fees_btc_per_block"] == pytest.approx(791618.1940740726 / 8591.65288433665 / 157)
    assert row["hashrate_th_s"] == pytest.approx(125690168.62291455)


def test_height_from_genesis() -> None:
    text = HEADER + (
        "btc,2009-01-03T00:00:00.000000000Z,0,0,,,,,,0\n"
        "btc,2009-01-04T00:00:00.000000000Z,0,0,,,,,,0\n"
        "btc,2009-01-05T00:00:00.000000000Z,19,19,1,,1e-9,,,0\n"
        "btc,2009-01-06T00:00:00.000000000Z,61,61,1,0,1e-9,3050,1.0,0\n"
    )
    df = read_coinmetrics_csv(io.StringIO(text))
    # BlkCnt excludes the genesis block (height 0): height at day end = cumulative count.
    assert df["height_end"].tolist() == [0, 0, 19, 80]
    assert np.isnan(df["price_usd"].iloc[0])
    assert np.isnan(df["fees_btc_per_block"].iloc[1])  # zero blocks, no price -> NaN
    assert df["subsidy_btc_per_block"].iloc[3] == pytest.approx(50.0)
    assert df["fees_btc_per_block"].iloc[3] == 0.0


def test_gap_leaves_height_missing() -> None:
    text = HEADER + (
        "btc,2009-01-03T00:00:00.000000000Z,0,0,,,,,,0\n"
        "btc,2009-01-05T00:00:00.000000000Z,19,19,1,,1e-9,,,0\n"
    )
    assert read_coinmetrics_csv(io.StringIO(text))["height_end"].isna().all()


def test_missing_column_and_bad_date() -> None:
    with pytest.raises(DataError, match="PriceUSD"):
        read_coinmetrics_csv(io.StringIO("asset,date,BlkCnt\nbtc,2020-01-01,1\n"))
    bad = HEADER + "btc,not-a-date,1,1,1,1,1,1,1,1\n"
    with pytest.raises(DataError, match="date"):
        read_coinmetrics_csv(io.StringIO(bad))
    dup = HEADER + 2 * "btc,2020-01-01T00:00:00.000000000Z,1,1,1,1,1,1,1,1\n"
    with pytest.raises(DataError, match="duplicated"):
        read_coinmetrics_csv(io.StringIO(dup))
    with pytest.raises(DataError, match="cannot read"):
        read_coinmetrics_csv(Path(__file__).parents[1] / "data" / "no_such_file.csv")


def test_excerpt_keeps_raw_lines() -> None:
    raw = SAMPLE.read_text(encoding="utf-8")
    out = coinmetrics_text_excerpt(raw, ["2024-04-20"])
    lines = out.splitlines()
    assert lines[0] == HEADER.strip()
    assert len(lines) == 2 and lines[1].startswith("btc,2024-04-20T")
    assert lines[1] in raw.splitlines()
    assert isinstance(read_coinmetrics_csv(io.StringIO(out)).index, pd.DatetimeIndex)
