"""Tests of hashpivot.finance: NPV, IRR, payback, annuities, debt schedules."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot import finance as fin

# numpy-financial docstring examples: (flows, irr rounded to 5 decimals)
NPF_IRR_CASES = [
    ([-100, 39, 59, 55, 20], 0.28095),
    ([-100, 0, 0, 74], -0.0955),
    ([-100, 100, 0, -7], -0.0833),
    ([-100, 100, 0, 7], 0.06206),
    ([-5, 10.5, 1, -8, 1], 0.0886),
]


# --------------------------------------------------------------------------------------
# rates
# --------------------------------------------------------------------------------------
def test_periodic_rate_hand_values() -> None:
    assert fin.periodic_rate(0.0) == pytest.approx(0.0)
    # (1.1)^(1/12) - 1 = 0.0079741404...
    assert fin.periodic_rate(0.10) == pytest.approx(0.00797414042890, rel=1e-12)
    assert fin.annual_rate(fin.periodic_rate(0.10)) == pytest.approx(0.10, rel=1e-14)
    assert fin.periodic_rate(0.21, periods_per_year=2) == pytest.approx(0.1, rel=1e-14)


def test_discount_factors_end_and_begin() -> None:
    np.testing.assert_allclose(fin.discount_factors(0.1, 3), [1 / 1.1, 1 / 1.21, 1 / 1.331])
    np.testing.assert_allclose(fin.discount_factors(0.1, 3, when="begin"), [1, 1 / 1.1, 1 / 1.21])


# --------------------------------------------------------------------------------------
# NPV
# --------------------------------------------------------------------------------------
def test_npv_matches_numpy_financial() -> None:
    rng = np.random.default_rng(1)
    cf = rng.normal(0, 100, 180)
    for r in (0.0, 0.008, 0.05, -0.01):
        # same formula, same float operations up to summation order: 1e-12 relative
        assert fin.npv(r, cf, when="begin") == pytest.approx(npf.npv(r, cf), rel=1e-10, abs=1e-8)
        assert fin.npv(r, cf) == pytest.approx(npf.npv(r, cf) / (1 + r), rel=1e-10, abs=1e-8)


def test_npv_docstring_example() -> None:
    # numpy-financial's own example: 3065.22267
    assert fin.npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000], when="begin") == pytest.approx(
        3065.22267, abs=1e-5
    )


def test_npv_vectorized_equals_loop_and_axis() -> None:
    rng = np.random.default_rng(2)
    cf = rng.normal(0, 1, (7, 50))
    vec = fin.npv(0.01, cf)
    loop = np.array([fin.npv(0.01, row) for row in cf])
    np.testing.assert_allclose(vec, loop, rtol=1e-13)
    np.testing.assert_allclose(fin.npv(0.01, cf.T, axis=0), loop, rtol=1e-13)
    # one rate per path
    rates = np.linspace(0.0, 0.02, 7)
    per = fin.npv(rates, cf)
    np.testing.assert_allclose(per, [fin.npv(r, row) for r, row in zip(rates, cf, strict=True)])


# --------------------------------------------------------------------------------------
# IRR
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("flows", "expected"), NPF_IRR_CASES)
def test_irr_numpy_financial_examples(flows: list[float], expected: float) -> None:
    assert round(fin.irr(flows), 5) == pytest.approx(expected, abs=1e-12)
    # and the same root numpy-financial's np.roots finds (eigenvalue accuracy ~1e-10)
    assert fin.irr(flows) == pytest.approx(npf.irr(flows), abs=1e-9)


def test_irr_random_conventional_flows_match_numpy_financial() -> None:
    rng = np.random.default_rng(3)
    cf = rng.normal(1.0, 1.0, (40, 120))
    cf[:, 0] = -40.0
    ours = fin.irr(cf)
    ref = np.array([npf.irr(row) for row in cf])
    # bisection to 1e-12 in 1/(1+r) vs numpy.roots eigenvalues: agree to 1e-9
    np.testing.assert_allclose(ours, ref, atol=1e-9)


def test_irr_no_sign_change_is_nan() -> None:
    assert np.isnan(fin.irr([1.0, 2.0, 3.0]))
    assert np.isnan(fin.irr([-1.0, -2.0]))
    assert np.isnan(fin.irr([0.0, 0.0, 0.0]))
    assert np.isnan(fin.irr([-1.0, np.nan, 2.0]))
    out = fin.irr(np.array([[-100.0, 110.0], [1.0, 1.0]]))
    assert out[0] == pytest.approx(0.1, abs=1e-12)
    assert np.isnan(out[1])


def test_irr_zero_rate_exact() -> None:
    assert fin.irr([-100.0, 50.0, 50.0]) == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    invest=st.floats(1e3, 1e6),
    flows=st.lists(st.floats(0.0, 1e5), min_size=1, max_size=40),
)
def test_irr_zeroes_the_npv(invest: float, flows: list[float]) -> None:
    cf = np.array([-invest, *flows])
    r = fin.irr(cf)
    if sum(flows) < 1e-3 * invest:  # IRR below -99.9 %/period: outside the useful domain
        return
    assert r > -1
    # NPV at the IRR is zero relative to the size of the flows
    assert abs(fin.npv(r, cf, when="begin")) <= 1e-6 * np.abs(cf).sum()


def test_irr_is_financing_by_hand() -> None:
    # invest 100, get 110 a period later: NPV(r) = -100 + 110/(1+r) falls with r
    assert fin.irr_is_financing([-100.0, 110.0], 0.10) is False
    # borrow 100, repay 110: NPV(r) = 100 - 110/(1+r) rises with r; 10 % is the loan's cost
    assert fin.irr_is_financing([100.0, -110.0], 0.10) is True
    # the pivot case of a short horizon: cash in at month 0 (debt draw and ASIC resale
    # above the equity's capex), then the equity's share and the balloon repayment
    loan_like = [19.2, -33.0, -33.8, -34.2, -1145.6]
    r = fin.irr(loan_like)
    assert r > 1.0  # a "return" above 100 % per month: the symptom
    assert fin.irr_is_financing(loan_like, r) is True
    # NaN (no sign change) and a rate at or below -1: not a financing
    assert fin.irr_is_financing([1.0, 2.0], float("nan")) is False
    assert fin.irr_is_financing([-1.0, 2.0], -1.0) is False


def test_irr_is_financing_matches_the_npv_slope() -> None:
    # Independent check: the sign of numpy-financial's NPV a little above and below the
    # IRR (a finite difference) on mixed flows, investment-like and loan-like rows alike.
    rng = np.random.default_rng(11)
    cf = rng.normal(0.0, 1.0, (60, 30))
    cf[:30, 0] = -8.0  # invest first
    cf[30:, 0] = 8.0  # borrow first
    rates = fin.irr(cf)
    flags = fin.irr_is_financing(cf, rates)
    checked = 0
    for row, r, flag in zip(cf, rates, flags, strict=True):
        if not np.isfinite(r):
            assert not flag
            continue
        h = 1e-6 * (1.0 + abs(r))
        slope = npf.npv(r + h, row) - npf.npv(r - h, row)
        if abs(slope) < 1e-9 * np.abs(row).sum():  # a double root: no sign to read
            continue
        assert flag == (slope > 0.0)
        checked += 1
    assert checked >= 40
    assert flags[:30].sum() < flags[30:].sum()  # borrowing first is what makes a loan
    # one call over rows equals a call per row
    assert list(flags) == [fin.irr_is_financing(row, r) for row, r in zip(cf, rates,
                                                                           strict=True)]


def test_irr_is_financing_has_no_overflow_at_extreme_rates() -> None:
    cf = np.array([[5.0] + [-1.0] * 179, [-5.0] + [1.0] * 179])
    with np.errstate(all="raise"):
        out = fin.irr_is_financing(cf, np.array([1.0e6, -0.999999]))
    assert out.tolist() == [True, False]


# --------------------------------------------------------------------------------------
# payback
# --------------------------------------------------------------------------------------
def test_payback_hand_cases() -> None:
    # -100 at t=1, +30 per month: cumulative -100,-70,-40,-10,+20 -> 4 + 10/30 months
    assert fin.payback_period([-100, 30, 30, 30, 30, 30]) == pytest.approx(4 + 10 / 30)
    # a positive first month does not count: last negative cumulative decides
    assert fin.payback_period([10, -100, 50, 70]) == pytest.approx(3 + 40 / 70)
    assert fin.payback_period([5, 5, 5]) == 0.0
    assert np.isnan(fin.payback_period([-100, 10, 10]))
    # begin convention: -100 at 0, +50 at 1, +50 at 2 -> cumulative 0 at 2 exactly
    assert fin.payback_period([-100, 50, 50], when="begin") == pytest.approx(1 + 50 / 50)
    # vectorized
    out = fin.payback_period(np.array([[-100, 30, 30, 30, 30, 30], [5, 5, 5, 5, 5, 5]]))
    np.testing.assert_allclose(out, [4 + 10 / 30, 0.0])


def test_discounted_payback_is_later() -> None:
    cf = [-100, 30, 30, 30, 30, 30]
    assert fin.payback_period(cf, rate_per_period=0.05) > fin.payback_period(cf)


# --------------------------------------------------------------------------------------
# annuities and debt
# --------------------------------------------------------------------------------------
def test_annuity_payment_matches_numpy_financial() -> None:
    # npf.pmt gives the payment with the opposite sign (cash-flow convention)
    assert fin.annuity_payment(1e6, 0.005, 120) == pytest.approx(-npf.pmt(0.005, 120, 1e6))
    assert fin.annuity_payment(1200.0, 0.0, 12) == pytest.approx(100.0)


def test_growing_annuity_against_explicit_sum() -> None:
    c, r, g, n = 100.0, 0.01, 0.002, 60
    explicit = sum(c * (1 + g) ** (t - 1) / (1 + r) ** t for t in range(1, n + 1))
    assert fin.growing_annuity_present_value(c, r, g, n) == pytest.approx(explicit, rel=1e-12)
    assert fin.growing_annuity_present_value(c, r, r, n) == pytest.approx(
        sum(c * (1 + r) ** (t - 1) / (1 + r) ** t for t in range(1, n + 1)), rel=1e-12
    )
    assert fin.annuity_present_value(c, r, n) == pytest.approx(-npf.pv(r, n, c), rel=1e-12)


def test_amortization_schedule_matches_numpy_financial() -> None:
    p, r, n = 1e6, 0.006, 60
    s = fin.amortization_schedule(p, r, n)
    per = np.arange(1, n + 1)
    np.testing.assert_allclose(s["interest_usd"], -npf.ipmt(r, per, n, p), rtol=1e-9)
    np.testing.assert_allclose(s["principal_usd"], -npf.ppmt(r, per, n, p), rtol=1e-9)
    assert s["balance_usd"][-1] == 0.0
    assert s["principal_usd"].sum() == pytest.approx(p, rel=1e-12)
    # vectorized over principals
    s2 = fin.amortization_schedule(np.array([p, 2 * p]), r, n)
    np.testing.assert_allclose(s2["payment_usd"][1], 2 * s["payment_usd"], rtol=1e-13)


def test_project_debt_schedule_hand_case() -> None:
    # 10 drawn at the end of months 0..11, 1 %/month, annuity over 120 months from month 12
    draws = np.r_[np.full(12, 10.0), np.zeros(168)]
    s = fin.project_debt_schedule(draws, 0.01, 12, 120, upfront_fee_fraction=0.01)
    assert s["interest_usd"][0] == 0.0
    assert s["interest_usd"][1] == pytest.approx(0.1)  # 1 % of the 10 drawn in month 0
    assert s["interest_usd"][11] == pytest.approx(1.1)
    pay = fin.annuity_payment(120.0, 0.01, 120)
    assert s["debt_service_usd"][12] == pytest.approx(pay)
    assert s["principal_usd"].sum() == pytest.approx(120.0)  # every dollar drawn is repaid
    assert s["fee_usd"].sum() == pytest.approx(1.2)
    assert s["balance_usd"][131] == pytest.approx(0.0, abs=1e-9)


def test_project_debt_schedule_balloon() -> None:
    draws = np.r_[np.full(2, 50.0), np.zeros(10)]
    s = fin.project_debt_schedule(draws, 0.01, 2, 120)
    open_balance = fin.project_debt_schedule(draws, 0.01, 2, 120, balloon_at_end=False)
    assert s["balloon_usd"] == open_balance["balance_usd"][-1] > 0
    assert open_balance["balloon_usd"] == 0.0
    # horizon ends long before the loan: the balance is repaid in the last month
    assert s["principal_usd"].sum() == pytest.approx(100.0)
    assert s["balance_usd"][-1] == 0.0
    with pytest.raises(ValueError, match="draws must stop"):
        fin.project_debt_schedule(np.ones(5), 0.01, 2, 10)


@settings(max_examples=30, deadline=None)
@given(
    flows=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30),
    k=st.floats(-10, 10),
    r=st.floats(0.0, 0.05),
)
def test_npv_is_linear(flows: list[float], k: float, r: float) -> None:
    cf = np.array(flows)
    assert fin.npv(r, k * cf) == pytest.approx(k * fin.npv(r, cf), rel=1e-9, abs=1e-3)
