"""Readers of wholesale power prices (ERCOT, NYISO, generic files) and the bundled years.

Every reader returns a :class:`pandas.Series` of prices [USD/MWh] named
``price_usd_per_mwh`` and indexed by a tz-aware :class:`pandas.DatetimeIndex` of **interval
starts** (index name ``interval_start``) in the market's local time zone
(``America/Chicago`` for ERCOT, ``America/New_York`` for NYISO). ``series.attrs`` carries
``market``, ``point`` (settlement point or zone), ``kind`` and ``source``.

Time conventions handled here (ERCOT: Central Prevailing Time, NYISO: Eastern):

* **hour ending** labels (``HE01`` .. ``HE24``, ``01:00`` .. ``24:00``) become interval
  starts one hour earlier; 15-minute intervals ``1..4`` of an hour start at ``:00, :15, :30,
  :45``;
* the **repeated hour** of the November fall-back day is told apart by its flag
  (``Repeated Hour Flag = Y`` / ``DSTFlag = True`` marks the second, standard-time copy);
  files without a flag that show the hour once (the 2023 ERCOT load-zone file, NYISO's
  24 columns) give that one value to both hours;
* the **missing hour** of the March spring-forward day is simply absent (a 23-hour day);
  NYISO's 24-column layout repeats HE02 in HE03 on that day, which is dropped.

Each ``read_*`` takes a path or a buffer and hands a DataFrame to a ``_parse_*`` function
that tests call directly (pvlib ``iotools`` style). :func:`load_market_prices` loads the
bundled years (``ercot:HB_WEST:2024``, ``ercot:LZ_WEST:2023``, ``nyiso:WEST:2019``, ...;
see ``hashpivot/data/PROVENANCE.md``).

Sources: ERCOT report layouts NP6-905-CD (RTMLZHBSPP, 15-minute settlement point prices),
NP4-190-CD (DAM settlement point prices), NP6-788-CD (SCED LMPs by resource node, load zone
and hub); ERCOT Nodal Protocols 6.6.1 (the real-time SPP of a hub is the time-weighted
average of the SCED LMPs of the interval plus the real-time reserve price adders); NYISO
``rtlbmp_zone`` (hourly integrated real-time LBMP).
"""

from __future__ import annotations

import functools
import io
import os
import re
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem

__all__ = [
    "BUNDLED_MARKETS",
    "ERCOT_TZ",
    "NYISO_TZ",
    "NYISO_ZONES",
    "MarketKey",
    "bundled_market_keys",
    "load_market_prices",
    "parse_market",
    "read_ercot_dam_spp",
    "read_ercot_hourly_lz",
    "read_ercot_rtm_spp",
    "read_ercot_sced_lmp",
    "read_nyiso_zonal",
    "read_price_file",
    "read_prices_auto",
    "region_timezone",
    "resample_prices",
]

ERCOT_TZ = "America/Chicago"
NYISO_TZ = "America/New_York"

PRICE_NAME = "price_usd_per_mwh"
INDEX_NAME = "interval_start"

PathOrBuffer = str | os.PathLike[str] | IO[str] | IO[bytes]

_REGION_TZ = {
    "ERCOT": ERCOT_TZ,
    "SPP": ERCOT_TZ,
    "MISO": ERCOT_TZ,
    "NYISO": NYISO_TZ,
    "PJM": NYISO_TZ,
    "ISONE": NYISO_TZ,
    "ISO-NE": NYISO_TZ,
    "CAISO": "America/Los_Angeles",
}


