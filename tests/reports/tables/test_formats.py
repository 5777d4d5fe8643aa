"""Number formats of the shared tables (hashpivot.reports.tables.formats)."""

from __future__ import annotations

from hashpivot.reports.tables.formats import (
    fmt_amount,
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


def test_an_amount_keeps_three_significant_digits_below_a_hundred() -> None:
    """Whole amounts from 100 up, three significant digits below: the 2010 BTC price
    (0.0858 USD) and cost per BTC are not "0" (they were, as ``,.0f``, until 2026-12-06)."""
    assert fmt_amount(109_669.4) == "109,669"
    assert fmt_amount(100.0) == "100"
    assert fmt_amount(99.94) == "99.9"
    assert fmt_amount(12.345) == "12.3"
    assert fmt_amount(0.08584) == "0.0858"
    assert fmt_amount(0.000012345) == "0.0000123"
    assert fmt_amount(-0.5) == "-0.500"
    assert fmt_amount(0.0) == "0"
    for missing in (None, float("nan"), float("inf")):
        assert fmt_amount(missing) == "n/a"


def test_assumption_values() -> None:
    assert fmt_assumption(0.1) == "0.1"
    assert fmt_assumption(109_669.1022) == "109,669"
    assert fmt_assumption(0.02821345) == "0.02821"
    assert fmt_assumption(15) == "15"  # an int as it is
    assert fmt_assumption("median") == "median"
    assert fmt_assumption(None) == fmt_assumption(float("nan")) == "-"  # never "None"


def test_the_fan_sample_is_said_as_it_was_taken() -> None:
    """The fan quantiles' paths: every one, the first of each chunk, or (20,000 kept at
    most) the first of each of the first chunks; a run stored before the count: a bound."""
    from hashpivot.reports.labels import fan_sample_text

    assert fan_sample_text(2_000, {"fan_paths": 2_000}) == "all 2,000 paths"
    assert fan_sample_text(2_000, {"fan_paths": 500, "fan_paths_per_chunk": 250,
                                   "fan_chunks": 2, "chunks": 2}) == (
        "500 of the 2,000 paths (the first 250 of each chunk)")
    assert fan_sample_text(100_000, {"fan_paths": 20_000, "fan_paths_per_chunk": 250,
                                     "fan_chunks": 80, "chunks": 100}) == (
        "20,000 of the 100,000 paths (the first 250 of each of the first 80 of 100 chunks)")
    assert fan_sample_text(100_000, {}) == (
        "the paths kept for the fan charts (of the 100,000: at most 250 from each chunk)")


def test_a_figure_that_rounds_to_zero_has_no_minus_sign() -> None:
    """A tiny negative (a float sum's -2e-12 h of curtailment, a loss of a tenth of a cent)
    or a negative zero prints as 0 in every shared format: ``dispatch`` printed
    "mining curtailed -0.00 h" (until 2027-01)."""
    from hashpivot.reports.tables.formats import btc_with_unit, hashrate_with_unit

    for tiny in (-0.0, -1e-12, -0.004):
        assert fmt_num(tiny, ",.2f") == "0.00"
        assert fmt_num(tiny / 100, ".1%") == "0.0%"
        assert fmt_number(tiny) == "0"
        assert fmt_musd(tiny) == "0.0"
        assert fmt_pct(tiny / 100) == "0.0"
        assert hashrate_with_unit(tiny)[0] == "0.00"
        assert btc_with_unit(tiny * 1e-8)[0] == "0"
    assert fmt_amount(-0.0) == "0"
    assert fmt_assumption(-0.0) == "0"
    assert fmt_num(-0.0, ">8.2f") == "    0.00"  # padded as 0.00 is
    # a figure that does not round to zero keeps its sign
    assert fmt_num(-0.005001, ",.2f") == "-0.01"
    assert fmt_musd(-60_000.0) == "-0.1"
    assert fmt_number(-0.6) == "-1"


def test_a_positive_share_that_rounds_to_zero_is_below_a_tenth_not_zero() -> None:
    """A share or its ± above zero but under 0.05 % (Wilson's ± 0.04 points at 10,000
    paths when no path counts) printed "0.0", which reads as certainty: it is "<0.1"; a
    zero is still "0.0", and a figure that rounds to 0.1 or more is printed as it is."""
    assert fmt_pct(0.0004) == "<0.1"
    assert fmt_pct(1e-12) == "<0.1"
    assert fmt_pct(0.0) == "0.0"
    assert fmt_pct(-0.0) == "0.0"
    assert fmt_pct(-0.0004) == "0.0"  # (no minus sign on a figure that rounds to zero)
    assert fmt_pct(0.0006) == "0.1"
