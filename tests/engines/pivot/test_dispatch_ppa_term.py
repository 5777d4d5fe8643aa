"""A PPA block's term (``[sites.dispatch.ppa] start`` and ``end``): within its window the
site is valued as without a term, before its start and after its end as the same site
without the block (:mod:`hashpivot.engines.pivot.uplift.ppa_term`).

The site: 44.1 MW of miners on ERCOT LZ_WEST, an index contract at 45 USD/MWh with a 10
USD/MWh grid adder (so the block moves the miners' flexibility and their adder: the
curve without it differs), a 40 MW physical block at 20 USD/MWh, resale allowed (and, where
a test says so, 20 MW of solar at 28 USD/MWh, ``[sites.dispatch.renewable]``); the
deterministic path over 3 years from 2026-01 (no fleet replacement within it).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.engines.pivot.ppa_inputs import ppa_site_portfolio
from tests.optimize.optimize_inputs import NO_TV, engines_center_npvs_usd, pivot_plan_npv_usd

_START, _YEARS = "2026-01", 3
_CONVERT_MW, _CONVERT_FROM = 25.0, "2026-04"
#: a month within the horizon, before its final year, one within the final year, and its
#: last month
_END, _END_FINAL_YEAR, _END_HORIZON = "2027-03", "2028-06", "2028-12"
#: the same for a start (a plant commissioned later), and one after the horizon
_START_MONTH, _START_FINAL_YEAR, _START_AFTER = "2027-04", "2028-04", "2029-01"
#: the cash-flow arrays of the mining line compared month by month
_MINING = ("btc_mined", "mining_revenue_usd", "power_cost_usd", "energy_mwh", "opex_usd")


def _portfolio(ppa: bool = True, end: str | None = None, tail: str = NO_TV,
               start: str | dt.date | None = None, solar: bool = False,
               years: int = _YEARS, **pivot_fields: Any) -> Any:
    """The module's site (the block with ``ppa``, from ``start`` through ``end``; the
    solar with ``solar``) over ``years`` [years]; ``pivot_fields``: more ``[pivot]``
    fields."""
    return ppa_site_portfolio(20.0 if ppa else None, "physical", tail, adder=10.0,
                              years=years, solar=28.0 if solar else None, start=start,
                              end=end, **pivot_fields)


def _phases(converted: bool) -> tuple[Any, ...]:
    from hashpivot.engines import pivot

    return ((pivot.ConversionPhase("A", pd.Period(_CONVERT_FROM, "M"), _CONVERT_MW),)
            if converted else ())


@cache
def _cash_flows(ppa: bool, end: str | None, converted: bool | float = False,
                tail: str = NO_TV, start: str | dt.date | None = None, solar: bool = False,
                first: str = _START) -> Any:
    """The site's cash flows under no conversion, ``_CONVERT_MW`` from ``_CONVERT_FROM``
    (``converted`` True) or that many MW from it (a number), from ``first``."""
    from hashpivot.engines import pivot

    pf = _portfolio(ppa, end, tail, start, solar)
    market = pivot.deterministic_market(pf, pd.Period(first, "M"), _YEARS * 12)
    phases = (_phases(converted) if isinstance(converted, bool) else
              (pivot.ConversionPhase("A", pd.Period(_CONVERT_FROM, "M"), converted),))
    return pivot.strategy_cash_flows(pf, pivot.Strategy("s", phases), market)


def _array(cf: Any, name: str) -> Any:
    value = getattr(cf, name)
    if name == "site_supply_usd" and value is None:  # (no contracted supply: no stream)
        return np.zeros((cf.n_paths, cf.unlevered_fcf_usd.shape[-1]))
    return np.asarray(value() if callable(value) else value, dtype=np.float64)


def _assert_window(termed: Any, around: Any, within: Any, first: int, last: int,
                   names: tuple[str, ...] = (*_MINING, "site_supply_usd")) -> None:
    """``termed``'s arrays ``names`` are ``around``'s before month ``first`` and from month
    ``last`` on, and ``within``'s from ``first`` up to ``last`` (bitwise)."""
    for name in names:
        a, b = _array(termed, name), _array(around, name)
        for cut in (np.s_[..., :first], np.s_[..., last:]):
            np.testing.assert_array_equal(a[cut], b[cut], err_msg=name)
        np.testing.assert_array_equal(a[..., first:last], _array(within, name)[..., first:last],
                                      err_msg=name)


def _assert_no_block_after_the_horizon(termed: Any, none: Any) -> None:
    """``termed``'s terminal value figures are ``none``'s (bitwise), no stream after the
    horizon."""
    for x, y in zip(termed.mining_at_horizon, none.mining_at_horizon, strict=True):
        np.testing.assert_array_equal(x.ebitda_usd, y.ebitda_usd)
        assert np.all(np.asarray(x.supply.final_year_usd) == 0.0)
        assert x.supply.months_left is None


def _replacement_portfolio(ppa: bool, end: str | None, start: str | None = None,
                           every: float = 4.0) -> Any:
    """The site over 5 years with the terminal value, its fleet replaceable every
    ``every`` years at 1 USD/TH."""
    return _portfolio(ppa, end, "", start, years=5, replacement_capex_usd_per_th=1.0,
                      fleet_replacement_years=every)


@cache
def _replacement_flows(ppa: bool, end: str | None, start: str | None = None
                       ) -> tuple[Any, Any]:
    """Keep-mining's cash flows over 5 years with a replacement decision at month 48
    (2030-01), and the decision's gain per MW."""
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.fleet import market_mining

    pf = _replacement_portfolio(ppa, end, start)
    market = pivot.deterministic_market(pf, pd.Period(_START, "M"), 60)
    return (pivot.strategy_cash_flows(pf, pivot.Strategy("keep_mining"), market),
            market_mining(pf, market)["A"].gain_usd_per_mw)


