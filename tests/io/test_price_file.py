"""Generic price files and layout detection; malformed files name the column."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.io import (
    read_price_file,
    read_prices_auto,
)
from tests.io.price_helpers import DATA, per_day


def test_generic_file_offsets_naive_label_end_and_parquet() -> None:
    s = read_price_file(DATA / "prices_hb_west_2024-08-19_21.csv")
    assert len(s) == 288 and str(s.index.tz) == "UTC"  # offsets given, no tz: UTC
    s_ct = read_price_file(DATA / "prices_hb_west_2024-08-19_21.csv", tz="America/Chicago")
    assert str(s_ct.index.tz) == "America/Chicago"
    assert s_ct.index[0] == pd.Timestamp("2024-08-19 00:00", tz="America/Chicago")
    across = "t,price\n2024-11-03T01:45:00-05:00,1\n2024-11-03T01:00:00-06:00,2\n"
    s_across = read_price_file(io.StringIO(across), tz="America/Chicago")
    assert (s_across.index[1] - s_across.index[0]) == pd.Timedelta("15min")
    naive = (
        "time,lmp\n2024-11-03 00:00,1\n2024-11-03 01:00,2\n2024-11-03 01:00,3\n"
        "2024-11-03 02:00,4\n"
    )
    s2 = read_price_file(io.StringIO(naive), tz="America/Chicago")
    assert list(s2) == [1.0, 2.0, 3.0, 4.0]
    assert s2.index[1].utcoffset() == pd.Timedelta(hours=-5)  # first 01:00 = CDT
    assert s2.index[2].utcoffset() == pd.Timedelta(hours=-6)
    with pytest.raises(InputError, match="time zone"):
        read_price_file(io.StringIO(naive))
    ending = "hour_ending,price\n2024-07-01 01:00,5\n2024-07-01 02:00,6\n2024-07-01 03:00,7\n"
    s3 = read_price_file(io.StringIO(ending), tz="America/Chicago", timestamp_column="hour_ending",
                         label="end")
    assert s3.index[0] == pd.Timestamp("2024-07-01 00:00", tz="America/Chicago")
    buf = io.BytesIO()
    s_ct.rename("price_usd_per_mwh").to_frame().reset_index().to_parquet(buf)
    buf.seek(0)
    s4 = read_price_file(buf)
    assert np.allclose(s4.to_numpy(), s_ct.to_numpy())
    with pytest.raises(InputError, match="spring-forward"):
        read_price_file(io.StringIO("time,price\n2024-03-10 02:30,1\n2024-03-10 03:00,2\n"),
                        tz="America/Chicago")


def test_auto_detection_of_layouts() -> None:
    assert len(read_prices_auto(DATA / "ercot_rtm_spp_2024-07-01.csv", "HB_WEST")) == 96
    assert per_day(read_prices_auto(DATA / "ercot_dam_hb_west_dst.csv"))["2024-11-03"] == 25
    assert per_day(read_prices_auto(DATA / "nyiso_rt_dst.csv", "WEST"))["2019-11-03"] == 25
    lz = read_prices_auto(DATA / "ercot_lz_2023_dst.csv", "LZ_NORTH")
    assert per_day(lz)["2023-03-12"] == 23
    sced = read_prices_auto(DATA / "ercot_sced_lmp_hb_west_excerpt.csv")
    assert per_day(sced)["2024-03-10"] == 92
    assert len(read_prices_auto(DATA / "prices_hb_west_2024-08-19_21.csv")) == 288


# ---- malformed files: an InputError naming the file and the column, never a pandas exception
_RTM_HEAD = ("Delivery Date,Delivery Hour,Delivery Interval,Settlement Point Name,"
             "Settlement Point Price\n")
_BAD_FILES = {
    "rtm date": (_RTM_HEAD + "xx/01/2024,1,1,HB_WEST,20\n07/01/2024,1,2,HB_WEST,20\n",
                 "Delivery Date"),
    "rtm hour": (_RTM_HEAD + "07/01/2024,a,1,HB_WEST,20\n07/01/2024,1,2,HB_WEST,20\n",
                 "Delivery Hour"),
    "rtm blank interval": (_RTM_HEAD + "07/01/2024,1,,HB_WEST,20\n07/01/2024,1,2,HB_WEST,20\n",
                           "Delivery Interval"),
    "rtm price": (_RTM_HEAD + "07/01/2024,1,1,HB_WEST,abc\n07/01/2024,1,2,HB_WEST,20\n",
                  "Settlement Point Price"),
    "dam hour ending": ("deliveryDate,hourEnding,settlementPoint,settlementPointPrice\n"
                        "07/01/2024,xx:00,HB_WEST,20\n07/01/2024,02:00,HB_WEST,21\n",
                        "hourEnding"),
    "nyiso values": ("date,zone," + ",".join(f"he{i:02d}" for i in range(1, 25))
                     + "\n2024-07-01,WEST," + ",".join(["x"] * 24) + "\n", "he01"),
    "lz date": ("Date,Price,Zone\nfoo,20,LZ_WEST\n1/1/2023 1:00:00 AM,21,LZ_WEST\n", "Date"),
    "sced timestamp": ("SCEDTimestamp,settlementPoint,LMP\nfoo,HB_WEST,20\n"
                       "07/01/2024 00:05:00,HB_WEST,21\n", "SCEDTimestamp"),
    "generic timestamp": ("interval_start,price\n2024-07-01 00:00,20\nnotatime,30\n"
                          "2024-07-01 02:00,25\n", "interval_start"),
    "generic offset": ("interval_start,price\n2024-07-01T00:00:00-05:00,20\n"
                       "2024-07-01T01:00:00-0x:00,21\n", "interval_start"),
}


@pytest.mark.parametrize("name", sorted(_BAD_FILES))
def test_malformed_price_files_raise_input_error(name: str) -> None:
    text, column = _BAD_FILES[name]
    with pytest.raises(InputError, match=column) as info:
        read_prices_auto(io.StringIO(text), None, "America/Chicago")
    assert info.value.problems[0].source == "<price file>"  # an anonymous buffer


@pytest.mark.parametrize("name", ["rtm price", "generic timestamp"])
def test_malformed_price_file_on_disk_names_the_file(name: str, tmp_path: Path) -> None:
    text, column = _BAD_FILES[name]
    path = tmp_path / "prices.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=column) as info:
        read_prices_auto(path, None, "America/Chicago")
    assert [p.source for p in info.value.problems] == [str(path)]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "is a folder"), (b"", "is empty"), (b"\x00\xff\xfe\x81" * 64, "cannot be read"),
     ("missing", "file not found")],
)
def test_unreadable_price_files_name_the_file(
    content: bytes | str | None, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "prices.csv"
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_price_file(path, tz="America/Chicago")
    assert info.value.problems[0].source == str(path)


def test_generic_file_repeated_instant_is_an_error() -> None:
    # With UTC offsets every instant is unique, so a repeat is bad data (not the DST hour).
    text = (
        "timestamp,price\n2024-08-19T00:00:00-05:00,20\n2024-08-19T00:15:00-05:00,21\n"
        "2024-08-19T00:15:00-05:00,99\n"
    )
    with pytest.raises(InputError, match="repeated timestamp"):
        read_price_file(io.StringIO(text), tz="America/Chicago")


def test_a_series_file_of_another_quantity_is_spoken_of_in_its_words(tmp_path: Path) -> None:
    """``read_series_file`` reads what ``read_price_file`` reads, and words its problems
    for the quantity the file holds: no price column to name nor ``price_column`` (a
    price-file argument) to pass. The dispatch read its side files with the price reader
    and rewrote its messages by string until 2026-12-06."""
    from hashpivot.io import read_series_file

    two = tmp_path / "mef.csv"
    two.write_text("interval_start,a,b\n2024-01-01T00:00:00-06:00,1,2\n")
    with pytest.raises(InputError) as err:
        read_series_file(two, tz="America/Chicago", quantity="emissions factor")
    (problem,) = err.value.problems
    assert problem.message.startswith("cannot tell which column holds the emissions factor: "
                                      "give a timestamp column and one numeric column")
    assert "price" not in problem.message and problem.source == str(two)
    naive = io.StringIO("time,cf\n2024-11-03 01:00,0.1\n2024-11-03 01:00,0.2\n"
                        "2024-11-03 01:00,0.3\n")
    with pytest.raises(InputError, match="give one capacity factor per interval"):
        read_series_file(naive, tz="America/Chicago", quantity="capacity factor")
    bad = io.StringIO("time,cf\n2024-01-01 00:00,x\n")
    with pytest.raises(InputError, match="column 'cf' has 1 missing") as err:
        read_series_file(bad, tz="America/Chicago", value_column="cf",
                         quantity="capacity factor")
    assert "price" not in str(err.value.problems[0].message)
    with pytest.raises(InputError, match="price column 'cf' has 1 missing"):  # (unchanged)
        read_price_file(io.StringIO("time,cf\n2024-01-01 00:00,x\n"), tz="America/Chicago",
                        price_column="cf")
    series = read_series_file(io.StringIO("time,cf\n2024-01-01 00:00,0.25\n"),
                              tz="America/Chicago", quantity="capacity factor")
    assert list(series) == [0.25]


def _quarter_hours(stamp: str, n: int) -> list[pd.Timestamp]:
    return list(pd.date_range(stamp, periods=n, freq="15min"))


@pytest.mark.parametrize("year", [1700, 2300, 9999])
def test_timestamps_outside_the_years_of_a_date_time_field_are_an_error(
    year: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A price file dated 9999 was read (pandas holds it to the microsecond) and the
    dispatch then failed with an internal error (OutOfBoundsDatetime, exit 1); one dated
    1700 ran. Both are typos: an error naming the column and the first row, on the
    general path and on the fast path of large files."""
    from hashpivot.io import price_file

    stamps = [t.isoformat() for t in _quarter_hours(f"{year}-08-19T00:00:00-05:00", 8)]
    path = tmp_path / "prices.csv"
    path.write_text("interval_start,price_usd_per_mwh\n"
                    + "".join(f"{s},{20 + i}\n" for i, s in enumerate(stamps)))
    for threshold in (price_file.PLAIN_CSV_MIN_BYTES, 0):  # general path, then fast path
        monkeypatch.setattr(price_file, "PLAIN_CSV_MIN_BYTES", threshold)
        with pytest.raises(InputError, match=r"column 'interval_start' has 8 timestamp\(s\) "
                           r"outside the years 1970-2200, first .* \(data row 1\)") as err:
            read_price_file(path, tz="America/Chicago")
        assert err.value.problems[0].source == str(path)


