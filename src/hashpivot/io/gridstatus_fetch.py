"""Optional live prices through the ``gridstatus`` package (not a required dependency).

``gridstatus`` (https://github.com/gridstatus/gridstatus, BSD-3) wraps the ISOs' public
APIs and returns DataFrames with the columns ``Time, Interval Start, Interval End,
Location, Location Type, Market`` and ``SPP`` (ERCOT settlement point prices) or ``LMP``
(NYISO and others), with tz-aware interval starts. This module calls it (imported only
when needed) and turns its frames into the price Series of
:mod:`hashpivot.io.ercot` and :mod:`hashpivot.io.nyiso` (USD/MWh by interval start, market
local time).

``gridstatus`` 0.37 pins ``pandas ~= 2.2`` while hashpivot runs on pandas 3, so it is
not installed with hashpivot: install it in an environment where the pins agree
(``pip install gridstatus``). Tests inject a fake client returning recorded frames (see
``tests/data/power/gridstatus_*``), so no network is used.

Documented API used (gridstatus 0.37):
``gridstatus.Ercot().get_spp(date, end=None, market="REAL_TIME_15_MIN" |
"DAY_AHEAD_HOURLY", locations=[...], location_type="Trading Hub" | "Load Zone" | ...)`` and
``gridstatus.NYISO().get_lmp(date, end=None, market="REAL_TIME_5_MIN" |
"REAL_TIME_HOURLY" | "DAY_AHEAD_HOURLY", locations=[...])``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hashpivot.exceptions import DataError, FetchError
from hashpivot.io._timestamps import ERCOT_TZ, NYISO_TZ
from hashpivot.units import INDEX_NAME, PRICE_NAME

__all__ = ["get_ercot_spp", "get_nyiso_lmp", "parse_gridstatus_prices"]


def _client(kind: str) -> Any:
    try:
        import gridstatus
    except ImportError as exc:
        raise FetchError(
            "live prices need the optional package 'gridstatus' (pip install gridstatus; "
            "it pins pandas 2.x), or use a price file or a bundled market "
            "(hashpivot.io.bundled_markets)"
        ) from exc
    return gridstatus.Ercot() if kind == "ercot" else gridstatus.NYISO()


def parse_gridstatus_prices(
    df: pd.DataFrame, location: str, value_column: str, tz: str, market: str
) -> pd.Series:
    """Turn a ``gridstatus`` price frame into a price Series.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``Interval Start`` (tz-aware or ISO strings with offsets), ``Location``
        and ``value_column``.
    location : str
        Settlement point / zone to keep (case-insensitive).
    value_column : str
        ``"SPP"`` or ``"LMP"``.
    tz : str
        Market time zone of the result.
    market : str
        ``"ercot"`` or ``"nyiso"`` (for ``attrs``).

    Returns
    -------
    pandas.Series
        Price per interval start. [USD/MWh]
    """
    missing = [c for c in ("Interval Start", "Location", value_column) if c not in df.columns]
    if missing:
        raise DataError(f"gridstatus frame lacks column(s) {', '.join(missing)}")
    rows = df[df["Location"].astype(str).str.upper() == location.upper()]
    if rows.empty:
        known = ", ".join(sorted(df["Location"].astype(str).unique())[:20])
        raise DataError(f"gridstatus returned no rows for {location!r} (locations: {known})")
    start = pd.to_datetime(rows["Interval Start"], utc=True).dt.tz_convert(tz)
    s = pd.Series(
        pd.to_numeric(rows[value_column], errors="coerce").to_numpy(dtype=float),
        index=pd.DatetimeIndex(start, name=INDEX_NAME),
        name=PRICE_NAME,
    ).sort_index()
    s = s[~s.index.duplicated(keep="first")]
    if s.isna().any():
        raise DataError(f"gridstatus frame has {int(s.isna().sum())} non-numeric prices")
    kind = str(rows["Market"].iloc[0]) if "Market" in rows.columns else ""
    s.attrs = {"market": market, "point": location, "kind": kind,
               "source": f"gridstatus {market} {kind}".strip()}
    return s


def get_ercot_spp(
    start: str | pd.Timestamp,
    end: str | pd.Timestamp | None = None,
    settlement_point: str = "HB_WEST",
    market: str = "REAL_TIME_15_MIN",
    location_type: str | None = None,
    client: Any = None,
) -> pd.Series:
    """ERCOT settlement point prices from ``gridstatus`` (network).

    Parameters
    ----------
    start, end : date-like
        Range passed to ``gridstatus`` (``end`` exclusive, local dates).
    settlement_point : str
        Hub, load zone or node, e.g. ``"HB_WEST"``, ``"LZ_WEST"``.
    market : {"REAL_TIME_15_MIN", "DAY_AHEAD_HOURLY"}
    location_type : str, optional
        ``"Trading Hub"`` / ``"Load Zone"``...; default from the name's prefix.
    client : object, optional
        An ``gridstatus.Ercot``-like object (tests pass a fake).

    Returns
    -------
    pandas.Series
        Price per interval start, ``America/Chicago``. [USD/MWh]
    """
    client = client if client is not None else _client("ercot")
    if location_type is None:
        location_type = {"HB": "Trading Hub", "LZ": "Load Zone"}.get(
            settlement_point[:2].upper(), "ALL"
        )
    try:
        df = client.get_spp(
            date=start, end=end, market=market, locations=[settlement_point],
            location_type=location_type,
        )
    except Exception as exc:
        raise FetchError(f"gridstatus ERCOT get_spp failed: {type(exc).__name__}: {exc}") from exc
    return parse_gridstatus_prices(df, settlement_point, "SPP", ERCOT_TZ, "ercot")


def get_nyiso_lmp(
    start: str | pd.Timestamp,
    end: str | pd.Timestamp | None = None,
    zone: str = "N.Y.C.",
    market: str = "REAL_TIME_HOURLY",
    client: Any = None,
) -> pd.Series:
    """NYISO zonal LBMPs from ``gridstatus`` (network).

    Parameters
    ----------
    start, end : date-like
        Range passed to ``gridstatus``.
    zone : str
        NYISO zone as gridstatus names it (``"N.Y.C."``, ``"WEST"``, ``"CAPITL"``...).
    market : {"REAL_TIME_5_MIN", "REAL_TIME_HOURLY", "DAY_AHEAD_HOURLY"}
    client : object, optional
        A ``gridstatus.NYISO``-like object.

    Returns
    -------
    pandas.Series
        Price per interval start, ``America/New_York``. [USD/MWh]
    """
    client = client if client is not None else _client("nyiso")
    try:
        df = client.get_lmp(date=start, end=end, market=market, locations=[zone])
    except Exception as exc:
        raise FetchError(f"gridstatus NYISO get_lmp failed: {type(exc).__name__}: {exc}") from exc
    return parse_gridstatus_prices(df, zone, "LMP", NYISO_TZ, "nyiso")
