"""Tests of the treasury's numpy recursion (hashpivot.treasury.recursion): hand cases,
policies, conservation, and the compiled per-path summary against it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot.models.risk import TreasurySpec
from hashpivot.treasury import POLICIES, TreasuryPathSummary, run_treasury, treasury_summary
from tests.treasury.treasury_inputs import draw_treasury_inputs, random_btc_paths, treasury_terms


def _row(*values: float) -> np.ndarray:
    return np.array([values], dtype=np.float64)


def test_hold_with_forced_sale_hand_case() -> None:
    # cash 100, min 50, month flows -80 then -30, price 10, mined 1 BTC each month.
    # m0: cash 20 < 50 -> sell 3 BTC (30) -> cash 50, btc 10 + 1 - 3 = 8.
    # m1: cash 20 -> sell 3 -> cash 50, btc 8 + 1 - 3 = 6.
    spec = TreasurySpec(btc_held=10, cash_usd=100, min_cash_usd=50, policy="hold")
    r = run_treasury(spec, _row(10, 10), _row(1, 1), _row(-80, -30))
    np.testing.assert_allclose(r.btc_sold_forced, [[3, 3]])
    np.testing.assert_allclose(r.cash_usd, [[50, 50]])
    np.testing.assert_allclose(r.btc_held, [[8, 6]])
    assert not r.breach.any()


def test_breach_when_btc_runs_out() -> None:
    # 2 BTC at 10 cannot cover a 100 shortfall: all sold, cash = 0 + 20 - 100 = -80 < 0.
    spec = TreasurySpec(btc_held=2, cash_usd=0, min_cash_usd=0, policy="hold")
    r = run_treasury(spec, _row(10), _row(0), _row(-100))
    assert r.breach[0, 0]
    assert r.btc_held[0, 0] == 0
    assert r.cash_usd[0, 0] == pytest.approx(-80)


def test_forced_sales_without_capex_hand_case() -> None:
    # Price 2 USD/BTC at a 50 % discount: a forced sale realizes 1 USD per BTC. Cash starts
    # 10 USD above the 10 USD floor with 100 BTC; policy hold, nothing mined. Fiat flow
    # (of which capex) -> forced sale [BTC], with the capex / with it paid from outside:
    #   m0 (-15, 15):  cash 5 -> sell 5, cash 10     /  cash 20 (no capex), no sale
    #   m1 (-8, 0):    cash 2 -> sell 8              /  cash 12, no sale
    #   m2 (-6, 0):    cash 4 -> sell 6              /  cash 6 -> sell 4
    # The capex of m0 causes 5 BTC in its month and 8 + 2 later (it left no buffer).
    spec = TreasurySpec(btc_held=100, cash_usd=20, min_cash_usd=10, policy="hold",
                        forced_sale_discount_fraction=0.5)
    price, mined = _row(2, 2, 2), _row(0, 0, 0)
    fiat, capex = _row(-15, -8, -6), _row(15, 0, 0)
    r = run_treasury(spec, price, mined, fiat, capex_usd=capex)
    np.testing.assert_allclose(r.btc_sold_forced, [[5, 8, 6]])
    np.testing.assert_allclose(r.btc_sold_forced_without_capex, [[0, 0, 4]])
    assert not r.breach.any() and not r.breach_without_capex.any()
    m = treasury_summary(spec, price, mined, fiat, capex_usd=capex).metrics()
    assert m["expected_forced_sale_btc"] == 19
    assert m["expected_forced_sale_without_capex_btc"] == 4
    assert m["prob_forced_sale"] == m["prob_forced_sale_without_capex"] == 1.0
    # the first month alone: a forced sale only because of the capex
    one = treasury_summary(spec, price[:, :1], mined[:, :1], fiat[:, :1],
                           capex_usd=capex[:, :1]).metrics()
    assert one["prob_forced_sale"] == 1.0 and one["prob_forced_sale_without_capex"] == 0.0
    # a capex bill larger than cash and BTC: a breach, none without it
    small = spec.model_copy(update={"btc_held": 1.0})
    b = run_treasury(small, _row(2), _row(0), _row(-30), capex_usd=_row(25))
    assert b.breach.tolist() == [[True]] and b.breach_without_capex.tolist() == [[False]]
    np.testing.assert_allclose(b.btc_sold_forced, [[1]])
    np.testing.assert_allclose(b.btc_sold_forced_without_capex, [[0]])
    # no capex given: the two are the same run
    plain = run_treasury(spec, price, mined, fiat)
    np.testing.assert_array_equal(plain.btc_sold_forced_without_capex, plain.btc_sold_forced)
    np.testing.assert_array_equal(plain.btc_sold_forced, r.btc_sold_forced)


def test_policies_hand_cases() -> None:
    price, mined, fiat = _row(100), _row(2), _row(-150)
    base = {"btc_held": 5.0, "cash_usd": 1000.0, "min_cash_usd": 0.0}
    sell_all = run_treasury(TreasurySpec(**base, policy="sell_all"), price, mined, fiat)
    assert sell_all.btc_sold_voluntary[0, 0] == 2
    assert sell_all.cash_usd[0, 0] == 1000 - 150 + 200
    cover = run_treasury(TreasurySpec(**base, policy="sell_to_cover"), price, mined, fiat)
    assert cover.btc_sold_voluntary[0, 0] == pytest.approx(1.5)
    assert cover.cash_usd[0, 0] == pytest.approx(1000.0)
    # min_cash with target 1000: cash 850 -> sell 1.5 BTC to reach 1000
    mc = run_treasury(
        TreasurySpec(**base, policy="min_cash", target_cash_usd=1000.0), price, mined, fiat
    )
    assert mc.btc_sold_voluntary[0, 0] == pytest.approx(1.5)
    hold = run_treasury(TreasurySpec(**base, policy="hold"), price, mined, fiat)
    assert hold.btc_sold_voluntary.sum() == 0 and hold.btc_held[0, 0] == 7


def test_forced_sale_discount() -> None:
    spec = TreasurySpec(btc_held=10, cash_usd=0, min_cash_usd=40, policy="hold",
                        forced_sale_discount_fraction=0.2)
    r = run_treasury(spec, _row(10), _row(0), _row(0))
    # need 40 at 10 * 0.8 = 8 per BTC -> 5 BTC
    assert r.btc_sold_forced[0, 0] == pytest.approx(5.0)
    assert r.proceeds_forced_usd[0, 0] == pytest.approx(40.0)


def test_summary_equals_full_run() -> None:
    rng = np.random.default_rng(0)
    n, T = 300, 24
    price, mined = random_btc_paths(rng, n, T, price_sigma=0.4)
    fiat = rng.normal(-1e6, 5e5, (n, T))
    ds = np.full(T, 2e5)
    spec = TreasurySpec(btc_held=50, cash_usd=5e6, min_cash_usd=2e6, cash_interest_rate=0.05)
    for pol in POLICIES:
        full = TreasuryPathSummary.from_result(run_treasury(spec, price, mined, fiat, ds, pol))
        fast = treasury_summary(spec, price, mined, fiat, ds, pol, keep_cash_paths=3)
        for f in ("forced_btc", "forced_proceeds_usd", "sold_btc", "min_cash_usd",
                  "end_cash_usd", "end_btc", "forced_btc_by_month_sum", "breach_by_month_count"):
            np.testing.assert_allclose(getattr(fast, f), getattr(full, f), rtol=1e-12, atol=1e-6)
        np.testing.assert_array_equal(fast.breach, full.breach)
        assert fast.cash_sample_usd.shape == (3, T)
    both = TreasuryPathSummary.concatenate([fast, fast])
    assert both.forced_btc.shape == (2 * n,)
    np.testing.assert_allclose(both.forced_btc_by_month_sum, 2 * fast.forced_btc_by_month_sum)
    m = both.metrics()
    assert 0 <= m["prob_liquidity_breach"] <= 1


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 4),
    T=st.integers(1, 8),
    policy=st.sampled_from(POLICIES),
    btc0=st.floats(0, 1e3),
    **treasury_terms,
)
def test_conservation_of_btc_and_cash(
    data: st.DataObject,
    n: int,
    T: int,
    policy: str,
    btc0: float,
    cash0: float,
    min_cash: float,
    discount: float,
    cash_rate: float,
) -> None:
    price, mined, fiat, ds = draw_treasury_inputs(data, n, T)
    spec = TreasurySpec(
        btc_held=btc0, cash_usd=cash0, min_cash_usd=min_cash, policy=policy,  # type: ignore[arg-type]
        forced_sale_discount_fraction=discount, cash_interest_rate=cash_rate,
    )
    r = run_treasury(spec, price, mined, fiat, ds)
    sold = r.btc_sold_voluntary + r.btc_sold_forced
    proceeds = r.proceeds_voluntary_usd + r.proceeds_forced_usd
    scale_btc = 1e-9 * (btc0 + mined.sum() + 1)
    scale_usd = 1e-9 * (cash0 + np.abs(fiat).sum() + np.abs(proceeds).sum() + ds.sum() * n + 1)
    # BTC: nothing appears or vanishes; never negative; sales never exceed holdings
    np.testing.assert_allclose(
        r.btc_held[:, -1], btc0 + mined.sum(axis=1) - sold.sum(axis=1), atol=scale_btc
    )
    assert (r.btc_held >= -scale_btc).all()
    assert (sold >= 0).all()
    # cash: start + operating flow + sale proceeds - debt service + interest
    np.testing.assert_allclose(
        r.cash_usd[:, -1],
        cash0 + fiat.sum(axis=1) + proceeds.sum(axis=1) - ds.sum() + r.cash_interest_usd.sum(1),
        atol=scale_usd,
    )
    # forced sales only restore the minimum; cash below it only in breach months
    below = r.cash_usd < min_cash - scale_usd
    assert not (below & ~r.breach).any()
    # a breach month sold every BTC held
    assert (np.abs(r.btc_held[r.breach]) <= scale_btc).all()
    # the voluntary policy never sells more than the month's production
    assert (r.btc_sold_voluntary <= mined + scale_btc).all()
    if policy == "hold":
        assert (r.btc_sold_voluntary == 0).all()


def test_no_spurious_forced_sales_from_rounding() -> None:
    # Production always covers the month's costs (>= 10,000 USD of BTC against at most
    # 9,000 USD of costs) and cash starts at the minimum: ``sell_to_cover`` and ``min_cash``
    # never need a forced sale. Before the fix, ``(x / p) * p != x`` in floating point left
    # cash a few 1e-12 USD under the minimum and "forced" sales of ~1e-17 BTC made
    # ``prob_forced_sale`` ~0.6 and gave a forced-sale average price.
    rng = np.random.default_rng(1)
    n, T = 500, 24
    price = rng.uniform(20_000, 150_000, (n, T))
    mined = rng.uniform(0.5, 2.0, (n, T))
    fiat = -rng.uniform(1_000, 9_000, (n, T))
    for cash in (0.0, 1_234_567.89, 5e6):
        for policy in ("sell_to_cover", "min_cash"):
            spec = TreasurySpec(btc_held=0.0, cash_usd=cash, min_cash_usd=cash,
                                target_cash_usd=cash, policy=policy)
            m = treasury_summary(spec, price, mined, fiat).metrics()
            assert m["prob_forced_sale"] == 0.0, (cash, policy)
            assert m["expected_forced_sale_btc"] == 0.0
            assert math.isnan(m["forced_sale_avg_price_usd"])
            assert m["prob_liquidity_breach"] == 0.0
