"""Generic price files (a timestamp and a price column) and detection of known layouts."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.io._price_columns import (
    _LOCATION_NAMES,
    _UTC_WORDS,
    PRICE_WORDS,
    _columns,
    _name_words,
    _refuse_other_price_unit,
    _Words,
)
from hashpivot.io._table import (
    PathOrBuffer,
    _finish,
    _norm,
    _pick,
    _select_point,
    _source_name,
    parse_named,
    read_and_parse,
)
from hashpivot.io._timestamps import (
    _localize,
    _strictly_increasing,
    _to_datetime,
    check_years,
    iso_stamps_us,
)
from hashpivot.io.ercot import (
    _parse_ercot_dam_spp,
    _parse_ercot_hourly_lz,
    _parse_ercot_rtm_spp,
    _parse_ercot_sced_lmp,
)
from hashpivot.io.nyiso import _parse_nyiso_zonal
from hashpivot.units import INDEX_NAME, PRICE_NAME

__all__ = ["read_price_file", "read_prices_auto", "read_series_file"]

#: Rows per chunk of the fast path for large generic CSV files (:func:`_read_plain_csv`).
CHUNK_ROWS = 1_000_000
#: Files smaller than this are read whole: the fast path pays off for large files only.
PLAIN_CSV_MIN_BYTES = 8 * 2**20


def _parse_price_frame(
    df: pd.DataFrame,
    tz: str | None = None,
    timestamp_column: str | None = None,
    price_column: str | None = None,
    label: str = "start",
    words: _Words = PRICE_WORDS,
    point: str | None = None,
) -> pd.Series:
    """Parse a generic timestamp + price table (see :func:`read_price_file`); a table with
    a location column (``location``, ``node``, ``zone``...) gives the rows of ``point``
    (needed when it holds several)."""
    if df.empty:
        raise DataError(f"{words.file} is empty")
    location_col = _pick(df, *_LOCATION_NAMES, required=False)
    df = _select_point(df, location_col, point, "location")
    ts_col, price_col, ends = _columns(df.columns, timestamp_column, price_column, words)
    if ends:
        label = "end"
    if price_col is None:
        numeric = [c for c in df.columns if c not in (ts_col, location_col)
                   and pd.api.types.is_numeric_dtype(df[c])]
        if len(numeric) != 1:
            raise DataError(
                f"cannot tell which column holds the {words.quantity}{words.which} "
                f"(columns: {', '.join(map(str, df.columns))})"
            )
        price_col = str(numeric[0])
        if words.quantity == "price":
            _refuse_other_price_unit(price_col)
    if price_col not in df.columns:
        raise DataError(f"{words.file} has no column {price_col!r}")
    if pd.api.types.is_bool_dtype(df[price_col]):  # (to_numeric makes true 1.0)
        raise DataError(f"{words.column} {price_col!r} holds true/false, not numbers")
    values = pd.to_numeric(df[price_col], errors="coerce")
    if values.isna().any():
        bad = int(values.isna().sum())
        raise DataError(f"{words.column} {price_col!r} has {bad} missing or non-numeric "
                        "value(s)")
    raw_ts = df[ts_col]
    if isinstance(raw_ts.dtype, pd.DatetimeTZDtype):
        stamps = pd.DatetimeIndex(raw_ts)
    elif raw_ts.astype(str).str.strip().str.contains(r"(?:Z|[+-]\d\d:?\d\d)$").all():
        # every timestamp carries its UTC offset (which changes across DST): go via UTC
        stamps = pd.DatetimeIndex(_to_datetime(raw_ts, str(ts_col), words.file, utc=True))
    else:
        stamps = pd.DatetimeIndex(_to_datetime(raw_ts, str(ts_col), words.file))
    located = str(df[location_col].iloc[0]).strip() if location_col else None
    return _price_series(stamps, values.to_numpy(dtype=float), tz, ts_col, price_col, label,
                         words, located)


def _price_series(
    stamps: pd.DatetimeIndex,
    values: np.ndarray,
    tz: str | None,
    ts_col: str,
    price_col: str,
    label: str,
    words: _Words = PRICE_WORDS,
    location: str | None = None,
) -> pd.Series:
    """The price series of parsed interval stamps (aware, naive UTC when the column's
    name says UTC, or naive local) and prices, of ``location`` when the file names it."""
    if stamps.tz is None and _name_words(ts_col) & _UTC_WORDS:
        stamps = stamps.tz_localize("UTC")  # interval_start_utc without its "+00:00"
    infinite = ~np.isfinite(values)
    if infinite.any():  # ("inf" parses as a number; NaN was refused as missing)
        raise DataError(f"{words.column} {price_col!r} has {int(infinite.sum())} infinite "
                        f"value(s), first at row {int(np.argmax(infinite)) + 1}")
    if stamps.tz is not None:
        idx = stamps.tz_convert(tz or "UTC")
        s = pd.Series(values, index=idx, name=PRICE_NAME).sort_index()
        if not _strictly_increasing(pd.DatetimeIndex(s.index)):
            dup = s.index.duplicated(keep="first")
            if dup.any():  # offsets make every instant unique: a repeat is bad data, not DST
                raise DataError(
                    f"{words.file}: {int(dup.sum())} repeated timestamp(s) in column "
                    f"{ts_col!r}, first {s.index[dup][0].isoformat()}"
                )
    else:
        if tz is None:
            raise InputError(
                Problem(
                    path="tz",
                    message=f"the {words.file} has naive timestamps: give its time zone "
                    "(e.g. America/Chicago)",
                )
            )
        s = _localize(stamps, values, tz, None, words.file, words.quantity)
    if label not in ("start", "end"):
        raise InputError(f"label must be 'start' or 'end', got {label!r}")
    if label == "end" and len(s) > 1:
        step = pd.Series(s.index).diff().median()
        s.index = s.index - step
    s.index.name = INDEX_NAME
    tz_out = pd.DatetimeIndex(s.index).tz
    tzname = str(tz_out) if tz_out is not None else ""
    ends = f", timestamps are interval ends (column {ts_col!r})" if label == "end" else ""
    return _finish(s, "file", location or price_col, "file", f"file, tz {tzname}{ends}")


def _read_plain_csv(
    path_or_buffer: PathOrBuffer,
    tz: str | None,
    timestamp_column: str | None = None,
    price_column: str | None = None,
    label: str = "start",
    detect_layout: bool = False,
    words: _Words = PRICE_WORDS,
) -> pd.Series | None:
    """A large generic CSV read chunk by chunk, or ``None`` for the general path.

    The general path holds the whole table and a Python string per timestamp while
    parsing (about 200 bytes a row); this one keeps 16 bytes a row (the stamp and the
    price) and parses plain ISO 8601 stamps with Arrow (:func:`iso_stamps_us`). It gives
    the same series as :func:`_parse_price_frame`; whenever a chunk is not plain (a known
    layout, an unnamed price column, a missing or non-numeric price, an odd stamp, a bad
    line), it returns ``None`` and the general path reads the file and reports the
    problem as before.
    """
    if not isinstance(path_or_buffer, str | os.PathLike):
        return None
    path = Path(path_or_buffer)
    try:
        if not path.is_file() or path.suffix.lower() in {".parquet", ".pq"}:
            return None
        if path.stat().st_size < PLAIN_CSV_MIN_BYTES:
            return None
        header = pd.read_csv(path, nrows=0).columns
        if detect_layout and _known_layout({_norm(c) for c in header}):
            return None
        ts_col, price_col, ends = _columns(header, timestamp_column, price_column, words)
        if price_col is None or price_col not in header or _pick(
                pd.DataFrame(columns=header), *_LOCATION_NAMES, required=False):
            return None  # (a location column: the general path selects its rows)
        if ends:
            label = "end"
        stamps: list[np.ndarray] = []
        prices: list[np.ndarray] = []
        forms: set[bool] = set()
        with pd.read_csv(path, chunksize=CHUNK_ROWS) as reader:
            for chunk in reader:
                values = pd.to_numeric(chunk[price_col], errors="coerce")
                parsed = iso_stamps_us(chunk[ts_col])
                if parsed is None or values.isna().any():
                    return None
                stamps.append(parsed[0])
                forms.add(parsed[1])
                prices.append(values.to_numpy(dtype=float))
                del chunk, values
    except (DataError, ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError):
        return None
    if len(forms) != 1:  # no rows, or stamps with and without offsets
        return None
    micros = np.concatenate(stamps).view("datetime64[us]")
    del stamps
    index = pd.DatetimeIndex(micros)
    if forms.pop():
        index = index.tz_localize("UTC")
    price_values = np.concatenate(prices)
    del prices

    def parse() -> pd.Series:
        check_years(index, ts_col, words.file)
        return _price_series(index, price_values, tz, ts_col, price_col, label, words)

    return parse_named(_source_name(path), parse)


def read_price_file(
    path_or_buffer: PathOrBuffer,
    tz: str | None = None,
    timestamp_column: str | None = None,
    price_column: str | None = None,
    label: str = "start",
) -> pd.Series:
    """A generic CSV/Parquet price series: one timestamp column and one price column.

    Columns are found by name when not given (timestamp: ``interval_start``,
    ``timestamp``, ``datetime``, ``time``, ``date``...; price: ``price_usd_per_mwh``,
    ``price``, ``lmp``, ``spp``, ``lbmp``...; else the only numeric column). A timestamp
    column found by its name is read by what the name says: the interval's start
    (``interval_start_utc``, ``datetime_beginning_ept``) before its end, and a lone
    ``interval_end_utc`` or ``Hour Ending`` as the intervals' ends. Timestamps with a UTC
    offset are converted to ``tz`` (UTC when not given), naive ones in a column whose name
    says ``utc`` or ``gmt`` too; other naive ones are local time in ``tz``, with the
    fall-back hour resolved by order of appearance (first = daylight time) and a single
    copy given to both hours.

    Parameters
    ----------
    path_or_buffer : path or file-like
        ``.csv``, ``.csv.gz`` or ``.parquet``.
    tz : str, optional
        Market time zone; required for naive timestamps.
    timestamp_column, price_column : str, optional
        Column names, when auto-detection does not suffice.
    label : {"start", "end"}
        Whether timestamps mark interval starts or ends (hour-ending data).

    Returns
    -------
    pandas.Series
        Price per interval start. [USD/MWh]
    """
    return read_series_file(path_or_buffer, tz, timestamp_column, price_column, label)


def read_series_file(
    path_or_buffer: PathOrBuffer,
    tz: str | None = None,
    timestamp_column: str | None = None,
    value_column: str | None = None,
    label: str = "start",
    quantity: str = "price",
) -> pd.Series:
    """A generic CSV/Parquet time series, read as :func:`read_price_file` reads prices,
    its problems worded for the ``quantity`` it holds.

    Parameters
    ----------
    path_or_buffer : path or file-like
        ``.csv``, ``.csv.gz`` or ``.parquet``.
    tz : str, optional
        Time zone of naive timestamps.
    timestamp_column, value_column : str, optional
        Column names, when auto-detection does not suffice (a value column: the only
        numeric one, or one named like a price).
    label : {"start", "end"}
        Whether timestamps mark interval starts or ends.
    quantity : str
        What the file holds, singular (``"price"``, ``"emissions factor"``), for its
        messages: a price file's name the price column and ``price_column``.

    Returns
    -------
    pandas.Series
        Value per interval start (named as a price series).
    """
    words = _Words.of(quantity)
    fast = _read_plain_csv(path_or_buffer, tz, timestamp_column, value_column, label,
                           detect_layout=False, words=words)
    if fast is not None:
        return fast
    return read_and_parse(
        path_or_buffer,
        lambda df: _parse_price_frame(df, tz, timestamp_column, value_column, label, words),
    )


def _known_layout(cols: set[str]) -> bool:
    """Whether normalized column names mark a market layout (ERCOT, NYISO), not a generic
    timestamp + price table."""
    return (
        bool(cols & {"deliveryinterval", "scedtimestamp"})
        or ("hourending" in cols and bool(cols & {"settlementpointprice", "settlementpoint"}))
        or {"he01", "he24"} <= cols
        or {"date", "price", "zone"} <= cols
    )


def _parse_prices_auto(
    df: pd.DataFrame, point: str | None = None, tz: str | None = None
) -> pd.Series:
    """Recognize a known layout by its columns and parse it (see :func:`read_prices_auto`)."""
    cols = {_norm(c) for c in df.columns}
    if "deliveryinterval" in cols:
        return _parse_ercot_rtm_spp(df, point)
    if "scedtimestamp" in cols:
        return _parse_ercot_sced_lmp(df, point, "15min")
    if "hourending" in cols and ("settlementpointprice" in cols or "settlementpoint" in cols):
        return _parse_ercot_dam_spp(df, point)
    if {"he01", "he24"} <= cols:
        return _parse_nyiso_zonal(df, point)
    if {"date", "price", "zone"} <= cols:
        return _parse_ercot_hourly_lz(df, point)
    return _parse_price_frame(df, tz, point=point)


def read_prices_auto(
    path_or_buffer: PathOrBuffer, point: str | None = None, tz: str | None = None
) -> pd.Series:
    """Read a price file of any layout this module knows, chosen from its columns.

    ERCOT RTMLZHBSPP (``Delivery Interval``), SCED LMP (``SCEDTimestamp``, averaged to 15
    minutes), DAM SPP (``hourEnding``), the hourly ``Date, Price, Zone`` file, NYISO
    ``he01..he24``; anything else goes to :func:`read_price_file` with ``tz`` (the rows of
    ``point`` when it has a location column: ``location``, ``node``, ``zone``...).

    Parameters
    ----------
    path_or_buffer : path or file-like
    point : str, optional
        Settlement point or zone for multi-point files.
    tz : str, optional
        Time zone of naive timestamps in a generic file.

    Returns
    -------
    pandas.Series
        Price per interval start. [USD/MWh]
    """
    fast = _read_plain_csv(path_or_buffer, tz, detect_layout=True)
    if fast is not None:
        return fast
    return read_and_parse(path_or_buffer, lambda df: _parse_prices_auto(df, point, tz))
