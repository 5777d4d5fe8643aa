"""Number formats of the shared tables (hashpivot.reports.tables.formats)."""

from __future__ import annotations

from hashpivot.reports.tables.formats import (
    fmt_assumption,
    fmt_musd,
    fmt_num,
    fmt_number,
    fmt_pct,
)


def test_missing_and_non_finite_values_are_dashes_not_nan() -> None:
    for missing in (None, float("nan"), float("inf")):
        assert fmt_musd(missing) == fmt_pct(missing) == fmt_num(missing) == "-"
        assert fmt_number(missing) == "n/a"


def test_numbers_by_hand() -> None:
    assert fmt_musd(525_873_985.5) == "525.9"
    assert fmt_musd(-16_900_000.0) == "-16.9"
    assert fmt_pct(0.8105) == "81.0"  # 81.05 rounds half to even in binary: 81.0
    assert fmt_num(3066.6, ",.0f") == "3,067"
    assert fmt_number(74_606.4) == "74,606"
    assert fmt_number(40.474, 2) == "40.47"


def test_assumption_values() -> None:
    assert fmt_assumption(0.1) == "0.1"
    assert fmt_assumption(109_669.1022) == "109,669"
    assert fmt_assumption(0.02821345) == "0.02821"
    assert fmt_assumption(15) == "15"  # an int as it is
    assert fmt_assumption("median") == "median"
    assert fmt_assumption(None) == fmt_assumption(float("nan")) == "-"  # never "None"
