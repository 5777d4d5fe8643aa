"""Time zones of power markets and DST-safe parsing of price-file timestamps (private).

Time conventions (ERCOT: Central Prevailing Time, NYISO: Eastern):

* the **repeated hour** of the November fall-back day is told apart by its flag
  (``Repeated Hour Flag = Y`` / ``DSTFlag = True`` marks the second, standard-time copy);
  files without a flag that show the hour once give that one value to both hours;
* the **missing hour** of the March spring-forward day is simply absent (a 23-hour day).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError
from hashpivot.models.dates import YEAR_RANGE
from hashpivot.units import INDEX_NAME, PRICE_NAME

ERCOT_TZ = "America/Chicago"
NYISO_TZ = "America/New_York"

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


def _first_bad(raw: pd.Series, ok: np.ndarray) -> str:
    """``'<value>' (row k)`` of the first rejected entry (row = data row of the file, 1-based)."""
    pos = int(np.flatnonzero(~ok)[0])
    return f"{raw.iloc[pos]!r} (data row {pos + 1})"


def _to_datetime(raw: pd.Series, column: str, what: str = "price file",
                 **kwargs: Any) -> pd.Series:
    """Parse a timestamp column; a :class:`DataError` naming the column (of ``what``, a
    price file) for any bad entry."""
    if pd.api.types.is_numeric_dtype(raw) and len(raw):
        # pandas would read 1724043600 as nanoseconds after 1970: a silent wrong year
        raise DataError(
            f"{what}: column {column!r} holds numbers, not timestamps (first {raw.iloc[0]}, "
            "data row 1): write ISO 8601 date-times "
            "(2024-08-19T00:00:00-05:00 or 2024-08-19 00:00)"
        )
    try:
        out = pd.to_datetime(raw, format="mixed", **kwargs)
    except (ValueError, TypeError, OverflowError) as exc:
        try:
            coerced = pd.to_datetime(raw, format="mixed", errors="coerce", **kwargs)
        except (ValueError, TypeError, OverflowError):  # stamps with and without offsets
            raise DataError(
                f"{what}: column {column!r} mixes timestamps with and without a UTC "
                "offset: give every one an offset, or none"
            ) from exc
        ok = np.asarray(coerced.notna())
        where = _first_bad(raw, ok) if not ok.all() else "?"
        raise DataError(
            f"{what}: column {column!r} has {int((~ok).sum()) or 'a'} value(s) that are "
            f"not timestamps, first {where}"
        ) from exc
    ok = np.asarray(pd.Series(out).notna())
    if not ok.all():
        raise DataError(
            f"{what}: column {column!r} has {int((~ok).sum())} missing timestamp(s), "
            f"first {_first_bad(raw, ok)}"
        )
    check_years(pd.DatetimeIndex(out), column, what)
    _check_slash_order(raw, pd.Series(out, index=raw.index), column, what)
    return pd.Series(out, index=raw.index)


_SLASH_DATE = r"^\s*(\d{1,2})/(\d{1,2})/\d{2,4}"


def _check_slash_order(raw: pd.Series, parsed: pd.Series, column: str, what: str) -> None:
    """A :class:`DataError` where ``a/b/yyyy`` dates were read some month-first, some
    day-first: ``format="mixed"`` reads each entry on its own, so one ``13/03/2024`` among
    ``08/05/2024``s became 13 March without a word (ERCOT and NYISO write MM/DD/YYYY).
    Checked only where the first entry has a slash (an ISO column is not scanned)."""
    if not len(raw) or "/" not in str(raw.iloc[0]):
        return
    # each distinct entry once (a date column repeats each day for every interval)
    text = raw.astype(str).reset_index(drop=True)
    first_rows = text.drop_duplicates()
    parts = first_rows.str.extract(_SLASH_DATE)
    has = parts[0].notna().to_numpy()
    if not has.any():
        return
    rows = first_rows.index.to_numpy()[has]
    month = pd.DatetimeIndex(parsed.iloc[rows]).month.to_numpy()
    a, b = (parts[k][has].astype(int).to_numpy() for k in (0, 1))
    month_first, day_first = (a == month) & (b != month), (b == month) & (a != month)
    if month_first.any() and day_first.any():
        m, d = rows[np.argmax(month_first)], rows[np.argmax(day_first)]
        raise DataError(
            f"{what}: column {column!r} mixes month-first and day-first dates: "
            f"{raw.iloc[m]!r} (data row {m + 1}) reads as month/day, {raw.iloc[d]!r} "
            f"(data row {d + 1}) as day/month; write every date in one order (ERCOT and "
            "NYISO: MM/DD/YYYY)")


def check_years(stamps: pd.DatetimeIndex, column: str, what: str = "price file") -> None:
    """Raise a :class:`DataError` naming ``column`` (of ``what``) when a timestamp lies
    outside the years a date-time field accepts (:data:`hashpivot.models.dates.YEAR_RANGE`):
    the engines hold nanosecond timestamps, which end in 2262, and a year like 1700 or
    9999 in a price file is a typo, not a market.

    Parameters
    ----------
    stamps : pandas.DatetimeIndex
        Parsed timestamps (naive local or aware).
    column : str
        The column they were read from.
    what : str
        The file, as messages name it.
    """
    if not len(stamps):
        return
    lo, hi = YEAR_RANGE
    years = np.asarray(stamps.year)
    bad = (years < lo) | (years > hi)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{what}: column {column!r} has {int(bad.sum())} timestamp(s) outside the years "
            f"{lo}-{hi}, first {stamps[pos].isoformat()} (data row {pos + 1})"
        )


#: Timestamps the fast path of a large generic file parses with Arrow: ISO 8601 to the
#: second, with a UTC offset (``Z``, ``-06:00``, ``+0530``) or without one (local time).
#: Anything else (fractions, other layouts, spaces) takes pandas' ``format="mixed"`` path.
ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})$"
ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$"


def iso_stamps_us(raw: pd.Series) -> tuple[np.ndarray, bool] | None:
    """Microseconds since the epoch of a column of plain ISO 8601 timestamps, or ``None``.

    The values equal what :func:`_to_datetime` gives (``datetime64[us]``, UTC for stamps
    with an offset) without a Python object per row. ``None`` when any entry is not of
    one of the two forms :data:`ISO_WITH_OFFSET` / :data:`ISO_NAIVE` (all rows the same
    form) or does not parse (a 30 February): the caller then takes the general path,
    which reports the problem.

    Parameters
    ----------
    raw : pandas.Series
        Text column of a chunk of the file.

    Returns
    -------
    (numpy.ndarray of int64, bool) or None
        Microseconds [us] and whether the stamps carried UTC offsets.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(raw, from_pandas=True)
        if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
            return None
        for pattern, aware in ((ISO_WITH_OFFSET, True), (ISO_NAIVE, False)):
            if text.null_count == 0 and pc.all(pc.match_substring_regex(text, pattern)).as_py():
                unit = pa.timestamp("us", tz="UTC") if aware else pa.timestamp("us")
                stamps = pc.cast(text, unit).cast(pa.int64())
                return np.asarray(stamps.to_numpy(zero_copy_only=False), dtype=np.int64), aware
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return None


