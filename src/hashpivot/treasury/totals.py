"""Treasury results reduced to totals over paths: what the Monte Carlo keeps per chunk.

The Monte Carlo needs, per strategy and policy, only totals over its paths (expected forced
sales, the probability of a breach, mean end cash...), the month-by-month sums, the lowest
cash of each path under the main policy (for its 5th percentile) and the cash of a few paths
(for the fan chart). :class:`TreasuryTotals` holds just that, so the memory a run keeps
grows by a few numbers per path, not by a per-path summary per strategy and policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.sampling_error import ci95_half_of_m2, quantile_ci95_half
from hashpivot.treasury.path_summary import TreasuryPathSummary, with_share_errors

__all__ = ["TreasuryTotals"]


def _join(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a`` then ``b`` along the first axis (no copy when one of them is empty)."""
    if b.shape[0] == 0:
        return a
    if a.shape[0] == 0:
        return b
    return np.concatenate([a, b])


def _combined_m2(n_a: int, sum_a: float, m2_a: float, n_b: int, sum_b: float,
                 m2_b: float) -> float:
    """The sum of squared deviations from the mean of two sets of values joined, from
    each one's count, sum and own sum of squared deviations (Chan, Golub and LeVeque,
    1983): ``m2_a + m2_b + delta^2 n_a n_b / n``, ``delta`` the difference of the means;
    no cancellation, unlike a sum of squares."""
    if n_a == 0 or n_b == 0:
        return m2_a + m2_b
    delta = sum_b / n_b - sum_a / n_a
    return m2_a + m2_b + delta * delta * (n_a * n_b / (n_a + n_b))


def _m2(values: FloatArray) -> float:
    """Sum of the squared deviations of ``values`` from their mean (0 for none). [unit^2]"""
    return float(np.square(values - values.mean()).sum()) if values.size else 0.0


