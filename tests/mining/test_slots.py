"""Fleet entries laid in slots of a site's capacity (hashpivot.mining.slots), by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from hashpivot.mining.slots import SwapUnit, swap_laying, swap_slots, swap_units
from hashpivot.models.fleet import dated_days


def _days(*windows: tuple[str | None, str | None]) -> list[tuple[pd.Timestamp | None,
                                                                 pd.Timestamp | None]]:
    return [dated_days(start, end) for start, end in windows]


def _units(power: list[float], j_per_th: list[float], days: list[tuple[pd.Timestamp | None,
                                                                       pd.Timestamp | None]],
           capacity_mw: float) -> list[SwapUnit] | None:
    """The units of the laying that fits ``capacity_mw`` [MW], or None (no swap)."""
    slots = swap_laying(days, power, capacity_mw)
    return None if slots is None else swap_units(power, j_per_th, slots)


def test_a_swap_shares_one_slot_and_an_undated_entry_keeps_its_own() -> None:
    """Old machines to 2027-06 (a month end: through its last day), new ones from
    2027-07-01, a third line throughout: the new follow the old; the third keeps a slot."""
    days = _days((None, "2027-06"), ("2027-07-01", None), (None, None))
    assert swap_slots(days) == [[0, 1], [2]]


def test_an_entry_follows_the_one_that_ended_last_before_its_start() -> None:
    """Two lines ended (2026-12 and 2027-06); a line from 2027-07 takes the place of the
    one that ended last; one starting on the day another ends does not follow it."""
    days = _days((None, "2026-12"), (None, "2027-06"), ("2027-07-01", None),
                 ("2027-06-30", None))
    assert swap_slots(days) == [[0, 3], [1, 2]]


def test_an_equal_swap_is_one_band_displaced_in_the_old_machines_order() -> None:
    """Old (40 J/TH, 60 MW) then new (17 J/TH, 60 MW) beside a middle line (25 J/TH,
    40 MW) on 100 MW: the slot is displaced first (its first entry is the least
    efficient), one band of 60 MW that the old and then the new machines occupy."""
    units = _units([60.0, 60.0, 40.0], [40.0, 17.0, 25.0],
                       _days((None, "2027-06"), ("2027-07-01", None), (None, None)), 100.0)
    assert units == [SwapUnit(0, 0, 60.0, 1.0, True), SwapUnit(1, 0, 60.0, 1.0),
                     SwapUnit(2, 1, 40.0, 1.0, True)]


def test_a_larger_successor_leaves_the_slot_s_bottom_spare_before_it() -> None:
    """Old 80 MW then new 100 MW on 100 MW: the slot is 100 MW; its bottom 20 MW hold only
    the new machines (spare before them, displaced first), the top 80 both in turn."""
    units = _units([80.0, 100.0], [30.0, 17.0],
                       _days((None, "2027-06"), ("2027-07-01", None)), 100.0)
    assert units == [SwapUnit(1, 0, 20.0, 0.2), SwapUnit(0, 1, 80.0, 1.0, True),
                     SwapUnit(1, 1, 80.0, 0.8)]
    assert sum(u.share for u in units if u.entry == 1) == pytest.approx(1.0, abs=1e-15)


def test_slots_over_the_capacity_are_no_swap() -> None:
    """Before 2027-04 lines of 50 and 50 MW, from 2027-04 to 2027-06 one of 50 and one of
    30, then 30 and 70: every day fits 100 MW, but no two lines hold one slot in turn
    within it (50 + 70 > 100): no reading as a swap (the engines then take the lines as
    they stand)."""
    days = _days((None, "2027-06"), (None, "2027-03"), ("2027-07-01", None),
                 ("2027-04-01", None))
    assert swap_slots(days) == [[0, 2], [1, 3]]
    assert _units([50.0, 50.0, 70.0, 30.0], [30.0] * 4, days, 100.0) is None


@pytest.mark.parametrize("order", [(2, 3), (3, 2)], ids=["small new first", "large first"])
def test_two_lines_swapped_for_two_pair_by_power_whatever_the_file_order(
        order: tuple[int, int]) -> None:
    """A review's case: 153 and 44 MW of old machines ending together, 153 and 46 MW of
    new ones starting together: the slots are 153 and 46 MW (199 of 200) in either order
    of the new lines in the file; laying each new line after the slot that ended last
    paired the small with the large (245 MW: no swap, all four mined throughout)."""
    power = {0: 153.0, 1: 44.1, 2: 45.9, 3: 153.3}
    entries = [0, 1, *order]
    windows = {0: (None, "2027-06"), 1: (None, "2027-06"), 2: ("2027-07-01", None),
               3: ("2027-07-01", None)}
    units = _units([power[j] for j in entries], [17.5, 17.5, 13.5, 13.5],
                       _days(*(windows[j] for j in entries)), 200.0)
    assert units is not None
    by_band: dict[int, set[int]] = {}
    for u in units:
        by_band.setdefault(u.band, set()).add(entries[u.entry])
    assert {frozenset(b) for b in by_band.values()} >= {frozenset({0, 3}),
                                                      frozenset({1, 2})}
    assert sum({u.band: u.gross_mw for u in units}.values()) == pytest.approx(153.3 + 45.9)


def test_staggered_swaps_find_their_slots() -> None:
    """A review's case: 100 MW retired 2026-06 and 20 MW 2026-09, then 100 MW from
    2026-10 and 20 MW from 2026-11, on 120 MW: the 100 follows the 100, the 20 the 20."""
    days = _days((None, "2026-06"), (None, "2026-09"), ("2026-10-01", None),
                 ("2026-11-01", None))
    assert swap_slots(days, [100.0, 20.0, 100.0, 20.0]) == [[0, 2], [1, 3]]
    assert _units([100.0, 20.0, 100.0, 20.0], [30.0, 30.0, 17.0, 17.0], days,
                      120.0) is not None


def test_a_swap_among_many_short_entries_is_found() -> None:
    """A review's case: 10 and 1 MW retired, then 1 MW from 2026-07-01, ten one-day lines
    of 0.01 MW, and 10 MW from 2026-08-01, on 15 MW. The best laying (11 MW) fits; the
    search, which took the slot that ended last first and had no bound on what was left,
    stopped at its step limit on a laying of 20 MW (no swap, the fleet taken as it
    stood). The best fit is tried first now, and a laying that cannot beat the best is
    cut early."""
    windows: list[tuple[str | None, str | None]] = [(None, "2026-06-30"), (None, "2026-03-31"),
                                                    ("2026-07-01", None)]
    power = [10.0, 1.0, 1.0]
    for k in range(10):
        day = f"2026-07-{2 + 2 * k:02d}"
        windows.append((day, day))
        power.append(0.01)
    windows.append(("2026-08-01", None))
    power.append(10.0)
    slots = swap_slots(_days(*windows), power)
    assert sum(max(power[j] for j in slot) for slot in slots) == pytest.approx(11.0)
    assert _units(power, [17.5] * len(power), _days(*windows), 15.0) is not None


def test_a_fleet_of_a_thousand_lines_is_laid_without_recursing_into_each() -> None:
    """A review's case: 1,200 one-day lines made the search recurse once per line past
    Python's limit (an internal error); a fleet that long keeps the best fit, in one
    pass."""
    days = _days(*[(f"2026-{1 + k // 28 % 12:02d}-{1 + k % 28:02d}",) * 2
                   for k in range(1200)])
    slots = swap_slots(days, [1.0] * 1200)
    assert sorted(j for slot in slots for j in slot) == list(range(1200))


def test_a_long_fleet_is_searched_too() -> None:
    """A review's case: past 64 entries the laying was the best fit alone, which puts a
    one-month 5 MW line in the 10 MW slot and leaves the later 10 MW line a slot of its
    own (20 MW, over 15.5: no swap); 61 one-day lines of 0.001 MW in 2030 tipped it. The
    search runs at any length now (on a stack, not recursing): 15 MW."""
    windows: list[tuple[str | None, str | None]] = [
        (None, "2026-06-30"), (None, "2026-03-31"), ("2026-07-01", "2026-07-31"),
        ("2026-07-15", None)]
    power = [10.0, 1.0, 5.0, 10.0]
    for k in range(61):
        day = str((pd.Timestamp("2030-01-01") + pd.Timedelta(days=2 * k)).date())
        windows.append((day, day))
        power.append(0.001)
    slots = swap_slots(_days(*windows), power)
    assert sum(max(power[j] for j in slot) for slot in slots) == pytest.approx(15.0)
    assert _units(power, [17.5] * len(power), _days(*windows), 15.5) is not None
