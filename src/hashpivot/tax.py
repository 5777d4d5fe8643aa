"""US corporate income tax of a project: tax depreciation and the annual tax with loss and
interest carry-forwards. Pure functions, vectorized over paths (leading axes).

Sources:

* rate: 21 % federal corporate rate, IRC section 11(b) (state taxes come on top; Texas has
  no corporate income tax, its franchise tax on margin is not modelled);
* depreciation: IRS Publication 946, Table A-1 (MACRS general depreciation system,
  half-year convention: 200 % declining balance for 3-, 5-, 7- and 10-year property,
  150 % for 15- and 20-year property) and straight line for nonresidential real property
  (39 years; the mid-month convention is approximated by the half-year one);
* bonus depreciation: IRC section 168(k), 100 % for property acquired after 2025-01-19
  (Public Law 119-21, 2025); it does not apply to 39-year real property;
* interest: IRC section 163(j), net business interest deductible up to 30 % of adjusted
  taxable income (EBITDA-based for tax years after 2024), the excess carried forward;
* losses: IRC section 172, net operating losses carried forward indefinitely and used up to
  80 % of the year's taxable income.

Conventions: tax years are blocks of 12 months from month 0 of the model (not calendar
years); the tax of a year is paid in its last month (the horizon's last month for a partial
year); a year's deductions are its months' sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashpivot.arrays import FloatArray

__all__ = [
    "MACRS_HALF_YEAR",
    "IncomeTax",
    "annual_income_tax_usd",
    "depreciation_rates",
    "tax_depreciation_usd",
]


#: MACRS GDS, half-year convention (IRS Pub 946 Table A-1): recovery period -> annual rates.
MACRS_HALF_YEAR: dict[int, tuple[float, ...]] = {
    3: (0.3333, 0.4445, 0.1481, 0.0741),
    5: (0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576),
    7: (0.1429, 0.2449, 0.1749, 0.1249, 0.0893, 0.0892, 0.0893, 0.0446),
    10: (0.10, 0.18, 0.144, 0.1152, 0.0922, 0.0737, 0.0655, 0.0655, 0.0656, 0.0655, 0.0328),
    15: (0.05, 0.095, 0.0855, 0.077, 0.0693, 0.0623, 0.059, 0.059, 0.0591, 0.059, 0.0591,
         0.059, 0.0591, 0.059, 0.0591, 0.0295),
    20: (0.0375, 0.07219, 0.06677, 0.06177, 0.05713, 0.05285, 0.04888, 0.04522, 0.04462,
         0.04461, 0.04462, 0.04461, 0.04462, 0.04461, 0.04462, 0.04461, 0.04462, 0.04461,
         0.04462, 0.04461, 0.02231),
}


def depreciation_rates(method: str, years: int) -> FloatArray:
    """Share of an asset's depreciable basis deducted in each tax year.

    Parameters
    ----------
    method : {"macrs", "straight_line"}
        MACRS (Table A-1, half-year convention; 3, 5, 7, 10, 15 or 20 years), or straight
        line with the half-year convention (half a year's share in the first and last
        year).
    years : int
        Recovery period. [year]

    Returns
    -------
    numpy.ndarray
        Annual rates summing to 1. [-]
    """
    if method == "macrs":
        if years not in MACRS_HALF_YEAR:
            raise ValueError(
                f"MACRS recovery periods are {sorted(MACRS_HALF_YEAR)} years, not {years}"
            )
        rates = np.array(MACRS_HALF_YEAR[years])
        return rates / rates.sum()  # the table's rounding: sum to exactly 1
    if method == "straight_line":
        if years < 1:
            raise ValueError("a straight-line recovery period is at least 1 year")
        rates = np.full(years + 1, 1.0 / years)
        rates[0] = rates[-1] = 0.5 / years
        return rates
    raise ValueError(f"unknown depreciation method {method!r}")


def tax_depreciation_usd(
    capex_usd: FloatArray, annual_rates: FloatArray, bonus_fraction: float = 0.0
) -> FloatArray:
    """Tax depreciation of capex placed in service each month.

    The bonus share is deducted in the month of the spend; the rest follows
    ``annual_rates``, tax year ``k`` spread evenly over the 12 months starting ``12 k``
    months after the spend. Deductions past the last month are not returned.

    Parameters
    ----------
    capex_usd : numpy.ndarray, shape (..., T)
        Capex per month. [USD]
    annual_rates : numpy.ndarray
        From :func:`depreciation_rates`. [-]
    bonus_fraction : float
        Share deducted at once (IRC 168(k)). [-]

    Returns
    -------
    numpy.ndarray, shape (..., T)
        Depreciation per month. [USD]
    """
    capex = np.asarray(capex_usd, dtype=float)
    T = capex.shape[-1]
    kernel = np.repeat(np.asarray(annual_rates, dtype=float) / 12.0, 12)
    kernel *= 1.0 - bonus_fraction
    kernel[0] += bonus_fraction
    out = np.zeros(np.broadcast_shapes(capex.shape, (T,)))
    spent = np.flatnonzero(np.any(capex.reshape(-1, T) != 0.0, axis=0))
    for t in spent:  # a few months: hall builds, fleet replacements
        n = min(T - t, kernel.size)
        out[..., t : t + n] += capex[..., t : t + 1] * kernel[:n]
    return out


@dataclass(frozen=True)
class IncomeTax:
    """Annual income tax of a project, shape (..., T) per month and (..., Y) per tax year.

    Attributes
    ----------
    tax_usd : numpy.ndarray
        Tax paid, in the last month of each tax year. [USD]
    taxable_income_usd : numpy.ndarray
        Taxable income of each year after deductible interest, before the loss
        carry-forward (negative: a loss). [USD]
    loss_used_usd : numpy.ndarray
        Loss carry-forward used in each year. [USD]
    loss_carried_usd : numpy.ndarray
        Loss carry-forward left at the end of each year. [USD]
    interest_deducted_usd : numpy.ndarray
        Interest deducted in each year. [USD]
    interest_carried_usd : numpy.ndarray
        Disallowed interest carried forward at the end of each year. [USD]
    """

    tax_usd: FloatArray
    taxable_income_usd: FloatArray
    loss_used_usd: FloatArray
    loss_carried_usd: FloatArray
    interest_deducted_usd: FloatArray
    interest_carried_usd: FloatArray


def annual_income_tax_usd(
    income_before_interest_usd: FloatArray,
    rate: float,
    interest_usd: FloatArray | None = None,
    ebitda_usd: FloatArray | None = None,
    interest_limit_fraction: float | None = 0.30,
    loss_limit_fraction: float = 0.80,
    opening_loss_usd: float = 0.0,
) -> IncomeTax:
    """Income tax per tax year (12-month blocks), with loss and interest carry-forwards.

    For each year: deductible interest is the year's interest plus interest carried in, up
    to ``interest_limit_fraction`` of the year's EBITDA (when positive; no cap when
    ``None``), the rest carried forward; taxable income = income before interest -
    deductible interest; a loss adds to the loss carry-forward; a profit uses the carry-
    forward up to ``loss_limit_fraction`` of it; tax = rate x what remains.

    Parameters
    ----------
    income_before_interest_usd : numpy.ndarray, shape (..., T)
        EBITDA minus tax depreciation plus other taxable income, per month. [USD]
    rate : float
        Income tax rate. [-]
    interest_usd : numpy.ndarray, shape (..., T) or (T,), optional
        Interest paid (none: the unlevered tax). [USD]
    ebitda_usd : numpy.ndarray, shape (..., T), optional
        For the interest cap; required with interest and a cap. [USD]
    interest_limit_fraction : float or None
        Interest cap as a share of EBITDA (IRC 163(j): 0.30). [-]
    loss_limit_fraction : float
        Share of a year's taxable income a loss carry-forward may offset (IRC 172:
        0.80). [-]
    opening_loss_usd : float
        Loss carry-forward at the start. [USD]

    Returns
    -------
    IncomeTax
    """
    ibi = np.asarray(income_before_interest_usd, dtype=float)
    T = ibi.shape[-1]
    lead = ibi.shape[:-1]
    n_years = -(-T // 12)
    interest = (
        np.zeros(ibi.shape)
        if interest_usd is None
        else np.broadcast_to(np.asarray(interest_usd, dtype=float), ibi.shape)
    )
    if interest_usd is not None and interest_limit_fraction is not None and ebitda_usd is None:
        raise ValueError("an interest cap needs the EBITDA")
    ebitda = (
        np.zeros(ibi.shape)
        if ebitda_usd is None
        else np.broadcast_to(np.asarray(ebitda_usd, dtype=float), ibi.shape)
    )
    tax = np.zeros(ibi.shape)
    taxable_y = np.zeros((*lead, n_years))
    used_y = np.zeros((*lead, n_years))
    loss_y = np.zeros((*lead, n_years))
    ded_y = np.zeros((*lead, n_years))
    carry_y = np.zeros((*lead, n_years))
    loss = np.full(lead, float(opening_loss_usd))
    carry = np.zeros(lead)
    for y in range(n_years):
        a, b = 12 * y, min(12 * (y + 1), T)
        available = interest[..., a:b].sum(axis=-1) + carry
        if interest_limit_fraction is None:
            deducted = available
        else:
            cap = interest_limit_fraction * np.maximum(ebitda[..., a:b].sum(axis=-1), 0.0)
            deducted = np.minimum(available, cap)
        carry = available - deducted
        taxable = ibi[..., a:b].sum(axis=-1) - deducted
        profit = np.maximum(taxable, 0.0)
        used = np.minimum(loss, loss_limit_fraction * profit)
        loss = loss - used + np.maximum(-taxable, 0.0)
        tax[..., b - 1] = rate * (profit - used)
        taxable_y[..., y], used_y[..., y], loss_y[..., y] = taxable, used, loss
        ded_y[..., y], carry_y[..., y] = deducted, carry
    return IncomeTax(tax, taxable_y, used_y, loss_y, ded_y, carry_y)
