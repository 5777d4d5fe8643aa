"""A PPA block's term (``[sites.dispatch.ppa] end``): up to its end the site is valued as
without a term, after it as the same site without the block
(:mod:`hashpivot.engines.pivot.ppa_term`).

The site: 44.1 MW of miners on ERCOT LZ_WEST, an index contract at 45 USD/MWh with a 10
USD/MWh grid adder (so the block moves the miners' flexibility and their adder: the
curve without it differs), a 40 MW physical block at 20 USD/MWh, resale allowed; the
deterministic path over 3 years from 2026-01 (no fleet replacement within it).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.optimize.conftest import (
    NO_TV,
    engines_center_npvs_usd,
    pivot_plan_npv_usd,
    portfolio,
    site_toml,
)

_MARKET = "ercot:LZ_WEST"
_START, _YEARS = "2026-01", 3
_CONVERT_MW, _CONVERT_FROM = 25.0, "2026-04"
#: a month within the horizon, before its final year, and one within the final year
_END, _END_FINAL_YEAR = "2027-03", "2028-06"
#: the cash-flow arrays of the mining line compared month by month
_MINING = ("btc_mined", "mining_revenue_usd", "power_cost_usd", "energy_mwh", "opex_usd")


def _portfolio(ppa: bool = True, end: str | None = None, tail: str = NO_TV) -> Any:
    spec: dict[str, Any] = {"availability_fraction": 0.95}
    if ppa:
        spec["ppa"] = {"volume_mw": 40.0, "price_usd_per_mwh": 20.0, "resale_allowed": True,
                       "settlement": "physical", **({"end": end} if end else {})}
    return portfolio(site_toml("A", region="ERCOT", state="TX", price=45.0, kind="index",
                               market=_MARKET, hashrate=120.0, adder=10.0, dispatch=spec),
                     years=_YEARS, tail=tail)


def _phases(converted: bool) -> tuple[Any, ...]:
    from hashpivot.engines import pivot

    return ((pivot.ConversionPhase("A", pd.Period(_CONVERT_FROM, "M"), _CONVERT_MW),)
            if converted else ())


@cache
def _cash_flows(ppa: bool, end: str | None, converted: bool = False, tail: str = NO_TV
                ) -> Any:
    from hashpivot.engines import pivot

    pf = _portfolio(ppa, end, tail)
    market = pivot.deterministic_market(pf, pd.Period(_START, "M"), _YEARS * 12)
    return pivot.strategy_cash_flows(pf, pivot.Strategy("s", _phases(converted)), market)


def _array(cf: Any, name: str) -> Any:
    value = getattr(cf, name)
    return np.asarray(value() if callable(value) else value, dtype=np.float64)


@pytest.mark.parametrize("end", ["2028-12", "2031-06"])
@pytest.mark.parametrize("converted", [False, True], ids=["keep", "convert"])
def test_an_end_at_or_after_the_horizon_is_no_term(end: str, converted: bool) -> None:
    """``end`` at the horizon's last month (2028-12) or after it: bitwise the figures of
    the block without ``end``, the terminal value's final year included."""
    for tail in (NO_TV, ""):
        a, b = _cash_flows(True, end, converted, tail), _cash_flows(True, None, converted, tail)
        for name in (*_MINING, "site_supply_usd", "unlevered_fcf_usd"):
            np.testing.assert_array_equal(_array(a, name), _array(b, name), err_msg=name)
        for x, y in zip(a.mining_at_horizon, b.mining_at_horizon, strict=True):
            np.testing.assert_array_equal(x.ebitda_usd, y.ebitda_usd)
            np.testing.assert_array_equal(x.supply_usd, y.supply_usd)


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


@pytest.mark.parametrize("end", [_END, _END_FINAL_YEAR])
def test_the_terminal_value_takes_the_curve_in_force_at_the_horizon(end: str) -> None:
    """A block ended before or within the final year leaves no stream after the horizon,
    and the final year is mined with the curve without the block: the terminal value's
    figures are those of the site without it (bitwise)."""
    termed = _cash_flows(True, end, False, "")
    none = _cash_flows(False, None, False, "")
    for x, y in zip(termed.mining_at_horizon, none.mining_at_horizon, strict=True):
        np.testing.assert_array_equal(x.ebitda_usd, y.ebitda_usd)
        assert np.all(np.asarray(x.supply_usd) == 0.0)


@pytest.mark.parametrize("end", [_END, _END_FINAL_YEAR])
def test_simulate_and_optimize_value_a_termed_block_as_pivot_does(end: str) -> None:
    """simulate's deterministic path and the optimizer's central path value keep-mining
    and the conversion of the site whose block ends in 2027-03, or within the final year
    (2028-06), as pivot does, the terminal value included (1e-9), and it is not the
    block without a term (teeth)."""
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
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.fleet import market_mining

    def flows(ppa: bool, end: str | None) -> Any:
        pf = portfolio(site_toml("A", region="ERCOT", state="TX", price=45.0, kind="index",
                                 market=_MARKET, hashrate=120.0, adder=10.0,
                                 dispatch=_portfolio(ppa, end).sites[0].dispatch.model_dump(
                                     exclude_none=True, exclude_defaults=True)),
                       years=5, tail="", replacement_capex_usd_per_th=1.0)
        market = pivot.deterministic_market(pf, pd.Period(_START, "M"), 60)
        return (pivot.strategy_cash_flows(pf, pivot.Strategy("keep_mining"), market),
                market_mining(pf, market)["A"].gain_usd_per_mw)

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
