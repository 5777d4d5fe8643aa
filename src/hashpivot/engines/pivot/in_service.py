"""A site's halls already in service (``[[sites.hosting.in_service]]``): a stream of the
site, the same in every strategy, keep-mining included.

A hall built and leased before the model start has its capex sunk: what it brings is its
rent less the power and opex its operator pays, month by month, from the model start
through ``lease_end``. It is computed by the same function as a conversion's hall
(:func:`hashpivot.hosting.project.hosting_cash_flows_from_spec`, the site's
``[sites.hosting]`` lease structure, load factor, hall power price and opex), with the
hall's own terms: its IT MW (``gross_mw / pue``), its first-year rent from
``lease_start`` escalated at each lease anniversary (the opex escalated with it), its
term through ``lease_end``, no capex, no renewal, no tenant default, no prepayment. Its
MW are taken from the site's capacity in every strategy
(:func:`~hashpivot.engines.pivot.inputs.resolve_sites`), as ``[sites.dispatch]
ai_load_mw``; unlike that load, its rent is valued.

Being the same in every strategy it moves each NPV, the treasury (``simulate``: contracted
rent spares forced BTC sales) and no difference between strategies: a line of its own
(``CashFlows.hosting_in_service_usd``), in EBITDA and the free cash flows, discounted at
the hosting line's rate, valued after the horizon on its remaining term (the rent
through ``lease_end``, whatever the terminal-value method but ``none``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.finance import npv, periodic_rate
from hashpivot.hosting.project import hosting_cash_flows_from_spec
from hashpivot.models.hosting import HostingInService, HostingProjectSpec
from hashpivot.terminal_value import (
    hosting_fcf_after_horizon_usd,
    value_at_horizon_of_flows_usd,
)
from hashpivot.units import MONTHS_PER_YEAR

#: How a hall in service is counted (the resolved assumptions' row).
CONVENTION = (
    "in every strategy alike (keep-mining included): it moves each NPV and the treasury, "
    "not the verdict; its MW taken from capacity_mw (neither mined nor converted); rent "
    "from lease_start escalated at each anniversary through lease_end (no renewal, no "
    "default), power and opex on the site's [sites.hosting] terms, capex sunk; after the "
    "horizon its remaining term at the hosting rate")


@dataclass(frozen=True)
class InServiceFlows:
    """The halls in service of one site, summed.

    Attributes
    ----------
    net_usd : ndarray, shape (T,)
        Rent earned less the hall power and opex the operator pays, each month of the
        horizon. [USD]
    rent_usd : ndarray, shape (T,)
        Rent earned. [USD]
    after_horizon_usd : ndarray, shape (M,)
        The same net flow in the months after the horizon through the last ``lease_end``.
        [USD]
    energy_mwh : ndarray, shape (T,)
        Energy the halls draw each month of the horizon, whoever pays for it (the site's
        load, counted in a strategy's energy and CO2 as a converted hall's is). [MWh]
    gross_mw : float
        Gross MW of the halls counted (those not expired). [MW]
    """

    net_usd: FloatArray
    rent_usd: FloatArray
    after_horizon_usd: FloatArray
    gross_mw: float
    energy_mwh: FloatArray


def lease_ended(hall: HostingInService, first_month: pd.Period) -> bool:
    """Whether the hall's lease ended before ``first_month``, the first month valued: its
    rent is over and it is not counted (its row says so)."""
    return pd.Period(hall.lease_end, "M") < first_month.asfreq("M")


def counted_halls(hosting: HostingProjectSpec, first_month: pd.Period
                  ) -> list[HostingInService]:
    """The halls whose lease has not ended before ``first_month`` (:func:`lease_ended`)."""
    return [h for h in hosting.in_service if not lease_ended(h, first_month)]


def hall_terms(hosting: HostingProjectSpec, hall: HostingInService) -> HostingProjectSpec:
    """The site's hosting terms with the hall's own: its PUE and lease; no capex (sunk), a
    one-month build ending as the lease starts (so its rent and opex escalate from
    ``lease_start``), no renewal, default or prepayment."""
    start, end = (pd.Period(d, "M") for d in (hall.lease_start, hall.lease_end))
    months = (end - start).n + 1
    return hosting.model_copy(update={
        "pue": hosting.pue if hall.pue is None else hall.pue,
        "lease_usd_per_kw_month": hall.lease_usd_per_kw_month,
        "lease_escalator_per_year": (hosting.lease_escalator_per_year
                                     if hall.lease_escalator_per_year is None
                                     else hall.lease_escalator_per_year),
        "lease_term_years": months / MONTHS_PER_YEAR,
        "renewal_options": 0, "rent_start_lag_months": 0, "prepayment_fraction": 0.0,
        "tenant_default_probability_per_year": 0.0,
        "shell_capex_usd_per_it_mw": 0.0, "fit_out_capex_usd_per_it_mw": 0.0,
        "construction_months": 1,
    })


def in_service_flows(hosting: HostingProjectSpec, periods: pd.PeriodIndex,
                     days_per_month: FloatArray, power_price_usd_per_mwh: float
                     ) -> InServiceFlows | None:
    """The net flows of a site's halls in service over ``periods`` and after them (module
    docstring); None without a hall counted.

    Parameters
    ----------
    hosting : HostingProjectSpec
        The site's ``[sites.hosting]`` (its ``in_service`` halls and terms).
    periods : pandas.PeriodIndex
        The months valued.
    days_per_month : ndarray, shape (T,)
        Their days. [day]
    power_price_usd_per_mwh : float
        The site's power price (a hall's under modified gross when
        ``hosting_power_price_usd_per_mwh`` is not set). [USD/MWh]
    """
    halls = counted_halls(hosting, periods[0])
    if not halls:
        return None
    n = len(periods)
    last = max(pd.Period(h.lease_end, "M") for h in halls)
    extra = max(0, (last - periods[-1].asfreq("M")).n)
    later = pd.period_range(periods[-1].asfreq("M") + 1, periods=extra, freq="M")
    days = np.concatenate([np.asarray(days_per_month, dtype=float),
                           np.asarray(later.days_in_month, dtype=float)])
    net = np.zeros(n + extra)
    rent = np.zeros(n + extra)
    energy = np.zeros(n + extra)
    after = np.zeros(extra)
    for hall in halls:
        # a one-month build (no capex) ending the month the lease starts
        start = (pd.Period(hall.lease_start, "M") - periods[0].asfreq("M")).n - 1
        f = hosting_cash_flows_from_spec(hall_terms(hosting, hall), hall.gross_mw, start,
                                         days, power_price_usd_per_mwh)
        flow = f.hosting_revenue_usd + f.prepayment_usd - f.power_cost_usd - f.opex_usd
        net += flow.sum(axis=0)
        rent += f.hosting_revenue_usd.sum(axis=0)
        energy += f.energy_mwh.sum(axis=0)
        if extra:  # (a lease ending within the horizon leaves nothing after it)
            after += hosting_fcf_after_horizon_usd(
                f.hosting_revenue_usd, f.prepayment_usd, f.power_cost_usd, f.opex_usd,
                f.operator_capex_usd, n).sum(axis=0)
    return InServiceFlows(net[:n], rent[:n], after,
                          float(sum(h.gross_mw for h in halls)), energy[:n])


def in_service_value_usd(flows: InServiceFlows | None, hosting_discount_rate: float,
                         after_horizon: bool) -> float:
    """Present value at the model start of a site's halls in service: their net flow
    over the horizon, and with ``after_horizon`` their remaining term after it, at the
    hosting line's rate (month-end, monthly compounding, as pivot discounts it); 0
    without halls. The same in every strategy or plan: ``optimize`` adds it to every
    plan's value. [USD]

    Parameters
    ----------
    flows : InServiceFlows or None
        :func:`in_service_flows`.
    hosting_discount_rate : float
        Annual rate of the hosting line. [1/year]
    after_horizon : bool
        Whether the terminal value counts the months after the horizon (any hosting
        method but ``none``).
    """
    if flows is None:
        return 0.0
    r = float(periodic_rate(hosting_discount_rate))
    n = flows.net_usd.size
    value = float(npv(r, flows.net_usd))
    if after_horizon:
        value += float(value_at_horizon_of_flows_usd(flows.after_horizon_usd, r)
                       * (1.0 + r) ** -float(n))
    return value


__all__ = ["CONVENTION", "InServiceFlows", "counted_halls", "hall_terms", "in_service_flows",
           "in_service_value_usd", "lease_ended"]
