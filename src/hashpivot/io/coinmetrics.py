"""Parse Coin Metrics Community daily BTC network data into hashpivot's daily columns.

The raw layout is the Coin Metrics Community API v4 ``timeseries/asset-metrics`` CSV
(``asset, date, AdrActCnt, BlkCnt, DiffMean, FeeTotUSD, HashRate, IssTotUSD, PriceUSD,
TxCnt``, one row per UTC day). Coin Metrics Community data is licensed CC BY-NC 4.0:
"Source: Coin Metrics Community Network Data".

Block heights
-------------
Coin Metrics' ``BlkCnt`` does not count the genesis block (height 0): the 2009-01-03 row
has ``BlkCnt = 0``. The height of the last block of a day is therefore the cumulative
``BlkCnt`` from 2009-01-03 (not that sum minus one). This was checked on every day of the
history against the issuance: on each day the mean subsidy over heights
``height_end - blocks + 1 .. height_end`` equals ``IssTotUSD / PriceUSD / BlkCnt``
(e.g. 2016-07-09: 96 blocks at 25 BTC then 53 at 12.5 BTC).
"""

from __future__ import annotations

import os
from typing import IO

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError
from hashpivot.io._columns import BTC_DAILY_COLUMNS

#: Raw Coin Metrics columns this parser needs.
RAW_COLUMNS: tuple[str, ...] = (
    "date",
    "BlkCnt",
    "DiffMean",
    "FeeTotUSD",
    "HashRate",
    "IssTotUSD",
    "PriceUSD",
)

#: UTC day of the genesis block (height 0).
GENESIS_DATE = pd.Timestamp("2009-01-03")


def read_coinmetrics_csv(path_or_buffer: str | os.PathLike[str] | IO[str]) -> pd.DataFrame:
    """Read a Coin Metrics Community daily BTC CSV into hashpivot's daily columns.

    Parameters
    ----------
    path_or_buffer : str, path or text buffer
        A file in the raw Coin Metrics layout (see module docstring).

    Returns
    -------
    pandas.DataFrame
        Indexed by a ``DatetimeIndex`` named ``date`` (UTC days, tz-naive), with columns
        ``price_usd`` [USD/BTC], ``difficulty`` [-], ``blocks`` [blocks/day],
        ``fees_btc_per_block`` [BTC/block], ``subsidy_btc_per_block`` [BTC/block],
        ``hashrate_th_s`` [TH/s] and ``height_end`` [block height, nullable Int64]. See
        :func:`_parse_coinmetrics` for the definitions.

    Raises
    ------
    DataError
        A required column is missing or a date cannot be parsed.
    """
    try:
        raw = pd.read_csv(path_or_buffer, dtype={"date": str}, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read Coin Metrics CSV {path_or_buffer!r}: {exc}") from exc
    return _parse_coinmetrics(raw)


def _parse_coinmetrics(raw: pd.DataFrame) -> pd.DataFrame:
    """Turn a raw Coin Metrics frame into the daily columns (no I/O).

    ``fees_btc_per_block = FeeTotUSD / PriceUSD / BlkCnt`` and
    ``subsidy_btc_per_block = IssTotUSD / PriceUSD / BlkCnt`` (Coin Metrics Community has
    no BTC-denominated fee or issuance column, so both go through the same day's
    reference price; the subsidy comes out exact to ~1e-12). ``hashrate_th_s`` is Coin
    Metrics' ``HashRate``, already in TH/s. ``height_end`` is the height of the last block
    of the day, the cumulative ``BlkCnt`` since the genesis day; it is only computed when
    the frame starts on 2009-01-03 with no missing day, and is ``<NA>`` otherwise (an
    excerpt cannot know its starting height). Days with zero blocks or no price give NaN
    per-block values.
    """
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            f"Coin Metrics CSV lacks column(s) {', '.join(missing)}; "
            f"expected at least {', '.join(RAW_COLUMNS)}"
        )
    try:
        dates = pd.to_datetime(raw["date"].astype(str).str.slice(0, 10), format="%Y-%m-%d")
    except ValueError as exc:
        raise DataError(f"Coin Metrics CSV has an unparsable date: {exc}") from exc

    blocks = pd.to_numeric(raw["BlkCnt"], errors="coerce").to_numpy(dtype=float)
    price = pd.to_numeric(raw["PriceUSD"], errors="coerce").to_numpy(dtype=float)
    fee_usd = pd.to_numeric(raw["FeeTotUSD"], errors="coerce").to_numpy(dtype=float)
    iss_usd = pd.to_numeric(raw["IssTotUSD"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_block_usd = np.where((blocks > 0) & (price > 0), price * blocks, np.nan)
        fees_btc = fee_usd / per_block_usd
        subsidy_btc = iss_usd / per_block_usd

    out = pd.DataFrame(
        {
            "price_usd": price,
            "difficulty": pd.to_numeric(raw["DiffMean"], errors="coerce").to_numpy(float),
            "blocks": pd.to_numeric(raw["BlkCnt"], errors="coerce").astype("Int64").array,
            "fees_btc_per_block": fees_btc,
            "subsidy_btc_per_block": subsidy_btc,
            "hashrate_th_s": pd.to_numeric(raw["HashRate"], errors="coerce").to_numpy(float),
        },
        index=pd.DatetimeIndex(dates, name="date"),
    )
    out = out.sort_index()
    if not out.index.is_unique:
        dup = out.index[out.index.duplicated()][0].date()
        raise DataError(f"Coin Metrics CSV has a duplicated day: {dup}")

    contiguous_from_genesis = (
        len(out) > 0
        and out.index[0] == GENESIS_DATE
        and bool(((out.index[1:] - out.index[:-1]) == pd.Timedelta(days=1)).all())
        and not out["blocks"].isna().any()
    )
    if contiguous_from_genesis:
        # BlkCnt excludes the genesis block (height 0): height at day end = cumulative count.
        out["height_end"] = out["blocks"].cumsum().astype("Int64")
    else:
        out["height_end"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out[list(BTC_DAILY_COLUMNS)]


def coinmetrics_text_excerpt(text: str, days: list[str]) -> str:
    """Keep the header and the rows of the given days from a raw Coin Metrics CSV text.

    Parameters
    ----------
    text : str
        Whole raw CSV text.
    days : list of str
        Days to keep, ``YYYY-MM-DD``.

    Returns
    -------
    str
        The header line and the matching lines, byte-for-byte, in file order.
    """
    lines = text.splitlines(keepends=True)
    wanted = set(days)
    kept = [ln for ln in lines[1:] if ln.split(",", 2)[1][:10] in wanted]
    return lines[0] + "".join(kept)