def _months_before(month: str) -> int:
    """How many months of the horizon are before ``month`` (``YYYY-MM``). [-]"""
    return int((pd.Period(month, "M") - pd.Period(_START, "M")).n)


@pytest.mark.parametrize(("start", "end"), [(None, "2029-01"), (None, "2031-06"),
                                            ("2026-01", None), ("2025-06", None),
                                            ("2025-06", "2031-06")])
@pytest.mark.parametrize("converted", [False, True], ids=["keep", "convert"])
def test_a_window_covering_the_horizon_is_no_term(start: str | None, end: str | None,
                                                  converted: bool) -> None:
    """``end`` after the horizon's last month (2029-01, 2031-06), ``start`` at its first
    month (2026-01) or before it, or both: bitwise the figures of the block without
    either, the terminal value's final year included (an ``end`` at the last month leaves
    no block after the horizon: the test of an end at the horizon's last month below; an
    ``end`` after it is valued after the horizon to that end only: the tests of an end
    after the horizon at the bottom)."""
    for tail in (NO_TV, ""):
        a = _cash_flows(True, end, converted, tail, start)
        b = _cash_flows(True, None, converted, tail)
        for name in (*_MINING, "site_supply_usd", "unlevered_fcf_usd"):
            np.testing.assert_array_equal(_array(a, name), _array(b, name), err_msg=name)
        for x, y in zip(a.mining_at_horizon, b.mining_at_horizon, strict=True):
            np.testing.assert_array_equal(x.ebitda_usd, y.ebitda_usd)
            np.testing.assert_array_equal(x.supply.final_year_usd, y.supply.final_year_usd)


@pytest.mark.parametrize("converted", [False, True], ids=["keep", "convert"])
def test_after_its_end_the_site_mines_as_without_the_block(converted: bool) -> None:
    """Ending in 2027-03: from 2027-04 on the mining flows (BTC, revenue, power cost,
    energy, site costs) are month by month those of the same site with no PPA at all
    (bitwise; the mining EBITDA to rounding, the stream taken out of it), and before it
    those of the block without a term; the block moves them (teeth)."""
    termed = _cash_flows(True, _END, converted)
    none, whole = _cash_flows(False, None, converted), _cash_flows(True, None, converted)
    cut = int((pd.Period(_END, "M") - pd.Period(_START, "M")).n) + 1
    for name in _MINING:
        a = _array(termed, name)
        np.testing.assert_array_equal(a[..., cut:], _array(none, name)[..., cut:],
                                      err_msg=name)
        np.testing.assert_array_equal(a[..., :cut], _array(whole, name)[..., :cut],
                                      err_msg=name)
    e = _array(termed, "mining_ebitda_usd")
    np.testing.assert_allclose(e[..., cut:], _array(none, "mining_ebitda_usd")[..., cut:],
                               rtol=1e-12, atol=1e-6)
    assert np.all(_array(whole, "power_cost_usd")[..., cut:]
                  != _array(none, "power_cost_usd")[..., cut:])


def test_the_site_stream_stops_at_the_end() -> None:
    """``P_idle``, the block's worth with no miners (the site's stream), is today's up to
    and including the end month (bitwise) and 0 after it."""
    termed, whole = _cash_flows(True, _END), _cash_flows(True, None)
    cut = int((pd.Period(_END, "M") - pd.Period(_START, "M")).n) + 1
    s, w = _array(termed, "site_supply_usd"), _array(whole, "site_supply_usd")
    np.testing.assert_array_equal(s[..., :cut], w[..., :cut])
    assert np.all(s[..., cut:] == 0.0)
    assert np.all(w[..., cut:] != 0.0)  # teeth


@pytest.mark.parametrize("end", [_END, _END_FINAL_YEAR, _END_HORIZON])
def test_the_terminal_value_takes_the_curve_in_force_at_the_horizon(end: str) -> None:
    """A block ended before or within the final year, or with it (2028-12, the horizon's
    last month: from 2029-01 the site has no PPA), leaves no stream after the horizon,
    and the final year is mined with the curve without the block: the terminal value's
    figures are those of the site without it (bitwise)."""
    _assert_no_block_after_the_horizon(_cash_flows(True, end, False, ""),
                                       _cash_flows(False, None, False, ""))


@pytest.mark.parametrize("end", [_END, _END_FINAL_YEAR, _END_HORIZON])
def test_simulate_and_optimize_value_a_termed_block_as_pivot_does(end: str) -> None:
    """simulate's deterministic path and the optimizer's central path value keep-mining
    and the conversion of the site whose block ends in 2027-03, within the final year
    (2028-06) or with it (2028-12), as pivot does, the terminal value included (1e-9),
    and it is not the block without a term (teeth)."""
    pf = _portfolio(True, end, tail="")
    start, months = pd.Period(_START, "M"), _YEARS * 12
    ref = {name: pivot_plan_npv_usd(pf, _phases(name == "convert"), start, months)
           for name in ("keep", "convert")}
    whole = pivot_plan_npv_usd(_portfolio(True, None, tail=""), (), start, months)
    assert abs(ref["keep"] - whole) > 1e6
    got = engines_center_npvs_usd(pf, _CONVERT_MW, _CONVERT_FROM)
    for engine, npvs in got.items():
        for name, npv in npvs.items():
            assert npv == pytest.approx(ref[name], rel=1e-9), (engine, name)


@pytest.mark.parametrize(("end", "words"), [
    (_END, "the PPA block settles through 2027-03, then the site buys all its power under "
           "its power contract"),
    (None, "the PPA block has no term (settles through the horizon and after it)")])
