"""Discounting, NPV, IRR, payback, annuities and debt amortization, vectorized over paths.

Conventions
-----------
* Cash flows are arrays whose **last** axis (by default) is time; any leading axes (Monte
  Carlo paths, sites, scenarios) are carried through, so one call values every path.
* ``when="end"`` (the default of :func:`npv`) puts the flow of period ``t`` (0-based) at
  the end of that period, discounted by ``(1 + r)^(t + 1)``: the convention of the pivot
  model (monthly flows at month end). ``when="begin"`` discounts by ``(1 + r)^t``: the
  convention of ``numpy_financial.npv`` (first flow undiscounted).
* Rates are fractions per period (``0.0079`` per month), never percentages. Convert an
  annual effective rate with :func:`periodic_rate`.

Sources: L. J. Gitman, *Principles of Managerial Finance* (NPV, IRR, payback); the IRR
follows ``numpy_financial.irr`` semantics (the real root with rate > -1 closest to zero,
NaN when there is none) but is solved by a vectorized bracketing search instead of
``numpy.roots``, so thousands of paths of 180 months solve in one call.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from hashpivot.arrays import FloatArray, scalar_or_array

When = Literal["end", "begin"]

__all__ = [
    "amortization_schedule",
    "annual_rate",
    "annuity_payment",
    "annuity_present_value",
    "cumulative_discounted",
    "discount_factors",
    "growing_annuity_present_value",
    "irr",
    "irr_is_financing",
    "npv",
    "payback_period",
    "periodic_rate",
    "project_debt_schedule",
]


# --------------------------------------------------------------------------------------
# rates and discount factors
# --------------------------------------------------------------------------------------
def periodic_rate(annual_rate: Any, periods_per_year: int = 12) -> Any:
    """Effective rate per period equivalent to an annual effective rate.

    Parameters
    ----------
    annual_rate : numeric
        Annual effective rate (0.10 = 10 %/year), > -1. [1/year]
    periods_per_year : int
        Periods per year (12 for months). [-]

    Returns
    -------
    numeric
        ``(1 + annual_rate)^(1/periods_per_year) - 1``. [1/period]
    """
    return np.power(1.0 + np.asarray(annual_rate, dtype=float), 1.0 / periods_per_year) - 1.0


def annual_rate(rate_per_period: Any, periods_per_year: int = 12) -> Any:
    """Annual effective rate equivalent to a rate per period (inverse of :func:`periodic_rate`).

    Parameters
    ----------
    rate_per_period : numeric
        Effective rate per period. [1/period]
    periods_per_year : int
        Periods per year. [-]

    Returns
    -------
    numeric
        ``(1 + rate_per_period)^periods_per_year - 1``; NaN stays NaN. [1/year]
    """
    return np.power(1.0 + np.asarray(rate_per_period, dtype=float), periods_per_year) - 1.0


def discount_factors(rate_per_period: Any, n_periods: int, when: When = "end") -> FloatArray:
    """Discount factors of ``n_periods`` periods.

    Parameters
    ----------
    rate_per_period : numeric
        Discount rate per period, > -1; an array gives factors along a new last axis.
        [1/period]
    n_periods : int
        Number of periods. [-]
    when : {"end", "begin"}
        Flows at period end (factor ``(1+r)^-(t+1)``) or start (``(1+r)^-t``).

    Returns
    -------
    ndarray, shape ``rate.shape + (n_periods,)``
        Discount factors. [-]
    """
    r = np.asarray(rate_per_period, dtype=float)[..., np.newaxis]
    t = np.arange(n_periods, dtype=float) + (1.0 if when == "end" else 0.0)
    out: FloatArray = np.power(1.0 + r, -t)
    return out


def npv(rate_per_period: Any, cash_flows: Any, axis: int = -1, when: When = "end") -> Any:
    """Net present value of cash flows, vectorized over every axis but ``axis``.

    Parameters
    ----------
    rate_per_period : numeric
        Discount rate per period (scalar, or broadcastable to the cash flows without their
        time axis, e.g. one rate per path). [1/period]
    cash_flows : array_like
        Cash flows; ``axis`` is time. [USD]
    axis : int
        Time axis of ``cash_flows``.
    when : {"end", "begin"}
        ``"end"``: flow ``t`` discounted by ``(1+r)^(t+1)`` (pivot model convention);
        ``"begin"``: by ``(1+r)^t`` (``numpy_financial.npv``).

    Returns
    -------
    numeric
        NPV with the time axis removed (a float for 1-D input). [USD]

    Notes
    -----
    ``npv(r, cf, when="begin") == numpy_financial.npv(r, cf)`` and
    ``npv(r, cf) == numpy_financial.npv(r, cf) / (1 + r)``.
    """
    cf = np.moveaxis(np.asarray(cash_flows, dtype=float), axis, -1)
    r = np.asarray(rate_per_period, dtype=float)
    n = cf.shape[-1]
    if r.ndim == 0:
        df = discount_factors(float(r), n, when)
        out = cf @ df
    else:
        out = np.sum(cf * discount_factors(r, n, when), axis=-1)
    return scalar_or_array(out)


def cumulative_discounted(
    rate_per_period: float, cash_flows: Any, axis: int = -1, when: When = "end"
) -> FloatArray:
    """Running sum of discounted cash flows along the time axis.

    Parameters
    ----------
    rate_per_period : float
        Discount rate per period (0 gives the undiscounted cumulative sum). [1/period]
    cash_flows : array_like
        Cash flows; ``axis`` is time. [USD]
    axis : int
        Time axis.
    when : {"end", "begin"}
        Timing convention, as :func:`npv`.

    Returns
    -------
    ndarray
        Same shape as ``cash_flows``. [USD]
    """
    cf = np.moveaxis(np.asarray(cash_flows, dtype=float), axis, -1)
    out = np.cumsum(cf * discount_factors(rate_per_period, cf.shape[-1], when), axis=-1)
    return np.moveaxis(out, -1, axis)


# --------------------------------------------------------------------------------------
# IRR
# --------------------------------------------------------------------------------------
def _scaled_powers(x: FloatArray, n: int) -> FloatArray:
    """``x^t`` for ``x <= 1`` and ``x^(t-(n-1))`` for ``x > 1``: shape ``x.shape + (n,)``.

    Multiplying the polynomial ``sum_t cf_t x^t`` by the positive ``x^-(n-1)`` when
    ``x > 1`` keeps its sign and roots and never overflows.
    """
    t = np.arange(n, dtype=float)
    small = (x <= 1.0)[..., np.newaxis]
    xs = np.where(x <= 1.0, x, 1.0 / x)[..., np.newaxis]  # in (0, 1]
    expo = np.where(small, t, (n - 1) - t)
    with np.errstate(under="ignore"):
        out: FloatArray = np.power(xs, expo)
    return out


def irr(
    cash_flows: Any,
    axis: int = -1,
    *,
    tol: float = 1e-12,
    max_iter: int = 200,
    grid_points: int = 451,
) -> Any:
    """Internal rate of return per period, vectorized over every axis but ``axis``.

    Parameters
    ----------
    cash_flows : array_like
        Cash flows per period, ``values[0]`` at time 0 (numpy-financial convention; the
        IRR does not depend on whether flows sit at period start or end). [USD]
    axis : int
        Time axis.
    tol : float
        Convergence tolerance on the discount factor ``1/(1+r)``. [-]
    max_iter : int
        Maximum bisection steps. [-]
    grid_points : int
        Points of the bracketing grid in ``log(1+r)`` over ``[-15, 15]``. [-]

    Returns
    -------
    numeric
        Rate per period ``r > -1`` with NPV(r) = 0; where several exist, the one closest
        to zero (``numpy_financial.irr``); NaN when the flows do not change sign, are all
        zero or contain NaN. [1/period]

    Notes
    -----
    The scaled NPV is evaluated on a grid of ``x = 1/(1+r)`` (rates from
    ``-1 + 3e-7`` to ``3.3e6`` per period); every bracket with a sign change is refined
    by bisection and the root closest to zero is returned. Roots closer together than
    one grid cell (about 7 % in ``1+r``) or outside the grid can be missed: such flows
    have no meaningful IRR.
    Annualize a monthly IRR with :func:`annual_rate`.
    """
    cf = np.moveaxis(np.asarray(cash_flows, dtype=float), axis, -1)
    lead = cf.shape[:-1]
    n = cf.shape[-1]
    flat = cf.reshape(-1, n)
    m = flat.shape[0]
    out = np.full(m, np.nan)
    if n < 2 or m == 0:
        return float(out[0]) if not lead and m else out.reshape(lead)

    finite = np.all(np.isfinite(flat), axis=1)
    pos = np.any(flat > 0, axis=1)
    neg = np.any(flat < 0, axis=1)
    ok = finite & pos & neg
    idx = np.flatnonzero(ok)
    if idx.size:
        c = flat[idx]
        # normalise each row so tolerances are scale free
        c = c / np.max(np.abs(c), axis=1, keepdims=True)
        g = np.linspace(-15.0, 15.0, grid_points)  # log(1+r)
        x_grid = np.exp(-g)  # 1/(1+r), decreasing in g
        f = c @ _scaled_powers(x_grid, n).T  # (rows, grid)
        sgn = np.sign(f)
        exact = sgn == 0
        change = (sgn[:, :-1] * sgn[:, 1:]) < 0
        # candidate rates: exact zeros on the grid, and bisection in each changing bracket
        best = np.full(c.shape[0], np.nan)
        best_abs = np.full(c.shape[0], np.inf)

        rows_e, cols_e = np.nonzero(exact)
        if rows_e.size:
            rates = np.expm1(g[cols_e])
            better = np.abs(rates) < best_abs[rows_e]
            # several exact zeros per row: resolve by ordering on |rate|
            order = np.argsort(np.abs(rates))[::-1]
            for r_i, rate_i, b_i in zip(
                rows_e[order], rates[order], better[order], strict=True
            ):  # only exact grid hits: rare
                if b_i or abs(rate_i) < best_abs[r_i]:
                    best[r_i] = rate_i
                    best_abs[r_i] = abs(rate_i)

        rows, cols = np.nonzero(change)
        if rows.size:
            lo = x_grid[cols + 1].copy()  # smaller x
            hi = x_grid[cols].copy()
            cc = c[rows]
            f_lo = np.einsum("mn,mn->m", cc, _scaled_powers(lo, n))
            for _ in range(max_iter):
                mid = 0.5 * (lo + hi)
                f_mid = np.einsum("mn,mn->m", cc, _scaled_powers(mid, n))
                same = np.sign(f_mid) == np.sign(f_lo)
                lo = np.where(same, mid, lo)
                f_lo = np.where(same, f_mid, f_lo)
                hi = np.where(same, hi, mid)
                if np.all((hi - lo) <= tol * np.maximum(hi, 1e-300)):
                    break
            x_root = 0.5 * (lo + hi)
            rates = 1.0 / x_root - 1.0
            a = np.abs(rates)
            # keep, per row, the root closest to zero
            order = np.lexsort((a, rows))
            rows_o, rates_o, a_o = rows[order], rates[order], a[order]
            first = np.ones(rows_o.size, dtype=bool)
            first[1:] = rows_o[1:] != rows_o[:-1]
            r_sel, rate_sel, a_sel = rows_o[first], rates_o[first], a_o[first]
            take = a_sel < best_abs[r_sel]
            best[r_sel[take]] = rate_sel[take]
            best_abs[r_sel[take]] = a_sel[take]
        out[idx] = best
    res = out.reshape(lead)
    return scalar_or_array(res)


def irr_is_financing(cash_flows: Any, rate_per_period: Any, axis: int = -1) -> Any:
    """Whether an IRR is what a financing costs rather than what an investment returns.

    At an investment's IRR the NPV falls as the rate rises (cash goes out first and comes
    back later: the higher the hurdle rate, the less the flows are worth, and they are
    worth doing when the IRR is above it). Flows that bring cash in first and pay it out
    later behave as a loan: at their IRR the NPV *rises* with the rate, the IRR is the
    rate the financing costs, and the flows are worth taking when the IRR is *below* the
    hurdle rate. Read the sign of ``dNPV/dr`` at the rate: with ``x = 1/(1+r)``,
    ``dNPV/dr = -x^2 sum_{t>=1} t cf_t x^(t-1)`` (its sign is kept when the polynomial
    is scaled as in :func:`irr`, so no power overflows).

    Parameters
    ----------
    cash_flows : array_like
        Cash flows per period, ``values[0]`` at time 0, as given to :func:`irr`. [USD]
    rate_per_period : array_like
        The flows' IRR (:func:`irr`), broadcast over the leading axes. [1/period]
    axis : int
        Time axis.

    Returns
    -------
    bool or numpy.ndarray
        True where the NPV rises with the rate at ``rate_per_period``; False where it
        falls or is flat, and where the rate is NaN or not above -1.

    Examples
    --------
    >>> irr_is_financing([-100.0, 110.0], 0.10)   # invest 100, get 110
    False
    >>> irr_is_financing([100.0, -110.0], 0.10)   # borrow 100, repay 110
    True
    """
    cf = np.moveaxis(np.asarray(cash_flows, dtype=float), axis, -1)
    lead = cf.shape[:-1]
    n = cf.shape[-1]
    rate = np.broadcast_to(np.asarray(rate_per_period, dtype=float), lead).reshape(-1)
    flat = cf.reshape(-1, n)
    out = np.zeros(flat.shape[0], dtype=bool)
    ok = np.isfinite(rate) & (rate > -1.0) & np.all(np.isfinite(flat), axis=1)
    if n >= 2 and ok.any():
        x = 1.0 / (1.0 + rate[ok])
        weighted = flat[ok, 1:] * np.arange(1.0, n)  # t cf_t, t >= 1
        slope_sum = np.einsum("mn,mn->m", weighted, _scaled_powers(x, n - 1))
        out[ok] = slope_sum < 0.0  # dNPV/dr = -x^2 slope_sum > 0
    if not lead:
        return bool(out[0])
    return out.reshape(lead)


# --------------------------------------------------------------------------------------
# payback
# --------------------------------------------------------------------------------------
def payback_period(
    cash_flows: Any, axis: int = -1, rate_per_period: float = 0.0, when: When = "end"
) -> Any:
    """Periods until the cumulative (optionally discounted) cash flow turns non-negative
    for good, linearly interpolated within the period.

    Parameters
    ----------
    cash_flows : array_like
        Cash flows; ``axis`` is time. [USD]
    axis : int
        Time axis.
    rate_per_period : float
        Discount rate for a discounted payback; 0 = simple payback. [1/period]
    when : {"end", "begin"}
        ``"end"``: flow ``t`` lands at time ``t + 1``; ``"begin"``: at time ``t``.

    Returns
    -------
    numeric
        Time (in periods from the start) after which the cumulative flow stays >= 0;
        0 when it never goes negative; NaN when it is still negative at the end. [period]

    Notes
    -----
    A temporary positive bump (e.g. the resale of the replaced miners) does not count:
    the payback is after the *last* negative cumulative value.
    """
    cf = np.moveaxis(np.asarray(cash_flows, dtype=float), axis, -1)
    n = cf.shape[-1]
    cum = cumulative_discounted(rate_per_period, cf, axis=-1, when=when)
    disc = cf * discount_factors(rate_per_period, n, when)
    negative = cum < 0
    any_neg = negative.any(axis=-1)
    last_neg = n - 1 - np.argmax(negative[..., ::-1], axis=-1)  # index of last negative
    never = negative[..., -1]
    nxt = np.minimum(last_neg + 1, n - 1)
    cum_at = np.take_along_axis(cum, last_neg[..., None], axis=-1)[..., 0]
    step = np.take_along_axis(disc, nxt[..., None], axis=-1)[..., 0]
    offset = 1.0 if when == "end" else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(step > 0, -cum_at / step, 1.0)
    t = last_neg + offset + np.clip(frac, 0.0, 1.0)
    out = np.where(~any_neg, 0.0, np.where(never, np.nan, t))
    return scalar_or_array(out)


# --------------------------------------------------------------------------------------
# annuities and debt
# --------------------------------------------------------------------------------------
def annuity_payment(principal: Any, rate_per_period: Any, n_periods: Any) -> Any:
    """Level payment (end of period) that repays ``principal`` over ``n_periods``.

    Parameters
    ----------
    principal : numeric
        Amount borrowed. [USD]
    rate_per_period : numeric
        Interest rate per period. [1/period]
    n_periods : numeric
        Number of payments, > 0. [-]

    Returns
    -------
    numeric
        ``P r / (1 - (1+r)^-n)``, or ``P / n`` when ``r = 0``. [USD/period]
    """
    p = np.asarray(principal, dtype=float)
    r = np.asarray(rate_per_period, dtype=float)
    n = np.asarray(n_periods, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(np.abs(r) < 1e-14, p / n, p * r / (1.0 - np.power(1.0 + r, -n)))
    return scalar_or_array(level)


def annuity_present_value(payment: Any, rate_per_period: Any, n_periods: Any) -> Any:
    """Present value of ``n_periods`` level end-of-period payments. [USD]

    Parameters
    ----------
    payment : numeric
        Payment per period. [USD/period]
    rate_per_period : numeric
        Discount rate per period. [1/period]
    n_periods : numeric
        Number of payments. [-]
    """
    return growing_annuity_present_value(payment, rate_per_period, 0.0, n_periods)


def growing_annuity_present_value(
    first_payment: Any, rate_per_period: Any, growth_per_period: Any, n_periods: Any
) -> Any:
    """Present value of end-of-period payments growing geometrically.

    Parameters
    ----------
    first_payment : numeric
        First payment, at the end of period 1. [USD]
    rate_per_period : numeric
        Discount rate per period. [1/period]
    growth_per_period : numeric
        Growth of the payment per period. [1/period]
    n_periods : numeric
        Number of payments. [-]

    Returns
    -------
    numeric
        ``C / (r - g) * (1 - ((1+g)/(1+r))^n)``; ``C n / (1+r)`` when ``r = g``. [USD]
    """
    c = np.asarray(first_payment, dtype=float)
    r = np.asarray(rate_per_period, dtype=float)
    g = np.asarray(growth_per_period, dtype=float)
    n = np.asarray(n_periods, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.where(
            np.abs(r - g) < 1e-14,
            c * n / (1.0 + r),
            c / (r - g) * (1.0 - np.power((1.0 + g) / (1.0 + r), n)),
        )
    return scalar_or_array(val)


def amortization_schedule(
    principal: Any, rate_per_period: float, n_periods: int
) -> dict[str, FloatArray]:
    """Level-payment amortization schedule (closed form, vectorized over principals).

    Parameters
    ----------
    principal : numeric or array
        Amount(s) borrowed at time 0; an array adds leading axes. [USD]
    rate_per_period : float
        Interest rate per period. [1/period]
    n_periods : int
        Number of payments. [-]

    Returns
    -------
    dict of ndarray, each shape ``principal.shape + (n_periods,)``
        ``payment_usd``, ``interest_usd``, ``principal_usd`` (repaid in the period) and
        ``balance_usd`` (after the period's payment). [USD]
    """
    p = np.asarray(principal, dtype=float)[..., np.newaxis]
    r = float(rate_per_period)
    t = np.arange(1, n_periods + 1, dtype=float)
    pay = np.asarray(annuity_payment(p, r, n_periods)) * np.ones_like(t)
    if abs(r) < 1e-14:
        balance = p * (1.0 - t / n_periods)
    else:
        growth = np.power(1.0 + r, t)
        balance = p * growth - pay * (growth - 1.0) / r
    balance = np.where(np.abs(balance) < 1e-9 * np.maximum(np.abs(p), 1.0), 0.0, balance)
    prev = np.concatenate([p, balance[..., :-1]], axis=-1)
    interest = prev * r
    return {
        "payment_usd": pay,
        "interest_usd": interest,
        "principal_usd": pay - interest,
        "balance_usd": balance,
    }


def project_debt_schedule(
    draws_usd: Any,
    rate_per_period: float,
    amortization_start: int,
    amortization_periods: int,
    upfront_fee_fraction: float = 0.0,
    balloon_at_end: bool = True,
) -> dict[str, FloatArray]:
    """Construction loan drawn over time, interest-only until completion, then a level
    annuity; any balance left at the last period is repaid there (balloon).

    Parameters
    ----------
    draws_usd : array_like, shape (..., n)
        Debt drawn at the end of each period (must be zero from ``amortization_start``
        on). [USD]
    rate_per_period : float
        Interest rate per period. [1/period]
    amortization_start : int
        Index of the first period with an annuity payment (the month after completion);
        draws before it accrue interest paid each period. [-]
    amortization_periods : int
        Number of annuity payments. [-]
    upfront_fee_fraction : float
        Fee on each draw, paid with the draw. [-]
    balloon_at_end : bool
        Repay the balance outstanding at the end of the array in its last period.

    Returns
    -------
    dict of ndarray
        Shape (..., n): ``draw_usd``, ``interest_usd``, ``principal_usd``, ``fee_usd``,
        ``debt_service_usd`` (= interest + principal + fee) and ``balance_usd`` (end of
        period); shape (...): ``balloon_usd``, the part of the last period's principal that
        repays the balance left at the end (zero without ``balloon_at_end``). [USD]
    """
    d = np.asarray(draws_usd, dtype=float)
    n = d.shape[-1]
    r = float(rate_per_period)
    a = int(amortization_start)
    if a < n and np.any(d[..., a:] != 0):
        raise ValueError("draws must stop before amortization_start")
    cum = np.cumsum(d, axis=-1)
    interest = np.zeros_like(d)
    principal = np.zeros_like(d)
    balance = cum.copy()
    # construction: interest on the balance drawn by the end of the previous period
    k = min(a, n)
    if k > 1:
        interest[..., 1:k] = cum[..., : k - 1] * r
    if a < n:
        b0 = cum[..., a - 1] if a >= 1 else np.zeros(d.shape[:-1])
        m = min(amortization_periods, n - a)
        sched = amortization_schedule(b0, r, amortization_periods)
        interest[..., a : a + m] = sched["interest_usd"][..., :m]
        principal[..., a : a + m] = sched["principal_usd"][..., :m]
        balance[..., a : a + m] = sched["balance_usd"][..., :m]
        balance[..., a + m :] = 0.0
    left = np.zeros(d.shape[:-1])
    if balloon_at_end and n:
        left = balance[..., -1].copy()
        principal[..., -1] += left
        balance[..., -1] = 0.0
    fee = d * upfront_fee_fraction
    return {
        "draw_usd": d,
        "interest_usd": interest,
        "principal_usd": principal,
        "fee_usd": fee,
        "debt_service_usd": interest + principal + fee,
        "balance_usd": balance,
        "balloon_usd": left,
    }