def test_a_timestamp_column_of_numbers_is_an_error_not_nanoseconds_after_1970() -> None:
    """Epoch seconds in the timestamp column were read as nanoseconds after 1970: 288
    intervals of a day became 288 ns of 1970-01-01 and the dispatch reported a margin of
    0.0013 USD, exit 0."""
    text = "interval_start,price_usd_per_mwh\n" + "".join(
        f"{1724043600 + 900 * i},{20 + i}\n" for i in range(8))
    with pytest.raises(InputError, match="column 'interval_start' holds numbers, not "
                       r"timestamps \(first 1724043600, data row 1\)"):
        read_price_file(io.StringIO(text), tz="America/Chicago")


@pytest.mark.parametrize("column", ["price_usd_per_mwh", "value"])
def test_a_price_column_of_true_and_false_is_an_error_not_ones(column: str) -> None:
    """A price column of ``true`` (pandas reads it as booleans) was taken as 1.0 USD/MWh in
    every interval, named or found as the one numeric column; now an error."""
    text = f"interval_start,{column}\n" + "".join(
        f"2024-08-19T{h:02d}:00:00-05:00,true\n" for h in range(8))
    with pytest.raises(InputError, match=f"column '{column}' holds true/false, not numbers"):
        read_price_file(io.StringIO(text), tz="America/Chicago")


