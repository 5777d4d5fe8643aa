"""Price files as ISO data vendors export them (gridstatus, PJM Data Miner-like): which
column holds the interval's start, in which time zone, and which location's prices."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.io import read_price_file, read_prices_auto

CT = "America/Chicago"


def _utc_hours(n: int, first: str = "2024-07-01T05:00:00") -> list[pd.Timestamp]:
    return list(pd.date_range(first, periods=n, freq="h", tz="UTC"))


def _iso(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_a_file_whose_first_column_is_the_interval_end_is_read_by_its_start() -> None:
    """A gridstatus export with ``interval_end_utc`` before ``interval_start_utc`` was
    read by its first column: every price an hour late (hour ending read as hour
    beginning)."""
    starts = _utc_hours(4)
    text = "interval_end_utc,interval_start_utc,location,lmp\n" + "".join(
        f"{_iso(t + pd.Timedelta('1h'))},{_iso(t)},HB_WEST,{20 + i}\n"
        for i, t in enumerate(starts))
    s = read_prices_auto(io.StringIO(text), None, CT)
    assert s.index[0] == pd.Timestamp("2024-07-01 00:00", tz=CT)
    assert s.iloc[0] == 20


@pytest.mark.parametrize("column", ["interval_end_utc", "Hour Ending", "period_end"])
def test_a_file_whose_only_timestamp_is_the_interval_end_is_read_as_ends(column: str) -> None:
    """A lone timestamp column named as the interval's end marks ends: the first price
    is of the hour before it."""
    ends = [t + pd.Timedelta("1h") for t in _utc_hours(4)]
    text = f"{column},lmp\n" + "".join(f"{_iso(t)},{20 + i}\n" for i, t in enumerate(ends))
    s = read_price_file(io.StringIO(text), tz=CT)
    assert s.index[0] == pd.Timestamp("2024-07-01 00:00", tz=CT)
    assert list(s) == [20.0, 21.0, 22.0, 23.0]
    assert "interval ends" in s.attrs["source"]


@pytest.mark.parametrize("column", ["interval_start_utc", "datetime_beginning_utc",
                                    "Interval Start (UTC)", "timestamp_gmt"])
def test_naive_timestamps_in_a_column_named_utc_are_utc(column: str) -> None:
    """``interval_start_utc`` written without an offset (``2024-07-01 05:00:00``) was read
    as the market's local time: every price 5 hours late in summer, 6 in winter."""
    text = f"{column},lmp\n" + "".join(
        f"{t.strftime('%Y-%m-%d %H:%M:%S')},{20 + i}\n" for i, t in enumerate(_utc_hours(4)))
    s = read_price_file(io.StringIO(text), tz=CT)
    assert s.index[0] == pd.Timestamp("2024-07-01 00:00", tz=CT)
    assert str(s.index.tz) == CT


def _two_hubs() -> str:
    rows = [f"{_iso(t)},{hub},{price + i}\n" for i, t in enumerate(_utc_hours(3))
            for hub, price in (("HB_WEST", 20), ("HB_NORTH", 30))]
    return "interval_start_utc,location,lmp\n" + "".join(rows)


def test_a_generic_file_of_several_locations_gives_the_one_asked() -> None:
    """A vendor export of two hubs was refused as '3 repeated timestamp(s)', not read by
    its location column as the ERCOT layouts are."""
    s = read_prices_auto(io.StringIO(_two_hubs()), "HB_NORTH", CT)
    assert list(s) == [30.0, 31.0, 32.0]
    assert s.attrs["point"] == "HB_NORTH"
    with pytest.raises(InputError, match="2 locations; choose one of HB_NORTH, HB_WEST"):
        read_prices_auto(io.StringIO(_two_hubs()), None, CT)
    with pytest.raises(InputError, match="'HB_SOUTH' not in the file"):
        read_prices_auto(io.StringIO(_two_hubs()), "HB_SOUTH", CT)
