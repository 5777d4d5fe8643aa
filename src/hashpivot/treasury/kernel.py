"""The treasury recursion of every policy in one compiled pass: :func:`treasury_summaries`.

The same month-by-month rules as :mod:`hashpivot.treasury` (the numpy reference,
:func:`~hashpivot.treasury.recursion.run_treasury`), compiled with numba: a loop over
paths, and per path over policies and months, with the state in registers; with capex
given, each policy runs a second time with the capex paid from outside the treasury (its
forced sales and breaches only), from the path's first month with capex (before it, the
two runs are the same; a path without capex is not run twice; from there the two runs
advance month by month side by side, :func:`_month` each, so the CPU overlaps their
chains of dependent additions). Every operation is the same IEEE operation in the same
order as the numpy version (no fast-math, no fused multiply-add), so the figures are
bitwise identical; a test checks it. The forced sales summed over paths per month are
summed by numpy (pairwise summation, as ``row.sum()``) over the months that have any.

The kernel is compiled on first use and cached on disk (``cache=True``: the first run
after installing compiles for about a second or two, later processes load it); it
releases the GIL, so chunks on threads run in parallel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.arrays import BoolArray, FloatArray, IntArray
from hashpivot.jit import cached_njit
from hashpivot.models.risk import TreasurySpec
from hashpivot.treasury.path_summary import TreasuryPathSummary
from hashpivot.treasury.policies import POLICIES
from hashpivot.treasury.recursion import rounding_tolerance_usd

_HOLD, _SELL_ALL, _SELL_TO_COVER, _MIN_CASH = (POLICIES.index(p) for p in POLICIES)
assert POLICIES == ("hold", "sell_all", "sell_to_cover", "min_cash")


@cached_njit(nogil=True, error_model="numpy")
def _max_abs_fiat(lev: FloatArray, rev: FloatArray, corp: FloatArray) -> float:  # pragma: no cover
    n, T = lev.shape
    out = 0.0
    for i in range(n):
        for t in range(T):
            a = abs((lev[i, t] - rev[i, t]) - corp[t])
            if a > out:
                out = a
    return out


@cached_njit(nogil=True, error_model="numpy", inline="always")
def _month(  # pragma: no cover - compiled
    cash: float, btc: float, p: float, fiat: float, m: float, ds_t: float, pol: int,
    cash_rate_m: float, min_cash: float, target: float, keep: float, tol: float,
    interest: bool,
) -> tuple[float, float, float, float, bool]:
    """One month of one path under policy ``pol``: cash and BTC after it, the forced and
    voluntary sales [BTC] and whether the forced sale fell short (a breach). ``interest``:
    whether cash earns any (a constant of the kernel compiled)."""
    # 1. USD flows
    if interest and cash_rate_m > 0:
        # np.maximum(cash, 0.0): NaN and -0.0 kept, as numpy does
        it = (cash if (cash >= 0.0 or cash != cash) else 0.0) * cash_rate_m
        cash = cash + it
    cash = cash + fiat
    cash = cash - ds_t
    # 2. production
    btc = btc + m
    # 3. voluntary sale (from the month's production only)
    v = 0.0
    if pol != _HOLD:
        if pol == _SELL_ALL:
            v = m
        else:
            x = ds_t - fiat if pol == _SELL_TO_COVER else target - cash
            x = x if (x >= 0.0 or x != x) else 0.0
            # +0.0 / p is +0.0 for a positive p: divisions are slow and sit on the chain
            # from one month to the next, so only when needed
            x = x / p if (x != 0.0 or not p > 0.0) else 0.0
            v = x if (x <= m or x != x) else m  # np.minimum(x, m)
        cash = cash + v * p
        btc = btc - v
    # 4. forced sale to restore the minimum
    need = min_cash - cash
    if not (need >= 0.0 or need != need):
        need = 0.0
    if need <= tol:
        need = 0.0
    rp = p * keep
    f = need / rp if (need != 0.0 or not rp > 0.0) else 0.0
    br = f > btc
    f = f if (f <= btc or f != f) else btc
    cash = cash + f * rp
    btc = btc - f
    return cash, btc, f, v, br


def _kernel(interest: bool) -> Any:
    """The treasury kernel compiled with ``interest`` a constant: with a cash rate of 0
    (the default) its month has no interest step at all. LLVM made that step branch-free
    (a select of the cash with and without interest), so it lengthened each month's chain
    of dependent additions on the cash even when no cash earned any (about a tenth of the
    kernel's time)."""

    @cached_njit(nogil=True, error_model="numpy")
    def _treasury_kernel(  # pragma: no cover - compiled
        price: FloatArray, mined: FloatArray, lev: FloatArray, rev: FloatArray,
        corp: FloatArray, ds: FloatArray, capex: FloatArray, policies: IntArray,
        cash0: float, btc0: float, cash_rate_m: float, min_cash: float, target: float,
        keep: float, tol: float, n_keep: int,
        forced: FloatArray, forced_usd: FloatArray, forced_nc: FloatArray, breach_nc: BoolArray,
        sold: FloatArray, breach: BoolArray, min_cash_out: FloatArray, end_cash: FloatArray,
        end_btc: FloatArray,
        forced_tm: FloatArray, forced_rows: BoolArray, breach_count: FloatArray,
        cash_sample: FloatArray,
    ) -> None:
        n, T = price.shape
        K = policies.size
        # run 1: the same treasury with the capex paid from outside it (only its forced sales
        # and breaches are kept). Until the path's first month with capex (t0) it is run 0
        # itself, so it starts there from run 0's state; without capex it is run 0. From t0
        # the two runs advance month by month side by side: two independent chains of
        # dependent additions, which the CPU overlaps.
        has_capex = capex.shape[0] != 0
        for i in range(n):
            t0 = T
            if has_capex:
                for t in range(T):
                    if capex[i, t] != 0.0:
                        t0 = t
                        break
            for k in range(K):
                pol = policies[k]
                cash = cash0
                btc = btc0
                tf = 0.0
                tfu = 0.0
                ts = 0.0
                br_any = False
                mn = 0.0
                cash1 = cash0  # run 1
                btc1 = btc0
                tf1 = 0.0
                br1 = False
                for t in range(T):
                    if t == t0:  # run 1 starts here, from run 0's state
                        cash1 = cash
                        btc1 = btc
                        tf1 = tf
                        br1 = br_any
                    p = price[i, t]
                    m = mined[i, t]
                    fiat = (lev[i, t] - rev[i, t]) - corp[t]
                    if t >= t0:
                        cash1, btc1, f1, _, b1 = _month(cash1, btc1, p, fiat + capex[i, t], m,
                                                        ds[t], pol, cash_rate_m, min_cash,
                                                        target, keep, tol, interest)
                        tf1 = tf1 + f1
                        br1 = br1 or b1
                    cash, btc, f, v, br = _month(cash, btc, p, fiat, m, ds[t], pol, cash_rate_m,
                                                 min_cash, target, keep, tol, interest)
                    tf = tf + f
                    tfu = tfu + f * (p * keep)
                    ts = ts + f
                    if pol != _HOLD:
                        ts = ts + v
                    if f != 0.0:  # rare: only these pages of forced_tm are written
                        forced_tm[k, t, i] = f
                        forced_rows[k, t] = True
                    if br:
                        br_any = True
                        breach_count[k, t] += 1.0
                    if t == 0 or cash < mn or cash != cash:
                        mn = cash
                    if k == 0 and i < n_keep:
                        cash_sample[i, t] = cash
                forced[k, i] = tf
                forced_usd[k, i] = tfu
                sold[k, i] = ts
                breach[k, i] = br_any
                min_cash_out[k, i] = mn
                end_cash[k, i] = cash
                end_btc[k, i] = btc
                # without capex, the same run
                forced_nc[k, i] = tf1 if t0 < T else tf
                breach_nc[k, i] = br1 if t0 < T else br_any

    return _treasury_kernel


#: The kernel without and with cash interest (compiled on first use of each).
_KERNELS = {interest: _kernel(interest) for interest in (False, True)}


def _c(a: FloatArray) -> FloatArray:
    return np.ascontiguousarray(a, dtype=np.float64)


def treasury_summaries(
    spec: TreasurySpec,
    btc_price_usd: FloatArray,
    btc_mined: FloatArray,
    fiat_inflow_usd: FloatArray,
    fiat_deduction_usd: FloatArray | None,
    fiat_deduction_per_month_usd: FloatArray | None,
    debt_service_usd: FloatArray | None,
    policies: tuple[str, ...],
    keep_cash_paths: int = 0,
    capex_usd: FloatArray | None = None,
) -> dict[str, TreasuryPathSummary]:
    """Run the treasury under several policies at once; per-path totals of each.

    The fiat flow of path ``i`` in month ``t`` is
    ``(fiat_inflow[i, t] - fiat_deduction[i, t]) - fiat_deduction_per_month[t]`` (e.g.
    levered FCF minus mining revenue minus corporate costs), formed on the fly.

    Parameters
    ----------
    spec : TreasurySpec
        Starting balances, minimum and target cash, discount, cash rate.
    btc_price_usd, btc_mined, fiat_inflow_usd, fiat_deduction_usd : ndarray
        Shape (n_paths, n_periods): price [USD], BTC mined [BTC] and the two parts of the
        fiat flow [USD]; the deduction may be None (zero).
    fiat_deduction_per_month_usd : ndarray, shape (n_periods,), optional
        Deducted on every path. [USD]
    debt_service_usd : ndarray, shape (n_periods,), optional
        Treasury debt service. [USD]
    policies : tuple of str
        Policies of :data:`~hashpivot.treasury.policies.POLICIES`.
    keep_cash_paths : int
        The first paths keep their month-end cash under ``policies[0]``.
    capex_usd : ndarray, shape (n_paths, n_periods), optional
        The capex paid out of the fiat flow: the treasury is run a second time with it
        paid from outside (:func:`~hashpivot.treasury.recursion.run_treasury`); default none. [USD]

    Returns
    -------
    dict
        Policy -> :class:`~hashpivot.treasury.path_summary.TreasuryPathSummary`, identical to
        :func:`~hashpivot.treasury.recursion.treasury_summary` with that policy.
    """
    for pol in policies:
        if pol not in POLICIES:
            raise ValueError(f"unknown policy {pol!r}; expected one of {', '.join(POLICIES)}")
    price, mined, lev = _c(btc_price_usd), _c(btc_mined), _c(fiat_inflow_usd)
    if price.ndim != 2 or not (price.shape == mined.shape == lev.shape):
        raise ValueError("price, mined and fiat flow must share the shape (n_paths, n_periods)")
    n, T = price.shape
    rev = np.zeros((n, T)) if fiat_deduction_usd is None else _c(fiat_deduction_usd)
    corp = np.zeros(T) if fiat_deduction_per_month_usd is None else _c(
        fiat_deduction_per_month_usd
    )
    ds = np.zeros(T) if debt_service_usd is None else _c(debt_service_usd)
    if rev.shape != (n, T) or corp.shape != (T,) or ds.shape != (T,):
        raise ValueError(f"fiat deductions and debt service must have shapes ({n}, {T}) / ({T},)")
    capex = np.zeros((0, 0)) if capex_usd is None else _c(capex_usd)
    if capex_usd is not None and capex.shape != (n, T):
        raise ValueError(f"capex_usd must have the shape ({n}, {T})")
    K = len(policies)
    min_cash = float(spec.min_cash_usd)
    target = float(spec.resolved_target_cash_usd)
    # the numpy reference's tolerance: rounding is not a sale
    tol_usd = rounding_tolerance_usd(
        spec, float(_max_abs_fiat(lev, rev, corp)) if n else 0.0, ds
    )
    n_keep = max(0, min(int(keep_cash_paths), n))
    forced = np.empty((K, n))
    forced_usd = np.empty((K, n))
    forced_nc = np.empty((K, n))
    breach_nc = np.empty((K, n), dtype=np.bool_)
    sold = np.empty((K, n))
    breach = np.empty((K, n), dtype=np.bool_)
    min_cash_out = np.empty((K, n))
    end_cash = np.empty((K, n))
    end_btc = np.empty((K, n))
    # zeros (pages mapped on first write): the kernel writes the few non-zero sales
    forced_tm = np.zeros((K, T, n))
    forced_rows = np.zeros((K, T), dtype=np.bool_)
    breach_count = np.zeros((K, T))
    cash_sample = np.empty((n_keep, T))
    _KERNELS[spec.cash_interest_rate > 0](
        price, mined, lev, rev, corp, ds, capex,
        np.array([POLICIES.index(p) for p in policies], dtype=np.int64),
        float(spec.cash_usd), float(spec.btc_held), spec.cash_interest_rate / 12.0,
        min_cash, target, 1.0 - spec.forced_sale_discount_fraction, tol_usd, n_keep,
        forced, forced_usd, forced_nc, breach_nc, sold, breach, min_cash_out, end_cash, end_btc,
        forced_tm, forced_rows, breach_count, cash_sample,
    )
    # pairwise over the paths, as row.sum(); a row of zeros sums to +0.0
    forced_by_month = np.zeros((K, T))
    for k, t in zip(*np.nonzero(forced_rows), strict=True):
        forced_by_month[k, t] = forced_tm[k, t].sum()
    if T == 0:
        min_cash_out[:] = np.nan
    return {
        pol: TreasuryPathSummary(
            forced_btc=forced[k],
            forced_proceeds_usd=forced_usd[k],
            forced_without_capex_btc=forced_nc[k],
            breach_without_capex=breach_nc[k],
            sold_btc=sold[k],
            breach=breach[k],
            min_cash_usd=min_cash_out[k],
            end_cash_usd=end_cash[k],
            end_btc=end_btc[k],
            forced_btc_by_month_sum=forced_by_month[k],
            breach_by_month_count=breach_count[k],
            cash_sample_usd=cash_sample if k == 0 else np.empty((0, T)),
        )
        for k, pol in enumerate(policies)
    }


__all__ = ["treasury_summaries"]