@pytest.mark.parametrize(("column", "unit", "factor"), [
    ("price_usd_per_kwh", "USD/kWh", "1000"), ("Price ($/kWh)", "USD/kWh", "1000"),
    ("price_cents_per_kwh", "cents/kWh", "10"), ("priceCentsPerKwh", "cents/kWh", "10"),
    ("price_ct_per_kwh", "cents/kWh", "10"), ("price_cents", "cents/kWh", "10"),
])
def test_the_one_numeric_column_is_not_taken_as_usd_per_mwh_when_it_names_kwh(
    column: str, unit: str, factor: str
) -> None:
    """A file whose only numeric column is ``price_usd_per_kwh`` was read as USD/MWh:
    prices 1000 times too low, and the dispatch ran (exit 0) with power nearly free."""
    text = f"interval_start,{column}\n" + "".join(
        f"{t.isoformat()},0.0{2 + i}\n"
        for i, t in enumerate(_quarter_hours("2024-08-19T00:00:00-05:00", 4)))
    with pytest.raises(InputError, match=f"price column '{re.escape(column)}' looks like "
                       f"{unit}; the price file holds USD/MWh: multiply by {factor}"):
        read_price_file(io.StringIO(text), tz="America/Chicago")
    named = text.replace(column, "usd_per_mwh", 1)  # a column named in USD/MWh is read
    assert read_price_file(io.StringIO(named), tz="America/Chicago").iloc[0] == 0.02


@pytest.mark.parametrize("column", ["recent_lmp", "percentile_price", "CT", "lmp_ct",
                                    "kwh_to_mwh_adj_lmp"])
def test_a_column_name_holding_cent_or_kwh_inside_a_word_is_read(column: str) -> None:
    """Only whole words say cents or kWh: ``recent_lmp`` (``cent`` inside ``recent``) is a
    USD/MWh price like any other lone numeric column; so is ``CT`` (ISO-NE's Connecticut
    zone: ``ct`` says cents beside ``kwh`` only) and a name that says MWh too."""
    text = f"interval_start,{column}\n" + "".join(
        f"{t.isoformat()},{20 + i}\n"
        for i, t in enumerate(_quarter_hours("2024-08-19T00:00:00-05:00", 4)))
    assert read_price_file(io.StringIO(text), tz="America/Chicago").iloc[0] == 20
