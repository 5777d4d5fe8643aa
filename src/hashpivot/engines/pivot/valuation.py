"""One strategy's valuation on the deterministic path: :func:`value_strategy`.

Its NPV (unlevered, with the terminal value, levered at the cost of equity, after tax with
``[pivot.tax]``), and the IRR and payback of the flows incremental to keep-mining's
(:func:`payback_from_start`: counted from the construction start). The figures go into a
:class:`~hashpivot.engines.pivot.results.StrategyResult`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hashpivot import finance
from hashpivot.engines.pivot.discounting import LineRates, unlevered_npv_usd
from hashpivot.engines.pivot.flows import CashFlows
from hashpivot.engines.pivot.results import StrategyResult
from hashpivot.engines.pivot.strategies import Strategy
from hashpivot.engines.pivot.taxes import strategy_taxes
from hashpivot.engines.pivot.terminal import terminal_value
from hashpivot.models.pivot import TerminalValueSpec
from hashpivot.models.tax import TaxSpec

__all__ = ["payback_from_start", "value_strategy"]


def payback_from_start(incremental: Any, start: int | None = None) -> float:
    """Payback [month] counted from ``start``, the construction start (default: the first
    month the incremental flow is non-zero); what flows before it (a rule's fee, paid in
    the horizon's first month) counts in its first month."""
    flows = np.asarray(incremental, dtype=float)
    scale = max(float(np.abs(flows).max()), 1.0)
    moved = np.flatnonzero(np.abs(flows) > 1e-9 * scale)
    if moved.size == 0:
        return float("nan")
    first = int(moved[0]) if start is None else min(max(start, int(moved[0])), flows.size - 1)
    tail = flows[first:].copy()
    tail[0] += flows[:first].sum()
    return float(finance.payback_period(tail))


def _construction_start(strategy: Strategy, periods: pd.PeriodIndex) -> int | None:
    """Index in ``periods`` of the strategy's first phase start (0 when it starts before
    them); None without phases."""
    if not strategy.phases:
        return None
    first = min(p.start for p in strategy.phases)
    return max(0, (first - periods[0]).n)


def value_strategy(
    cf: CashFlows,
    base: CashFlows | None,
    strategy: Strategy,
    rate_m: float,
    equity_rate_m: float | None = None,
    tv_spec: TerminalValueSpec | None = None,
    base_npv_with_tv_usd: float | None = None,
    rates: LineRates | None = None,
    tax: TaxSpec | None = None,
    shell_fraction: float = 0.0,
    base_npv_after_tax_usd: float | None = None,
) -> StrategyResult:
    """One strategy's valuation on the deterministic path.

    Parameters
    ----------
    cf : CashFlows
        The strategy's monthly cash flows (one path).
    base : CashFlows or None
        Keep-mining's, for the incremental IRR and payback; None for keep-mining itself.
    strategy : Strategy
    rate_m : float
        Monthly discount rate of a portfolio without per-line rates. [1/month]
    equity_rate_m : float, optional
        Monthly cost of equity, for the levered NPV (default ``rate_m``). [1/month]
    tv_spec : TerminalValueSpec, optional
        ``[pivot.terminal_value]`` (default: the model's).
    base_npv_with_tv_usd, base_npv_after_tax_usd : float, optional
        Keep-mining's NPV with its terminal value, and after tax. [USD]
    rates : LineRates, optional
        The mining and hosting lines' annual rates (default both from ``rate_m``).
    tax : TaxSpec, optional
        ``[pivot.tax]``: the after-tax figures (NaN without it).
    shell_fraction : float
        Share of the hall's capex that is the shell (tax depreciation). [-]

    Returns
    -------
    StrategyResult
    """
    r = rates if rates is not None else LineRates(*(2 * [float((1.0 + rate_m) ** 12 - 1.0)]))
    npv_u = float(np.asarray(unlevered_npv_usd(cf, r)).ravel()[0])
    spec = tv_spec if tv_spec is not None else TerminalValueSpec()
    tv = terminal_value(cf, spec, r.mining, r.hosting)
    tv_pv = float(tv.present_value_usd[0])
    npv_tv = npv_u + tv_pv
    base_tv = npv_tv if base_npv_with_tv_usd is None else base_npv_with_tv_usd
    rate_l = rate_m if equity_rate_m is None else equity_rate_m
    npv_l = float(finance.npv(rate_l, cf.levered_fcf_usd[0]))
    if base is None or not strategy.phases:
        irr_u = irr_l = payback = float("nan")
        loan_like = (False, False)
        npv_base = npv_u
    else:
        inc = cf.unlevered_fcf_usd[0] - base.unlevered_fcf_usd[0]
        inc_l = cf.levered_fcf_usd[0] - base.levered_fcf_usd[0]
        irr_u_m, irr_l_m = float(finance.irr(inc)), float(finance.irr(inc_l))
        irr_u = float(finance.annual_rate(irr_u_m))
        irr_l = float(finance.annual_rate(irr_l_m))
        loan_like = (bool(finance.irr_is_financing(inc, irr_u_m)),
                     bool(finance.irr_is_financing(inc_l, irr_l_m)))
        payback = payback_from_start(inc, _construction_start(strategy, cf.periods))
        npv_base = float(np.asarray(unlevered_npv_usd(base, r)).ravel()[0])
    nan = float("nan")
    taxed: dict[str, Any] = {
        "income_tax_usd": nan, "income_tax_pv_usd": nan, "npv_after_tax_usd": nan,
        "npv_after_tax_vs_baseline_usd": nan,
        "npv_after_tax_with_terminal_value_usd": nan, "npv_levered_after_tax_usd": nan}
    if tax is not None:
        flows = strategy_taxes(cf, tax, shell_fraction)
        tax_pv = float(finance.npv(rate_m, flows.unlevered_tax_usd[0]))
        after = npv_u - tax_pv
        taxed = {
            "income_tax_usd": float(flows.unlevered_tax_usd[0].sum()),
            "income_tax_pv_usd": tax_pv,
            "npv_after_tax_usd": after,
            "npv_after_tax_vs_baseline_usd": after - (
                after if base_npv_after_tax_usd is None else base_npv_after_tax_usd
            ),
            "npv_after_tax_with_terminal_value_usd": after + float(
                tv.after_tax_present_value_usd(spec, tax.income_tax_rate)[0]),
            "npv_levered_after_tax_usd": npv_l
            - float(finance.npv(rate_l, flows.levered_tax_usd[0])),
        }
    return StrategyResult(
        **taxed,
        strategy=strategy,
        cash_flows=cf,
        npv_usd=npv_u,
        npv_levered_usd=npv_l,
        npv_vs_baseline_usd=npv_u - npv_base,
        irr_fraction=irr_u,
        irr_levered_fraction=irr_l,
        irr_is_financing=loan_like[0],
        irr_levered_is_financing=loan_like[1],
        payback_months=payback,
        contracted_backlog_usd=cf.contracted_backlog_usd,
        annual=cf.annual(),
        terminal_value_usd=tv_pv,
        terminal_value_mining_usd=float(tv.mining_at_horizon_usd[0]),
        terminal_value_hosting_usd=float(tv.hosting_at_horizon_usd[0]),
        npv_with_terminal_value_usd=npv_tv,
        npv_with_terminal_value_vs_baseline_usd=npv_tv - base_tv,
    )