def test_the_assumptions_print_the_term(end: str | None, words: str) -> None:
    """The resolved assumptions' settlement row says the block's term."""
    from hashpivot.engines import pivot

    rows = {r["name"]: r for r in pivot.run_pivot(_portfolio(True, end)).resolved_assumptions()}
    assert words in rows["[sites.dispatch.ppa] settlement, per MW of the fleet"]["source"]


def test_a_replacement_decided_after_the_end_is_the_site_s_without_the_block() -> None:
    """Over 5 years with a replacement decision at month 48 (2030-01, after the end): the
    decision values the months after the end with the curve without the block (its gain
    is that site's, bitwise), so from 2027-04 on the mining flows are those of the site
    with no PPA (bitwise), the replacement capex included."""
    flows = _replacement_flows
    (termed, gain), (none, gain_none) = flows(True, _END), flows(False, None)
    _, gain_whole = flows(True, None)
    assert len(gain) == 1
    np.testing.assert_array_equal(gain, gain_none)
    assert gain_whole[0][0] != gain_none[0][0]  # teeth: the block moves the gain
    cut = int((pd.Period(_END, "M") - pd.Period(_START, "M")).n) + 1
    for name in (*_MINING, "replacement_capex_usd"):
        np.testing.assert_array_equal(_array(termed, name)[..., cut:],
                                      _array(none, name)[..., cut:], err_msg=name)
    assert np.any(_array(none, "replacement_capex_usd") > 0)  # teeth: one replaces


def test_the_months_outside_the_window_by_hand() -> None:
    """``start = 2027-07``, ``end = 2030-12``: 2027-06 and 2031-01 are outside, 2027-07
    and 2030-12 inside; either bound alone cuts one side only."""
    from hashpivot.engines.pivot.uplift.ppa_term import PpaTerm

    months = pd.PeriodIndex(["2027-06", "2027-07", "2030-12", "2031-01"], freq="M")
    for start, end, outside in (("2027-07", "2030-12", [True, False, False, True]),
                                ("2027-07", None, [True, False, False, False]),
                                (None, "2030-12", [False, False, False, True])):
        assert PpaTerm(start, end, None).outside(months).tolist() == outside


@pytest.mark.parametrize("converted", [False, True], ids=["keep", "convert"])
def test_before_its_start_the_site_mines_as_without_the_block(converted: bool) -> None:
    """Starting in 2027-04: up to 2027-03 the mining flows are month by month those of
    the same site with no PPA at all (bitwise; the mining EBITDA to rounding, the stream
    taken out of it), and from 2027-04 those of the block without a term; the block moves
    them (teeth)."""
    termed = _cash_flows(True, None, converted, NO_TV, _START_MONTH)
    none, whole = _cash_flows(False, None, converted), _cash_flows(True, None, converted)
    cut = _months_before(_START_MONTH)
    assert cut == 15
    for name in _MINING:
        a = _array(termed, name)
        np.testing.assert_array_equal(a[..., :cut], _array(none, name)[..., :cut],
                                      err_msg=name)
        np.testing.assert_array_equal(a[..., cut:], _array(whole, name)[..., cut:],
                                      err_msg=name)
    e = _array(termed, "mining_ebitda_usd")
    np.testing.assert_allclose(e[..., :cut], _array(none, "mining_ebitda_usd")[..., :cut],
                               rtol=1e-12, atol=1e-6)
    assert np.all(_array(whole, "power_cost_usd")[..., :cut]
                  != _array(none, "power_cost_usd")[..., :cut])


def test_the_site_stream_starts_at_the_start() -> None:
    """``P_idle``, the block's worth with no miners (the site's stream), is 0 before the
    start month and today's from it on (bitwise)."""
    termed = _cash_flows(True, None, False, NO_TV, _START_MONTH)
    whole = _cash_flows(True, None)
    cut = _months_before(_START_MONTH)
    s, w = _array(termed, "site_supply_usd"), _array(whole, "site_supply_usd")
    assert np.all(s[..., :cut] == 0.0)
    assert np.all(w[..., :cut] != 0.0)  # teeth
    np.testing.assert_array_equal(s[..., cut:], w[..., cut:])


def test_a_window_is_the_block_within_it_and_no_block_around_it() -> None:
    """``start = 2026-07``, ``end = 2027-12``: the mining flows and the site's stream are
    those of the site with no PPA before 2026-07 and after 2027-12, and those of the block
    without a term from 2026-07 through 2027-12 (bitwise)."""
    termed = _cash_flows(True, "2027-12", False, NO_TV, "2026-07")
    none, whole = _cash_flows(False, None), _cash_flows(True, None)
    first, last = _months_before("2026-07"), _months_before("2027-12") + 1
    assert (first, last) == (6, 24)
    _assert_window(termed, none, whole, first, last)


def test_a_start_after_the_horizon_is_no_block_at_all() -> None:
    """``start = 2029-01``, after the horizon's last month: every month's mining flows are
    those of the site with no PPA (bitwise), no stream, and the terminal value's final
    year is mined without the block and leaves no stream after the horizon."""
    for tail in (NO_TV, ""):
        termed = _cash_flows(True, None, False, tail, _START_AFTER)
        none = _cash_flows(False, None, False, tail)
        for name in _MINING:
            np.testing.assert_array_equal(_array(termed, name), _array(none, name),
                                          err_msg=name)
        assert np.all(_array(termed, "site_supply_usd") == 0.0)
        _assert_no_block_after_the_horizon(termed, none)


def test_a_start_within_the_final_year_leaves_the_block_after_the_horizon() -> None:
    """Starting in 2028-04: the terminal value's final year takes the curve in force at
    the horizon's last month, the block's, in each of its months: its figures are those
    of the block without a term (bitwise), not those of the site without it (teeth)."""
    termed = _cash_flows(True, None, False, "", _START_FINAL_YEAR)
    whole, none = _cash_flows(True, None, False, ""), _cash_flows(False, None, False, "")
    for x, y, z in zip(termed.mining_at_horizon, whole.mining_at_horizon,
                       none.mining_at_horizon, strict=True):
        np.testing.assert_array_equal(x.ebitda_usd, y.ebitda_usd)
        np.testing.assert_array_equal(x.supply.final_year_usd, y.supply.final_year_usd)
        assert np.all(np.asarray(x.ebitda_usd) != np.asarray(z.ebitda_usd))