def region_timezone(region: str | None, default: str = ERCOT_TZ) -> str:
    """Local market time zone of a grid region name (``"ERCOT"`` -> ``America/Chicago``).

    Parameters
    ----------
    region : str or None
        Grid region / ISO name, case-insensitive; a sub-region ``ISO_X`` (``"NYISO_J"``)
        maps like its ISO.
    default : str
        Returned for an unknown or missing region.

    Returns
    -------
    str
        IANA time zone name.
    """
    if not region:
        return default
    name = region.strip().upper()
    # sub-regions such as "NYISO_J" or "ERCOT_WEST" take their ISO's zone
    return _REGION_TZ.get(name, _REGION_TZ.get(name.split("_")[0], default))


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _pick(df: pd.DataFrame, *candidates: str, required: bool = True) -> str | None:
    """The column of ``df`` whose normalized name matches one of ``candidates``."""
    lookup = {_norm(c): c for c in df.columns}
    for cand in candidates:
        hit = lookup.get(_norm(cand))
        if hit is not None:
            return str(hit)
    if required:
        raise DataError(
            f"price file lacks a column named like {candidates[0]!r} "
            f"(columns: {', '.join(map(str, df.columns))})"
        )
    return None


def _read_table(path_or_buffer: PathOrBuffer) -> pd.DataFrame:
    """Read a CSV (optionally gzip) or Parquet file from a path or buffer."""
    if isinstance(path_or_buffer, str | os.PathLike):
        path = Path(path_or_buffer)
        if not path.exists():
            raise DataError(f"price file not found: {path}")
        if path.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        return pd.read_csv(path)
    buf: Any = path_or_buffer
    data = buf.read()
    if isinstance(data, str):
        return pd.read_csv(io.StringIO(data))
    if data[:4] == b"PAR1":
        return pd.read_parquet(io.BytesIO(data))
    return pd.read_csv(io.BytesIO(data), compression="infer")


def _select_point(
    df: pd.DataFrame, column: str | None, point: str | None, what: str
) -> pd.DataFrame:
    """Rows of one settlement point / zone; error if the file holds several and none given."""
    if column is None:
        return df
    names = df[column].astype(str).str.strip()
    available = sorted(names.unique())
    if point is None:
        if len(available) == 1:
            return df
        raise InputError(
            Problem(
                path=what,
                message=f"the file holds {len(available)} {what}s; choose one of "
                f"{', '.join(available)}",
                source="<price file>",
            )
        )
    mask = names.str.upper() == point.strip().upper()
    if not mask.any():
        raise InputError(
            Problem(
                path=what,
                message=f"{point!r} not in the file; available: {', '.join(available)}",
                source="<price file>",
            )
        )
    return df.loc[mask]


def _first_bad(raw: pd.Series, ok: np.ndarray) -> str:
    """``'<value>' (row k)`` of the first rejected entry (row = data row of the file, 1-based)."""
    pos = int(np.flatnonzero(~ok)[0])
    return f"{raw.iloc[pos]!r} (data row {pos + 1})"


def _to_datetime(raw: pd.Series, column: str, **kwargs: Any) -> pd.Series:
    """Parse a timestamp column; a :class:`DataError` naming the column for any bad entry."""
    try:
        out = pd.to_datetime(raw, format="mixed", **kwargs)
    except (ValueError, TypeError, OverflowError) as exc:
        coerced = pd.to_datetime(raw, format="mixed", errors="coerce", **kwargs)
        ok = np.asarray(coerced.notna())
        where = _first_bad(raw, ok) if not ok.all() else "?"
        raise DataError(
            f"price file: column {column!r} has {int((~ok).sum()) or 'a'} value(s) that are "
            f"not timestamps, first {where}"
        ) from exc
    ok = np.asarray(pd.Series(out).notna())
    if not ok.all():
        raise DataError(
            f"price file: column {column!r} has {int((~ok).sum())} missing timestamp(s), "
            f"first {_first_bad(raw, ok)}"
        )
    return pd.Series(out, index=raw.index)


