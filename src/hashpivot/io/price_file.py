"""Generic price files (a timestamp and a price column) and detection of known layouts."""

from __future__ import annotations

import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.io._table import PathOrBuffer, _finish, _norm, _pick, read_and_parse
from hashpivot.io._timestamps import _localize, _to_datetime
from hashpivot.io.ercot import (
    _parse_ercot_dam_spp,
    _parse_ercot_hourly_lz,
    _parse_ercot_rtm_spp,
    _parse_ercot_sced_lmp,
)
from hashpivot.io.nyiso import _parse_nyiso_zonal
from hashpivot.units import INDEX_NAME, PRICE_NAME

__all__ = ["read_price_file", "read_prices_auto"]


_TS_NAMES = (
    "interval_start", "interval_start_local", "interval start", "timestamp", "datetime",
    "date_time", "time", "start", "period", "date",
)
_PRICE_NAMES = (
    "price_usd_per_mwh", "price", "lmp", "spp", "lbmp", "settlement point price",
    "settlementpointprice", "usd_per_mwh", "value",
)


def _parse_price_frame(
    df: pd.DataFrame,
    tz: str | None = None,
    timestamp_column: str | None = None,
    price_column: str | None = None,
    label: str = "start",
) -> pd.Series:
    """Parse a generic timestamp + price table (see :func:`read_price_file`)."""
    if df.empty:
        raise DataError("price file is empty")
    ts_col = timestamp_column or _pick(df, *_TS_NAMES, required=False)
    if ts_col is None:
        ts_col = str(df.columns[0])
    if ts_col not in df.columns:
        raise DataError(f"price file has no column {ts_col!r}")
    price_col = price_column or _pick(df, *_PRICE_NAMES, required=False)
    if price_col is None:
        numeric = [c for c in df.columns if c != ts_col and pd.api.types.is_numeric_dtype(df[c])]
        if len(numeric) != 1:
            raise DataError(
                "cannot tell which column holds the price; name it 'price_usd_per_mwh' or "
                f"pass price_column (columns: {', '.join(map(str, df.columns))})"
            )
        price_col = str(numeric[0])
    if price_col not in df.columns:
        raise DataError(f"price file has no column {price_col!r}")
    values = pd.to_numeric(df[price_col], errors="coerce")
    if values.isna().any():
        bad = int(values.isna().sum())
        raise DataError(f"price column {price_col!r} has {bad} missing or non-numeric value(s)")
    raw_ts = df[ts_col]
    if isinstance(raw_ts.dtype, pd.DatetimeTZDtype):
        stamps = pd.DatetimeIndex(raw_ts)
    elif raw_ts.astype(str).str.strip().str.contains(r"(?:Z|[+-]\d\d:?\d\d)$").all():
        # every timestamp carries its UTC offset (which changes across DST): go via UTC
        stamps = pd.DatetimeIndex(_to_datetime(raw_ts, str(ts_col), utc=True))
    else:
        stamps = pd.DatetimeIndex(_to_datetime(raw_ts, str(ts_col)))
    if stamps.tz is not None:
        idx = stamps.tz_convert(tz or "UTC")
        s = pd.Series(values.to_numpy(dtype=float), index=idx, name=PRICE_NAME).sort_index()
        dup = s.index.duplicated(keep="first")
        if dup.any():  # offsets make every instant unique: a repeat is bad data, not DST
            raise DataError(
                f"price file: {int(dup.sum())} repeated timestamp(s) in column {ts_col!r}, "
                f"first {s.index[dup][0].isoformat()}"
            )
    else:
        if tz is None:
            raise InputError(
                Problem(
                    path="tz",
                    message="the price file has naive timestamps: give its time zone "
                    "(e.g. America/Chicago)",
                )
            )
        s = _localize(stamps, values.to_numpy(dtype=float), tz, None, "price file")
    if label not in ("start", "end"):
        raise InputError(f"label must be 'start' or 'end', got {label!r}")
    if label == "end" and len(s) > 1:
        step = pd.Series(s.index).diff().median()
        s.index = s.index - step
    s.index.name = INDEX_NAME
    tz_out = pd.DatetimeIndex(s.index).tz
    tzname = str(tz_out) if tz_out is not None else ""
    return _finish(s, "file", price_col, "file", f"file, tz {tzname}")


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
    ``price``, ``lmp``, ``spp``, ``lbmp``...; else the only numeric column). Timestamps with
    a UTC offset are converted to ``tz`` (UTC when not given); naive ones are local time in
    ``tz``, with the fall-back hour resolved by order of appearance (first = daylight
    time) and a single copy given to both hours.

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
    return read_and_parse(
        path_or_buffer,
        lambda df: _parse_price_frame(df, tz, timestamp_column, price_column, label),
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
    return _parse_price_frame(df, tz)


def read_prices_auto(
    path_or_buffer: PathOrBuffer, point: str | None = None, tz: str | None = None
) -> pd.Series:
    """Read a price file of any layout this module knows, chosen from its columns.

    ERCOT RTMLZHBSPP (``Delivery Interval``), SCED LMP (``SCEDTimestamp``, averaged to 15
    minutes), DAM SPP (``hourEnding``), the hourly ``Date, Price, Zone`` file, NYISO
    ``he01..he24``; anything else goes to :func:`read_price_file` with ``tz``.

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
    return read_and_parse(path_or_buffer, lambda df: _parse_prices_auto(df, point, tz))