@pytest.mark.parametrize(("start", "end"), [(_START_MONTH, None), (_START_FINAL_YEAR, None),
                                            ("2026-07", "2027-12")])
def test_simulate_and_optimize_value_a_block_starting_later_as_pivot_does(
        start: str, end: str | None) -> None:
    """simulate's deterministic path and the optimizer's central path value keep-mining
    and the conversion of the site whose block starts in 2027-04, within the final year
    (2028-04), or settles from 2026-07 through 2027-12, as pivot does, the terminal value
    included (1e-9), and it is neither the block without a term nor no block (teeth)."""
    pf = _portfolio(True, end, tail="", start=start)
    begin, months = pd.Period(_START, "M"), _YEARS * 12
    ref = {name: pivot_plan_npv_usd(pf, _phases(name == "convert"), begin, months)
           for name in ("keep", "convert")}
    for other in (_portfolio(True, None, tail=""), _portfolio(False, None, tail="")):
        assert abs(ref["keep"] - pivot_plan_npv_usd(other, (), begin, months)) > 1e6
    got = engines_center_npvs_usd(pf, _CONVERT_MW, _CONVERT_FROM)
    for engine, npvs in got.items():
        for name, npv in npvs.items():
            assert npv == pytest.approx(ref[name], rel=1e-9), (engine, name)


@pytest.mark.parametrize(("start", "end", "words"), [
    ("2027-07", "2030-12", "the PPA block settles from 2027-07 through 2030-12, before and "
                           "after it the site buys all its power under its power contract"),
    ("2027-07", None, "the PPA block settles from 2027-07 (no end), before it the site buys "
                      "all its power under its power contract")])
def test_the_assumptions_print_the_window(start: str, end: str | None, words: str) -> None:
    """The resolved assumptions' settlement row says the block's window."""
    from hashpivot.engines import pivot

    rows = {r["name"]: r for r in pivot.run_pivot(_portfolio(True, end, start=start)
                                                  ).resolved_assumptions()}
    assert words in rows["[sites.dispatch.ppa] settlement, per MW of the fleet"]["source"]


def test_a_replacement_with_the_block_starting_after_the_horizon_is_without_it() -> None:
    """Over 5 years with a replacement decision at month 48 (2030-01) and the block
    starting in 2031-01, after the horizon: the decision's gain and every month's mining
    flows, the replacement capex included, are those of the site with no PPA (bitwise)."""
    (termed, gain), (none, gain_none) = (_replacement_flows(True, None, "2031-01"),
                                         _replacement_flows(False, None))
    _, gain_whole = _replacement_flows(True, None)
    np.testing.assert_array_equal(gain, gain_none)
    assert gain_whole[0][0] != gain_none[0][0]  # teeth: the block moves the gain
    for name in (*_MINING, "replacement_capex_usd"):
        np.testing.assert_array_equal(_array(termed, name), _array(none, name), err_msg=name)


def test_an_edited_start_selects_the_months_again_without_measuring_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The curves are kept per site and process without the block's window (the block is
    measured on the price year whatever its term): a site whose ``start`` was edited gets
    the same two curves, not measured again, with its new window."""
    import hashpivot.engines.pivot.uplift.cache as um

    calls: list[object] = []
    real = um.measure_dispatch_uplift

    def counted(site: Any) -> um.Measured:
        calls.append(site)
        return real(site)

    monkeypatch.setattr(um, "measure_dispatch_uplift", counted)
    a, _ = um.site_dispatch_uplift(_portfolio(True, None, start="2027-04").sites[0])
    measured = len(calls)
    b, _ = um.site_dispatch_uplift(_portfolio(True, None, start="2027-10").sites[0])
    assert len(calls) == measured
    assert a is not None and b is not None and a.ppa_term is not None
    assert b.ppa_term is not None and (b.ppa_term.start, b.ppa_term.end) == ("2027-10", None)
    assert a.ppa_term.start == "2027-04" and b.ppa_term.without is a.ppa_term.without


def test_an_end_at_the_horizon_s_last_month_leaves_no_block_after_it() -> None:
    """``end = 2028-12``, the horizon's last month: every month of the horizon is the
    block's (bitwise the block without a term), and from 2029-01 the site has no PPA, so
    the terminal value is the site's without it (bitwise; its stream after the horizon
    0), not the block's for ever after: with an 8x exit multiple that was 56.2 M USD of
    the block's 8.78 M USD a year of ``P_idle`` counted after it had ended, one month of
    ``end`` (2028-11 to 2028-12) moving keep-mining's NPV from 40.7 to 97.5 M USD."""
    termed = _cash_flows(True, _END_HORIZON, False, "")
    whole, none = _cash_flows(True, None, False, ""), _cash_flows(False, None, False, "")
    for name in (*_MINING, "site_supply_usd"):
        np.testing.assert_array_equal(_array(termed, name), _array(whole, name), err_msg=name)
    _assert_no_block_after_the_horizon(termed, none)
    for z in whole.mining_at_horizon:
        assert np.all(np.asarray(z.supply.final_year_usd) > 1e6)  # teeth: the block's, a year
    start, months = pd.Period(_START, "M"), _YEARS * 12
    npv = {end: pivot_plan_npv_usd(_portfolio(True, end, tail=""), (), start, months)
           for end in ("2028-11", _END_HORIZON)}
    # one month more of the block: its flows in 2028-12 alone, well under 10 M USD
    assert 0.0 < npv[_END_HORIZON] - npv["2028-11"] < 1e7