def _strictly_increasing(index: pd.DatetimeIndex) -> bool:
    """True when every interval start is later than the one before (no repeat, sorted)."""
    values = index.asi8
    return bool(np.all(values[1:] > values[:-1]))


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
    quantity: str = "price",
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
        Name of the file used in error messages.
    quantity : str
        What it holds, singular, for the messages.

    Returns
    -------
    pandas.Series
        Sorted by instant.

    Raises
    ------
    DataError
        A time in the spring-forward gap, or an instant given twice once the fall-back
        hour is resolved ("give one price per interval").
    """
    values = np.asarray(values, dtype=float)
    n = len(naive)
    nonexistent = naive.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    bad = np.asarray(nonexistent.isna())
    if bad.any():
        first = naive[bad][0]
        raise DataError(
            f"{what}: {int(bad.sum())} timestamp(s) do not exist in {tz} "
            f"(spring-forward gap), first {first}: write each with its UTC offset "
            "(2024-03-10T03:00:00-05:00) or leave out the hour the clocks skip"
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
    dup = (
        np.zeros(len(s), dtype=bool)
        if _strictly_increasing(pd.DatetimeIndex(s.index))
        else s.index.duplicated(keep="first")
    )
    if dup.any():  # DST's repeated hour is resolved above: a repeat left is bad data
        raise DataError(
            f"{int(dup.sum())} repeated timestamp(s), first {s.index[dup][0].isoformat()}: "
            f"give one {quantity} per interval"
        )
    return s
