"""Reader of NYISO zonal real-time prices (``rtlbmp_zone``, hourly integrated LBMP).

Returns prices [USD/MWh] per hour start in ``America/New_York``. The wide layout's 24
columns show the fall-back hour once (its value goes to both hours) and repeat HE02 in HE03
on the spring-forward day (dropped).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError
from hashpivot.io._table import (
    PathOrBuffer,
    _finish,
    _pick,
    _select_point,
    _to_number,
    read_and_parse,
)
from hashpivot.io._timestamps import NYISO_TZ, _localize, _to_datetime

__all__ = ["read_nyiso_zonal"]


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
    return read_and_parse(path_or_buffer, lambda df: _parse_nyiso_zonal(df, zone))