@pytest.mark.parametrize(("start", "end", "words"), [
    (None, "2025-06", "the PPA block settles through 2025-06, then the site buys all its "
                      "power under its power contract; in none of the months valued "
                      "(2026-01 to 2028-12) nor after them: it is not counted"),
    (_START_AFTER, None, "the PPA block settles from 2029-01 (no end), before it the site buys "
                         "all its power under its power contract; in none of the months "
                         "valued (2026-01 to 2028-12) nor after them: it is not counted"),
    ("2026-07", "2027-12", "the PPA block settles from 2026-07 through 2027-12, before and "
                           "after it the site buys all its power under its power contract")])
def test_the_assumptions_say_a_window_outside_the_months_valued_is_not_counted(
        start: str | None, end: str | None, words: str) -> None:
    """A window entirely before the first month valued (it ends in 2025-06) or after the
    last (it starts in 2029-01): the settlement row's value is the block's worth where it
    settles, so its source says the block counts in no month valued (nor after the
    horizon: the terminal value takes the site without it); a window within the horizon
    says nothing more."""
    from hashpivot.engines import pivot

    rows = {r["name"]: r for r in pivot.run_pivot(_portfolio(True, end, start=start)
                                                  ).resolved_assumptions()}
    source = rows["[sites.dispatch.ppa] settlement, per MW of the fleet"]["source"]
    assert source.endswith(words)


def _months_valued(cf: Any) -> int:
    return int(cf.unlevered_fcf_usd.shape[-1])


@pytest.mark.parametrize(("start", "end"), [(None, "2025-06"), ("2024-01", "2025-12")])
def test_a_window_before_the_first_month_is_no_block_at_all(start: str | None,
                                                            end: str) -> None:
    """A window that ends before the first month valued (2026-01): keep-mining's and the
    conversion's mining flows, the site's stream (0) and the terminal value's figures are
    those of the site with no PPA (bitwise), and pivot's, simulate's deterministic path's
    and the optimizer's central path's NPVs (terminal value included) are the no-PPA
    site's pivot NPVs (1e-9), not the block's (teeth)."""
    for tail in (NO_TV, ""):
        for converted in (False, True):
            termed = _cash_flows(True, end, converted, tail, start)
            none = _cash_flows(False, None, converted, tail)
            for name in (*_MINING, "site_supply_usd", "unlevered_fcf_usd"):
                np.testing.assert_array_equal(_array(termed, name), _array(none, name),
                                              err_msg=name)
            assert np.all(_array(termed, "site_supply_usd") == 0.0)
            _assert_no_block_after_the_horizon(termed, none)
    begin, months = pd.Period(_START, "M"), _YEARS * 12
    ref = {name: pivot_plan_npv_usd(_portfolio(False, None, tail=""),
                                    _phases(name == "convert"), begin, months)
           for name in ("keep", "convert")}
    whole = pivot_plan_npv_usd(_portfolio(True, None, tail=""), (), begin, months)
    assert abs(ref["keep"] - whole) > 1e6
    pf = _portfolio(True, end, tail="", start=start)
    assert pivot_plan_npv_usd(pf, (), begin, months) == ref["keep"]
    for engine, npvs in engines_center_npvs_usd(pf, _CONVERT_MW, _CONVERT_FROM).items():
        for name, npv in npvs.items():
            assert npv == pytest.approx(ref[name], rel=1e-9), (engine, name)


def test_a_one_month_window_is_the_block_in_that_month_alone() -> None:
    """``start = end = 2027-01``: the mining flows and the site's stream are the block's
    (bitwise the block without a term) in 2027-01 and the no-PPA site's in every other
    month; the terminal value is the no-PPA site's (bitwise); the block moves that month
    (teeth)."""
    month = "2027-01"
    j = _months_before(month)
    termed = _cash_flows(True, month, False, "", month)
    whole, none = _cash_flows(True, None, False, ""), _cash_flows(False, None, False, "")
    others = np.arange(_months_valued(termed)) != j
    for name in (*_MINING, "site_supply_usd"):
        a = _array(termed, name)
        np.testing.assert_array_equal(a[..., j], _array(whole, name)[..., j], err_msg=name)
        np.testing.assert_array_equal(a[..., others], _array(none, name)[..., others],
                                      err_msg=name)
    assert np.all(_array(whole, "power_cost_usd")[..., j] != _array(none, "power_cost_usd")[..., j])
    assert np.all(_array(termed, "site_supply_usd")[..., j] > 0.0)
    _assert_no_block_after_the_horizon(termed, none)


@pytest.mark.parametrize("start", [_CONVERT_FROM, _START_MONTH])
def test_a_site_converted_whole_counts_the_block_within_its_window_only(start: str) -> None:
    """The whole 50 MW site (44.1 MW of miners) converted from 2026-04, the block starting
    with the conversion (2026-04) or after it (2027-04): no month mines after 2026-04, the
    site's stream is 0 before the start and the block's without a term from it (bitwise),
    and the strategy's unlevered flows differ from the no-PPA site's by that stream alone
    (1e-6 USD: the block is a contract of the site, not of its miners)."""
    termed = _cash_flows(True, None, 50.0, NO_TV, start)
    none, whole = _cash_flows(False, None, 50.0), _cash_flows(True, None, 50.0)
    conv, cut = _months_before(_CONVERT_FROM), _months_before(start)
    assert np.all(_array(termed, "mining_revenue_usd")[..., conv:] == 0.0)
    s = _array(termed, "site_supply_usd")
    assert np.all(s[..., :cut] == 0.0)
    np.testing.assert_array_equal(s[..., cut:], _array(whole, "site_supply_usd")[..., cut:])
    assert np.all(s[..., cut:] > 0.0)  # teeth
    np.testing.assert_allclose(_array(termed, "unlevered_fcf_usd")
                               - _array(none, "unlevered_fcf_usd"), s, rtol=0.0, atol=1e-6)


