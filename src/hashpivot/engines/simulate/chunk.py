"""Per-chunk computation: :func:`run_chunk` simulates one chunk of paths.

A module-level, pure function so that Dask workers can import and run it: the same
task, chunk index, size and seed give bitwise the same
:class:`~hashpivot.engines.simulate.task.ChunkResult`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.uplift.cache import remember_dispatch_uplifts
from hashpivot.engines.simulate.reverse_margin import reverse_margin_counts
from hashpivot.engines.simulate.signing import OutcomeGroup, outcome_groups, signing_draws
from hashpivot.engines.simulate.task import BASELINE, ChunkResult, ChunkTask
from hashpivot.engines.simulate.valuation import value_paths
from hashpivot.hosting.risk import hosting_risk_draws, hosting_risk_rng
from hashpivot.market import MarketPaths
from hashpivot.scenarios import count_loss_spells, generate_chunk
from hashpivot.treasury.kernel import treasury_summaries
from hashpivot.treasury.path_summary import TreasuryPathSummary
from hashpivot.treasury.totals import TreasuryTotals

#: Paths kept for the fan charts over the whole run. [-]
FAN_PATHS_MAX = 20_000


def treasury_deduction_usd(corporate_cash_cost_usd: FloatArray,
                           debt_balloon_usd: float) -> FloatArray:
    """What the treasury deducts each month from the strategy's levered flow besides the
    mining revenue: the corporate cash costs, less the project-debt balloon of the last
    month.

    The valuation repays the project debt still outstanding at the horizon in its last
    month (a balloon, :func:`hashpivot.finance.project_debt_schedule`); the treasury does
    not, as the debt goes on amortizing after the horizon like the treasury's own debts
    that mature after it. Otherwise a horizon shorter than the debt would end in a forced
    sale of the balance on every path.

    Parameters
    ----------
    corporate_cash_cost_usd : ndarray, shape (n_months,)
        Corporate cash costs per month. [USD]
    debt_balloon_usd : float
        ``CashFlows.debt_balloon_usd``. [USD]

    Returns
    -------
    ndarray, shape (n_months,)
        The costs themselves (no copy) when there is no balloon. [USD]
    """
    if debt_balloon_usd == 0.0 or corporate_cash_cost_usd.size == 0:
        return corporate_cash_cost_usd
    out = corporate_cash_cost_usd.copy()
    out[-1] -= debt_balloon_usd
    return out


def fan_rows(k: int, size: int, fan_paths: int) -> int:
    """Paths of chunk ``k`` (of ``size`` paths) kept for the fan charts: the first
    ``fan_paths`` of each chunk until :data:`FAN_PATHS_MAX` are kept in all (chunks are
    equal but for the last), so memory does not grow with the path count. [-]"""
    return min(fan_paths, size) if k * fan_paths < FAN_PATHS_MAX else 0


@dataclass
class _Run:
    """What the chunk keeps of one strategy run on a set of paths."""

    npv_usd: FloatArray
    npv_with_tv_usd: FloatArray | None
    npv_after_tax_usd: FloatArray | None
    fcf_sum_usd: FloatArray
    treasury: dict[str, TreasuryPathSummary]
    reverse_margin: tuple[FloatArray, FloatArray] | None


def _take_extra(extra: dict[str, Any], g: OutcomeGroup) -> dict[str, Any]:
    """The strategies' shared arguments of the paths of ``g``; each kept hall gets its
    own hosting-risk draws (its slot in the full strategy)."""
    out: dict[str, Any] = {}
    if "shared" in extra:
        out["shared"] = {k: v.take_paths(g.paths) for k, v in extra["shared"].items()}
    if "hosting_risk" in extra:
        out["hosting_risk"] = {
            k: v[g.paths][:, g.slots[k]] if k in g.slots else v[g.paths]
            for k, v in extra["hosting_risk"].items()
        }
    return out


def _on_paths(task: ChunkTask, strategy: Any, market: MarketPaths, extra: dict[str, Any],
              m: int, baseline: bool) -> _Run:
    """One strategy on every path of ``market``: its NPVs, the sum over the paths of its
    NPV cash flow, its treasury under every policy (the first ``m`` paths' cash kept) and,
    for the baseline, the reverse-margin counts."""
    price = market.btc_price_usd
    cf = task.pivot.strategy_cash_flows(
        task.portfolio, strategy, market, task.site_name, **extra
    )
    values = value_paths(task, cf)
    flow = np.asarray(
        cf.unlevered_fcf_usd if task.npv_cash_flow == "unlevered" else cf.levered_fcf_usd,
        dtype=np.float64,
    )
    btc_mined = np.asarray(cf.btc_mined, dtype=np.float64)
    # every policy in one compiled pass; the fiat flow (levered FCF - mining revenue -
    # corporate cash costs) is formed inside it, and the capex paid from it (net of
    # the month's project-debt draws) tells which forced sales fund capex
    by_policy = treasury_summaries(
        task.treasury,
        price,
        btc_mined,
        values.levered_fcf_after_tax_usd,
        np.asarray(cf.mining_revenue_usd, dtype=np.float64),
        treasury_deduction_usd(task.corporate_cash_cost_usd, cf.debt_balloon_usd),
        task.debt_service_usd,
        task.policies,
        keep_cash_paths=m,
        capex_usd=cf.capex_paid_usd(),
    )
    reverse = None
    if baseline:
        reverse = reverse_margin_counts(
            # (the power paid on balance: the contracted supply's settlement netted)
            btc_mined, price, cf.net_power_cost_usd, cf.opex_usd,
            cf.mining_mw, task.corporate_cash_cost_usd,
            task.noncash_cost_usd, market.days_per_period,
        )
    return _Run(values.npv_usd, values.npv_with_tv_usd, values.npv_after_tax_usd,
                flow.sum(axis=0), by_policy, reverse)


def run_chunk(task: ChunkTask, k: int, size: int, seed_seq: np.random.SeedSequence) -> ChunkResult:
    """Simulate one chunk of paths (pure: the same inputs give bitwise the same output)."""
    t0 = time.perf_counter()
    remember_dispatch_uplifts(task.dispatch_uplifts)  # (a worker does not measure them)
    market = generate_chunk(task.params, seed_seq, size)
    m = fan_rows(k, size, task.fan_paths)  # fan-chart samples
    price = market.btc_price_usd
    S = len(task.strategies)
    T = market.n_periods
    npv = np.empty((S, size))
    tv_spec = task.terminal_value if task.keeps_terminal_value else None
    npv_tv = np.empty((S, size)) if tv_spec is not None else None
    npv_at = np.empty((S, size)) if task.tax is not None else None
    fcf_sum = np.empty((S, T))
    treasury: dict[tuple[str, str], TreasuryTotals] = {}
    direct = np.zeros(T)
    total = np.zeros(T)
    # what depends on the market only (hash price, power price, fleet and replacement
    # decisions per site): once per chunk, shared by every strategy
    shared_fn = getattr(task.pivot, "market_mining", None)
    shared = (
        None if shared_fn is None else shared_fn(task.portfolio, market, task.site_name)
    )
    extra: dict[str, object] = {} if shared is None else {"shared": shared}
    if task.hosting_risk_slots:
        # a stream of its own: the market paths above are those of the same seed without
        # hosting risk, and every strategy sees the same draws
        extra["hosting_risk"] = hosting_risk_draws(
            task.hosting_risk_slots, hosting_risk_rng(seed_seq), size
        )
    signed = (signing_draws(seed_seq, size, task.signing_tenants, task.signing_probabilities)
              if task.signing_tenants else None)
    for i, (name, strategy) in enumerate(zip(task.strategy_names, task.strategies, strict=True)):
        groups = (outcome_groups(strategy, task.signing_tenants, signed) if signed is not None
                  else [OutcomeGroup(strategy, np.arange(size, dtype=np.int64), {}, True)])
        if len(groups) == 1 and groups[0].full:  # every path, every hall: no copy
            runs = [_on_paths(task, strategy, market, extra, m, name == BASELINE)]
        else:  # an outcome of the tenants' signings per group of paths
            runs = [_on_paths(task, g.strategy, market.take_paths(g.paths),
                              _take_extra(extra, g), int(np.count_nonzero(g.paths < m)),
                              name == BASELINE)
                    for g in groups]
        for g, r in zip(groups, runs, strict=True):  # each run's NPVs at its paths
            npv[i, g.paths] = r.npv_usd
            if npv_tv is not None and r.npv_with_tv_usd is not None:
                npv_tv[i, g.paths] = r.npv_with_tv_usd
            if npv_at is not None and r.npv_after_tax_usd is not None:
                npv_at[i, g.paths] = r.npv_after_tax_usd
        fcf_sum[i] = np.sum([r.fcf_sum_usd for r in runs], axis=0)
        by_policy = runs[0].treasury if len(runs) == 1 else {
            pol: TreasuryPathSummary.scatter(
                [(g.paths, r.treasury[pol]) for g, r in zip(groups, runs, strict=True)], size)
            for pol in task.policies
        }
        for pol, summary in by_policy.items():  # totals: a few numbers per path kept
            treasury[(name, pol)] = TreasuryTotals.from_summary(
                summary, keep_min_cash=pol == task.policies[0]
            )
        if name == BASELINE and runs[0].reverse_margin is not None:
            direct, total = runs[0].reverse_margin
        del runs, by_policy
    hashprice = market.hashprice_usd_per_th_day[:m] * 1000.0
    return ChunkResult(
        k=k,
        n=size,
        npv_usd=npv,
        treasury=treasury,
        reverse_direct_count=direct,
        reverse_total_count=total,
        fan_btc_price_usd=price[:m].copy(),
        fan_hashprice_usd_per_ph_day=np.asarray(hashprice),
        fan_power_usd_per_mwh=(
            None
            if market.power_price_usd_per_mwh is None
            else market.power_price_usd_per_mwh[:m].copy()
        ),
        fan_power_by_market_usd_per_mwh={
            node: paths[:m].copy() for node, paths in market.power_by_market.items()},
        mean_fcf_usd_sum=fcf_sum,
        seconds=time.perf_counter() - t0,
        npv_with_tv_usd=npv_tv,
        npv_after_tax_usd=npv_at,
        loss_spell_paths=count_loss_spells(task.params, market),
    )
