"""Monthly cash flows of hosting phases: build, rent, power, opex, prepayment, backlog.

Every function is vectorized over phases (axis 0, ``K``) and months (axis 1, ``T``). The
hosting side of the pivot does not depend on the BTC market, so its arrays carry no paths
axis: engines broadcast them against the mining arrays ``(n_paths, T)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.hosting.capex import build_masks, capex_split_usd, spread_evenly
from hashpivot.hosting.lease import (
    it_mw_from_gross,
    lease_rate_usd_per_kw_month,
    lease_term_weight,
    monthly_rent_usd,
    power_rent_kept_usd,
    tenant_collection_factor,
)
from hashpivot.units import HOURS_PER_DAY, MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models.hosting import HostingProjectSpec


__all__ = ["HostingCashFlows", "hosting_cash_flows", "hosting_cash_flows_from_spec"]


@dataclass(frozen=True)
class HostingCashFlows:
    """Cash flows of K hosting phases over T months (each array shape (K, T) unless noted).

    Attributes
    ----------
    hosting_revenue_usd : ndarray
        Expected rent earned (accrual; tenant default and renewals in expectation). [USD]
    rent_cash_usd : ndarray
        Rent cash received, the prepayment included when it is paid. [USD]
    prepayment_usd : ndarray
        ``rent_cash - revenue``: the working-capital effect of prepaid rent (positive when
        received, negative while it is credited). [USD]
    contracted_revenue_usd : ndarray
        Rent of the initial term as contracted (nominal, no default, no renewals). [USD]
    power_cost_usd : ndarray
        Power the operator pays for the hall (modified gross only). [USD]
    opex_usd : ndarray
        Facility opex the operator bears while a lease is in force (from service start,
        renewals in expectation, nothing after the last one, as the hall's power). [USD]
    operator_capex_usd, tenant_capex_usd : ndarray
        Conversion capex paid by the operator and by the tenant. [USD]
    energy_mwh : ndarray
        Energy drawn by the hall (IT load x PUE) while a lease is in force (renewals in
        expectation, nothing after the last one), whoever pays for it. [MWh]
    it_mw_in_service : ndarray
        Critical IT in service. [MW]
    gross_mw_converted : ndarray
        Gross MW taken from mining (from construction start). [MW]
    contracted_backlog_usd : ndarray, shape (K,)
        Nominal rent of the whole initial term, including months beyond the horizon. [USD]
    ready_index : ndarray, shape (K,)
        Month index each phase enters service. [month]
    operator_capex_in_service_usd : ndarray
        The operator capex placed in service: a phase's build paid before it enters
        service counted in the month it does (tax depreciation starts then, IRC 167 and
        168(k)), none where it does not within the months given. [USD]
    """

    hosting_revenue_usd: FloatArray
    rent_cash_usd: FloatArray
    prepayment_usd: FloatArray
    contracted_revenue_usd: FloatArray
    power_cost_usd: FloatArray
    opex_usd: FloatArray
    operator_capex_usd: FloatArray
    tenant_capex_usd: FloatArray
    energy_mwh: FloatArray
    it_mw_in_service: FloatArray
    gross_mw_converted: FloatArray
    contracted_backlog_usd: FloatArray
    ready_index: FloatArray
    operator_capex_in_service_usd: FloatArray

    def total(self) -> HostingCashFlows:
        """Sum over phases (keeps a leading axis of length 1)."""
        kw = {k: np.sum(getattr(self, k), axis=0, keepdims=True) for k in _FIELDS}
        return HostingCashFlows(**kw)


_FIELDS = tuple(HostingCashFlows.__dataclass_fields__)


def hosting_cash_flows(
    gross_mw: Any,
    start_index: Any,
    days_per_month: Any,
    *,
    pue: float,
    shell_capex_usd_per_it_mw: float,
    fit_out_capex_usd_per_it_mw: float,
    shell_funded_by: str = "operator",
    fit_out_funded_by: str = "operator",
    construction_months: int,
    lease_usd_per_kw_month: float,
    lease_escalator_per_year: float = 0.0,
    lease_term_years: float,
    renewal_options: int = 0,
    renewal_term_years: float = 5.0,
    renewal_probability: float = 0.0,
    rent_start_lag_months: int = 0,
    lease_structure: str = "triple_net",
    it_load_factor: float = 1.0,
    power_price_usd_per_mwh: Any = 0.0,
    prepayment_fraction: float = 0.0,
    opex_usd_per_it_mw_year: float = 0.0,
    nnn_operator_opex_fraction: float = 0.0,
    tenant_default_probability_per_year: float = 0.0,
    default_recovery_fraction: float = 0.0,
) -> HostingCashFlows:
    """Monthly cash flows of K conversion phases.

    Parameters
    ----------
    gross_mw : array_like, shape (K,)
        Gross (utility) MW of each phase. [MW]
    start_index : array_like of int, shape (K,)
        Month index construction starts; the phase's MW stop mining that month. [month]
    days_per_month : array_like, shape (T,)
        Days in each month (sets the horizon T). [day]
    pue : float
        Power usage effectiveness: IT MW = gross MW / PUE. [-]
    shell_capex_usd_per_it_mw, fit_out_capex_usd_per_it_mw : float
        Capex per critical IT MW, spread evenly over construction. [USD/MW]
    shell_funded_by, fit_out_funded_by : {"operator", "tenant"}
        Who pays each component.
    construction_months : int
        Months from start to service. [month]
    lease_usd_per_kw_month : float
        First-year rent. [USD/kW/month]
    lease_escalator_per_year : float
        Annual rent escalator (also escalates opex). [1/year]
    lease_term_years : float
        Initial term from rent start. [year]
    renewal_options, renewal_term_years, renewal_probability
        Renewal options (count [-], length [year], probability each is exercised [-]).
    rent_start_lag_months : int
        Free-rent months after service starts. [month]
    lease_structure : {"triple_net", "modified_gross"}
        Under modified gross the operator pays the hall's power (IT x load x PUE)
        while a lease is in force.
    it_load_factor : float
        Average IT load over contracted IT (power and energy). [-]
    power_price_usd_per_mwh : numeric or array (T,)
        Power price paid under modified gross. [USD/MWh]
    prepayment_fraction : float
        Share of the initial-term rent prepaid at construction start. [-]
    opex_usd_per_it_mw_year : float
        Facility opex per IT MW per year from service start while a lease is in force
        (renewals in expectation). [USD/MW/year]
    nnn_operator_opex_fraction : float
        Share of opex the operator keeps under triple net. [-]
    tenant_default_probability_per_year, default_recovery_fraction : float
        Constant default hazard [1/year] and rent recovered after default [-]
        (expected value, see :func:`hashpivot.hosting.lease.tenant_collection_factor`);
        under modified gross the recovery is a share of the rent net of the hall's power,
        which is paid, and passed on in the rent, as if leased
        (:func:`hashpivot.hosting.lease.power_rent_kept_usd`).

    Returns
    -------
    HostingCashFlows
        Arrays of shape (K, T). [see :class:`HostingCashFlows`]
    """
    days = np.asarray(days_per_month, dtype=float)
    n = days.shape[0]
    gross = np.atleast_1d(np.asarray(gross_mw, dtype=float))
    start = np.atleast_1d(np.asarray(start_index, dtype=float))
    k = gross.shape[0]
    start = np.broadcast_to(start, (k,))
    it_mw = np.asarray(it_mw_from_gross(gross, pue), dtype=float)
    c = int(construction_months)
    term_m = round(lease_term_years * MONTHS_PER_YEAR)
    renew_m = max(1, round(renewal_term_years * MONTHS_PER_YEAR))

    t = np.arange(n, dtype=float)[None, :]
    _, ready = build_masks(start, c, n)
    ready_index = start + c
    converted = ((t >= start[:, None]).astype(float)) * gross[:, None]
    in_service = ready * it_mw[:, None]

    # --- capex ----------------------------------------------------------------------------
    split = capex_split_usd(
        it_mw,
        shell_capex_usd_per_it_mw,
        fit_out_capex_usd_per_it_mw,
        shell_funded_by,  # type: ignore[arg-type]
        fit_out_funded_by,  # type: ignore[arg-type]
    )
    op_capex = spread_evenly(split.operator_usd, start, c, n)
    tenant_capex = spread_evenly(split.tenant_usd, start, c, n)

    # --- rent -----------------------------------------------------------------------------
    m = t - (ready_index + rent_start_lag_months)[:, None]  # months since rent start
    rate = lease_rate_usd_per_kw_month(m, lease_usd_per_kw_month, lease_escalator_per_year)
    rent_full = monthly_rent_usd(it_mw[:, None], rate)  # nominal, every month (m >= 0)
    initial = ((m >= 0) & (m < term_m)).astype(float)
    weight = lease_term_weight(m, term_m, renewal_options, renew_m, renewal_probability)
    collect = tenant_collection_factor(
        m, tenant_default_probability_per_year, default_recovery_fraction
    )
    contracted = rent_full * initial
    pre = float(prepayment_fraction)
    revenue = rent_full * weight * collect + contracted * pre * (1.0 - collect)
    # backlog over the whole initial term (closed form of the stepped escalator)
    years_full = term_m // MONTHS_PER_YEAR
    rest = term_m - years_full * MONTHS_PER_YEAR
    esc = 1.0 + lease_escalator_per_year
    year_sum = float(
        MONTHS_PER_YEAR * np.sum(np.power(esc, np.arange(years_full))) + rest * esc**years_full
    )
    backlog = monthly_rent_usd(it_mw, lease_usd_per_kw_month) * year_sum
    prepay_cash = np.zeros((k, n))
    if pre > 0:
        s_idx = start.astype(int)
        inside = (s_idx >= 0) & (s_idx < n)
        prepay_cash[np.flatnonzero(inside), s_idx[inside]] = pre * np.asarray(backlog)[inside]
    cash = contracted * (1.0 - pre) * collect + (rent_full * (weight - initial)) * collect
    cash = cash + prepay_cash

    # --- power, energy, opex -------------------------------------------------------------
    hours = days * HOURS_PER_DAY
    # the hall draws power while a tenant occupies it: from service start (free-rent months
    # included) through the initial term, in renewals in expectation (their weight), and
    # not at all once the last lease has ended (no rent then either)
    occupancy = np.where(m < 0, 1.0, weight)
    energy = in_service * occupancy * it_load_factor * pue * hours[None, :]
    price = np.broadcast_to(np.asarray(power_price_usd_per_mwh, dtype=float), (n,))
    power_cost = energy * price[None, :] if lease_structure == "modified_gross" else 0.0 * energy
    # a default's recovery is a share of the rent net of the hall's power: the power is
    # paid as if leased (the recovery stands for a new tenant too) and so is its part of
    # the rent (modified gross; triple net has none)
    kept = power_rent_kept_usd(power_cost, collect, 1.0)
    revenue = revenue + kept
    cash = cash + kept
    prepayment = cash - revenue
    years_in_service = np.floor(np.maximum(t - ready_index[:, None], 0.0) / MONTHS_PER_YEAR)
    opex_share = 1.0 if lease_structure == "modified_gross" else nnn_operator_opex_fraction
    # the operator's hall opex follows the same occupancy: an empty hall after its last
    # lease is not valued (neither its opex nor a new lease), within the horizon as after it
    opex = (
        in_service
        * occupancy
        * opex_usd_per_it_mw_year
        / MONTHS_PER_YEAR
        * np.power(esc, years_in_service)
        * opex_share
    )
    return HostingCashFlows(
        hosting_revenue_usd=revenue,
        rent_cash_usd=cash,
        prepayment_usd=prepayment,
        contracted_revenue_usd=contracted,
        power_cost_usd=power_cost,
        opex_usd=opex,
        operator_capex_usd=op_capex,
        tenant_capex_usd=tenant_capex,
        energy_mwh=energy,
        it_mw_in_service=in_service,
        gross_mw_converted=converted,
        contracted_backlog_usd=np.asarray(backlog, dtype=float),
        ready_index=ready_index.astype(float),
        operator_capex_in_service_usd=placed_in_service_usd(op_capex, ready_index),
    )


def placed_in_service_usd(capex_usd: FloatArray, ready_index: Any) -> FloatArray:
    """Capex as it is placed in service: what phase ``k`` paid up to its ready month
    counted in that month, what it pays after as paid; nothing where it enters service
    after the months given.

    Parameters
    ----------
    capex_usd : ndarray, shape (K, T)
        Each phase's capex by month paid. [USD]
    ready_index : array_like, shape (K,)
        Month each phase enters service. [month]

    Returns
    -------
    ndarray, shape (K, T)
        [USD]
    """
    capex = np.asarray(capex_usd, dtype=float)
    out = np.zeros_like(capex)
    n = capex.shape[-1]
    for k, r in enumerate(np.asarray(ready_index, dtype=float).astype(np.int64)):
        if r >= n:
            continue
        r = max(int(r), 0)
        out[k, r] = capex[k, : r + 1].sum()
        out[k, r + 1 :] = capex[k, r + 1 :]
    return out


def hosting_cash_flows_from_spec(
    spec: HostingProjectSpec,
    gross_mw: Any,
    start_index: Any,
    days_per_month: Any,
    power_price_usd_per_mwh: Any,
    build_delay_months: int = 0,
) -> HostingCashFlows:
    """:func:`hosting_cash_flows` with the terms of a :class:`HostingProjectSpec`.

    Parameters
    ----------
    spec : HostingProjectSpec
        The site's hosting terms.
    gross_mw, start_index, days_per_month
        As :func:`hosting_cash_flows`.
    power_price_usd_per_mwh : numeric or array (T,)
        Site power price, used when ``spec.hosting_power_price_usd_per_mwh`` is None.
        [USD/MWh]
    build_delay_months : int
        Extra construction months (sensitivity). [month]
    """
    price = (
        spec.hosting_power_price_usd_per_mwh
        if spec.hosting_power_price_usd_per_mwh is not None
        else power_price_usd_per_mwh
    )
    return hosting_cash_flows(
        gross_mw,
        start_index,
        days_per_month,
        pue=spec.pue,
        shell_capex_usd_per_it_mw=spec.shell_capex_usd_per_it_mw,
        fit_out_capex_usd_per_it_mw=spec.fit_out_capex_usd_per_it_mw,
        shell_funded_by=spec.shell_funded_by,
        fit_out_funded_by=spec.fit_out_funded_by,
        construction_months=spec.construction_months + int(build_delay_months),
        lease_usd_per_kw_month=spec.lease_usd_per_kw_month,
        lease_escalator_per_year=spec.lease_escalator_per_year,
        lease_term_years=spec.lease_term_years,
        renewal_options=spec.renewal_options,
        renewal_term_years=spec.renewal_term_years,
        renewal_probability=spec.renewal_probability,
        rent_start_lag_months=spec.rent_start_lag_months,
        lease_structure=spec.lease_structure,
        it_load_factor=spec.it_load_factor,
        power_price_usd_per_mwh=price,
        prepayment_fraction=spec.prepayment_fraction,
        opex_usd_per_it_mw_year=spec.opex_usd_per_it_mw_year,
        nnn_operator_opex_fraction=spec.nnn_operator_opex_fraction,
        tenant_default_probability_per_year=spec.tenant_default_probability_per_year,
        default_recovery_fraction=spec.default_recovery_fraction,
    )