def _swap_portfolio(ppa: bool, **window: str) -> Any:
    """The swap site of ``swap_inputs.py`` (its S21s to 2027-06, S21 XPs from 2027-07)
    with a 40 MW financial block at 20 USD/MWh in ``window`` (``start``, ``end``)."""
    from hashpivot.models import Portfolio
    from tests.engines.pivot.swap_inputs import swap_site_portfolio

    data = swap_site_portfolio(True).model_dump()
    if ppa:
        data["sites"][0]["dispatch"]["ppa"] = {
            "volume_mw": 40.0, "price_usd_per_mwh": 20.0, "settlement": "financial", **window}
    return Portfolio.model_validate(data)


def test_a_swapping_site_with_a_window() -> None:
    """The swap site (S21s to 2027-06, S21 XPs from 2027-07: fleet slots) with a block
    from 2026-10 through 2027-09, across the swap: its mining flows are the no-PPA swap
    site's before and after the window and the block's without a term within it
    (bitwise), and its stream is the financial block's settlement at the contract's
    index, 40 MW x (40 - 20) USD/MWh x the month's hours, within the window (1e-9), 0
    outside it."""
    from hashpivot.engines import pivot

    def flows(pf: Any) -> tuple[Any, Any]:
        market = pivot.deterministic_market(pf, pd.Period(_START, "M"), 36)
        return pivot.strategy_cash_flows(pf, pivot.Strategy("keep"), market), market

    (termed, market), (none, _) = flows(_swap_portfolio(True, start="2026-10",
                                                        end="2027-09")), flows(
        _swap_portfolio(False))
    whole, _ = flows(_swap_portfolio(True))
    first, last = _months_before("2026-10"), _months_before("2027-09") + 1
    _assert_window(termed, none, whole, first, last, _MINING)
    hours = np.asarray(market.periods.days_in_month, dtype=float) * 24.0
    within = (np.arange(36) >= first) & (np.arange(36) < last)
    np.testing.assert_allclose(_array(termed, "site_supply_usd")[0],
                               np.where(within, 40.0 * (40.0 - 20.0) * hours, 0.0), rtol=1e-9)


def test_a_renewable_plant_stays_outside_the_window() -> None:
    """20 MW of solar and a block from 2026-07 through 2027-12: outside the window the
    site is the solar site with no PPA, its stream ``P_idle`` the plant's (not 0), its
    mining flows that site's (bitwise), within it the site with both (bitwise); the
    terminal value, the block ended, is the solar site's, the plant's stream after the
    horizon included (bitwise, and not 0)."""
    termed = _cash_flows(True, "2027-12", False, "", "2026-07", True)
    solar = _cash_flows(False, None, False, "", None, True)
    both = _cash_flows(True, None, False, "", None, True)
    first, last = _months_before("2026-07"), _months_before("2027-12") + 1
    _assert_window(termed, solar, both, first, last)
    assert np.all(_array(solar, "site_supply_usd") != 0.0)  # the plant's, every month
    assert np.all(_array(both, "site_supply_usd") != _array(solar, "site_supply_usd"))
    for x, y in zip(termed.mining_at_horizon, solar.mining_at_horizon, strict=True):
        np.testing.assert_array_equal(x.ebitda_usd, y.ebitda_usd)
        np.testing.assert_array_equal(x.supply.final_year_usd, y.supply.final_year_usd)
        assert np.all(np.asarray(x.supply.final_year_usd) > 0.0)


def test_a_start_given_as_a_toml_date_is_its_month() -> None:
    """``start = 2027-04-01`` (a TOML date literal; 2027-04-15 too) is the month 2027-04:
    the same flows as ``start = "2027-04"`` (bitwise)."""
    assert _portfolio(True, start=dt.date(2027, 4, 15)).sites[0].dispatch.ppa.start == "2027-04"
    a = _cash_flows(True, None, False, NO_TV, dt.date(2027, 4, 1))
    b = _cash_flows(True, None, False, NO_TV, _START_MONTH)
    for name in (*_MINING, "site_supply_usd", "unlevered_fcf_usd"):
        np.testing.assert_array_equal(_array(a, name), _array(b, name), err_msg=name)


@pytest.mark.parametrize("end", ["2029-03", "2029-06"])
def test_a_window_on_a_valuation_starting_mid_year(end: str) -> None:
    """Valued from 2026-07 (36 months to 2029-06), a block from 2026-12 through 2029-03
    (within the final year) or 2029-06 (its last month): the no-PPA site's flows before
    and after the window, the block's within it (bitwise), and the terminal value the
    no-PPA site's (bitwise)."""
    termed = _cash_flows(True, end, False, "", "2026-12", False, "2026-07")
    none = _cash_flows(False, None, False, "", None, False, "2026-07")
    whole = _cash_flows(True, None, False, "", None, False, "2026-07")
    first = int((pd.Period("2026-12", "M") - pd.Period("2026-07", "M")).n)
    last = int((pd.Period(end, "M") - pd.Period("2026-07", "M")).n) + 1
    assert (first, last) in ((5, 33), (5, 36))
    _assert_window(termed, none, whole, first, last)
    _assert_no_block_after_the_horizon(termed, none)


@cache
def _pivot_result(ppa: bool, end: str | None = None, start: str | None = None) -> Any:
    from hashpivot.engines import pivot

    return pivot.run_pivot(_portfolio(ppa, end, tail="", start=start))


