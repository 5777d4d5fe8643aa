"""Tests of the treasury's totals over paths (hashpivot.treasury.totals): what a Monte
Carlo chunk keeps, combined over chunks, and the errors of its figures."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from scipy import stats

from hashpivot.models.risk import TreasurySpec
from hashpivot.sampling_error import quantile_ci95_half
from hashpivot.treasury import treasury_summary
from hashpivot.treasury.totals import TreasuryTotals
from tests.treasury.treasury_inputs import random_btc_paths


def test_totals_reduce_per_path_summaries_and_combine_over_chunks() -> None:
    # What a Monte Carlo chunk keeps: totals equal to the per-path summary's reductions,
    # and two chunks' totals equal the totals of their concatenated summaries.
    rng = np.random.default_rng(4)
    n, T = 400, 30
    price, mined = random_btc_paths(rng, n, T, price_sigma=0.5)
    fiat = rng.normal(-1e6, 8e5, (n, T))
    spec = TreasurySpec(btc_held=30, cash_usd=4e6, min_cash_usd=2e6, cash_interest_rate=0.04)
    whole = treasury_summary(spec, price, mined, fiat, None, "min_cash", keep_cash_paths=3)
    halves = [treasury_summary(spec, price[a:b], mined[a:b], fiat[a:b], None, "min_cash",
                               keep_cash_paths=3) for a, b in ((0, 200), (200, 400))]
    assert whole.forced_btc.sum() > 0  # the case has forced sales
    tot = TreasuryTotals.combine([TreasuryTotals.from_summary(h) for h in halves])
    ref = whole.metrics()
    got = tot.metrics()
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key
    np.testing.assert_array_equal(tot.forced_btc_by_month_sum,
                                  TreasuryTotals.from_summary(whole).forced_btc_by_month_sum)
    assert tot.cash_sample_usd.shape == (6, T)  # 3 kept paths per chunk
    lean = TreasuryTotals.from_summary(whole, keep_min_cash=False)
    assert lean.min_cash_usd.size == 0 and np.isnan(lean.metrics()["lowest_cash_p5_usd"])
    # the Monte Carlo error of E[BTC sold, duress] over uneven chunks (one of a single
    # path, whose own deviation is 0) is 1.96 standard errors of all the paths' sales
    cuts = (0, 1, 51, 180, 400)
    parts = [TreasuryTotals.from_summary(treasury_summary(
        spec, price[a:b], mined[a:b], fiat[a:b], None, "min_cash"))
        for a, b in pairwise(cuts)]
    uneven = TreasuryTotals.combine(parts).metrics()["expected_forced_sale_btc_ci95_half"]
    z = stats.norm.ppf(0.975)
    assert uneven == pytest.approx(z * stats.sem(whole.forced_btc), rel=1e-12)
    assert uneven > 0
    # ... and of E[BTC sold] with the capex paid from outside the treasury (capex on the
    # paths makes the two sales differ), by the same rule; lowest cash P5's order-statistic
    # interval, where the per-path minima are kept
    capex = np.abs(rng.normal(4e5, 2e5, (n, T)))
    with_capex = treasury_summary(spec, price, mined, fiat, None, "min_cash", capex_usd=capex)
    assert not np.array_equal(with_capex.forced_without_capex_btc, with_capex.forced_btc)
    parts = [TreasuryTotals.from_summary(treasury_summary(
        spec, price[a:b], mined[a:b], fiat[a:b], None, "min_cash", capex_usd=capex[a:b]))
        for a, b in pairwise(cuts)]
    m = TreasuryTotals.combine(parts).metrics()
    ex = with_capex.forced_without_capex_btc
    assert m["expected_forced_sale_without_capex_btc_ci95_half"] == pytest.approx(
        z * stats.sem(ex), rel=1e-12) and np.ptp(ex) > 0
    assert m["lowest_cash_p5_ci95_half_usd"] == quantile_ci95_half(
        with_capex.min_cash_usd, 0.05) > 0


def test_every_treasury_share_has_its_wilson_error() -> None:
    """P(forced sale), P(liquidity breach) and their ex-capex twins carry a ``±`` as
    P(beats keep) does: the farther end of the Wilson score interval
    (:func:`~hashpivot.sampling_error.share_ci95_half`), from the totals over chunks as
    from the per-path summary; the mean proceeds of the forced sales come with them."""
    from hashpivot.sampling_error import share_ci95_half

    rng = np.random.default_rng(5)
    n, T = 300, 24
    price, mined = random_btc_paths(rng, n, T, price_sigma=0.5)
    fiat = rng.normal(-1e6, 8e5, (n, T))
    capex = np.abs(rng.normal(4e5, 2e5, (n, T)))
    spec = TreasurySpec(btc_held=30, cash_usd=4e6, min_cash_usd=2e6)
    whole = treasury_summary(spec, price, mined, fiat, None, "min_cash", capex_usd=capex)
    parts = [TreasuryTotals.from_summary(treasury_summary(
        spec, price[a:b], mined[a:b], fiat[a:b], None, "min_cash", capex_usd=capex[a:b]))
        for a, b in ((0, 120), (120, 300))]
    for m in (whole.metrics(), TreasuryTotals.combine(parts).metrics()):
        for key in ("prob_forced_sale", "prob_forced_sale_without_capex",
                    "prob_liquidity_breach", "prob_liquidity_breach_without_capex"):
            assert m[f"{key}_ci95_half"] == pytest.approx(share_ci95_half(m[key], n),
                                                          rel=1e-12), key
            assert m[f"{key}_ci95_half"] > 0  # not 0 at a share of 0 or 1 either
        assert m["expected_forced_sale_usd"] == pytest.approx(
            float(whole.forced_proceeds_usd.mean()), rel=1e-12)
        assert m["expected_forced_sale_usd"] > 0
