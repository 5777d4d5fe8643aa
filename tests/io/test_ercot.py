"""ERCOT readers: RTM SPP, DAM, hourly load zones, SCED LMP time-weighting, DST days."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.io import (
    read_ercot_dam_spp,
    read_ercot_hourly_lz,
    read_ercot_rtm_spp,
    read_ercot_sced_lmp,
)
from hashpivot.io.ercot import _parse_ercot_rtm_spp, _time_weighted_bins
from tests.io.price_helpers import DATA, per_day, steps_regular


# ---- ERCOT RTM SPP (RTMLZHBSPP) ---------------------------------------------------------
def test_rtm_spp_layout_and_point_selection() -> None:
    s = read_ercot_rtm_spp(DATA / "ercot_rtm_spp_2024-07-01.csv", "HB_WEST")
    assert len(s) == 96
    assert str(s.index.tz) == "America/Chicago"
    # hour ending 1, interval 1 -> starts at 00:00 local (CDT, UTC-5)
    assert s.index[0] == pd.Timestamp("2024-07-01 00:00", tz="America/Chicago")
    assert s.index[-1] == pd.Timestamp("2024-07-01 23:45", tz="America/Chicago")
    assert s.iloc[0] == pytest.approx(21.69)
    assert s.attrs["point"] == "HB_WEST"
    with pytest.raises(InputError, match="HB_NORTH, HB_WEST"):
        read_ercot_rtm_spp(DATA / "ercot_rtm_spp_2024-07-01.csv")  # two points, none chosen
    with pytest.raises(InputError, match="not in the file"):
        read_ercot_rtm_spp(DATA / "ercot_rtm_spp_2024-07-01.csv", "HB_PAN")


def _synthetic_rtm_day(date: str, hours: list[tuple[int, str]]) -> pd.DataFrame:
    rows = []
    for he, flag in hours:
        for iv in (1, 2, 3, 4):
            rows.append((date, he, iv, flag, "HB_WEST", "HU", float(he * 10 + iv)))
    return pd.DataFrame(
        rows,
        columns=["Delivery Date", "Delivery Hour", "Delivery Interval", "Repeated Hour Flag",
                 "Settlement Point Name", "Settlement Point Type", "Settlement Point Price"],
    )


def test_rtm_spp_dst_days_have_92_and_100_quarter_hours() -> None:
    # RTMLZHBSPP layout of the two 2024 DST days: HE03 absent in March; HE02 twice in
    # November, the second copy flagged Y (standard time)
    spring = _synthetic_rtm_day("03/10/2024", [(h, "N") for h in range(1, 25) if h != 3])
    fall = _synthetic_rtm_day(
        "11/03/2024", [(1, "N"), (2, "N"), (2, "Y")] + [(h, "N") for h in range(3, 25)]
    )
    s_spring = _parse_ercot_rtm_spp(spring)
    s_fall = _parse_ercot_rtm_spp(fall)
    assert len(s_spring) == 92 and len(s_fall) == 100
    assert s_spring.index.is_unique and s_fall.index.is_unique
    # the day spans 23 and 25 hours of real time
    quarter = pd.Timedelta("15min")
    assert (s_spring.index[-1] - s_spring.index[0]) == pd.Timedelta(hours=23) - quarter
    assert (s_fall.index[-1] - s_fall.index[0]) == pd.Timedelta(hours=25) - quarter
    # every step is 15 minutes of absolute time
    assert (pd.Series(s_fall.index).diff().dropna() == pd.Timedelta("15min")).all()
    # the repeated hour: daylight copy (HE02, flag N) at 01:00 CDT, standard copy at 01:00 CST
    first = s_fall[s_fall.index == pd.Timestamp("2024-11-03 01:00-05:00")]
    second = s_fall[s_fall.index == pd.Timestamp("2024-11-03 01:00-06:00")]
    assert first.iloc[0] == 21.0 and second.iloc[0] == 21.0  # same HE02 price pattern
    assert s_spring[pd.Timestamp("2024-03-10 03:00-05:00")] == 41.0  # HE04 interval 1


# ---- ERCOT DAM and hourly LZ ---------------------------------------------------------------
def test_dam_dst_days_23_and_25_hours() -> None:
    s = read_ercot_dam_spp(DATA / "ercot_dam_hb_west_dst.csv")
    days = per_day(s)
    assert days["2024-03-10"] == 23 and days["2024-11-03"] == 25
    assert days["2024-03-09"] == 24 and days["2024-11-04"] == 24
    assert s.index.is_monotonic_increasing and s.index.is_unique
    # the DSTFlag=True copy of HE02 is the standard-time hour 01:00-02:00 CST
    assert s[pd.Timestamp("2024-11-03 01:00-06:00")] == pytest.approx(12.10)
    assert s[pd.Timestamp("2024-11-03 01:00-05:00")] == pytest.approx(8.15)


def test_hourly_lz_2023_spring_absent_fall_hour_given_to_both() -> None:
    s = read_ercot_hourly_lz(DATA / "ercot_lz_2023_dst.csv", "LZ_WEST")
    days = per_day(s)
    assert days["2023-03-12"] == 23 and days["2023-11-05"] == 25 and days["2023-11-04"] == 24
    a = s[pd.Timestamp("2023-11-05 01:00-05:00")]
    b = s[pd.Timestamp("2023-11-05 01:00-06:00")]
    assert a == b  # one value in the source for both hours
    assert steps_regular(s, "1h")


# ---- SCED LMP ----------------------------------------------------------------------------
def test_time_weighted_bins_by_hand() -> None:
    # runs at 0 s (10), 100 s (40), 400 s (20); bins of 300 s:
    # bin [0, 300): 10 for 100 s + 40 for 200 s -> 3000/300 = 30
    # bin [300, 600): 40 for 100 s + 20 for 200 s -> 8000/300 = 26.666...
    t = np.array([0, 100, 400], dtype=np.int64)
    starts, means = _time_weighted_bins(t, np.array([10.0, 40.0, 20.0]), 300)
    assert list(starts) == [0, 300]
    assert means[0] == pytest.approx(30.0)
    assert means[1] == pytest.approx(8000 / 300)


def test_time_weighted_bins_a_missing_value_spoils_only_the_bins_it_holds_in() -> None:
    # runs at 0 s (10), 100 s (missing), 400 s (20), 700 s (30); bins of 300 s:
    # bin [0, 300): the missing run holds for 200 s -> NaN (missing, not dropped)
    # bin [300, 600): the missing run holds for 100 s -> NaN
    # bin [600, 900): 20 for 100 s + 30 for 200 s -> 8000/300 = 26.666...
    # (a missing LMP used to turn every later bin NaN, and the reader dropped them all)
    t = np.array([0, 100, 400, 700], dtype=np.int64)
    starts, means = _time_weighted_bins(t, np.array([10.0, np.nan, 20.0, 30.0]), 300)
    assert list(starts) == [0, 300, 600]
    assert np.isnan(means[0]) and np.isnan(means[1])
    assert means[2] == pytest.approx(8000 / 300)


def test_time_weighted_bins_leave_out_the_bins_of_a_gap() -> None:
    # runs at 0 s (10) and 3000 s (20), bins of 300 s, values carried 1200 s at most:
    # bins starting at 0..1200 hold 10 (1200 s after the run at most), those at
    # 1500..2700 start more than 1200 s after it with no run inside: a gap, left out;
    # the bin at 3000 holds 20.
    t = np.array([0, 3000], dtype=np.int64)
    starts, means = _time_weighted_bins(t, np.array([10.0, 20.0]), 300, max_stale_s=1200)
    assert list(starts) == [0, 300, 600, 900, 1200, 3000]
    assert list(means) == [10.0, 10.0, 10.0, 10.0, 10.0, 20.0]


def test_sced_missing_lmp_stays_missing_and_the_rest_of_the_file_is_read() -> None:
    # two hours of 5-minute runs at 30 USD/MWh, the run at 00:35 without an LMP: the
    # quarter-hour [00:30, 00:45) is missing (NaN), the other seven are 30; before, the
    # reader returned the two quarter-hours before the blank and nothing after it.
    stamps = pd.date_range("2024-08-01 00:00", periods=24, freq="5min")
    rows = [f"{t:%Y-%m-%dT%H:%M:%S},False,HB_WEST,{'' if t.minute == 35 and t.hour == 0 else 30}"
            for t in stamps]
    text = "SCEDTimestamp,repeatHourFlag,settlementPoint,LMP\n" + "\n".join(rows) + "\n"
    s = read_ercot_sced_lmp(io.StringIO(text), freq="15min")
    assert len(s) == 8
    assert s.index[-1] == pd.Timestamp("2024-08-01 01:45", tz="America/Chicago")
    assert s.isna().sum() == 1
    assert np.isnan(s[pd.Timestamp("2024-08-01 00:30", tz="America/Chicago")])
    assert (s.dropna() == 30.0).all()


def test_sced_dst_days_have_92_and_100_quarter_hours() -> None:
    s = read_ercot_sced_lmp(DATA / "ercot_sced_lmp_hb_west_excerpt.csv", freq="15min")
    days = per_day(s)
    assert days["2024-03-10"] == 92
    assert days["2024-11-03"] == 100
    assert days["2024-07-01"] == 96
    assert not s.isna().any()


def test_sced_15min_mean_reproduces_official_spp_outside_adders() -> None:
    # Independent reference: ERCOT's official 15-minute SPP of HB_WEST on 2024-07-01.
    # The hub SPP is the time-weighted SCED LMP plus real-time reserve (ORDC) adders,
    # which are zero in most intervals: there the two agree to the cent (SPPs are
    # published rounded to 0.01 USD/MWh). On this day the adders stayed below ~2 USD/MWh.
    spp = read_ercot_rtm_spp(DATA / "ercot_rtm_spp_2024-07-01.csv", "HB_WEST")
    lmp = read_ercot_sced_lmp(DATA / "ercot_sced_lmp_hb_west_excerpt.csv", freq="15min")
    diff = (spp - lmp.reindex(spp.index)).dropna()
    assert len(diff) == 96
    assert (diff.abs() <= 0.011).mean() > 0.9
    assert diff.min() > -0.011  # adders are never negative
    assert diff.max() < 2.0


def _dam_text(days: list[str]) -> str:
    """An ERCOT DAM file in the report spellings: 24 hours of 30 USD/MWh on each day."""
    rows = "".join(f"{d},{h:02d}:00,HB_WEST,30.0,N\n" for d in days for h in range(1, 25))
    return ("Delivery Date,Hour Ending,Settlement Point,Settlement Point Price,"
            f"Repeated Hour Flag\n{rows}")


def test_a_day_first_date_among_month_first_ones_is_an_error() -> None:
    """``08/05/2024``, ``08/06/2024`` and one ``13/03/2024``: each entry was parsed on its
    own, the last as 13 March, so the series ran from March to August with a gap of five
    months and no word (dispatch exit 0). Now an error names both orders and rows (the
    file's data rows: 24 a day), and a file in one order still reads (teeth)."""
    with pytest.raises(InputError) as info:
        read_ercot_dam_spp(io.StringIO(_dam_text(["08/05/2024", "08/06/2024", "13/03/2024"])))
    message = info.value.problems[0].message
    assert ("mixes month-first and day-first dates: '08/05/2024' (data row 1) reads as "
            "month/day, '13/03/2024' (data row 49) as day/month") in message
    s = read_ercot_dam_spp(io.StringIO(_dam_text(["08/05/2024", "08/06/2024", "08/13/2024"])))
    assert len(s) == 72 and str(s.index[-1].date()) == "2024-08-13"
