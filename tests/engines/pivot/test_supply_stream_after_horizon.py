"""The value at the horizon of a site's contracted supply stream whose PPA block ends after
the horizon (:func:`hashpivot.engines.pivot.terminal.site_stream_value_at_horizon_usd`):
``f (S - E) + min(a_M, f) E``, ``E`` the block's part of the final year ``S``, ``a_M``
the value at the horizon of 1 USD/year paid 1/12 a month at month end over the ``M``
months the block settles after the horizon, ``f`` the mining method's factor. Figures by
hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.pivot.flows import SupplyAtHorizon
from hashpivot.engines.pivot.terminal import site_stream_value_at_horizon_usd
from hashpivot.engines.pivot.uplift.ppa_term import PpaTerm, months_after_horizon
from hashpivot.models.pivot import TerminalValueSpec

_EXIT_8 = TerminalValueSpec(mining_method="exit_multiple", mining_ebitda_multiple=8.0)
_RATE = 0.12
_S = np.array([1.0e6, 2.5e6])  # [USD/year], two paths


def _a_18_by_hand() -> float:
    """``a_18`` at 12 %/year: ``r_m = 1.12^(1/12) - 1 = 0.0094888``, ``sum_{m=1}^{18}
    (1/12) / (1 + r_m)^m = (1 - 1.12^-1.5) / (12 r_m) = 1.372929``. [year]"""
    r_m = 1.12 ** (1.0 / 12.0) - 1.0
    assert r_m == pytest.approx(0.0094888, abs=1e-7)
    return (1.0 - 1.12 ** -1.5) / (12.0 * r_m)


def test_a_block_ending_18_months_after_the_horizon_is_worth_18_months() -> None:
    """Exit multiple 8, 12 %/year, the block the whole stream, ending 18 months after the
    horizon: ``S a_18`` (1.372929 years of it, not 8)."""
    a = _a_18_by_hand()
    assert a == pytest.approx(1.372929, abs=1e-6)
    got = site_stream_value_at_horizon_usd(_EXIT_8, SupplyAtHorizon(_S, _S, 18), _RATE)
    np.testing.assert_allclose(got, _S * a, rtol=1e-12)


def test_a_block_ending_40_years_after_is_capped_at_the_multiple() -> None:
    """480 months at 12 %/year are worth 8.69 years of the stream, more than the exit
    multiple: the value is ``8 S``, no more than the block with no end."""
    got = site_stream_value_at_horizon_usd(_EXIT_8, SupplyAtHorizon(_S, _S, 480), _RATE)
    np.testing.assert_array_equal(got, 8.0 * _S)


def test_with_no_terminal_value_it_is_zero() -> None:
    """Mining method ``none``: 0, the block ending or not."""
    spec = TerminalValueSpec(mining_method="none", hosting_method="none")
    for stream in (SupplyAtHorizon(_S, _S, 18), SupplyAtHorizon(_S)):
        np.testing.assert_array_equal(
            site_stream_value_at_horizon_usd(spec, stream, _RATE), np.zeros(2))


def test_a_block_above_market_loses_its_remaining_months_only() -> None:
    """A negative stream (a block priced above the index): ``S a_18``, less of a loss
    than the perpetual ``8 S``."""
    s = -_S
    got = site_stream_value_at_horizon_usd(_EXIT_8, SupplyAtHorizon(s, s, 18), _RATE)
    np.testing.assert_allclose(got, s * _a_18_by_hand(), rtol=1e-12)
    assert np.all(got > 8.0 * s)


def test_no_end_is_the_factor_times_the_final_year() -> None:
    """No end: ``f S`` (bitwise), at the exit multiple and at Gordon growth."""
    np.testing.assert_array_equal(
        site_stream_value_at_horizon_usd(_EXIT_8, SupplyAtHorizon(_S), _RATE), 8.0 * _S)
    gordon = TerminalValueSpec(mining_method="gordon", growth_per_year=0.02)
    r_m = 1.12 ** (1.0 / 12.0) - 1.0
    f = 1.02 / (0.12 - 0.02) * 0.12 / (12.0 * r_m)  # [year]
    np.testing.assert_allclose(
        site_stream_value_at_horizon_usd(gordon, SupplyAtHorizon(_S), _RATE), f * _S,
        rtol=1e-12)


def test_only_the_block_s_part_ends() -> None:
    """A stream of 1.0 M USD a year, 0.4 M of it a renewable plant's (no end) and 0.6 M
    the block's, ending 18 months after the horizon: ``8 x 0.4 + a_18 x 0.6`` M USD."""
    s, e = np.array([1.0e6]), np.array([0.6e6])
    got = site_stream_value_at_horizon_usd(_EXIT_8, SupplyAtHorizon(s, e, 18), _RATE)
    np.testing.assert_allclose(got, 8.0 * 0.4e6 + _a_18_by_hand() * 0.6e6, rtol=1e-12)


