"""Power price readers: layouts, DST, time-weighting, resampling, bundled years, gridstatus."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.exceptions import DataError, FetchError, InputError
from hashpivot.io.gridstatus_fetch import get_ercot_spp, get_nyiso_lmp, parse_gridstatus_prices
from hashpivot.io.power_prices import (
    _parse_ercot_rtm_spp,
    _time_weighted_bins,
    bundled_market_keys,
    load_market_prices,
    parse_market,
    read_ercot_dam_spp,
    read_ercot_hourly_lz,
    read_ercot_rtm_spp,
    read_ercot_sced_lmp,
    read_nyiso_zonal,
    read_price_file,
    read_prices_auto,
    region_timezone,
    resample_prices,
)

DATA = Path(__file__).parents[1] / "data" / "power"


def _per_day(s: pd.Series) -> pd.Series:
    return s.groupby(s.index.strftime("%Y-%m-%d")).size()


def _steps_regular(s: pd.Series, step: str) -> bool:
    """Every step is ``step`` of absolute time, except the jumps between excerpts (> 1 day)."""
    d = pd.Series(s.index).diff().dropna()
    return bool(((d == pd.Timedelta(step)) | (d > pd.Timedelta("1D"))).all())


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
    days = _per_day(s)
    assert days["2024-03-10"] == 23 and days["2024-11-03"] == 25
    assert days["2024-03-09"] == 24 and days["2024-11-04"] == 24
    assert s.index.is_monotonic_increasing and s.index.is_unique
    # the DSTFlag=True copy of HE02 is the standard-time hour 01:00-02:00 CST
    assert s[pd.Timestamp("2024-11-03 01:00-06:00")] == pytest.approx(12.10)
    assert s[pd.Timestamp("2024-11-03 01:00-05:00")] == pytest.approx(8.15)


def test_hourly_lz_2023_spring_absent_fall_hour_given_to_both() -> None:
    s = read_ercot_hourly_lz(DATA / "ercot_lz_2023_dst.csv", "LZ_WEST")
    days = _per_day(s)
    assert days["2023-03-12"] == 23 and days["2023-11-05"] == 25 and days["2023-11-04"] == 24
    a = s[pd.Timestamp("2023-11-05 01:00-05:00")]
    b = s[pd.Timestamp("2023-11-05 01:00-06:00")]
    assert a == b  # one value in the source for both hours
    assert _steps_regular(s, "1h")


def test_nyiso_wide_layout_dst() -> None:
    s = read_nyiso_zonal(DATA / "nyiso_rt_dst.csv", "NYC")
    assert str(s.index.tz) == "America/New_York"
    days = _per_day(s)
    assert days["2019-03-10"] == 23 and days["2019-11-03"] == 25 and days["2019-03-09"] == 24
    raw = pd.read_csv(DATA / "nyiso_rt_dst.csv")
    spring = raw[(raw.date == "2019-03-10") & (raw.zone == "NYC")].iloc[0]
    assert spring["he02"] == spring["he03"]  # the filler column that is dropped
    # he01 of 2019-03-10 is 00:00-01:00 EST; he04 starts at 03:00 EDT
    assert s[pd.Timestamp("2019-03-10 00:00-05:00")] == spring["he01"]
    assert s[pd.Timestamp("2019-03-10 03:00-04:00")] == spring["he04"]
    assert _steps_regular(s, "1h")


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


def test_sced_dst_days_have_92_and_100_quarter_hours() -> None:
    s = read_ercot_sced_lmp(DATA / "ercot_sced_lmp_hb_west_excerpt.csv", freq="15min")
    days = _per_day(s)
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


# ---- generic files, auto-detection, resampling ------------------------------------------
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
    with pytest.raises(DataError, match="spring-forward"):
        read_price_file(io.StringIO("time,price\n2024-03-10 02:30,1\n2024-03-10 03:00,2\n"),
                        tz="America/Chicago")


def test_auto_detection_of_layouts() -> None:
    assert len(read_prices_auto(DATA / "ercot_rtm_spp_2024-07-01.csv", "HB_WEST")) == 96
    assert _per_day(read_prices_auto(DATA / "ercot_dam_hb_west_dst.csv"))["2024-11-03"] == 25
    assert _per_day(read_prices_auto(DATA / "nyiso_rt_dst.csv", "WEST"))["2019-11-03"] == 25
    lz = read_prices_auto(DATA / "ercot_lz_2023_dst.csv", "LZ_NORTH")
    assert _per_day(lz)["2023-03-12"] == 23
    sced = read_prices_auto(DATA / "ercot_sced_lmp_hb_west_excerpt.csv")
    assert _per_day(sced)["2024-03-10"] == 92
    assert len(read_prices_auto(DATA / "prices_hb_west_2024-08-19_21.csv")) == 288


def test_resample_mean_and_forward_fill_across_dst() -> None:
    s = read_ercot_sced_lmp(DATA / "ercot_sced_lmp_hb_west_excerpt.csv", freq="5min")
    q = resample_prices(s, "15min")
    h = resample_prices(q, "1h")
    assert _per_day(h)["2024-11-03"] == 25 and _per_day(h)["2024-03-10"] == 23
    # mean of the four quarter hours
    t0 = pd.Timestamp("2024-03-10 00:00", tz="America/Chicago")
    quarters = q[(q.index >= t0) & (q.index < t0 + pd.Timedelta("1h"))]
    assert len(quarters) == 4
    assert h[t0] == pytest.approx(quarters.mean())
    back = resample_prices(h, "15min")
    assert _per_day(back)["2024-11-03"] == 100 and _per_day(back)["2024-03-10"] == 92
    assert (back[(back.index >= t0) & (back.index < t0 + pd.Timedelta("1h"))] == h[t0]).all()
    day = resample_prices(q[q.index.strftime("%Y-%m-%d") == "2024-11-03"], "D")
    assert len(day) == 1
    assert day.iloc[0] == pytest.approx(q[q.index.strftime("%Y-%m-%d") == "2024-11-03"].mean())
    with pytest.raises(InputError):
        resample_prices(h, "25min")


# ---- bundled years -----------------------------------------------------------------------
def test_bundled_hb_west_2024_and_lz_west_2023() -> None:
    hb = load_market_prices("ercot:HB_WEST:2024")
    assert len(hb) == 366 * 96
    days = _per_day(hb)
    assert days["2024-03-10"] == 92 and days["2024-11-03"] == 100
    assert hb.index[0] == pd.Timestamp("2024-01-01 00:00", tz="America/Chicago")
    # 2024 HB_WEST mean of the SCED LMPs (build log): 27.03 USD/MWh
    assert hb.mean() == pytest.approx(27.03, abs=0.01)
    lz = load_market_prices("ercot:LZ_WEST:2023")
    assert len(lz) == 8760
    assert _per_day(lz)["2023-03-12"] == 23 and _per_day(lz)["2023-11-05"] == 25
    # SOURCES.md: LZ_WEST 2023 min -30.36, max 5,260.9, mean 59.8 (the doubled fall hour
    # adds one value, so the mean moves by < 0.01)
    assert lz.min() == pytest.approx(-30.36) and lz.max() == pytest.approx(5260.935)
    assert lz.mean() == pytest.approx(59.8, abs=0.01)
    da = load_market_prices("ercot:HB_WEST:2024:da")
    assert len(da) == 8784
    assert "ercot:HB_WEST:2024" in bundled_market_keys()
    with pytest.raises(InputError, match="no bundled prices"):
        load_market_prices("ercot:HB_WEST:2019")
    with pytest.raises(InputError, match="iso:point:year"):
        parse_market("HB_WEST-2024")


# ---- gridstatus (recorded frame, fake client; no network) ---------------------------------
class _FakeErcot:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.calls: list[dict[str, object]] = []

    def get_spp(self, **kwargs: object) -> pd.DataFrame:
        self.calls.append(kwargs)
        return self.frame


class _FailingNyiso:
    def get_lmp(self, **kwargs: object) -> pd.DataFrame:
        raise ConnectionError("no network in tests")


def test_gridstatus_fetch_parses_recorded_frame() -> None:
    frame = pd.read_csv(DATA / "gridstatus_ercot_spp_hb_west_2024-07-01.csv")
    fake = _FakeErcot(frame)
    s = get_ercot_spp("2024-07-01", "2024-07-02", "HB_WEST", client=fake)
    assert fake.calls[0]["market"] == "REAL_TIME_15_MIN"
    assert fake.calls[0]["location_type"] == "Trading Hub"
    official = read_ercot_rtm_spp(DATA / "ercot_rtm_spp_2024-07-01.csv", "HB_WEST")
    pd.testing.assert_series_equal(s, official, check_names=False, check_freq=False,
                                   check_index_type=False, check_dtype=False)
    with pytest.raises(DataError, match="no rows"):
        parse_gridstatus_prices(frame, "HB_PAN", "SPP", "America/Chicago", "ercot")
    with pytest.raises(FetchError, match="no network"):
        get_nyiso_lmp("2024-07-01", client=_FailingNyiso())


# ---- malformed files: a DataError naming the column, never a pandas exception -------------
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
def test_malformed_price_files_raise_data_error(name: str) -> None:
    text, column = _BAD_FILES[name]
    with pytest.raises(DataError, match=column):
        read_prices_auto(io.StringIO(text), None, "America/Chicago")


def test_generic_file_repeated_instant_is_an_error() -> None:
    # With UTC offsets every instant is unique, so a repeat is bad data (not the DST hour).
    text = (
        "timestamp,price\n2024-08-19T00:00:00-05:00,20\n2024-08-19T00:15:00-05:00,21\n"
        "2024-08-19T00:15:00-05:00,99\n"
    )
    with pytest.raises(DataError, match="repeated timestamp"):
        read_price_file(io.StringIO(text), tz="America/Chicago")


# ---- bundled NYISO zones 2019 ------------------------------------------------------------
def test_bundled_nyiso_2019_coverage_dst_and_known_value() -> None:
    west = load_market_prices("nyiso:WEST:2019")
    assert str(west.index.tz) == "America/New_York"
    # the source starts on 2019-01-02 (Jan 1 missing): 364 days, the 23- and 25-hour DST
    # days cancel out
    assert west.index[0] == pd.Timestamp("2019-01-02 00:00", tz="America/New_York")
    assert west.index[-1] == pd.Timestamp("2019-12-31 23:00", tz="America/New_York")
    assert len(west) == 364 * 24
    assert (pd.Series(west.index).diff().dropna() == pd.Timedelta("1h")).all()
    days = _per_day(west)
    assert days["2019-03-10"] == 23 and days["2019-11-03"] == 25 and days["2019-07-15"] == 24
    # raw row "2019-07-15,NYISO,WEST,...": he15 = 89.59 (14:00-15:00 EDT), he01 = 23.23
    assert west[pd.Timestamp("2019-07-15 14:00-04:00")] == 89.59
    assert west[pd.Timestamp("2019-07-15 00:00-04:00")] == 23.23
    # raw row "2019-11-03,NYISO,WEST": he02 = 12.93 (the kept daylight-time 01:00 copy) fills
    # both 01:00 hours, he03 = 12.78 starts at 02:00 EST
    assert west[pd.Timestamp("2019-11-03 01:00-04:00")] == 12.93
    assert west[pd.Timestamp("2019-11-03 01:00-05:00")] == 12.93
    assert west[pd.Timestamp("2019-11-03 02:00-05:00")] == 12.78
    # raw row "2019-03-10,NYISO,WEST": he02 = he03 = 13.54 (filler), he04 = 17.21 at 03:00 EDT
    assert west[pd.Timestamp("2019-03-10 01:00-05:00")] == 13.54
    assert west[pd.Timestamp("2019-03-10 03:00-04:00")] == 17.21
    assert west.attrs["key"] == "nyiso:WEST:2019"
    nyc = load_market_prices("nyiso:nyc:2019")
    assert nyc.index.equals(west.index) and not nyc.equals(west)
    keys = bundled_market_keys()
    assert "nyiso:HUD_VL:2019" in keys and "nyiso:NPX:2019" not in keys  # zones only
    with pytest.raises(InputError, match="nyiso:WEST:2019"):
        load_market_prices("nyiso:PJM:2019")


def test_region_timezone_nyiso() -> None:
    assert region_timezone("NYISO") == "America/New_York"
    assert region_timezone("nyiso_j") == "America/New_York"
    assert region_timezone("ERCOT") == "America/Chicago"


def test_dispatch_cli_on_ny_site_with_bundled_nyiso(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    toml = tmp_path / "ny.toml"
    toml.write_text(
        'name = "NY test"\n\n[[sites]]\nname = "Upstate"\nregion = "NYISO"\n'
        "capacity_mw = 20.0\n\n[sites.power_contract]\n"
        'kind = "index"\nprice_usd_per_mwh = 30.0\nadder_usd_per_mwh = 2.0\n'
        'market = "nyiso:WEST"\n\n[[sites.fleet]]\nname = "S19j Pro"\n'
        "hashrate_th_s = 104.0\npower_w = 3068.0\ncount = 5000\n"
    )
    res = CliRunner().invoke(
        app,
        ["dispatch", str(toml), "--market", "nyiso:WEST:2019",
         "--hashprice-usd-per-ph-day", "45", "--json"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["intervals"] == 364 * 24
    assert out["start"] == "2019-01-02 00:00:00-05:00"
    assert out["net_margin_usd"] >= out["net_margin_always_on_usd"] - 1e-6
