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