@dataclass(frozen=True)
class TreasuryTotals:
    """Totals of a treasury run over a set of paths (combinable over chunks).

    Attributes
    ----------
    n_paths : int
        Paths summed. [-]
    forced_btc_sum, sold_btc_sum : float
        BTC sold under duress, and all BTC sold, summed over the paths. [BTC]
    forced_btc_m2 : float
        Sum over the paths of the squared deviation of the BTC sold under duress from
        its mean (combined over chunks by Chan, Golub and LeVeque's update), for the
        Monte Carlo error of the expected forced sale. [BTC^2]
    forced_proceeds_usd_sum : float
        Proceeds of the forced sales. [USD]
    forced_paths, breach_paths : int
        Paths with at least one forced sale, and with at least one month in breach. [-]
    forced_without_capex_btc_sum : float
        BTC sold under duress had the capex been paid from outside the treasury, summed
        over the paths. [BTC]
    forced_without_capex_btc_m2 : float
        Their sum of squared deviations from the mean, as ``forced_btc_m2``. [BTC^2]
    forced_without_capex_paths, breach_without_capex_paths : int
        Paths with at least one such forced sale, and with a month in breach, had the
        capex been paid from outside the treasury. [-]
    min_cash_min_usd : float
        Lowest month-end cash over every path. [USD]
    min_cash_sum_usd, end_cash_sum_usd : float
        Sums over the paths of the lowest and of the last month-end cash. [USD]
    end_btc_sum : float
        BTC held at the end, summed over the paths. [BTC]
    min_cash_usd : ndarray, shape (n_paths,) or (0,)
        Lowest month-end cash of each path, kept for the main policy only (for the 5th
        percentile). [USD]
    forced_btc_by_month_sum : ndarray, shape (n_periods,)
        Forced BTC sales in each month summed over the paths. [BTC]
    breach_by_month_count : ndarray, shape (n_periods,)
        Paths in breach in each month. [-]
    cash_sample_usd : ndarray, shape (n_kept, n_periods)
        Month-end cash of the first paths (fan chart). [USD]
    """

    n_paths: int
    forced_btc_sum: float
    forced_btc_m2: float
    forced_proceeds_usd_sum: float
    sold_btc_sum: float
    forced_paths: int
    breach_paths: int
    forced_without_capex_btc_sum: float
    forced_without_capex_btc_m2: float
    forced_without_capex_paths: int
    breach_without_capex_paths: int
    min_cash_min_usd: float
    min_cash_sum_usd: float
    end_cash_sum_usd: float
    end_btc_sum: float
    min_cash_usd: FloatArray
    forced_btc_by_month_sum: FloatArray
    breach_by_month_count: FloatArray
    cash_sample_usd: FloatArray

    @classmethod
    def from_summary(cls, s: TreasuryPathSummary, keep_min_cash: bool = True) -> TreasuryTotals:
        """Reduce per-path totals (:func:`~hashpivot.treasury.recursion.treasury_summary`)."""
        return cls(
            n_paths=int(s.forced_btc.size),
            forced_btc_sum=float(s.forced_btc.sum()),
            forced_btc_m2=_m2(s.forced_btc),
            forced_proceeds_usd_sum=float(s.forced_proceeds_usd.sum()),
            sold_btc_sum=float(s.sold_btc.sum()),
            forced_paths=int(np.count_nonzero(s.forced_btc > 0)),
            breach_paths=int(np.count_nonzero(s.breach)),
            forced_without_capex_btc_sum=float(s.forced_without_capex_btc.sum()),
            forced_without_capex_btc_m2=_m2(s.forced_without_capex_btc),
            forced_without_capex_paths=int(np.count_nonzero(s.forced_without_capex_btc > 0)),
            breach_without_capex_paths=int(np.count_nonzero(s.breach_without_capex)),
            min_cash_min_usd=float(s.min_cash_usd.min(initial=np.inf)),
            min_cash_sum_usd=float(s.min_cash_usd.sum()),
            end_cash_sum_usd=float(s.end_cash_usd.sum()),
            end_btc_sum=float(s.end_btc.sum()),
            min_cash_usd=s.min_cash_usd.copy() if keep_min_cash else np.zeros(0),
            forced_btc_by_month_sum=s.forced_btc_by_month_sum.copy(),
            breach_by_month_count=s.breach_by_month_count.copy(),
            cash_sample_usd=s.cash_sample_usd.copy(),
        )

    def plus(self, other: TreasuryTotals) -> TreasuryTotals:
        """These paths followed by ``other``'s: sums added, per-path arrays joined."""
        return TreasuryTotals(
            n_paths=self.n_paths + other.n_paths,
            forced_btc_sum=self.forced_btc_sum + other.forced_btc_sum,
            forced_btc_m2=_combined_m2(self.n_paths, self.forced_btc_sum, self.forced_btc_m2,
                                       other.n_paths, other.forced_btc_sum,
                                       other.forced_btc_m2),
            forced_proceeds_usd_sum=self.forced_proceeds_usd_sum + other.forced_proceeds_usd_sum,
            sold_btc_sum=self.sold_btc_sum + other.sold_btc_sum,
            forced_paths=self.forced_paths + other.forced_paths,
            breach_paths=self.breach_paths + other.breach_paths,
            forced_without_capex_btc_sum=(
                self.forced_without_capex_btc_sum + other.forced_without_capex_btc_sum
            ),
            forced_without_capex_btc_m2=_combined_m2(
                self.n_paths, self.forced_without_capex_btc_sum,
                self.forced_without_capex_btc_m2, other.n_paths,
                other.forced_without_capex_btc_sum, other.forced_without_capex_btc_m2),
            forced_without_capex_paths=(
                self.forced_without_capex_paths + other.forced_without_capex_paths
            ),
            breach_without_capex_paths=(
                self.breach_without_capex_paths + other.breach_without_capex_paths
            ),
            min_cash_min_usd=min(self.min_cash_min_usd, other.min_cash_min_usd),
            min_cash_sum_usd=self.min_cash_sum_usd + other.min_cash_sum_usd,
            end_cash_sum_usd=self.end_cash_sum_usd + other.end_cash_sum_usd,
            end_btc_sum=self.end_btc_sum + other.end_btc_sum,
            min_cash_usd=_join(self.min_cash_usd, other.min_cash_usd),
            forced_btc_by_month_sum=self.forced_btc_by_month_sum + other.forced_btc_by_month_sum,
            breach_by_month_count=self.breach_by_month_count + other.breach_by_month_count,
            cash_sample_usd=_join(self.cash_sample_usd, other.cash_sample_usd),
        )

    def without_paths(self) -> TreasuryTotals:
        """The same totals without the per-path arrays (``min_cash_usd``,
        ``cash_sample_usd``): what a streaming reduction folds once it has stored those
        arrays elsewhere."""
        return replace(
            self,
            min_cash_usd=np.empty(0),
            cash_sample_usd=np.empty((0, *self.cash_sample_usd.shape[1:])),
        )

    @classmethod
    def combine(cls, parts: Sequence[TreasuryTotals]) -> TreasuryTotals:
        """Join the totals of several chunks (in chunk order): ``parts[0].plus(parts[1])
        .plus(...)``, every sum taken in chunk order."""
        out = parts[0]
        for p in parts[1:]:
            out = out.plus(p)
        return out

    @property
    def expected_forced_sale_btc(self) -> float:
        """BTC sold under duress per path. [BTC]"""
        return self.forced_btc_sum / self.n_paths

    @property
    def prob_liquidity_breach(self) -> float:
        """Share of paths with a month in breach. [-]"""
        return self.breach_paths / self.n_paths

    def metrics(self) -> dict[str, float]:
        """Risk metrics over the paths, from the totals.

        Returns
        -------
        dict
            The keys and units of :meth:`TreasuryPathSummary.metrics
            <hashpivot.treasury.path_summary.TreasuryPathSummary.metrics>`, the same values
            to rounding; ``lowest_cash_p5_usd`` and its error are NaN unless the per-path
            minima were kept.
        """
        n = self.n_paths
        return with_share_errors({
            "expected_forced_sale_btc": self.forced_btc_sum / n,
            "expected_forced_sale_btc_ci95_half": ci95_half_of_m2(self.forced_btc_m2, n),
            "forced_sale_avg_price_usd": (
                self.forced_proceeds_usd_sum / self.forced_btc_sum
                if self.forced_btc_sum > 0
                else float("nan")
            ),
            "prob_forced_sale": self.forced_paths / n,
            "expected_forced_sale_without_capex_btc": self.forced_without_capex_btc_sum / n,
            "expected_forced_sale_without_capex_btc_ci95_half": ci95_half_of_m2(
                self.forced_without_capex_btc_m2, n),
            "prob_forced_sale_without_capex": self.forced_without_capex_paths / n,
            "prob_liquidity_breach": self.breach_paths / n,
            "prob_liquidity_breach_without_capex": self.breach_without_capex_paths / n,
            "expected_forced_sale_usd": self.forced_proceeds_usd_sum / n,
            "expected_btc_sold": self.sold_btc_sum / n,
            "lowest_cash_usd": self.min_cash_min_usd,
            "lowest_cash_p5_usd": (
                float(np.percentile(self.min_cash_usd, 5))
                if self.min_cash_usd.size == n
                else float("nan")
            ),
            "lowest_cash_p5_ci95_half_usd": (
                quantile_ci95_half(self.min_cash_usd, 0.05)
                if self.min_cash_usd.size == n
                else float("nan")
            ),
            "lowest_cash_mean_usd": self.min_cash_sum_usd / n,
            "end_cash_mean_usd": self.end_cash_sum_usd / n,
            "end_btc_mean": self.end_btc_sum / n,
        }, n)
