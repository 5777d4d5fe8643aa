"""The treasury's month-by-month recursion in numpy, every month kept (:func:`run_treasury`:
the rules of :mod:`hashpivot.treasury`, the reference of the compiled
:mod:`hashpivot.treasury.kernel`), and one policy run by the kernel, kept as per-path
totals (:func:`treasury_summary`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hashpivot.arrays import BoolArray, FloatArray
from hashpivot.models.risk import TreasurySpec
from hashpivot.treasury.path_summary import TreasuryPathSummary
from hashpivot.treasury.policies import POLICIES


@dataclass(frozen=True)
class TreasuryResult:
    """Month-by-month treasury state, arrays of shape (n_paths, n_periods).

    Attributes
    ----------
    cash_usd : ndarray
        Cash at the end of each month. [USD]
    btc_held : ndarray
        BTC held at the end of each month. [BTC]
    btc_sold_voluntary : ndarray
        BTC sold by the policy. [BTC]
    btc_sold_forced : ndarray
        BTC sold because cash would fall below the minimum. [BTC]
    btc_sold_forced_without_capex : ndarray
        The forced sales of the same treasury with the capex paid from outside it (see
        :mod:`hashpivot.treasury`); ``btc_sold_forced`` when no capex is given. [BTC]
    breach_without_capex : ndarray of bool
        Its months in breach; ``breach`` when no capex is given.
    proceeds_voluntary_usd : ndarray
        Proceeds of the voluntary sales. [USD]
    proceeds_forced_usd : ndarray
        Proceeds of the forced sales (after the discount). [USD]
    cash_interest_usd : ndarray
        Interest earned on cash. [USD]
    breach : ndarray of bool
        Cash below the minimum even after selling every BTC held.
    debt_service_usd : ndarray, shape (n_periods,)
        Treasury debt service. [USD]
    btc_start : float
        BTC held at the start. [BTC]
    cash_start_usd : float
        Cash at the start. [USD]
    """

    cash_usd: FloatArray
    btc_held: FloatArray
    btc_sold_voluntary: FloatArray
    btc_sold_forced: FloatArray
    btc_sold_forced_without_capex: FloatArray
    breach_without_capex: BoolArray
    proceeds_voluntary_usd: FloatArray
    proceeds_forced_usd: FloatArray
    cash_interest_usd: FloatArray
    breach: BoolArray
    debt_service_usd: FloatArray
    btc_start: float
    cash_start_usd: float


def run_treasury(
    spec: TreasurySpec,
    btc_price_usd: FloatArray,
    btc_mined: FloatArray,
    fiat_flow_usd: FloatArray,
    debt_service_usd: FloatArray | None = None,
    policy: str | None = None,
    capex_usd: FloatArray | None = None,
) -> TreasuryResult:
    """Run the treasury over every path and keep every month.

    Parameters
    ----------
    spec : TreasurySpec
        Starting balances, minimum and target cash, policy, discount, cash rate.
    btc_price_usd : ndarray, shape (n_paths, n_periods)
        BTC price at which the month's sales happen. [USD]
    btc_mined : ndarray, shape (n_paths, n_periods)
        BTC mined in each month (net of pool fees). [BTC]
    fiat_flow_usd : ndarray, shape (n_paths, n_periods)
        Operating cash flow excluding the mined BTC. [USD]
    debt_service_usd : ndarray, shape (n_periods,), optional
        Treasury debt service (:func:`~hashpivot.treasury.debt.debt_schedule`); default
        none. [USD]
    policy : str, optional
        Overrides ``spec.policy``: one of :data:`POLICIES`.
    capex_usd : ndarray, shape (n_paths, n_periods), optional
        The capex paid out of ``fiat_flow_usd``: the treasury runs again with it paid from
        outside, for ``btc_sold_forced_without_capex``; default none. [USD]

    Returns
    -------
    TreasuryResult
    """
    fiat = np.asarray(fiat_flow_usd, dtype=np.float64)
    ds = None if debt_service_usd is None else np.asarray(debt_service_usd, dtype=np.float64)
    tol_usd = rounding_tolerance_usd(spec, float(np.max(np.abs(fiat), initial=0.0)), ds)
    r = _treasury_loop(spec, btc_price_usd, btc_mined, fiat, ds, policy, tol_usd)
    if capex_usd is None:
        return dataclasses.replace(r, btc_sold_forced_without_capex=r.btc_sold_forced.copy(),
                                   breach_without_capex=r.breach.copy())
    capex = np.asarray(capex_usd, dtype=np.float64)
    if capex.shape != fiat.shape:
        raise ValueError("capex_usd must have the shape (n_paths, n_periods)")
    without = _treasury_loop(spec, btc_price_usd, btc_mined, fiat + capex, ds, policy, tol_usd)
    return dataclasses.replace(r, btc_sold_forced_without_capex=without.btc_sold_forced,
                               breach_without_capex=without.breach)


def rounding_tolerance_usd(spec: TreasurySpec, max_abs_fiat_usd: float,
                           debt_service_usd: FloatArray | None) -> float:
    """A shortfall at or below this is floating-point rounding, not a forced sale: a
    voluntary sale of ``x / p`` BTC brings back ``(x / p) * p``, which may miss ``x`` by a
    few ulps and would otherwise count as a (1e-17 BTC) forced sale. Shared by this
    recursion and the compiled one (:mod:`hashpivot.treasury.kernel`). [USD]

    Parameters
    ----------
    spec : TreasurySpec
        Its starting cash, minimum and target cash set the scale.
    max_abs_fiat_usd : float
        Largest monthly fiat flow in absolute value over every path. [USD]
    debt_service_usd : ndarray, optional
        Treasury debt service per month. [USD]
    """
    ds = np.zeros(0) if debt_service_usd is None else debt_service_usd
    return 1e-11 * max(
        1.0, spec.min_cash_usd, spec.resolved_target_cash_usd, float(spec.cash_usd),
        float(max_abs_fiat_usd), float(np.max(np.abs(ds), initial=0.0)),
    )


def treasury_summary(
    spec: TreasurySpec,
    btc_price_usd: FloatArray,
    btc_mined: FloatArray,
    fiat_flow_usd: FloatArray,
    debt_service_usd: FloatArray | None = None,
    policy: str | None = None,
    keep_cash_paths: int = 0,
    time_major: bool = False,
    capex_usd: FloatArray | None = None,
) -> TreasuryPathSummary:
    """Run the treasury like :func:`run_treasury` but keep only per-path totals.

    Uses less memory and time than :func:`run_treasury` (nothing but the month-end cash is
    stored per month); the figures are identical. ``keep_cash_paths``: how many of the
    first paths keep their month-end cash in ``cash_sample_usd`` (for fan charts).
    ``time_major``: the three arrays are given as (n_periods, n_paths) (saves transposes
    when the same price serves several runs; ``capex_usd`` too). ``capex_usd``: as in
    :func:`run_treasury`.

    Returns
    -------
    TreasuryPathSummary
    """
    from hashpivot.treasury.kernel import treasury_summaries

    def pm(a: FloatArray) -> FloatArray:
        x = np.asarray(a, dtype=np.float64)
        return x.T if time_major else x

    pol = policy or spec.policy
    return treasury_summaries(
        spec, pm(btc_price_usd), pm(btc_mined), pm(fiat_flow_usd), None, None,
        debt_service_usd, (pol,), keep_cash_paths=keep_cash_paths,
        capex_usd=None if capex_usd is None else pm(capex_usd),
    )[pol]


def _treasury_loop(
    spec: TreasurySpec,
    btc_price_usd: FloatArray,
    btc_mined: FloatArray,
    fiat_flow_usd: FloatArray,
    debt_service_usd: FloatArray | None,
    policy: str | None,
    tol_usd: float,
) -> TreasuryResult:
    """The numpy recursion, every month kept (the reference of the compiled kernel in
    :mod:`hashpivot.treasury.kernel`, which repeats its operations in the same order)."""
    pol = policy or spec.policy
    if pol not in POLICIES:
        raise ValueError(f"unknown policy {pol!r}; expected one of {', '.join(POLICIES)}")

    def tm(a: FloatArray) -> FloatArray:
        return np.ascontiguousarray(np.asarray(a, dtype=np.float64).T)

    price, mined, fiat = tm(btc_price_usd), tm(btc_mined), tm(fiat_flow_usd)
    if not (price.shape == mined.shape == fiat.shape) or price.ndim != 2:
        raise ValueError("price, mined and fiat flow must share the shape (n_paths, n_periods)")
    T, n = price.shape
    ds = np.zeros(T) if debt_service_usd is None else np.asarray(debt_service_usd, float)
    if ds.shape != (T,):
        raise ValueError(f"debt_service_usd must have shape ({T},)")

    cash_rate_m = spec.cash_interest_rate / 12.0
    min_cash = spec.min_cash_usd
    target = spec.resolved_target_cash_usd
    keep = 1.0 - spec.forced_sale_discount_fraction

    cash_out = np.empty((T, n))
    btc_out = np.empty((T, n))
    vol_btc = np.zeros((T, n))
    forced_btc = np.empty((T, n))
    vol_usd = np.zeros((T, n))
    forced_usd = np.empty((T, n))
    interest = np.zeros((T, n))
    breach = np.empty((T, n), dtype=bool)

    cash = np.full(n, float(spec.cash_usd))
    btc = np.full(n, float(spec.btc_held))
    tmp = np.empty(n)
    need = np.empty(n)
    for t in range(T):
        p = price[t]
        v, vu, f, fu, it, br = (
            vol_btc[t], vol_usd[t], forced_btc[t], forced_usd[t], interest[t], breach[t]
        )
        # 1. USD flows
        if cash_rate_m > 0:
            np.maximum(cash, 0.0, out=it)
            it *= cash_rate_m
            cash += it
        cash += fiat[t]
        cash -= ds[t]
        # 2. production
        btc += mined[t]
        # 3. voluntary sale (from the month's production only)
        if pol != "hold":
            if pol == "sell_all":
                v[:] = mined[t]
            else:
                if pol == "sell_to_cover":
                    np.subtract(ds[t], fiat[t], out=tmp)
                else:  # min_cash
                    np.subtract(target, cash, out=tmp)
                np.maximum(tmp, 0.0, out=tmp)
                np.divide(tmp, p, out=tmp)
                np.minimum(tmp, mined[t], out=v)
            np.multiply(v, p, out=vu)
            cash += vu
            btc -= v
        # 4. forced sale to restore the minimum
        np.subtract(min_cash, cash, out=need)
        np.maximum(need, 0.0, out=need)
        np.putmask(need, need <= tol_usd, 0.0)
        np.multiply(p, keep, out=tmp)  # realized price of a forced sale
        np.divide(need, tmp, out=f)
        np.greater(f, btc, out=br)
        np.minimum(f, btc, out=f)
        np.multiply(f, tmp, out=fu)
        cash += fu
        btc -= f
        cash_out[t] = cash
        btc_out[t] = btc

    def back(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.ascontiguousarray(a.T)

    return TreasuryResult(
        cash_usd=back(cash_out),
        btc_held=back(btc_out),
        btc_sold_voluntary=back(vol_btc),
        btc_sold_forced=back(forced_btc),
        btc_sold_forced_without_capex=np.empty(0),  # both set by run_treasury
        breach_without_capex=np.empty(0, dtype=bool),
        proceeds_voluntary_usd=back(vol_usd),
        proceeds_forced_usd=back(forced_usd),
        cash_interest_usd=back(interest),
        breach=back(breach),
        debt_service_usd=ds.copy(),
        btc_start=float(spec.btc_held),
        cash_start_usd=float(spec.cash_usd),
    )


__all__ = ["TreasuryResult", "rounding_tolerance_usd", "run_treasury", "treasury_summary"]