@pytest.mark.parametrize(("start", "end", "months"), [
    (None, "2037-06", 18), (None, "2036-01", 1), ("2035-12", "2037-06", 18),
    (None, "2035-12", None), (None, None, None), ("2036-01", "2037-06", None),
    (None, "2030-01", None)])
def test_the_months_the_block_settles_after_the_horizon(start: str | None, end: str | None,
                                                        months: int | None) -> None:
    """The horizon ending 2035-12: a block ending 2037-06 settles 18 months after it
    (2036-01 through 2037-06), one ending 2036-01 one; none ending with the horizon or
    before it, with no end (no term after it) or starting after it."""
    periods = pd.period_range("2026-01", "2035-12", freq="M")
    assert months_after_horizon(PpaTerm(start, end, None), periods) == months


@pytest.mark.parametrize(("months", "branch"), [
    (18, "taxed"),  # a_18 = 1.43 at 6 %: the taxed flows
    (130, "taxed, below the multiple"),  # (1 - t) a = 6.33 < 8 <= a = 8.01
    (240, "multiple"),  # (1 - t) a = 9.31 > 8: the multiple, a buyer's price
])
def test_after_tax_a_block_s_remaining_months_are_taxed_flows(months: int,
                                                              branch: str) -> None:
    """'after tax with TV' at the exit multiple (8x) keeps a buyer's price untaxed, but a
    PPA block ending after the horizon is a contract's cash flows for its remaining
    months: at 21 % income tax it is worth ``min((1 - t) a_M, f) E`` after tax, not the
    pre-tax ``min(a_M, f) E``, as the hosting ``contract`` line's flows are taxed. Mining
    10 M USD at the horizon less the block's pre-tax value plus it, 1 M USD/year of the
    stream the block's (``E``), ``a_M = (1 - 1.06^(-M/12)) / (12 r_m)`` at 6 % by hand;
    at Gordon growth the whole line is taxed, the block with it."""
    from hashpivot.engines.pivot.terminal import TerminalValue

    r_m = 1.06 ** (1.0 / 12.0) - 1.0
    a = (1.0 - 1.06 ** (-months / 12.0)) / (12.0 * r_m)
    after = min(0.79 * a, 8.0)
    assert (after == 8.0) == (branch == "multiple") and (a > 8.0) == (months > 18)
    supply = SupplyAtHorizon(np.array([1.0e6]), np.array([1.0e6]), months)
    mining = np.array([9.0e6 + min(a, 8.0) * 1.0e6])  # 9 M of the rest, and the block's
    tv = TerminalValue(mining, np.array([2.0e6]), mining + 2.0e6, 0.5, 0.25, (supply,), 0.06)
    got = tv.after_tax_present_value_usd(_EXIT_8, 0.21)
    by_hand = 0.5 * (9.0e6 + after * 1.0e6) + 0.79 * 0.25 * 2.0e6
    np.testing.assert_allclose(got, [by_hand], rtol=1e-12)
    gordon = TerminalValueSpec(mining_method="gordon", hosting_method="exit_multiple")
    np.testing.assert_allclose(tv.after_tax_present_value_usd(gordon, 0.21),
                               [0.79 * 0.5 * mining[0] + 0.25 * 2.0e6], rtol=1e-12)


def test_at_gordon_growth_the_block_s_months_grow_as_gordon_s() -> None:
    """Gordon at 12 %/year and 2 %/year growth values the stream's years after the horizon
    at ``(1 + g)^k``; a block's remaining months were taken flat, so its value did not
    rise to the block with no end as its end moved away. Now, ending 18 months after the
    horizon: ``f (S - E) + a E`` with ``a = sum_{m=1}^{18} (1.02^ceil(m/12) / 12) / (1 +
    r_m)^m = 1.409200`` by hand (not the flat 1.372929), and ending 600 years after, the
    block with no end (1e-12: the sum tends to ``gordon_factor``)."""
    gordon = TerminalValueSpec(mining_method="gordon", growth_per_year=0.02)
    r_m = 1.12 ** (1.0 / 12.0) - 1.0
    a = sum((1.02 if m <= 12 else 1.02 ** 2) / 12.0 / (1.0 + r_m) ** m for m in range(1, 19))
    assert a == pytest.approx(1.409200, abs=1e-6)
    f = 1.02 / (0.12 - 0.02) * 0.12 / (12.0 * r_m)
    s, e = np.array([1.0e6]), np.array([0.6e6])
    got = site_stream_value_at_horizon_usd(gordon, SupplyAtHorizon(s, e, 18), _RATE)
    np.testing.assert_allclose(got, f * 0.4e6 + a * 0.6e6, rtol=1e-12)
    far = site_stream_value_at_horizon_usd(gordon, SupplyAtHorizon(s, e, 7200), _RATE)
    np.testing.assert_allclose(far, f * s, rtol=1e-12)