def _to_number(raw: pd.Series, column: str, allow_missing: bool = False) -> pd.Series:
    """Parse a numeric column; a :class:`DataError` naming the column for any text entry.

    With ``allow_missing``, empty cells stay NaN (the caller decides); text never passes.
    """
    out = pd.to_numeric(raw, errors="coerce")
    bad = out.isna() & (raw.notna() if allow_missing else True)
    ok = ~np.asarray(bad, dtype=bool)
    if not ok.all():
        raise DataError(
            f"price file: column {column!r} has {int((~ok).sum())} missing or non-numeric "
            f"value(s), first {_first_bad(raw, ok)}"
        )
    return out.astype(float)


def _flag(values: pd.Series) -> np.ndarray:
    """Repeated-hour flags (``Y``/``N``, ``True``/``False``, 1/0) as a bool array."""
    if values.dtype == bool:
        return values.to_numpy(dtype=bool)
    s = values.astype(str).str.strip().str.upper()
    return s.isin(["Y", "YES", "TRUE", "T", "1"]).to_numpy()


def _localize(
    naive: pd.DatetimeIndex,
    values: np.ndarray,
    tz: str,
    repeated: np.ndarray | None = None,
    what: str = "price file",
) -> pd.Series:
    """Attach a time zone to naive local interval starts, resolving DST.

    Parameters
    ----------
    naive : pandas.DatetimeIndex
        Naive local interval starts.
    values : numpy.ndarray
        Prices, same length. [USD/MWh]
    tz : str
        IANA time zone.
    repeated : numpy.ndarray of bool, optional
        True for rows of the repeated (second, standard-time) copy of the fall-back hour.
        Without flags, the occurrences of an ambiguous time are taken in file order (first
        = daylight time); a time that appears only once is given to both hours.
    what : str
        Name used in error messages.

    Returns
    -------
    pandas.Series
        Sorted by instant, duplicates (same instant) dropped keeping the first.
    """
    values = np.asarray(values, dtype=float)
    n = len(naive)
    nonexistent = naive.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    bad = np.asarray(nonexistent.isna())
    if bad.any():
        first = naive[bad][0]
        raise DataError(
            f"{what}: {int(bad.sum())} timestamp(s) do not exist in {tz} "
            f"(spring-forward gap), first {first}"
        )
    if repeated is not None:
        ambiguous = ~np.asarray(repeated, dtype=bool)
        try:
            idx = naive.tz_localize(tz, ambiguous=ambiguous)
        except Exception as exc:  # pragma: no cover - defensive
            raise DataError(f"{what}: cannot resolve DST: {exc}") from exc
    else:
        probe = naive.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        amb_pos = np.flatnonzero(np.asarray(probe.isna()))
        ambiguous = np.ones(n, dtype=bool)
        if len(amb_pos):
            amb_times = pd.Series(naive[amb_pos])
            occurrence = amb_times.groupby(amb_times).cumcount().to_numpy()
            count = amb_times.map(amb_times.value_counts()).to_numpy()
            ambiguous[amb_pos] = occurrence == 0  # first copy = daylight time
            single = amb_pos[count == 1]
            if len(single):
                # one value for a doubled hour: give it to both hours
                naive = pd.DatetimeIndex(naive.append(naive[single]))
                values = np.concatenate([values, values[single]])
                ambiguous = np.concatenate([ambiguous, np.zeros(len(single), dtype=bool)])
        idx = naive.tz_localize(tz, ambiguous=ambiguous)
    s = pd.Series(values, index=pd.DatetimeIndex(idx, name=INDEX_NAME), name=PRICE_NAME)
    s = s.sort_index(kind="stable")
    s = s[~s.index.duplicated(keep="first")]
    return s


def _finish(s: pd.Series, market: str, point: str | None, kind: str, source: str) -> pd.Series:
    s = s.astype(float)
    s.name = PRICE_NAME
    s.index.name = INDEX_NAME
    s.attrs = {"market": market, "point": point or "", "kind": kind, "source": source}
    return s


