"""Lease arithmetic of AI/HPC colocation: rent per kW of critical IT, escalators, terms,
renewals, tenant default, and the implied rate of a published deal.

Sources: deal terms in ``hashpivot/data/ai_hosting_deals.csv`` (SEC filings and press
reports, 2024-2026); the implied rate convention (contract value / term / critical IT kW)
is the one analysts quote for miner-to-AI conversions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.arrays import scalar_or_array
from hashpivot.units import KW_PER_MW, MONTHS_PER_YEAR

__all__ = [
    "average_rate_usd_per_kw_month",
    "contract_value_usd",
    "first_year_rate_usd_per_kw_month",
    "gross_mw_from_it",
    "implied_usd_per_kw_month",
    "implied_usd_per_mw_year",
    "it_mw_from_gross",
    "lease_rate_usd_per_kw_month",
    "lease_term_weight",
    "monthly_rent_usd",
    "power_rent_kept_usd",
    "tenant_collection_factor",
]


def it_mw_from_gross(gross_mw: Any, pue: Any) -> Any:
    """Critical IT capacity of a hall fed by ``gross_mw`` of utility power.

    Parameters
    ----------
    gross_mw : numeric
        Utility (gross) power. [MW]
    pue : numeric
        Power usage effectiveness, >= 1. [-]

    Returns
    -------
    numeric
        ``gross_mw / pue``; NaN where ``pue < 1``. [MW]
    """
    p = np.asarray(pue, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p >= 1.0, np.asarray(gross_mw, dtype=float) / p, np.nan)
    return scalar_or_array(out)


def gross_mw_from_it(it_mw: Any, pue: Any) -> Any:
    """Utility power needed by ``it_mw`` of critical IT at a PUE. [MW]

    Parameters
    ----------
    it_mw : numeric
        Critical IT capacity. [MW]
    pue : numeric
        Power usage effectiveness, >= 1. [-]
    """
    out = np.asarray(it_mw, dtype=float) * np.asarray(pue, dtype=float)
    return scalar_or_array(out)


def lease_rate_usd_per_kw_month(
    months_since_rent_start: Any, lease_usd_per_kw_month: Any, escalator_per_year: Any
) -> Any:
    """Rent rate in a month, escalated at each lease anniversary.

    Parameters
    ----------
    months_since_rent_start : numeric
        Month index counted from rent start (0 = first rent month). [month]
    lease_usd_per_kw_month : numeric
        First-year rate. [USD/kW/month]
    escalator_per_year : numeric
        Annual escalator (0.03 = +3 % at each anniversary). [1/year]

    Returns
    -------
    numeric
        ``rate * (1 + esc)^floor(m / 12)`` for ``m >= 0``, 0 before rent start.
        [USD/kW/month]
    """
    m = np.asarray(months_since_rent_start, dtype=float)
    years = np.floor(np.maximum(m, 0.0) / MONTHS_PER_YEAR)
    rate = np.asarray(lease_usd_per_kw_month, dtype=float) * np.power(
        1.0 + np.asarray(escalator_per_year, dtype=float), years
    )
    out = np.where(m >= 0, rate, 0.0)
    return scalar_or_array(out)


def lease_term_weight(
    months_since_rent_start: Any,
    term_months: Any,
    renewal_options: Any = 0,
    renewal_term_months: Any = 60,
    renewal_probability: Any = 0.0,
) -> Any:
    """Expected share of the rent still due in a month: 1 in the initial term,
    ``p^k`` in the k-th renewal, 0 before rent start and after the last renewal.

    Parameters
    ----------
    months_since_rent_start : numeric
        Month index from rent start. [month]
    term_months : numeric
        Initial term. [month]
    renewal_options : numeric
        Number of renewal options. [-]
    renewal_term_months : numeric
        Length of each renewal. [month]
    renewal_probability : numeric
        Probability each renewal is exercised (independent). [-]

    Returns
    -------
    numeric
        Weight in [0, 1]. [-]
    """
    m = np.asarray(months_since_rent_start, dtype=float)
    term = np.asarray(term_months, dtype=float)
    rterm = np.asarray(renewal_term_months, dtype=float)
    k = np.ceil((m - term + 1.0) / rterm)  # renewal number, 1-based, when m >= term
    k = np.where(m < term, 0.0, np.maximum(k, 1.0))
    p = np.asarray(renewal_probability, dtype=float)
    w = np.where(k <= np.asarray(renewal_options, dtype=float), np.power(p, k), 0.0)
    out = np.where(m >= 0, w, 0.0)
    return scalar_or_array(out)


def tenant_collection_factor(
    months_since_rent_start: Any, default_probability_per_year: Any, recovery_fraction: Any
) -> Any:
    """Expected share of the rent collected under a constant default hazard.

    Parameters
    ----------
    months_since_rent_start : numeric
        Month index from rent start (rent of month 0 is always collected). [month]
    default_probability_per_year : numeric
        Annual default probability (constant hazard). [1/year]
    recovery_fraction : numeric
        Share of the rent still collected after a default. [-]

    Returns
    -------
    numeric
        ``S + (1 - S) * recovery`` with survival ``S = (1 - p)^(m / 12)``. [-]

    Notes
    -----
    Expected-value treatment: the NPV is the mean over default times, not a scenario in
    which the tenant defaults. Use the risk simulation for the spread.
    """
    m = np.maximum(np.asarray(months_since_rent_start, dtype=float), 0.0)
    p = np.asarray(default_probability_per_year, dtype=float)
    s = np.power(1.0 - p, m / MONTHS_PER_YEAR)
    out = s + (1.0 - s) * np.asarray(recovery_fraction, dtype=float)
    return scalar_or_array(out)


def power_rent_kept_usd(power_usd: Any, collect_fraction: Any, occupied_fraction: Any) -> Any:
    """The power part of a modified-gross rent that a tenant's default does not cut: add it
    to ``rent * collect_fraction`` so the haircut falls on the rent net of the hall's power.

    Parameters
    ----------
    power_usd : numeric
        The hall's power the operator pays while leased, the power part of the rent (0
        under triple net, where the tenant pays its power). [USD]
    collect_fraction : numeric
        Share of the rent collected (:func:`tenant_collection_factor`, or a realised
        recovery or re-let rent). [-]
    occupied_fraction : numeric
        Share of the hall drawing power: 1 leased or re-let (the new tenant pays the power
        it draws), 0 empty (no power drawn nor paid for). [-]

    Returns
    -------
    numeric
        ``power * (occupied - collect)``: the rent is then
        ``collect * (rent - power) + occupied * power``. [USD]

    Notes
    -----
    A recovery (claims, guarantees, a new tenant) is a share of the rent the landlord
    loses, and a landlord who no longer supplies the power has not lost its price; a new
    tenant who draws the power pays for it in full. Without this a modified-gross hall
    lost ``(1 - collect) x power`` a month against a triple-net hall of the same all-in
    economics.
    """
    out = np.asarray(power_usd, dtype=float) * (
        np.asarray(occupied_fraction, dtype=float) - np.asarray(collect_fraction, dtype=float)
    )
    return scalar_or_array(out)


def monthly_rent_usd(it_mw: Any, rate_usd_per_kw_month: Any) -> Any:
    """Rent of one month for ``it_mw`` of critical IT at a rate. [USD]

    Parameters
    ----------
    it_mw : numeric
        Critical IT capacity leased. [MW]
    rate_usd_per_kw_month : numeric
        Rent rate. [USD/kW/month]
    """
    out = (
        np.asarray(it_mw, dtype=float) * KW_PER_MW * np.asarray(rate_usd_per_kw_month, dtype=float)
    )
    return scalar_or_array(out)


def contract_value_usd(
    it_mw: Any, lease_usd_per_kw_month: Any, escalator_per_year: Any, term_years: Any
) -> Any:
    """Nominal rent over the initial term (what a press release calls contract value).

    Parameters
    ----------
    it_mw : numeric
        Critical IT leased. [MW]
    lease_usd_per_kw_month : numeric
        First-year rate. [USD/kW/month]
    escalator_per_year : numeric
        Annual escalator. [1/year]
    term_years : numeric
        Initial term; a fractional last year pays pro rata. [year]

    Returns
    -------
    numeric
        ``12 * kW * rate * sum_{y < term} (1+esc)^y`` (closed form for whole and
        fractional years). [USD]
    """
    return (
        np.asarray(it_mw, dtype=float)
        * KW_PER_MW
        * MONTHS_PER_YEAR
        * np.asarray(term_years, dtype=float)
        * average_rate_usd_per_kw_month(lease_usd_per_kw_month, escalator_per_year, term_years)
    )


def average_rate_usd_per_kw_month(
    lease_usd_per_kw_month: Any, escalator_per_year: Any, term_years: Any
) -> Any:
    """Term-average rate of an escalating lease: comparable to a deal's implied rate.

    Parameters
    ----------
    lease_usd_per_kw_month : numeric
        First-year rate. [USD/kW/month]
    escalator_per_year : numeric
        Annual escalator. [1/year]
    term_years : numeric
        Term. [year]

    Returns
    -------
    numeric
        Mean monthly rate over the term. [USD/kW/month]
    """
    r0 = np.asarray(lease_usd_per_kw_month, dtype=float)
    e = np.asarray(escalator_per_year, dtype=float)
    n = np.asarray(term_years, dtype=float)
    whole = np.floor(n)
    part = n - whole
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(np.abs(e) < 1e-14, whole, (np.power(1.0 + e, whole) - 1.0) / e)
        total_years = geo + part * np.power(1.0 + e, whole)
        out = r0 * total_years / n
    return scalar_or_array(out)


def first_year_rate_usd_per_kw_month(
    average_usd_per_kw_month: Any, escalator_per_year: Any, term_years: Any
) -> Any:
    """First-year rate whose escalated term average equals ``average_usd_per_kw_month``.

    Parameters
    ----------
    average_usd_per_kw_month : numeric
        Term-average rate (e.g. a deal's implied rate). [USD/kW/month]
    escalator_per_year : numeric
        Annual escalator. [1/year]
    term_years : numeric
        Term. [year]

    Returns
    -------
    numeric
        First-year rate. [USD/kW/month]
    """
    factor = average_rate_usd_per_kw_month(1.0, escalator_per_year, term_years)
    out = np.asarray(average_usd_per_kw_month, dtype=float) / factor
    return scalar_or_array(out)


def implied_usd_per_kw_month(contract_value_usd: Any, term_years: Any, it_mw: Any) -> Any:
    """Implied average rent of a deal: value / (term in months) / (IT kW).

    Parameters
    ----------
    contract_value_usd : numeric
        Announced total contract value. [USD]
    term_years : numeric
        Term. [year]
    it_mw : numeric
        Critical IT capacity. [MW]

    Returns
    -------
    numeric
        [USD/kW/month]; Core Scientific-CoreWeave (3.5e9, 12, 200) -> 121.53.

    Notes
    -----
    A blended figure: it averages the escalator over the term and may include power
    pass-through or services depending on the deal; compare it with
    :func:`average_rate_usd_per_kw_month`, not with a first-year rate.
    """
    v = np.asarray(contract_value_usd, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (
            v
            / (np.asarray(term_years, dtype=float) * MONTHS_PER_YEAR)
            / (np.asarray(it_mw, dtype=float) * KW_PER_MW)
        )
    return scalar_or_array(out)


def implied_usd_per_mw_year(contract_value_usd: Any, term_years: Any, it_mw: Any) -> Any:
    """Implied average rent per MW of critical IT per year: value / term / IT MW. [USD/MW/year]

    Parameters
    ----------
    contract_value_usd : numeric
        Announced total contract value. [USD]
    term_years : numeric
        Term. [year]
    it_mw : numeric
        Critical IT capacity. [MW]
    """
    v = np.asarray(contract_value_usd, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = v / np.asarray(term_years, dtype=float) / np.asarray(it_mw, dtype=float)
    return scalar_or_array(out)
