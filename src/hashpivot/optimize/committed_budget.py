"""Whether the conversions a rolling plan fixes (``[[optimize.committed]]`` up to
``fixed_through``) fit the equity budget of each model year and the debt capacity.

Each committed entry is checked on its own against its site, tenant and quarter when the
inputs are resolved (:func:`hashpivot.optimize.committed_entries.committed_conversions`,
from :func:`hashpivot.optimize.resolve.resolve_problem`); what the entries
pay together is checked here, before any scenario is drawn, with the model's own
coefficients (``conversion-budget-upper`` and ``conversion-debt-upper`` of
:mod:`hashpivot.optimize.model`): fixed conversions that break either would make the plan
model infeasible, a solver message that names no year and no entry. Each problem names
the model year (its months), the entries that pay in it with their share, the limit's
field and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.exceptions import Problem
from hashpivot.units import MONTHS_PER_YEAR

#: Below this a sum over the limit is rounding, not a breach (HiGHS's own feasibility
#: tolerance is 1e-7 of the model's M USD, 0.1 USD). [USD]
_SLACK_USD = 1.0


@dataclass(frozen=True)
class FixedConversion:
    """A committed conversion the plan fixes, as the decision model sees it.

    Attributes
    ----------
    entry : int
        Its index in ``[[optimize.committed]]``. [-]
    label : str
        Site, quarter, MW and tenant in words ("Pecos PPA 2026Q4 100 MW for Neocloud B").
    gross_mw : float
        [MW]
    equity_usd_per_mw_by_year : ndarray (Y,)
        Equity capex per MW by model year: capex x (1 - loan-to-cost). [USD/MW]
    debt_usd_per_mw : float
        Project debt of the whole build per MW: capex x loan-to-cost. [USD/MW]
    site : int
        Its site's index (the rules' one-time site cost is paid once per site). [-]
    """

    entry: int
    label: str
    gross_mw: float
    equity_usd_per_mw_by_year: FloatArray
    debt_usd_per_mw: float
    site: int


def _where(entries: Sequence[int]) -> str:
    """The path of a problem: the entry's MW when one entry pays, else the table."""
    return f"optimize.committed[{entries[0]}].gross_mw" if len(entries) == 1 else (
        "optimize.committed")


def _musd(value_usd: float) -> str:
    return f"{value_usd / 1e6:,.1f} M USD"


def committed_budget_problems(
    fixed: Sequence[FixedConversion],
    budget_usd_per_year: FloatArray,
    budget_field: Callable[[int], str],
    debt_capacity_usd: float,
    site_cost_usd: FloatArray,
    site_names: Sequence[str],
    start: pd.Period,
    fixed_through: str,
    loan_to_cost_fraction: float,
    source: str = "",
) -> list[Problem]:
    """The model years whose equity budget, and the debt capacity, the fixed conversions
    exceed together.

    Parameters
    ----------
    fixed : sequence of FixedConversion
        The conversions the plan fixes (those up to ``fixed_through``).
    budget_usd_per_year : ndarray (Y,)
        Equity budget of each model year, ``inf`` without a limit. [USD]
    budget_field : callable
        The field path of model year ``y``'s budget
        (:meth:`~hashpivot.models.optimize.OptimizeSpec.budget_field`).
    debt_capacity_usd : float
        ``inf`` without a limit. [USD]
    site_cost_usd : ndarray (S,)
        The rules' one-time cost of a site's first conversion, paid from equity in model
        year 1 (as the model's budget row of that year counts it). [USD]
    site_names : sequence of str
    start : pandas.Period
        The plan's first month (model year ``y`` is its months ``12 y`` to ``12 y + 11``).
    fixed_through : str
        The quarter the plan is fixed through ('YYYYQn').
    loan_to_cost_fraction : float
        [-]
    source : str
        The portfolio file.

    Returns
    -------
    list of Problem
        One per model year over its budget and one for the debt, at the entry's
        ``gross_mw`` when one entry pays, else at ``optimize.committed``.
    """
    if not fixed:
        return []
    problems: list[Problem] = []
    equity = np.array([f.equity_usd_per_mw_by_year * f.gross_mw for f in fixed])  # (E, Y)
    fixed_sites = sorted({f.site for f in fixed if site_cost_usd[f.site] > 0})
    share = f"capex x (1 - loan_to_cost {loan_to_cost_fraction:g})"
    for y in np.flatnonzero(np.isfinite(budget_usd_per_year)):
        paying = [i for i in range(len(fixed)) if equity[i, y] > 0]
        fees = [s for s in fixed_sites if y == 0]
        total = float(equity[paying, y].sum() + site_cost_usd[fees].sum())
        budget = float(budget_usd_per_year[y])
        if total <= budget + _SLACK_USD:
            continue
        first = start + MONTHS_PER_YEAR * int(y)
        parts = [f"optimize.committed[{fixed[i].entry}] ({fixed[i].label}) "
                 f"{_musd(equity[i, y])}" for i in paying]
        parts += [f"the regulation rules' one-time cost of {site_names[s]} "
                  f"{_musd(site_cost_usd[s])}" for s in fees]
        problems.append(Problem(
            _where([fixed[i].entry for i in paying]),
            f"model year {y + 1} ({first}..{first + MONTHS_PER_YEAR - 1}): the conversions "
            f"fixed through {fixed_through} pay {_musd(total)} of equity capex ({share}) "
            f"in it: {'; '.join(parts)}; more than {budget_field(int(y))} = "
            f"{_musd(budget)}: lower or move them, raise that year's budget, or fix fewer "
            "quarters", source))
    debt = np.array([f.debt_usd_per_mw * f.gross_mw for f in fixed])
    if float(debt.sum()) > debt_capacity_usd + _SLACK_USD:
        parts = [f"optimize.committed[{f.entry}] ({f.label}) {_musd(d)}"
                 for f, d in zip(fixed, debt, strict=True) if d > 0]
        problems.append(Problem(
            _where([f.entry for f, d in zip(fixed, debt, strict=True) if d > 0]),
            f"the conversions fixed through {fixed_through} draw {_musd(float(debt.sum()))} "
            f"of project debt (capex x loan_to_cost {loan_to_cost_fraction:g}, each build "
            f"whole): {'; '.join(parts)}; more than optimize.debt_capacity_usd = "
            f"{_musd(debt_capacity_usd)}: lower them, raise the capacity, or fix fewer "
            "quarters", source))
    return problems


__all__ = ["FixedConversion", "committed_budget_problems"]
