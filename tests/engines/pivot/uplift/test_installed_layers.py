"""A dated fleet's layers: the periods of the entries installed, and a month's figures
from the periods in it, weighted by the days the entry is installed in each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.pivot.uplift.curve import DispatchUplift, MonthMargin
from hashpivot.engines.pivot.uplift.installed_layers import (
    InstalledLayers,
    installed_periods,
)


def _day(text: str) -> int:
    return pd.Period(text, "D").ordinal


def test_the_periods_are_between_the_days_the_entries_installed_change() -> None:
    """One entry throughout, one from 2026-01, one through 2025-06 (a ``YYYY-MM`` end
    runs through its month): three periods from 2025-01."""
    windows = [(None, None), ("2026-01", None), (None, "2025-06")]
    bounds, installed = installed_periods(windows, pd.Period("2025-01", "M"))
    assert bounds == (_day("2025-07-01"), _day("2026-01-01"))
    assert installed == (frozenset({0, 2}), frozenset({0}), frozenset({0, 1}))


def test_a_change_on_or_before_the_first_month_is_none() -> None:
    windows = [("2024-03-15", None), (None, None)]
    assert installed_periods(windows, pd.Period("2025-01", "M")) == ((), (frozenset({0, 1}),))
    # without a first month, the period before the start is one
    assert installed_periods(windows) == ((_day("2024-03-15"),),
                                          (frozenset({1}), frozenset({0, 1})))


def test_days_split_a_month_at_a_change_and_count_none_where_not_installed() -> None:
    a, b = _curve(1000.0), _curve(4000.0)
    months = pd.period_range("2025-06", "2025-08", freq="M")
    layers = InstalledLayers((_day("2025-07-16"),), (a, b))
    np.testing.assert_array_equal(layers.days(months), [[30, 15, 0], [0, 16, 31]])
    np.testing.assert_array_equal(InstalledLayers((_day("2025-07-16"),), (None, b)).days(
        months), [[0, 0, 0], [0, 16, 31]])
    assert layers.at(pd.Period("2025-07", "M")) is b


def _curve(gain: float) -> DispatchUplift:
    """A curve built by hand: ``G = gain`` at every multiplier, nothing else."""
    return DispatchUplift(multipliers=(0.5, 1.0, 2.0), gain_usd_per_mw_month=(gain,) * 3,
                          reference_hashprice_usd_per_th_day=0.06,
                          reference_power_price_usd_per_mwh=40.0, reference_th_s_per_mw=1.0)


@pytest.mark.parametrize(("before", "uplift"), [
    ("a", [1000.0, (15 * 1000.0 + 16 * 4000.0) / 31, 4000.0]),
    (None, [0.0, 4000.0, 4000.0]),  # not installed before: its own days' curve alone
])
def test_a_month_takes_the_periods_in_it_weighted_by_the_days_installed(
        before: str | None, uplift: list[float]) -> None:
    """``G`` 1,000 USD/MW-month before 2025-07-16, 4,000 from it, a margin above the
    gain's floor (the uplift is the gain, the months' hours 730.5): July is 15/31 of
    one and 16/31 of the other; an entry installed on the 16th takes July at 4,000 (it
    mines 16/31 of it), and June (installed on none of its days) at the curve without
    layers, 0 here."""
    a, b = _curve(1000.0), _curve(4000.0)
    layers = InstalledLayers((_day("2025-07-16"),), (a if before else None, b))
    curve = DispatchUplift(**{**_curve(0.0).__dict__, "installed_layers": layers})
    months = pd.period_range("2025-06", "2025-08", freq="M")
    month = MonthMargin(np.full((1, 3), 60.0), np.full((1, 3), 40.0),
                        np.full((1, 3), 5000.0), months=months)
    out = curve.breakdown(month)["uplift_usd_per_mw_month"]
    np.testing.assert_allclose(out[0], uplift, rtol=1e-15)



@pytest.mark.parametrize(("window", "bounds", "installed"), [
    ((None, "2026-12"), (), [{0, 1}]),  # retired at the end of the last month
    ((None, "2027-06"), (), [{0, 1}]),
    (("2027-01", None), (), [{0}]),  # installed the month after the last
    (("2026-12-31", None), ("2026-12-31",), [{0}, {0, 1}]),  # on the last day: a period
    ((None, "2026-11"), ("2026-12-01",), [{0, 1}, {0}]),
])
def test_a_change_after_the_last_month_valued_is_none(
        window: tuple[str | None, str | None], bounds: tuple[str, ...],
        installed: list[set[int]]) -> None:
    """The months valued 2025-01 to 2026-12, one entry throughout and one dated: a
    change after 2026-12-31 makes no period (no month valued has its fleet)."""
    first, last = pd.Period("2025-01", "M"), pd.Period("2026-12", "M")
    assert installed_periods([(None, None), window], first, last) == (
        tuple(_day(d) for d in bounds), tuple(frozenset(s) for s in installed))


def test_without_a_last_month_every_change_makes_a_period() -> None:
    """As until 2026-12-07: the period after an end past the months valued too."""
    assert installed_periods([(None, None), (None, "2027-06")], pd.Period("2025-01", "M")) == (
        (_day("2027-07-01"),), (frozenset({0, 1}), frozenset({0})))
