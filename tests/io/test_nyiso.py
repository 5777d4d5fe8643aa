"""NYISO zonal reader: the wide HE01..HE24 layout across DST, and region time zones."""

from __future__ import annotations

import pandas as pd

from hashpivot.io import (
    read_nyiso_zonal,
    region_timezone,
)
from tests.io.price_helpers import DATA, per_day, steps_regular


def test_nyiso_wide_layout_dst() -> None:
    s = read_nyiso_zonal(DATA / "nyiso_rt_dst.csv", "NYC")
    assert str(s.index.tz) == "America/New_York"
    days = per_day(s)
    assert days["2019-03-10"] == 23 and days["2019-11-03"] == 25 and days["2019-03-09"] == 24
    raw = pd.read_csv(DATA / "nyiso_rt_dst.csv")
    spring = raw[(raw.date == "2019-03-10") & (raw.zone == "NYC")].iloc[0]
    assert spring["he02"] == spring["he03"]  # the filler column that is dropped
    # he01 of 2019-03-10 is 00:00-01:00 EST; he04 starts at 03:00 EDT
    assert s[pd.Timestamp("2019-03-10 00:00-05:00")] == spring["he01"]
    assert s[pd.Timestamp("2019-03-10 03:00-04:00")] == spring["he04"]
    assert steps_regular(s, "1h")


def test_region_timezone_nyiso() -> None:
    assert region_timezone("NYISO") == "America/New_York"
    assert region_timezone("nyiso_j") == "America/New_York"
    assert region_timezone("ERCOT") == "America/Chicago"