@pytest.mark.parametrize(("start", "end"), [(None, "2025-06"), (_START_AFTER, None)])
def test_the_tornado_and_the_break_even_lease_take_each_month_s_curve(
        start: str | None, end: str | None) -> None:
    """A window outside every month valued: pivot's tornado (every row, to the horizon
    and with the terminal value) and its break-even leases are those of the site with no
    PPA (bitwise), not the block's (teeth): the variants take each month's curve."""
    termed, none, whole = (_pivot_result(True, end, start), _pivot_result(False),
                           _pivot_result(True))
    pd.testing.assert_frame_equal(termed.tornado, none.tornado)
    for field in ("breakeven_lease_usd_per_kw_month",
                  "breakeven_lease_with_terminal_value_usd_per_kw_month"):
        assert getattr(termed, field) == getattr(none, field)
        assert abs(getattr(whole, field) - getattr(none, field)) > 1.0  # [USD/kW/month]


def test_the_out_files_name_the_window(tmp_path: Path) -> None:
    """``pivot --out``'s files with a block from 2026-07 through 2027-12:
    ``assumptions.csv`` and the JSON document say the window; ``dispatch_uplift.csv``
    shows it month by month, its ``supply_settlement_usd_per_mw_month`` the block's
    without a term within the window (1e-9: written as text) and 0 outside it."""
    from hashpivot.reports.dispatch_uplift import dispatch_uplift_frame
    from hashpivot.reports.pivot import write_pivot

    words = ("the PPA block settles from 2026-07 through 2027-12, before and after it the "
             "site buys all its power under its power contract")
    result = _pivot_result(True, "2027-12", "2026-07")
    write_pivot(result, tmp_path)
    assert words in (tmp_path / "assumptions.csv").read_text()
    assert words in json.dumps(result.to_json_dict())
    got = pd.read_csv(tmp_path / "dispatch_uplift.csv")
    whole = dispatch_uplift_frame(_pivot_result(True).inputs["site_assumptions"])
    within = ((got["month"] >= "2026-07") & (got["month"] <= "2027-12")).to_numpy()
    column = "supply_settlement_usd_per_mw_month"
    assert np.all(got[column][~within] == 0.0)
    np.testing.assert_allclose(got[column][within], whole[column][within], rtol=1e-9)
    assert np.all(got[column][within] > 0.0)


@pytest.mark.parametrize(("start", "end"), [(None, "2029-12"), ("2030-01", None),
                                            (None, "2030-08"), ("2030-09", None),
                                            (None, "2030-12"), ("2030-07", "2030-07")])
def test_replacements_near_the_window_s_edges_are_the_npv_change(start: str | None,
                                                                  end: str | None) -> None:
    """Over 5 years with the terminal value and a replacement decision every six months
    (2026-07 to 2030-07, the last two in the final year, 2030-01 to 2030-12), the block
    ending right before a decision (2029-12, 2030-08) or with the horizon (2030-12),
    starting with one (2030-01) or right after it (2030-09), or settling in 2030-07
    alone: keep-mining's NPV with the replacements less without them is the forecast
    gains of those taken times the fleet's 44.1 MW (1e-9: the decision values each month,
    and the final year, with the curve the valuation takes), and the window moves the
    gains (teeth)."""
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.fleet import market_mining

    begin = pd.Period(_START, "M")
    pf = _replacement_portfolio(True, end, start, every=0.5)
    market = pivot.deterministic_market(pf, begin, 60)
    sm = market_mining(pf, market)["A"]
    assert sm.replacement_months == tuple(range(6, 60, 6))
    taken = sum(float(g[0]) for g, go in zip(sm.gain_usd_per_mw, sm.replaced, strict=True)
                if go[0])
    change = (pivot_plan_npv_usd(pf, (), begin, 60)
              - pivot_plan_npv_usd(_replacement_portfolio(True, end, start, every=10), (),
                                   begin, 60))
    assert change == pytest.approx(taken * 44.1, rel=1e-9)
    whole = market_mining(_replacement_portfolio(True, None, None, every=0.5), market)["A"]
    assert any(a[0] != b[0] for a, b in zip(whole.gain_usd_per_mw, sm.gain_usd_per_mw,
                                            strict=True))


#: an end 18 months after the horizon's last month (2028-12), and one 40 years after it
_END_AFTER, _END_FAR = "2030-06", "2068-12"


def _a_months_by_hand(rate: float, months: int) -> float:
    """``a_M``: 1 USD/year paid 1/12 a month at month end for ``M`` months, at the annual
    ``rate`` compounded monthly, ``(1 - (1 + rate)^(-M/12)) / (12 r_m)``, ``r_m = (1 +
    rate)^(1/12) - 1``; 1.392165 at 10 % over 18 months. [year]"""
    r_m = (1.0 + rate) ** (1.0 / 12.0) - 1.0
    return (1.0 - (1.0 + rate) ** (-months / 12.0)) / (12.0 * r_m)


def _mining_at_horizon_usd(cf: Any, pf: Any) -> Any:
    """Mining's value at the horizon, the site's stream included, by pivot's terminal
    value. [USD]"""
    from hashpivot.engines.pivot.discounting import line_rates
    from hashpivot.engines.pivot.terminal import terminal_value

    rates = line_rates(pf.pivot)
    return terminal_value(cf, pf.pivot.terminal_value, rates.mining,
                          rates.hosting).mining_at_horizon_usd


def _final_year_supply_usd(cf: Any) -> Any:
    """The site's stream over the horizon's last 12 months, per path. [USD/year]"""
    return _array(cf, "site_supply_usd")[..., -12:].sum(axis=-1)


