"""Per-path totals of a treasury run (:class:`TreasuryPathSummary`): what the Monte
Carlo keeps of each path, combinable over chunks, and the risk metrics over the paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hashpivot.arrays import BoolArray, FloatArray, IntArray
from hashpivot.sampling_error import ci95_half, quantile_ci95_half, share_ci95_half

if TYPE_CHECKING:
    from hashpivot.treasury.recursion import TreasuryResult

#: The treasury's shares over the paths: each has a ``{key}_ci95_half``
#: (:func:`with_share_errors`).
SHARE_KEYS = ("prob_forced_sale", "prob_forced_sale_without_capex", "prob_liquidity_breach",
              "prob_liquidity_breach_without_capex")


def with_share_errors(metrics: dict[str, float], n_paths: int) -> dict[str, float]:
    """``metrics`` with the Monte Carlo error of each share of :data:`SHARE_KEYS` under
    ``{key}_ci95_half``: the farther end of its Wilson score interval over ``n_paths``
    paths (:func:`~hashpivot.sampling_error.share_ci95_half`, as P(beats keep)'s; not 0
    at a share of 0 or 1). [-]"""
    return {**metrics, **{f"{k}_ci95_half": share_ci95_half(metrics[k], n_paths)
                          for k in SHARE_KEYS}}


@dataclass(frozen=True)
class TreasuryPathSummary:
    """Per-path totals of a treasury run, shape (n_paths,) each (combinable over chunks).

    Attributes
    ----------
    forced_btc : ndarray
        BTC sold under duress over the horizon. [BTC]
    forced_proceeds_usd : ndarray
        Proceeds of those sales. [USD]
    forced_without_capex_btc : ndarray
        BTC sold under duress had the capex been paid from outside the treasury
        (:mod:`hashpivot.treasury`); ``forced_btc`` when no capex was given. [BTC]
    breach_without_capex : ndarray of bool
        At least one month in breach had the capex been paid from outside the treasury.
    sold_btc : ndarray
        All BTC sold. [BTC]
    breach : ndarray of bool
        At least one month in breach.
    min_cash_usd : ndarray
        Lowest month-end cash. [USD]
    end_cash_usd : ndarray
        Cash at the end of the horizon. [USD]
    end_btc : ndarray
        BTC held at the end of the horizon. [BTC]
    forced_btc_by_month_sum : ndarray, shape (n_periods,)
        Forced BTC sales in each month summed over the paths (divide by the number of
        paths for the expectation). [BTC]
    breach_by_month_count : ndarray, shape (n_periods,)
        Number of paths in breach in each month. [-]
    cash_sample_usd : ndarray, shape (n_kept, n_periods)
        Month-end cash of the first paths (for fan charts). [USD]
    """

    forced_btc: FloatArray
    forced_proceeds_usd: FloatArray
    forced_without_capex_btc: FloatArray
    breach_without_capex: BoolArray
    sold_btc: FloatArray
    breach: BoolArray
    min_cash_usd: FloatArray
    end_cash_usd: FloatArray
    end_btc: FloatArray
    forced_btc_by_month_sum: FloatArray
    breach_by_month_count: FloatArray
    cash_sample_usd: FloatArray

    @classmethod
    def from_result(cls, r: TreasuryResult) -> TreasuryPathSummary:
        """Reduce a :class:`TreasuryResult` to per-path totals."""
        return cls(
            forced_btc=r.btc_sold_forced.sum(axis=1),
            forced_proceeds_usd=r.proceeds_forced_usd.sum(axis=1),
            forced_without_capex_btc=r.btc_sold_forced_without_capex.sum(axis=1),
            breach_without_capex=np.asarray(r.breach_without_capex.any(axis=1), dtype=bool),
            sold_btc=r.btc_sold_forced.sum(axis=1) + r.btc_sold_voluntary.sum(axis=1),
            breach=np.asarray(r.breach.any(axis=1), dtype=bool),
            min_cash_usd=r.cash_usd.min(axis=1),
            end_cash_usd=r.cash_usd[:, -1].copy(),
            end_btc=r.btc_held[:, -1].copy(),
            forced_btc_by_month_sum=r.btc_sold_forced.sum(axis=0),
            breach_by_month_count=r.breach.sum(axis=0).astype(np.float64),
            cash_sample_usd=r.cash_usd[:0].copy(),
        )

    @classmethod
    def concatenate(cls, parts: list[TreasuryPathSummary]) -> TreasuryPathSummary:
        """Join the summaries of several chunks (in chunk order): per-path arrays and the
        cash samples are concatenated, the by-month sums added."""
        summed = {"forced_btc_by_month_sum", "breach_by_month_count"}
        out: dict[str, Any] = {}
        for f in cls.__dataclass_fields__:
            arrays = [getattr(p, f) for p in parts]
            if f in summed:
                out[f] = np.sum(arrays, axis=0)
            else:
                out[f] = np.concatenate(arrays, axis=0)
        return cls(**out)

    @classmethod
    def scatter(cls, parts: list[tuple[IntArray, TreasuryPathSummary]], n_paths: int
                ) -> TreasuryPathSummary:
        """One summary of ``n_paths`` paths from summaries of disjoint sets of them.

        Parameters
        ----------
        parts : list of (ndarray of int, TreasuryPathSummary)
            The paths of each part (ascending, together every path once) and its summary;
            a part's cash samples are those of its paths below the number of samples kept.
        n_paths : int
            Paths in all. [-]

        Returns
        -------
        TreasuryPathSummary
            Per-path arrays in path order, by-month sums added, cash samples of the first
            paths in path order.
        """
        summed = {"forced_btc_by_month_sum", "breach_by_month_count"}
        out: dict[str, Any] = {}
        for f in cls.__dataclass_fields__:
            first = getattr(parts[0][1], f)
            if f in summed:
                out[f] = np.sum([getattr(p, f) for _, p in parts], axis=0)
            elif f == "cash_sample_usd":
                rows = [(idx[: p.cash_sample_usd.shape[0]], p.cash_sample_usd)
                        for idx, p in parts]
                kept = sum(r.shape[0] for _, r in rows)
                a = np.empty((kept, first.shape[1]), dtype=first.dtype)
                for idx, r in rows:
                    a[idx] = r
                out[f] = a
            else:
                a = np.empty(n_paths, dtype=first.dtype)
                for idx, p in parts:
                    a[idx] = getattr(p, f)
                out[f] = a
        return cls(**out)

    def metrics(self) -> dict[str, float]:
        """Risk metrics over the paths.

        Returns
        -------
        dict
            ``expected_forced_sale_btc`` [BTC] and its Monte Carlo error
            ``expected_forced_sale_btc_ci95_half`` [BTC]
            (:func:`~hashpivot.sampling_error.ci95_half`), ``forced_sale_avg_price_usd``
            (proceeds / BTC over all paths; NaN if none) [USD], ``prob_forced_sale`` [-],
            ``expected_forced_sale_without_capex_btc`` [BTC], its error
            ``expected_forced_sale_without_capex_btc_ci95_half`` [BTC] and
            ``prob_forced_sale_without_capex`` [-] (the same with the capex paid from
            outside the treasury), ``prob_liquidity_breach`` [-],
            ``prob_liquidity_breach_without_capex`` [-], each share's Monte Carlo error
            ``{share}_ci95_half`` [-] (:func:`with_share_errors`),
            ``expected_forced_sale_usd`` (proceeds of the forced sales per path, those
            without a sale counting 0) [USD], ``expected_btc_sold`` [BTC],
            ``lowest_cash_usd`` (the lowest cash of any path), ``lowest_cash_p5_usd`` (P5 of
            each path's lowest cash; not the [treasury] floor ``min_cash_usd``) and its error
            ``lowest_cash_p5_ci95_half_usd`` (the order-statistic interval,
            :func:`~hashpivot.sampling_error.quantile_ci95_half`),
            ``lowest_cash_mean_usd``, ``end_cash_mean_usd`` [USD], ``end_btc_mean`` [BTC].
        """
        total_forced = float(self.forced_btc.sum())
        return with_share_errors({
            "expected_forced_sale_btc": float(self.forced_btc.mean()),
            "expected_forced_sale_btc_ci95_half": ci95_half(self.forced_btc),
            "forced_sale_avg_price_usd": (
                float(self.forced_proceeds_usd.sum()) / total_forced
                if total_forced > 0
                else float("nan")
            ),
            "prob_forced_sale": float((self.forced_btc > 0).mean()),
            "expected_forced_sale_without_capex_btc": float(
                self.forced_without_capex_btc.mean()
            ),
            "expected_forced_sale_without_capex_btc_ci95_half": ci95_half(
                self.forced_without_capex_btc),
            "prob_forced_sale_without_capex": float((self.forced_without_capex_btc > 0).mean()),
            "prob_liquidity_breach": float(self.breach.mean()),
            "prob_liquidity_breach_without_capex": float(self.breach_without_capex.mean()),
            "expected_forced_sale_usd": float(self.forced_proceeds_usd.mean()),
            "expected_btc_sold": float(self.sold_btc.mean()),
            "lowest_cash_usd": float(self.min_cash_usd.min()),
            "lowest_cash_p5_usd": float(np.percentile(self.min_cash_usd, 5)),
            "lowest_cash_p5_ci95_half_usd": quantile_ci95_half(self.min_cash_usd, 0.05),
            "lowest_cash_mean_usd": float(self.min_cash_usd.mean()),
            "end_cash_mean_usd": float(self.end_cash_usd.mean()),
            "end_btc_mean": float(self.end_btc.mean()),
        }, int(self.forced_btc.size))


__all__ = ["SHARE_KEYS", "TreasuryPathSummary", "with_share_errors"]
