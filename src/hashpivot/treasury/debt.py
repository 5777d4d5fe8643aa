"""The treasury's own debt: monthly interest and principal of ``[[treasury.debt]]``
(bullet or linear amortization), deterministic and the same on every path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.risk import DebtSpec


@dataclass(frozen=True)
class DebtSchedule:
    """Deterministic service of the treasury's debt, shape (n_periods,) each.

    Attributes
    ----------
    interest_usd : ndarray
        Interest paid in the month (``rate / 12`` on the principal outstanding at its
        start). [USD]
    principal_usd : ndarray
        Principal repaid in the month. [USD]
    outstanding_usd : ndarray
        Principal outstanding at the end of the month. [USD]
    """

    interest_usd: FloatArray
    principal_usd: FloatArray
    outstanding_usd: FloatArray

    @property
    def service_usd(self) -> FloatArray:
        """Interest plus principal. [USD]"""
        return self.interest_usd + self.principal_usd


def debt_schedule(
    debts: list[DebtSpec], periods: pd.PeriodIndex, source: str = ""
) -> DebtSchedule:
    """Monthly interest and principal of a list of debt instruments.

    Parameters
    ----------
    debts : list of DebtSpec
        Instruments, all outstanding at the first period.
    periods : pandas.PeriodIndex
        Monthly periods.
    source : str
        File name for error messages.

    Returns
    -------
    DebtSchedule
        ``bullet``: interest each month, principal in the maturity month; ``linear``: equal
        principal repayments from the first month to the maturity month. A maturity beyond
        the horizon (or none) leaves the principal outstanding at the end.

    Raises
    ------
    InputError
        A maturity before the first period, or a ``linear`` debt without a maturity.
    """
    T = len(periods)
    interest = np.zeros(T)
    principal = np.zeros(T)
    outstanding = np.zeros(T)
    problems: list[Problem] = []
    first = pd.Period(periods[0], "M")
    for i, d in enumerate(debts):
        path = f"treasury.debt[{i}].maturity"
        m_idx = T + 10**6  # beyond the horizon
        if d.maturity is not None:
            m_idx = (pd.Period(d.maturity, "M") - first).n
            if m_idx < 0:
                problems.append(Problem(path, f"{d.maturity} is before {first}", source))
                continue
        elif d.amortization == "linear":
            problems.append(Problem(path, "a linear amortization needs a maturity", source))
            continue
        rate_m = d.interest_rate / 12.0
        t = np.arange(T)
        if d.amortization == "bullet":
            bal_start = np.where(t <= m_idx, d.principal_usd, 0.0)
            repay = np.where(t == m_idx, d.principal_usd, 0.0)
        else:
            n_pay = m_idx + 1
            per = d.principal_usd / n_pay
            bal_start = np.where(t <= m_idx, d.principal_usd - per * t, 0.0)
            repay = np.where(t <= m_idx, per, 0.0)
        interest += rate_m * bal_start
        principal += repay
        outstanding += bal_start - repay
    if problems:
        raise InputError(problems)
    return DebtSchedule(interest, principal, np.maximum(outstanding, 0.0))


__all__ = ["DebtSchedule", "debt_schedule"]
