"""Bitcoin protocol: subsidy exactly as Bitcoin Core, halvings, difficulty <-> hashrate."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashpivot import bitcoin as btc

# (height, subsidy in satoshi) from Bitcoin Core's GetBlockSubsidy
SUBSIDY_CASES = [
    (0, 5_000_000_000),
    (209_999, 5_000_000_000),
    (210_000, 2_500_000_000),
    (839_999, 625_000_000),
    (840_000, 312_500_000),
    (1_050_000, 156_250_000),
    (6_929_999, 1),
    (6_930_000, 0),
    (13_440_000, 0),  # 64 halvings: Core returns 0 instead of an undefined shift
]


@pytest.mark.parametrize(("height", "sat"), SUBSIDY_CASES)
def test_subsidy_matches_bitcoin_core(height: int, sat: int) -> None:
    assert btc.block_subsidy_sat(height) == sat
    assert btc.block_subsidy_btc(height) == sat / 1e8


def test_subsidy_array_matches_scalar() -> None:
    heights = np.array([h for h, _ in SUBSIDY_CASES] + [13_439_999, 20_000_000])
    expected = [btc.block_subsidy_btc(int(h)) for h in heights]
    np.testing.assert_array_equal(btc.block_subsidy_btc_array(heights), expected)


def test_total_supply_is_just_under_21m() -> None:
    # Sum over all eras of 210,000 x subsidy: the well-known 20,999,999.9769 BTC.
    total_sat = sum(btc.block_subsidy_sat(e * 210_000) * 210_000 for e in range(70))
    assert total_sat == 2_099_999_997_690_000


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_subsidy_rejects_bad_heights(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        btc.block_subsidy_sat(bad)  # type: ignore[arg-type]


def test_halving_heights_and_dates() -> None:
    assert btc.halving_height(4) == 840_000
    assert btc.next_halving_height(840_000) == 1_050_000
    assert btc.next_halving_height(839_999) == 840_000
    # From height 916,532 on 2025-09-26 00:00 UTC at 600 s: 133,468 blocks = 80,080,800 s
    # = 926 days 20 h 40 min -> 2028-04-09 20:40 UTC
    sched = btc.halving_schedule(916_532, dt.datetime(2025, 9, 26), count=2)
    first = sched.iloc[0]
    assert first["height"] == 1_050_000
    assert first["subsidy_before_btc"] == 3.125 and first["subsidy_after_btc"] == 1.5625
    assert first["estimated_date"].date() == dt.date(2028, 4, 9)
    assert sched.iloc[1]["height"] == 1_260_000


def test_difficulty_hashrate_round_trip_and_known_value() -> None:
    # D = 100e12 -> 100e12 * 2^32 / 600 H/s = 715.8 EH/s = 7.158e8 TH/s
    h = btc.hashrate_from_difficulty(100e12)
    assert h == pytest.approx(100e12 * 2**32 / 600 / 1e12, rel=1e-15)
    assert h == pytest.approx(7.158278826666667e8)
    assert btc.difficulty_from_hashrate(h) == pytest.approx(100e12, rel=1e-12)


@given(st.floats(min_value=1.0, max_value=1e16))
def test_round_trip_property(d: float) -> None:
    assert btc.difficulty_from_hashrate(btc.hashrate_from_difficulty(d)) == pytest.approx(d)


def test_btc_per_th_day_hand_check_and_types() -> None:
    # 3.125 BTC * 86400 s * 1e12 H/s / (100e12 * 2^32) = 6.2864e-7 BTC per TH/s/day
    assert btc.btc_per_th_day(100e12, 3.125) == pytest.approx(2.7e17 / (1e14 * 2**32))
    assert btc.btc_per_th_day(100e12, 3.125) == pytest.approx(6.28642737865448e-7)
    s = pd.Series([100e12, 200e12, 0.0], index=list("abc"))
    with pytest.warns(RuntimeWarning, match="difficulty must be > 0"):
        out = btc.btc_per_th_day(s, 3.125)
    assert isinstance(out, pd.Series) and list(out.index) == list("abc")
    assert out["b"] == pytest.approx(out["a"] / 2)
    assert np.isnan(out["c"])  # undefined for non-positive difficulty: NaN, not inf
    with pytest.warns(RuntimeWarning):
        arr = btc.btc_per_th_day(np.array([100e12, -1.0]), 3.125)
    assert np.isnan(arr[1])
    with pytest.warns(RuntimeWarning):
        assert np.isnan(btc.btc_per_th_day(0.0, 3.125))


# --------------------------------------------------------------------------------------
# mean subsidy of a range of blocks / of each period
# --------------------------------------------------------------------------------------
def test_mean_block_subsidy_inside_an_era_is_the_subsidy_exactly() -> None:
    got = btc.mean_block_subsidy_btc([840_000, 1_000_000.5, 1_049_000], [840_100, 1_040_000.25,
                                                                          1_050_000])
    np.testing.assert_array_equal(got, [3.125, 3.125, 3.125])


def test_mean_block_subsidy_blends_one_halving_by_blocks() -> None:
    # 1,000 blocks at 3.125 then 3,464 at 1.5625
    got = btc.mean_block_subsidy_btc(1_049_000, 1_049_000 + 4_464)
    assert got == pytest.approx((1_000 * 3.125 + 3_464 * 1.5625) / 4_464, rel=1e-15)
    # a fractional start: 0.5 block of the old era counts half
    got = btc.mean_block_subsidy_btc(1_049_999.5, 1_050_000.5)
    assert got == pytest.approx((3.125 + 1.5625) / 2, rel=1e-15)


def test_mean_block_subsidy_across_two_halvings_uses_every_era() -> None:
    # 210,000 + 2 blocks: one at 3.125, 210,000 at 1.5625, one at 0.78125
    got = btc.mean_block_subsidy_btc(1_049_999, 1_260_001)
    want = (3.125 + 210_000 * 1.5625 + 0.78125) / 210_002
    assert got == pytest.approx(want, rel=1e-13)


def test_period_subsidy_blends_the_halving_month() -> None:
    # Height 1,049,000 at 2028-01-01 start, 144 blocks/day: the halving at 1,050,000 falls
    # 1000/144 = 6.94 days into January 2028.
    periods = pd.period_range("2027-12", periods=3, freq="M")
    sub = btc.period_subsidy_btc(periods, 1_049_000, "2028-01-01", 144.0)
    assert sub[0] == 3.125
    jan_blocks = 31 * 144
    expected = (1000 * 3.125 + (jan_blocks - 1000) * 1.5625) / jan_blocks
    assert sub[1] == pytest.approx(expected, rel=1e-15)
    # agrees with the exact per-block subsidy away from the halving
    assert sub[2] == btc.block_subsidy_btc_array([1_060_000])[0] == 1.5625


def test_period_subsidy_daily_halving_day() -> None:
    # 2028-01-07 holds heights 1,049,864..1,050,007: 136 blocks at 3.125, 8 at 1.5625
    days = pd.period_range("2028-01-06", periods=3, freq="D")
    sub = btc.period_subsidy_btc(days, 1_049_000, "2028-01-01", 144.0)
    assert sub[0] == 3.125 and sub[2] == 1.5625
    assert sub[1] == pytest.approx((136 * 3.125 + 8 * 1.5625) / 144, rel=1e-15)


def test_deterministic_market_uses_the_period_subsidy() -> None:
    from hashpivot.engines.pivot import growth_market

    periods = pd.period_range("2027-12", periods=8, freq="M")
    m = growth_market(periods, 1e5, 0.1, 1e9, 0.2, 0.03, 1_040_000)
    want = btc.period_subsidy_btc(periods, 1_040_000, "2027-12-01", 144.0)
    np.testing.assert_array_equal(m.subsidy_btc_per_block[0], want)
    assert m.subsidy_btc_per_block[0, 0] == 3.125 and m.subsidy_btc_per_block[0, -1] == 1.5625


def test_subsidy_takes_numpy_integers_once_numpy_is_imported() -> None:
    """``block_subsidy_sat`` tests a numpy integer through ``sys.modules`` (numpy is not
    imported at start-up): with numpy imported, its integers are heights, its bool is not."""
    assert btc.block_subsidy_sat(np.int64(840_000)) == 312_500_000
    assert btc.block_subsidy_sat(np.uint32(209_999)) == 5_000_000_000
    with pytest.raises(TypeError):
        btc.block_subsidy_sat(np.bool_(True))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        btc.block_subsidy_sat(np.float64(840_000))  # type: ignore[arg-type]