# --------------------------------------------------------------------------------------
# ERCOT
# --------------------------------------------------------------------------------------
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
    repeated = _flag(df[flag_col]) if flag_col else None
    s = _localize(pd.DatetimeIndex(start), price.to_numpy(), ERCOT_TZ, repeated, "RTM SPP")
    point = str(df[point_col].iloc[0]).strip() if point_col and len(df) else settlement_point
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
    return _parse_ercot_rtm_spp(_read_table(path_or_buffer), settlement_point)


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
    repeated = _flag(df[flag_col]) if flag_col else None
    s = _localize(pd.DatetimeIndex(start), price.to_numpy(), ERCOT_TZ, repeated, "DAM SPP")
    point = str(df[point_col].iloc[0]).strip() if point_col and len(df) else settlement_point
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
    return _parse_ercot_dam_spp(_read_table(path_or_buffer), settlement_point)


def _time_weighted_bins(
    t_s: np.ndarray, v: np.ndarray, freq_s: int, max_stale_s: int = 1200
) -> tuple[np.ndarray, np.ndarray]:
    """Time-weighted mean of a step function over regular bins.

    Each value holds from its timestamp to the next (SCED LMPs hold until the next SCED
    run). Bins with no run and no run within ``max_stale_s`` before their start are NaN
    (the reader drops them: a gap in the record stays a gap in the series).

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
        Bin starts (epoch seconds) and bin means.
    """
    first = (t_s[0] // freq_s) * freq_s
    last = -(-t_s[-1] // freq_s) * freq_s
    if last == t_s[-1]:
        last += freq_s
    edges = np.arange(first, last + 1, freq_s, dtype=np.int64)
    seg = np.diff(t_s).astype(float)
    cum = np.concatenate([[0.0], np.cumsum(v[:-1] * seg)])

    def integral(x: np.ndarray) -> np.ndarray:
        k = np.searchsorted(t_s, x, side="right") - 1
        before = k < 0
        kk = np.clip(k, 0, None)
        out = cum[kk] + v[kk] * (x - t_s[kk])
        return np.where(before, v[0] * (x - t_s[0]), out)

    f = integral(edges.astype(float))
    means = np.diff(f) / freq_s
    starts = edges[:-1]
    k_start = np.searchsorted(t_s, starts, side="right") - 1
    runs_in_bin = np.searchsorted(t_s, edges[1:], side="left") - np.searchsorted(
        t_s, starts, side="left"
    )
    stale = np.where(k_start >= 0, starts - t_s[np.clip(k_start, 0, None)], 0) > max_stale_s
    means = np.where(stale & (runs_in_bin == 0), np.nan, means)
    return starts, means


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
    repeated = _flag(df[flag_col]) if flag_col else None
    lmp_col = str(_pick(df, "LMP", "lmp", "price"))
    lmp = _to_number(df[lmp_col], lmp_col, allow_missing=True).to_numpy(dtype=float)
    runs = _localize(pd.DatetimeIndex(ts), lmp, ERCOT_TZ, repeated, "SCED LMP")
    freq_s = int(pd.Timedelta(freq).total_seconds())
    if freq_s <= 0 or freq_s > 3600 or 3600 % freq_s:
        raise InputError(f"SCED bins must divide an hour (5min, 15min, 1h), got {freq!r}")
    t_s = pd.DatetimeIndex(runs.index).as_unit("ns").asi8 // 1_000_000_000
    starts, means = _time_weighted_bins(t_s, runs.to_numpy(), freq_s)
    idx = pd.to_datetime(starts, unit="s", utc=True).tz_convert(ERCOT_TZ)
    s = pd.Series(means, index=pd.DatetimeIndex(idx, name=INDEX_NAME), name=PRICE_NAME)
    s = s.dropna()  # bins inside gaps of the SCED record (more than 20 min without a run)
    point = str(df[point_col].iloc[0]).strip() if point_col and len(df) else settlement_point
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
    return _parse_ercot_sced_lmp(_read_table(path_or_buffer), settlement_point, freq)


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
    return _parse_ercot_hourly_lz(_read_table(path_or_buffer), zone)


# --------------------------------------------------------------------------------------
# NYISO
# --------------------------------------------------------------------------------------
def _parse_nyiso_zonal(df: pd.DataFrame, zone: str | None = None) -> pd.Series:
    """Parse the wide ``date, iso, zone, he01..he24`` NYISO layout."""
    zone_col = _pick(df, "zone", "Name", required=False)
    df = _select_point(df, zone_col, zone, "zone")
    date_col = _pick(df, "date", "Date")
    he_cols = [c for c in df.columns if re.fullmatch(r"(?i)he\s*0?\d{1,2}", str(c).strip())]
    if len(he_cols) != 24:
        raise DataError(f"NYISO file: expected 24 columns he01..he24, found {len(he_cols)}")
    he_cols = sorted(he_cols, key=lambda c: int(re.sub(r"\D", "", str(c))))
    dates = _to_datetime(df[date_col], str(date_col)).to_numpy()
    values = np.column_stack(
        [_to_number(df[c], str(c), allow_missing=True).to_numpy() for c in he_cols]
    ) if len(df) else np.zeros((0, 24))
    n_days = len(df)
    hours = np.tile(np.arange(24), n_days)
    naive = pd.DatetimeIndex(np.repeat(dates, 24) + hours.astype("timedelta64[h]"))
    flat = values.reshape(-1)
    # the spring-forward day: HE03 (start 02:00) does not exist and repeats HE02: drop it
    gap = np.asarray(
        naive.tz_localize(NYISO_TZ, ambiguous=np.ones(len(naive), bool), nonexistent="NaT").isna()
    )
    keep = ~gap
    s = _localize(naive[keep], flat[keep], NYISO_TZ, None, "NYISO zonal")
    point = str(df[zone_col].iloc[0]).strip() if zone_col and len(df) else zone
    return _finish(s, "nyiso", point, "rt_lbmp_hourly", "NYISO rtlbmp_zone, hourly integrated")


def read_nyiso_zonal(path_or_buffer: PathOrBuffer, zone: str | None = None) -> pd.Series:
    """NYISO hourly zonal prices in the wide ``date, iso, zone, he01 .. he24`` layout.

    Hours are hour ending, Eastern prevailing time. The layout folds DST days into 24
    columns: on the March day HE03 (02:00-03:00, which does not exist) repeats HE02 and is
    dropped (23 hours); on the November day the single 01:00-02:00 value is given to both
    the daylight and the standard-time hour (25 hours). The joe-cipolla/nyiso loader that
    wrote the file keeps the first (daylight-time) copy of the repeated hour and drops the
    second, so on that day the standard-time hour carries the daylight-time price (see
    ``hashpivot/data/PROVENANCE.md``).

    Parameters
    ----------
    path_or_buffer : path or file-like
        CSV file.
    zone : str, optional
        E.g. ``"NYC"``, ``"WEST"``; required when the file holds several zones.

    Returns
    -------
    pandas.Series
        Price per hour start, ``America/New_York``. [USD/MWh]
    """
    return _parse_nyiso_zonal(_read_table(path_or_buffer), zone)


# --------------------------------------------------------------------------------------
# generic
# --------------------------------------------------------------------------------------
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
                    source="<price file>",
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
    return _parse_price_frame(
        _read_table(path_or_buffer), tz, timestamp_column, price_column, label
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
    return _parse_prices_auto(_read_table(path_or_buffer), point, tz)


def _median_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if len(index) < 2:
        raise DataError("a price series needs at least two intervals to infer its step")
    return pd.Timedelta(pd.Series(index).diff().median())


def resample_prices(series: pd.Series, freq: str) -> pd.Series:
    """Change the interval length of a price series.

    Coarser: mean price of the finer intervals in each new interval (bins aligned to local
    midnight; ``"D"`` gives local calendar days of 23, 24 or 25 hours). Finer: each
    interval's price is repeated (forward fill) over its sub-intervals, never across a gap.

    Parameters
    ----------
    series : pandas.Series
        Prices indexed by tz-aware interval starts. [USD/MWh]
    freq : str
        Target interval, e.g. ``"5min"``, ``"15min"``, ``"1h"``, ``"D"``.

    Returns
    -------
    pandas.Series
        Prices per new interval start. [USD/MWh]
    """
    if not isinstance(series.index, pd.DatetimeIndex):
        raise InputError("resample_prices needs a DatetimeIndex of interval starts")
    step = _median_step(series.index)
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick):
        target = pd.Timedelta(offset.nanos, unit="ns")
    elif isinstance(offset, pd.offsets.Day):
        target = pd.Timedelta(days=offset.n)
    else:
        target = pd.Timedelta(days=31)  # months and longer: always coarser
    attrs = dict(series.attrs)
    if target == step:
        out = series.copy()
    elif target > step:
        grouped = series.resample(offset)
        out = grouped.mean()[grouped.count() > 0]
    else:
        ratio = step / target
        if abs(ratio - round(ratio)) > 1e-9:
            raise InputError(f"cannot split {step} intervals into {freq} (not a divisor)")
        n = round(ratio)
        idx = pd.date_range(series.index[0], series.index[-1] + step - target, freq=target)
        out = series.reindex(idx, method="ffill", limit=n - 1).dropna()
    out.name = PRICE_NAME
    out.index.name = INDEX_NAME
    out.attrs = attrs
    if "kind" in attrs:
        out.attrs["kind"] = f"{attrs['kind']}->{freq}"
    return out


# --------------------------------------------------------------------------------------
# bundled markets
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarketKey:
    """A parsed market reference ``iso:point:year[:kind]`` (``ercot:HB_WEST:2024``).

    Parameters
    ----------
    iso : str
        ``"ercot"`` or ``"nyiso"``.
    point : str
        Settlement point or zone, upper case.
    year : int or None
        Calendar year.
    kind : str
        ``"rt"`` (real time, default) or ``"da"`` (day ahead).
    """

    iso: str
    point: str
    year: int | None
    kind: str = "rt"

    def __str__(self) -> str:
        year = f":{self.year}" if self.year is not None else ""
        kind = f":{self.kind}" if self.kind != "rt" else ""
        return f"{self.iso}:{self.point}{year}{kind}"


#: Bundled price years: market key -> (file, column, description).
BUNDLED_MARKETS: dict[str, tuple[str, str, str]] = {
    "ercot:HB_WEST:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_WEST",
        "ERCOT HB_WEST 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_NORTH:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_NORTH",
        "ERCOT HB_NORTH 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_HOUSTON:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_HOUSTON",
        "ERCOT HB_HOUSTON 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_SOUTH:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_SOUTH",
        "ERCOT HB_SOUTH 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_PAN:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_PAN",
        "ERCOT HB_PAN 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_WEST:2024:da": (
        "power_ercot_hubs_da_2024.parquet",
        "HB_WEST",
        "ERCOT HB_WEST 2024, hourly day-ahead SPP",
    ),
    "ercot:LZ_WEST:2023": (
        "power_ercot_lz_rt60_2023.parquet",
        "LZ_WEST",
        "ERCOT LZ_WEST 2023, hourly mean real-time SPP",
    ),
}
for _lz in ("LZ_AEN", "LZ_CPS", "LZ_HOUSTON", "LZ_LCRA", "LZ_NORTH", "LZ_RAYBN", "LZ_SOUTH"):
    BUNDLED_MARKETS[f"ercot:{_lz}:2023"] = (
        "power_ercot_lz_rt60_2023.parquet",
        _lz,
        f"ERCOT {_lz} 2023, hourly mean real-time SPP",
    )
for _hub in ("HB_NORTH", "HB_HOUSTON", "HB_SOUTH", "HB_PAN"):
    BUNDLED_MARKETS[f"ercot:{_hub}:2024:da"] = (
        "power_ercot_hubs_da_2024.parquet",
        _hub,
        f"ERCOT {_hub} 2024, hourly day-ahead SPP",
    )
#: The 11 NYISO load zones bundled for 2019 (no external proxies, no NEPOOL rows).
NYISO_ZONES = ("CAPITL", "CENTRL", "DUNWOD", "GENESE", "HUD_VL", "LONGIL", "MHK_VL",
               "MILLWD", "NORTH", "NYC", "WEST")
for _zone in NYISO_ZONES:
    BUNDLED_MARKETS[f"nyiso:{_zone}:2019"] = (
        "power_nyiso_zones_rt60_2019.parquet",
        _zone,
        f"NYISO {_zone} 2019 (from Jan 2), hourly integrated real-time LBMP",
    )

_MARKET_RE = re.compile(r"^([a-z]+):([A-Za-z0-9_]+)(?::(\d{4}))?(?::(rt|da))?$")


def parse_market(spec: str) -> MarketKey:
    """Parse ``iso:point[:year][:rt|da]`` (``ercot:HB_WEST:2024``).

    Parameters
    ----------
    spec : str
        Market reference.

    Returns
    -------
    MarketKey
    """
    m = _MARKET_RE.match(spec.strip())
    if not m:
        raise InputError(
            Problem(
                path="market",
                message=f"{spec!r} is not iso:point:year[:da], e.g. ercot:HB_WEST:2024",
                source="<command line>",
            )
        )
    iso, point, year, kind = m.groups()
    return MarketKey(iso.lower(), point.upper(), int(year) if year else None, kind or "rt")


def bundled_market_keys() -> list[str]:
    """Market references that :func:`load_market_prices` can load offline."""
    return sorted(BUNDLED_MARKETS)


@functools.lru_cache(maxsize=8)
def _bundled_frame(name: str) -> pd.DataFrame:
    try:
        raw = resources.files("hashpivot").joinpath("data", name).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise DataError(
            f"bundled power file {name!r} is missing; rebuild it with "
            "`python scripts/build_power_data.py`"
        ) from exc
    df = pd.read_parquet(io.BytesIO(raw))
    df.index = pd.DatetimeIndex(df.index)
    return df


def load_market_prices(market: str | MarketKey) -> pd.Series:
    """Bundled prices of a market year, e.g. ``"ercot:HB_WEST:2024"``, ``"nyiso:WEST:2019"``.

    Parameters
    ----------
    market : str or MarketKey
        ``iso:point:year[:da]``; see :func:`bundled_market_keys`.

    Returns
    -------
    pandas.Series
        Price per interval start in the market's local time. [USD/MWh]
    """
    key = parse_market(market) if isinstance(market, str) else market
    entry = BUNDLED_MARKETS.get(str(key))
    if entry is None:
        raise InputError(
            Problem(
                path="market",
                message=f"no bundled prices for {key}; bundled: {', '.join(bundled_market_keys())}"
                " (or pass a price file)",
                source="<command line>",
            )
        )
    file, column, description = entry
    df = _bundled_frame(file)
    tz = ERCOT_TZ if key.iso == "ercot" else NYISO_TZ
    s = df[column].dropna()
    s = pd.Series(
        s.to_numpy(dtype=float),
        index=pd.DatetimeIndex(s.index).tz_convert(tz).rename(INDEX_NAME),
        name=PRICE_NAME,
    )
    s.attrs = {
        "market": key.iso,
        "point": key.point,
        "kind": key.kind,
        "source": description,
        "key": str(key),
    }
    if len(s) == 0:  # pragma: no cover - defensive
        warnings.warn(f"bundled prices for {key} are empty", stacklevel=2)
    return s
