"""Terminal value of a business line at the end of a model horizon.

Two conventions analysts use (e.g. Damodaran, *Investment Valuation*, 3rd ed., ch. 12;
McKinsey, *Valuation*, 7th ed., ch. 14):

- **Gordon growth**: the value at the horizon of a cash flow that grows at ``g`` forever,
  ``TV_N = FCF_N (1 + g) / (r - g)`` with ``FCF_N`` the final year's free cash flow and
  ``r > g`` the annual discount rate, for a year paid at its end; the model's flows are
  monthly, so each year's is paid in 12 month-end parts: times ``r / (12 r_m)``,
  ``r_m = (1 + r)^(1/12) - 1`` (1.045 at 10 %; :func:`gordon_factor`).
- **Exit multiple**: ``TV_N = multiple x EBITDA_N``, the price a buyer would pay at the
  horizon. Public references (secondary, 2024-2025): listed Bitcoin miners trade around
  6-12x EV/EBITDA, data-center operators around 20-25x.

A business line whose final-year EBITDA (or FCF) is negative is worth its abandonment value
at the horizon, taken as zero here (the operator can stop): both functions floor at 0.

Every function is vectorized over paths (arrays in, arrays out) and does no I/O.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hashpivot.units import MONTHS_PER_YEAR


def final_year_usd(x: Any) -> Any:
    """Sum of the last 12 months of monthly flows (..., T), annualized when T < 12.
    [USD/year]"""
    arr = np.asarray(x, dtype=float)
    n = min(MONTHS_PER_YEAR, arr.shape[-1])
    return np.asarray(arr[..., -n:].sum(axis=-1) * (MONTHS_PER_YEAR / n), dtype=float)


def final_year_run_rate_usd(x: Any, in_service: Any) -> Any:
    """The final year of monthly flows at the run-rate of the months in service.

    A hall whose rent starts during the final year earns only part of that year; valued
    on that part (:func:`final_year_usd`), an exit multiple or Gordon growth would take a
    lease worth a whole year for ever at a fraction of it. So where only ``k`` of the
    final year's months are in service (``0 < k < 12``) the year is the sum over those
    months times ``12 / k`` (flows before service, the build's capex among them, left
    out: they do not recur); elsewhere it is :func:`final_year_usd`, unchanged.

    Parameters
    ----------
    x : array_like (..., T)
        Monthly flows. [USD/month]
    in_service : array_like of bool, broadcastable to ``x``
        True in the months from the hall's first month of rent on.

    Returns
    -------
    ndarray (...)
        [USD/year]
    """
    arr = np.asarray(x, dtype=float)
    n = min(MONTHS_PER_YEAR, arr.shape[-1])
    last = arr[..., -n:]
    mask = np.broadcast_to(np.asarray(in_service, dtype=bool)[..., -n:], last.shape)
    k = mask.sum(axis=-1)
    part = np.where(mask, last, 0.0).sum(axis=-1) * (MONTHS_PER_YEAR / np.maximum(k, 1))
    return np.asarray(np.where((k > 0) & (k < n), part, final_year_usd(arr)), dtype=float)


def rent_started(revenue_usd: Any) -> Any:
    """True from each row's first month with revenue on (..., T): the months a hall is in
    service, for :func:`final_year_run_rate_usd`."""
    return np.maximum.accumulate(np.asarray(revenue_usd, dtype=float) > 0, axis=-1)


def gordon_factor(discount_rate: float, growth_per_year: float) -> float:
    """Value at the horizon per USD/year of final-year flow growing at ``g`` a year
    forever, each year's paid in 12 month-end parts:
    ``(1 + g) / (r - g) x r / (12 r_m)``, ``r_m = (1 + r)^(1/12) - 1`` (the second factor
    1 at ``r = 0``). [year]

    Raises
    ------
    ValueError
        If ``growth_per_year >= discount_rate`` (the perpetuity has no finite value).
    """
    r, g = float(discount_rate), float(growth_per_year)
    if g >= r:
        raise ValueError(f"Gordon growth {g} must be below the discount rate {r}")
    # (1 + r)^(1/12) - 1 without the cancellation near r = 0 (a rate of 1e-15 gave 0)
    r_m = math.expm1(math.log1p(r) / MONTHS_PER_YEAR)
    monthly = r / (MONTHS_PER_YEAR * r_m) if r_m != 0.0 else 1.0
    return (1.0 + g) / (r - g) * monthly


def gordon_terminal_value_usd(
    final_year_fcf_usd: Any, discount_rate: float, growth_per_year: float
) -> Any:
    """Gordon-growth value at the horizon of the final year's free cash flow.

    Parameters
    ----------
    final_year_fcf_usd : numeric or array
        Free cash flow of the last 12 months of the horizon. [USD/year]
    discount_rate : float
        Annual discount rate (fraction). [1/year]
    growth_per_year : float
        Perpetual growth of the cash flow after the horizon; must be below
        ``discount_rate``. [1/year]

    Returns
    -------
    numeric or array
        ``max(FCF_N, 0) x`` :func:`gordon_factor`, valued at the end of the horizon: the
        final year's flow growing at ``g`` a year, paid monthly. [USD]

    Raises
    ------
    ValueError
        If ``growth_per_year >= discount_rate`` (the perpetuity has no finite value).
    """
    factor = gordon_factor(discount_rate, growth_per_year)
    fcf = np.maximum(np.asarray(final_year_fcf_usd, dtype=float), 0.0)
    return fcf * factor


def exit_multiple_terminal_value_usd(final_year_ebitda_usd: Any, ebitda_multiple: float) -> Any:
    """Exit-multiple value at the horizon: ``multiple x max(EBITDA_N, 0)``.

    Parameters
    ----------
    final_year_ebitda_usd : numeric or array
        EBITDA of the last 12 months of the horizon. [USD/year]
    ebitda_multiple : float
        Enterprise value / EBITDA at exit. [-]

    Returns
    -------
    numeric or array
        Value at the end of the horizon. [USD]
    """
    ebitda = np.maximum(np.asarray(final_year_ebitda_usd, dtype=float), 0.0)
    return ebitda_multiple * ebitda


def value_at_horizon_of_flows_usd(monthly_flows_usd: Any, monthly_rate: float) -> Any:
    """Value at the horizon's end of the monthly flows that come after it.

    Parameters
    ----------
    monthly_flows_usd : array (..., M)
        Flows of the months after the horizon, the first one month after it (month-end
        convention). [USD]
    monthly_rate : float
        Discount rate per month. [1/month]

    Returns
    -------
    numeric or array
        ``sum_m flow_m / (1 + r)^(m + 1)``. [USD]
    """
    flows = np.asarray(monthly_flows_usd, dtype=float)
    if flows.shape[-1] == 0:
        return np.zeros(flows.shape[:-1]) if flows.ndim > 1 else 0.0
    disc = (1.0 + monthly_rate) ** -(np.arange(flows.shape[-1], dtype=float) + 1.0)
    return flows @ disc


def until_last_rent(rent_usd: Any) -> Any:
    """Which months of a lease's flows count: those up to its last month with rent.

    After its last lease (renewals included) a hall stands empty; its value after the
    horizon stops there (neither its opex nor a new lease is valued).

    Parameters
    ----------
    rent_usd : array (..., M)
        Rent of each month, per phase (or per path). [USD]

    Returns
    -------
    ndarray of bool (..., M)
        True up to and including each row's last month with rent > 0.
    """
    rented = np.asarray(rent_usd, dtype=float) > 0
    m = rented.shape[-1]
    last = m - 1 - np.argmax(rented[..., ::-1], axis=-1)  # each row's last rent month
    any_rent = np.asarray(rented.any(axis=-1))
    return (np.arange(m) <= np.asarray(last)[..., None]) & any_rent[..., None]


def hosting_fcf_after_horizon_usd(
    revenue_usd: Any,
    prepayment_usd: Any,
    power_cost_usd: Any,
    opex_usd: Any,
    capex_usd: Any,
    n_months: int,
) -> Any:
    """Hosting free cash flow of the months after the horizon, each row (a hall, or a path)
    up to its own last month with rent (:func:`until_last_rent`).

    Parameters
    ----------
    revenue_usd, prepayment_usd, power_cost_usd, opex_usd, capex_usd : array (R, T + M)
        Rent, prepayment timing, hall power, opex and operator capex, over the horizon's
        ``n_months`` and the M months after it. [USD]
    n_months : int
        Months of the horizon T. [month]

    Returns
    -------
    ndarray (R, M)
        ``rent + prepayment - power - opex - capex`` after month T, 0 after each row's
        last rent month. [USD]
    """
    n = int(n_months)
    rent = np.asarray(revenue_usd, dtype=float)[:, n:]
    fcf = (
        rent
        + np.asarray(prepayment_usd, dtype=float)[:, n:]
        - np.asarray(power_cost_usd, dtype=float)[:, n:]
        - np.asarray(opex_usd, dtype=float)[:, n:]
        - np.asarray(capex_usd, dtype=float)[:, n:]
    )
    return np.where(until_last_rent(rent), fcf, 0.0)


__all__ = [
    "exit_multiple_terminal_value_usd",
    "final_year_run_rate_usd",
    "final_year_usd",
    "gordon_factor",
    "gordon_terminal_value_usd",
    "hosting_fcf_after_horizon_usd",
    "rent_started",
    "until_last_rent",
    "value_at_horizon_of_flows_usd",
]
