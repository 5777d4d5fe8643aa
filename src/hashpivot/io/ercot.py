"""Readers of ERCOT price files (pvlib ``iotools`` style).

Every reader returns a :class:`pandas.Series` of prices [USD/MWh] named
``price_usd_per_mwh``, indexed by tz-aware **interval starts** (``interval_start``) in
``America/Chicago``; ``series.attrs`` carries ``market``, ``point``, ``kind`` and ``source``.
Hour-ending labels (``HE01`` .. ``HE24``, ``01:00`` .. ``24:00``) become interval starts one
hour earlier; 15-minute intervals ``1..4`` of an hour start at ``:00, :15, :30, :45``. Each
``read_*`` takes a path or a buffer and hands a DataFrame to a ``_parse_*`` function that
tests call directly.

Sources: ERCOT report layouts NP6-905-CD (RTMLZHBSPP, 15-minute settlement point prices),
NP4-190-CD (DAM settlement point prices), NP6-788-CD (SCED LMPs by resource node, load zone
and hub); ERCOT Nodal Protocols 6.6.1 (the real-time SPP of a hub is the time-weighted
average of the SCED LMPs of the interval plus the real-time reserve price adders).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.exceptions import InputError
from hashpivot.io._table import (
    PathOrBuffer,
    _finish,
    _pick,
    _select_point,
    _to_number,
    read_and_parse,
)
from hashpivot.io._timestamps import ERCOT_TZ, _flag, _localize, _to_datetime
from hashpivot.units import INDEX_NAME, PRICE_NAME

__all__ = [
    "read_ercot_dam_spp",
    "read_ercot_hourly_lz",
    "read_ercot_rtm_spp",
    "read_ercot_sced_lmp",
]


def _localized(
    df: pd.DataFrame, start: pd.Series, price: pd.Series, flag_col: str | None, what: str
) -> pd.Series:
    """Prices at their local interval starts, localized to ``America/Chicago``; the file's
    repeated-hour flag (if any) places the two fall-back hours (``what`` names the layout
    in errors)."""
    repeated = _flag(df[flag_col]) if flag_col else None
    return _localize(
        pd.DatetimeIndex(start), price.to_numpy(dtype=float), ERCOT_TZ, repeated, what
    )


def _point_name(
    df: pd.DataFrame, point_col: str | None, settlement_point: str | None
) -> str | None:
    """The settlement point of the selected rows, as the file spells it (else the one asked)."""
    return str(df[point_col].iloc[0]).strip() if point_col and len(df) else settlement_point


def _parse_ercot_rtm_spp(df: pd.DataFrame, settlement_point: str | None = None) -> pd.Series:
    """Parse the RTMLZHBSPP layout (15-minute real-time settlement point prices)."""
    point_col = _pick(df, "Settlement Point Name", "settlementPoint", "Settlement Point",
                      required=False)
    df = _select_point(df, point_col, settlement_point, "settlement point")
    date_col = str(_pick(df, "Delivery Date", "deliveryDate"))
    hour_col = str(_pick(df, "Delivery Hour", "deliveryHour", "Hour Ending"))
    interval_col = str(_pick(df, "Delivery Interval", "deliveryInterval"))
    price_col = str(_pick(df, "Settlement Point Price", "settlementPointPrice", "SPP"))
    date = _to_datetime(df[date_col], date_col)
    hour = _to_number(df[hour_col], hour_col)
    interval = _to_number(df[interval_col], interval_col)
    flag_col = _pick(df, "Repeated Hour Flag", "DSTFlag", "repeatedHourFlag", required=False)
    price = _to_number(df[price_col], price_col, allow_missing=True)
    start = (
        date
        + pd.to_timedelta(hour.to_numpy() - 1, unit="h")
        + pd.to_timedelta((interval.to_numpy() - 1) * 15, unit="min")
    )
    s = _localized(df, start, price, flag_col, "RTM SPP")
    point = _point_name(df, point_col, settlement_point)
    return _finish(s, "ercot", point, "rt_spp_15min", "ERCOT NP6-905-CD RTMLZHBSPP")


def read_ercot_rtm_spp(
    path_or_buffer: PathOrBuffer, settlement_point: str | None = None
) -> pd.Series:
    """ERCOT 15-minute real-time settlement point prices (RTMLZHBSPP layout).

    Columns ``Delivery Date, Delivery Hour (1-24, hour ending), Delivery Interval (1-4),
    Repeated Hour Flag, Settlement Point Name, Settlement Point Type, Settlement Point
    Price`` (the API spellings ``deliveryDate, deliveryHour, ...`` work too).

    Parameters
    ----------
    path_or_buffer : path or file-like
        CSV (or Parquet) file.
    settlement_point : str, optional
        E.g. ``"HB_WEST"``; required when the file holds several points.

    Returns
    -------
    pandas.Series
        Price per 15-minute interval start, ``America/Chicago``. [USD/MWh]
    """
    return read_and_parse(path_or_buffer, lambda df: _parse_ercot_rtm_spp(df, settlement_point))


def _parse_ercot_dam_spp(df: pd.DataFrame, settlement_point: str | None = None) -> pd.Series:
    """Parse ERCOT hourly day-ahead settlement point prices (NP4-190-CD)."""
    point_col = _pick(df, "settlementPoint", "Settlement Point", "Settlement Point Name",
                      required=False)
    df = _select_point(df, point_col, settlement_point, "settlement point")
    date_col = str(_pick(df, "deliveryDate", "Delivery Date"))
    he_col = str(_pick(df, "hourEnding", "Hour Ending", "Delivery Hour"))
    price_col = str(_pick(df, "settlementPointPrice", "Settlement Point Price", "SPP"))
    date = _to_datetime(df[date_col], date_col)
    he_raw = df[he_col].astype(str)
    hour_ending = _to_number(he_raw.str.split(":").str[0], he_col)
    flag_col = _pick(df, "DSTFlag", "Repeated Hour Flag", "repeatedHourFlag", required=False)
    price = _to_number(df[price_col], price_col, allow_missing=True)
    start = date + pd.to_timedelta(hour_ending.to_numpy() - 1, unit="h")
    s = _localized(df, start, price, flag_col, "DAM SPP")
    point = _point_name(df, point_col, settlement_point)
    return _finish(s, "ercot", point, "da_spp_hourly", "ERCOT NP4-190-CD DAM SPP")


def read_ercot_dam_spp(
    path_or_buffer: PathOrBuffer, settlement_point: str | None = None
) -> pd.Series:
    """ERCOT hourly day-ahead settlement point prices.

    Columns ``deliveryDate, hourEnding (01:00-24:00), settlementPoint,
    settlementPointPrice, DSTFlag`` (or the report spellings ``Delivery Date, Hour Ending,
    Settlement Point, Settlement Point Price, Repeated Hour Flag``).

    Parameters
    ----------
    path_or_buffer : path or file-like
        CSV (or Parquet) file.
    settlement_point : str, optional
        E.g. ``"HB_WEST"``; required when the file holds several points.

    Returns
    -------
    pandas.Series
        Price per hour start, ``America/Chicago`` (23 hours on the March DST day, 25 in
        November). [USD/MWh]
    """
    return read_and_parse(path_or_buffer, lambda df: _parse_ercot_dam_spp(df, settlement_point))


def _time_weighted_bins(
    t_s: np.ndarray, v: np.ndarray, freq_s: int, max_stale_s: int = 1200
) -> tuple[np.ndarray, np.ndarray]:
    """Time-weighted mean of a step function over regular bins.

    Each value holds from its timestamp to the next (SCED LMPs hold until the next SCED
    run). Bins with no run and no run within ``max_stale_s`` before their start are left
    out (a gap in the record stays a gap in the series); a bin in which a missing value
    (NaN) holds is NaN, the others are not touched by it (the caller decides, as for the
    missing prices of the other layouts).

    Parameters
    ----------
    t_s : numpy.ndarray of int64
        Sorted unique instants (UTC epoch seconds). [s]
    v : numpy.ndarray
        Values holding from each instant on.
    freq_s : int
        Bin width. [s]
    max_stale_s : int
        Longest gap bridged by carrying a value forward. [s]

    Returns
    -------
    edges_s, means
        Bin starts (epoch seconds) and bin means, the bins of gaps left out.
    """
    first = (t_s[0] // freq_s) * freq_s
    last = -(-t_s[-1] // freq_s) * freq_s
    if last == t_s[-1]:
        last += freq_s
    edges = np.arange(first, last + 1, freq_s, dtype=np.int64)
    seg = np.diff(t_s).astype(float)
    missing = np.isnan(v).astype(float)  # (a NaN in the running sum would spoil every later bin)

    def integral(values: np.ndarray, x: np.ndarray) -> np.ndarray:
        cum = np.concatenate([[0.0], np.cumsum(values[:-1] * seg)])
        k = np.searchsorted(t_s, x, side="right") - 1
        before = k < 0
        kk = np.clip(k, 0, None)
        out = cum[kk] + values[kk] * (x - t_s[kk])
        return np.where(before, values[0] * (x - t_s[0]), out)

    x = edges.astype(float)
    means = np.diff(integral(np.where(missing > 0, 0.0, v), x)) / freq_s
    means = np.where(np.diff(integral(missing, x)) > 0, np.nan, means)
    starts = edges[:-1]
    k_start = np.searchsorted(t_s, starts, side="right") - 1
    runs_in_bin = np.searchsorted(t_s, edges[1:], side="left") - np.searchsorted(
        t_s, starts, side="left"
    )
    stale = np.where(k_start >= 0, starts - t_s[np.clip(k_start, 0, None)], 0) > max_stale_s
    kept = ~(stale & (runs_in_bin == 0))
    return starts[kept], means[kept]


def _parse_ercot_sced_lmp(
    df: pd.DataFrame, settlement_point: str | None = None, freq: str = "5min"
) -> pd.Series:
    """Parse SCED LMPs (NP6-788-CD) and average them over regular bins by time weight."""
    point_col = _pick(df, "settlementPoint", "SettlementPoint", "Settlement Point",
                      required=False)
    df = _select_point(df, point_col, settlement_point, "settlement point")
    ts_col = str(_pick(df, "SCEDTimestamp", "SCED Time Stamp", "timestamp"))
    ts = _to_datetime(df[ts_col], ts_col)
    flag_col = _pick(df, "repeatHourFlag", "RepeatedHourFlag", "Repeated Hour Flag", "DSTFlag",
                     required=False)
    lmp_col = str(_pick(df, "LMP", "lmp", "price"))
    lmp = _to_number(df[lmp_col], lmp_col, allow_missing=True)
    runs = _localized(df, ts, lmp, flag_col, "SCED LMP")
    freq_s = int(pd.Timedelta(freq).total_seconds())
    if freq_s <= 0 or freq_s > 3600 or 3600 % freq_s:
        raise InputError(f"SCED bins must divide an hour (5min, 15min, 1h), got {freq!r}")
    t_s = pd.DatetimeIndex(runs.index).as_unit("ns").asi8 // 1_000_000_000
    starts, means = _time_weighted_bins(t_s, runs.to_numpy(), freq_s)
    idx = pd.to_datetime(starts, unit="s", utc=True).tz_convert(ERCOT_TZ)
    s = pd.Series(means, index=pd.DatetimeIndex(idx, name=INDEX_NAME), name=PRICE_NAME)
    point = _point_name(df, point_col, settlement_point)
    return _finish(
        s, "ercot", point, f"rt_sced_lmp_{freq}", "ERCOT NP6-788-CD SCED LMP (time-weighted)"
    )


def read_ercot_sced_lmp(
    path_or_buffer: PathOrBuffer, settlement_point: str | None = None, freq: str = "5min"
) -> pd.Series:
    """ERCOT SCED locational marginal prices, time-weighted onto regular intervals.

    Columns ``SCEDTimestamp, repeatHourFlag, settlementPoint, LMP``. SCED runs about
    every 5 minutes at irregular instants (``00:00:27``, extra runs such as ``01:22:34``);
    each LMP holds until the next run, and each bin gets the time-weighted mean, the way
    ERCOT builds settlement prices from SCED (Nodal Protocols 6.6.1). These LMPs exclude
    the real-time reserve (ORDC) adders, so their 15-minute means are **not** settlement
    point prices: they run below the SPP in scarcity intervals.

    Parameters
    ----------
    path_or_buffer : path or file-like
        Parquet or CSV file.
    settlement_point : str, optional
        E.g. ``"HB_WEST"``; required when the file holds several points.
    freq : str
        Bin width dividing an hour: ``"5min"`` (default), ``"15min"``, ``"1h"``.

    Returns
    -------
    pandas.Series
        Mean LMP per interval start, ``America/Chicago``. [USD/MWh]
    """
    return read_and_parse(
        path_or_buffer, lambda df: _parse_ercot_sced_lmp(df, settlement_point, freq)
    )


def _parse_ercot_hourly_lz(df: pd.DataFrame, zone: str | None = None) -> pd.Series:
    """Parse the hour-beginning long file ``Date, Price, Zone`` (2023 ERCOT load zones)."""
    zone_col = _pick(df, "Zone", "Settlement Point", "settlementPoint", required=False)
    df = _select_point(df, zone_col, zone, "zone")
    date_col = _pick(df, "Date", "Timestamp", "time")
    raw = df[date_col].astype(str)
    try:
        naive = pd.to_datetime(raw, format="%m/%d/%Y %I:%M:%S %p")
    except (ValueError, TypeError):
        naive = _to_datetime(raw, str(date_col))
    price_col = str(_pick(df, "Price", "Settlement Point Price", "price"))
    price = _to_number(df[price_col], price_col, allow_missing=True)
    s = _localize(pd.DatetimeIndex(naive), price.to_numpy(), ERCOT_TZ, None, "hourly LZ")
    point = str(df[zone_col].iloc[0]).strip() if zone_col and len(df) else zone
    return _finish(s, "ercot", point, "rt_spp_hourly", "ERCOT RTM SPP, hourly means")


def read_ercot_hourly_lz(path_or_buffer: PathOrBuffer, zone: str | None = None) -> pd.Series:
    """ERCOT hourly real-time load-zone prices in the long ``Date, Price, Zone`` layout.

    Timestamps are hour-beginning local time (``1/1/2023 12:00:00 AM``). The spring hour
    is absent; the fall-back hour appears once (its value is the mean of its eight
    15-minute intervals) and is given to both the daylight and the standard-time hour.

    Parameters
    ----------
    path_or_buffer : path or file-like
        CSV file.
    zone : str, optional
        E.g. ``"LZ_WEST"``; required when the file holds several zones.

    Returns
    -------
    pandas.Series
        Price per hour start, ``America/Chicago``. [USD/MWh]
    """
    return read_and_parse(path_or_buffer, lambda df: _parse_ercot_hourly_lz(df, zone))