@pytest.mark.parametrize("solar", [False, True], ids=["block", "block+solar"])
def test_a_block_ending_after_the_horizon_is_valued_to_its_end(solar: bool) -> None:
    """The block ending 2030-06, 18 months after the horizon (2028-12), with the default
    8x exit multiple at the mining rate (10 %): mining's value at the horizon is the
    block's with no end less ``(8 - a_18) E``, ``E`` the block's part of the stream's
    final year (the whole stream; with 20 MW of solar, the stream less the solar site's,
    which goes on with no end) and ``a_18 = 1.392165`` (1e-9): 18 months of it, not 8
    years. The block moves the value (teeth)."""
    from hashpivot.engines.pivot.discounting import line_rates

    pf = _portfolio(True, _END_AFTER, tail="", solar=solar)
    rate = line_rates(pf.pivot).mining
    a = _a_months_by_hand(rate, 18)
    assert rate == 0.10 and a == pytest.approx(1.392165, abs=1e-6)
    termed = _cash_flows(True, _END_AFTER, False, "", None, solar)
    whole = _cash_flows(True, None, False, "", None, solar)
    e = _final_year_supply_usd(whole)
    if solar:
        e = e - _final_year_supply_usd(_cash_flows(False, None, False, "", None, True))
    assert np.all(e > 1e6)  # teeth: the block's, a year
    np.testing.assert_allclose(_mining_at_horizon_usd(termed, pf),
                               _mining_at_horizon_usd(whole, pf) - (8.0 - a) * e,
                               rtol=1e-9)


def test_a_block_ending_40_years_after_the_horizon_is_the_block_with_no_end() -> None:
    """The block ending 2068-12, 480 months after the horizon: at 10 % those are worth
    10.2 years of the stream, more than the 8x exit multiple, so the block is worth what
    it is with no end (bitwise: ``min(a_M, 8)``)."""
    assert _a_months_by_hand(0.10, 480) > 8.0
    pf = _portfolio(True, _END_FAR, tail="")
    np.testing.assert_array_equal(
        _mining_at_horizon_usd(_cash_flows(True, _END_FAR, False, ""), pf),
        _mining_at_horizon_usd(_cash_flows(True, None, False, ""), pf))


def test_a_block_ending_after_the_horizon_with_no_terminal_value_is_unchanged() -> None:
    """Mining method ``none``: the block ending 2030-06 is worth 0 after the horizon, as
    with no end (bitwise)."""
    pf = _portfolio(True, _END_AFTER, tail=NO_TV)
    got = _mining_at_horizon_usd(_cash_flows(True, _END_AFTER, False, NO_TV), pf)
    np.testing.assert_array_equal(got, np.zeros_like(got))


def test_simulate_and_optimize_value_a_block_ending_after_the_horizon_as_pivot_does() -> None:
    """simulate's deterministic path and the optimizer's central path value keep-mining
    and the conversion of the site whose block ends 18 months after the horizon as pivot
    does, the terminal value included (1e-9), and it is not the block with no end
    (teeth: 8 years of its stream against 1.39)."""
    pf = _portfolio(True, _END_AFTER, tail="")
    start, months = pd.Period(_START, "M"), _YEARS * 12
    ref = {name: pivot_plan_npv_usd(pf, _phases(name == "convert"), start, months)
           for name in ("keep", "convert")}
    whole = pivot_plan_npv_usd(_portfolio(True, None, tail=""), (), start, months)
    assert whole - ref["keep"] > 1e7
    got = engines_center_npvs_usd(pf, _CONVERT_MW, _CONVERT_FROM)
    for engine, npvs in got.items():
        for name, npv in npvs.items():
            assert npv == pytest.approx(ref[name], rel=1e-9), (engine, name)


@pytest.mark.parametrize(("start", "end", "words"), [
    (None, _END_AFTER, "the PPA block settles through 2030-06, then the site buys all its "
                       "power under its power contract; after the horizon its stream is "
                       "valued to its end, 2030-06: 18 months, at most the mining "
                       "method's factor"),
    ("2028-04", "2029-01", "the PPA block settles from 2028-04 through 2029-01, before and "
                           "after it the site buys all its power under its power contract; "
                           "after the horizon its stream is valued to its end, 2029-01: 1 "
                           "month, at most the mining method's factor")])
def test_the_assumptions_say_a_block_ending_after_the_horizon_is_valued_to_its_end(
        start: str | None, end: str, words: str) -> None:
    """An end after the horizon (2028-12): the settlement row says the stream after the
    horizon is valued to that end, and over how many months."""
    from hashpivot.engines import pivot

    rows = {r["name"]: r for r in pivot.run_pivot(_portfolio(True, end, start=start)
                                                  ).resolved_assumptions()}
    assert rows["[sites.dispatch.ppa] settlement, per MW of the fleet"]["source"].endswith(
        words)


def test_after_tax_a_block_ending_after_the_horizon_is_taxed_to_its_end() -> None:
    """At 21 % income tax with the default 8x exit multiple, keep-mining's 'after tax with
    TV' took the block's 18 months after the horizon (``a_18 E``, valued as the contract's
    cash flows) untaxed, as the multiple's buyer's price. It now taxes them as the hosting
    ``contract`` line's flows: ``npv_after_tax + (TV_m - t a_18 E) d_m`` (1e-9), ``d_m``
    the 36 months' discount at 10 %, ``E`` the block's final year with no end."""
    from hashpivot.engines import pivot

    tax = "\n[pivot.tax]\nincome_tax_rate = 0.21\n"
    s = pivot.run_pivot(_portfolio(True, _END_AFTER, tail=tax)).strategy("keep_mining")
    e = float(_final_year_supply_usd(_cash_flows(True, None, False, ""))[0])
    a, d_m = _a_months_by_hand(0.10, 18), 1.10 ** -3.0
    assert s.terminal_value_hosting_usd == 0.0 and e > 1e6  # (teeth: the block's, a year)
    expected = s.npv_after_tax_usd + (s.terminal_value_mining_usd - 0.21 * a * e) * d_m
    assert s.npv_after_tax_with_terminal_value_usd == pytest.approx(expected, rel=1e-9)
