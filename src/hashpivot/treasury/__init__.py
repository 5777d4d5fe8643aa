"""Treasury: BTC held, cash and debt run month by month over many paths at once.

Each month ``t`` (vectorized over paths; a recursion over months because a forced sale
depends on the cash left by the previous months):

1. ``cash += fiat_flow_t - debt_service_t + cash_interest_t``, where ``fiat_flow`` is the
   operating cash flow in USD *excluding* the value of the BTC mined (hosting revenue minus
   power, opex, capex and project debt service), ``debt_service`` is the treasury's own debt
   (interest ``rate / 12`` on the outstanding principal, principal at maturity or linearly)
   and ``cash_interest = cash_rate / 12 * max(cash, 0)`` (cash at the start of the month);
2. ``btc += mined_t``;
3. a *voluntary* sale following the policy, at the month's price:
   ``hold``: none; ``sell_all``: the month's production; ``sell_to_cover``: production up to
   the month's net USD outflow ``max(0, debt_service - fiat_flow)``; ``min_cash``:
   production up to what brings cash back to ``target_cash_usd``;
4. a *forced* sale: if cash is still below ``min_cash_usd`` (by more than floating-point
   rounding, ``1e-11`` of the largest balance or flow), BTC held is sold (at the price
   times ``1 - forced_sale_discount_fraction``) to restore it; if every BTC held is not
   enough, everything is sold and the month is a *liquidity breach* (cash stays below the
   minimum, and may go negative: the funding gap the company would have to raise).

Forced sales without capex: given the capex paid out of the fiat flow (``capex_usd``: fleet
replacement and hall construction, net of the project-debt draws), the treasury is run a
second time on ``fiat_flow + capex``, as if the capex were paid from outside the treasury
(new equity or debt raised for it). Its forced sales are those that operations and the
treasury's own debt cause on their own; the difference to the first run is what the capex
causes, in its month and later (a replacement that drains cash leaves no buffer for the
debt maturity that follows). Only the forced sales and breaches of the second run are
reported. Either way may go: a path that runs out of BTC with the capex sells less under
duress than the same path that keeps its BTC longer without it.

Conservation (exact, checked by property tests): on every path
``btc_end = btc_start + sum(mined) - sum(sold)`` and
``cash_end = cash_start + sum(fiat_flow) + sum(proceeds) - sum(debt_service)
+ sum(cash_interest)``.

The package's modules, one concept each (the names of ``__all__`` are re-exported here;
the compiled kernel is not, so importing the package loads no numba):

- :mod:`~hashpivot.treasury.policies`: the policies and the order a simulation runs them;
- :mod:`~hashpivot.treasury.debt`: the treasury's own debt service;
- :mod:`~hashpivot.treasury.recursion`: the numpy recursion above, every month kept (the
  reference);
- :mod:`~hashpivot.treasury.kernel`: the same recursion compiled (numba), every policy
  in one pass;
- :mod:`~hashpivot.treasury.path_summary`: the per-path totals of a run and its metrics;
- :mod:`~hashpivot.treasury.totals`: those reduced to totals over paths, what a Monte
  Carlo chunk keeps.
"""

from hashpivot.treasury.debt import DebtSchedule, debt_schedule
from hashpivot.treasury.path_summary import TreasuryPathSummary
from hashpivot.treasury.policies import POLICIES, policy_order
from hashpivot.treasury.recursion import (
    TreasuryResult,
    rounding_tolerance_usd,
    run_treasury,
    treasury_summary,
)

__all__ = [
    "POLICIES",
    "DebtSchedule",
    "TreasuryPathSummary",
    "TreasuryResult",
    "debt_schedule",
    "policy_order",
    "rounding_tolerance_usd",
    "run_treasury",
    "treasury_summary",
]
