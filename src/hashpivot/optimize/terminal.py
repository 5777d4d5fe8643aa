"""Terminal value per MW: what a conversion or a mining tranche is worth past the horizon.

The decision model values plans as the pivot engine values strategies, with the terminal
value of ``[pivot.terminal_value]`` (:mod:`hashpivot.engines.pivot.terminal`): without it a
lease signed in year 8 of a 10-year horizon would carry its whole capex and only two years
of its rent, and every late conversion would look worse than it is. The model is linear in
the MW converted, so the terminal value is per MW, discounted to the start at each line's
rate, ``(1 + r_m)^-T``:

* **hosting**, per gross MW of an offer starting in quarter q (path independent):
  ``contract``, the phase's flows after the horizon (rent with renewals and defaults, net
  of hall power, opex and capex) up to its last rent month, valued at the horizon;
  ``exit_multiple`` / ``gordon``, a multiple of the phase's final-year hosting EBITDA / the
  Gordon value of its final-year FCF; ``none``, nothing;
* **mining**, per MW of a fleet tranche, per path: a multiple of the tranche's final-year
  mining EBITDA, or the Gordon value of its final-year FCF (EBITDA - fleet replacement).
  A MW converted before the horizon, in the final year too, forgoes all of it (the pivot
  engine values the final year at the MW mining at the horizon).

Mining is floored at zero per tranche (an operator can abandon only the machines that
lose money at the horizon), as the pivot engine floors it
(:func:`hashpivot.engines.pivot.terminal.mining_value_at_horizon_usd`). The pivot engine
then floors the whole mining line with the company's cash SG&A (``sga_cash`` items). No
decision changes it: the per-MW values leave it out, and keep-mining's terminal value
takes it off as the pivot engine does (:func:`sga_terminal_usd`), so the NPVs agree while
the machines kept cover it at the horizon; where they do not, the pivot engine values
mining at 0 and the model adds that floor back per scenario
(:func:`hashpivot.optimize.scenario_npv.sga_floor_usd`, binaries in the model). Each hosting
phase valued by a multiple or
Gordon growth is floored at zero on its own, as in the pivot engine
(``CashFlows.halls_at_horizon``): a hall built in the final year has a negative final-year
FCF, its capex, which Gordon growth would carry on forever; ``contract``, the default,
values the phase's real flows and needs no floor. As in the pivot engine, each hosting
phase is valued up to its own last rent month
(:func:`hashpivot.terminal_value.hosting_fcf_after_horizon_usd`).
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.terminal import line_value_at_horizon_usd
from hashpivot.finance import periodic_rate
from hashpivot.hosting.project import HostingCashFlows
from hashpivot.models.pivot import TerminalValueSpec
from hashpivot.terminal_value import (
    final_year_run_rate_usd,
    final_year_usd,
    hosting_fcf_after_horizon_usd,
    rent_started,
    value_at_horizon_of_flows_usd,
)
from hashpivot.units import MONTHS_PER_YEAR


def pv_factor(discount_rate: float, n_months: int) -> float:
    """``(1 + r_m)^-T``, ``r_m`` the monthly rate of ``discount_rate`` [1/year]
    (:func:`hashpivot.finance.periodic_rate`): the horizon's discount factor. [-]"""
    return float((1.0 + float(periodic_rate(discount_rate))) ** -float(n_months))


def hosting_terminal_usd_per_mw(
    tv: TerminalValueSpec,
    flows: HostingCashFlows,
    n_months: int,
    discount_rate: float,
) -> FloatArray:
    """Terminal value per gross MW of each hosting phase, discounted to the start.

    Parameters
    ----------
    tv : TerminalValueSpec
        ``[pivot.terminal_value]``.
    flows : HostingCashFlows
        One phase of 1 gross MW per row (Q rows), over the horizon's ``n_months`` and, for
        ``contract``, the months after it
        (:func:`hashpivot.engines.pivot.hosting_flows.months_after_horizon`).
    n_months : int
        Months of the horizon T. [month]
    discount_rate : float
        Annual rate of the hosting line. [1/year]

    Returns
    -------
    ndarray (Q,)
        [USD/MW]
    """
    rows = flows.hosting_revenue_usd.shape[0]
    if tv.hosting_method == "contract":  # each phase up to its own last rent month
        after = hosting_fcf_after_horizon_usd(
            flows.hosting_revenue_usd, flows.prepayment_usd, flows.power_cost_usd,
            flows.opex_usd, flows.operator_capex_usd, n_months,
        )
        at_horizon = np.asarray(
            value_at_horizon_of_flows_usd(after, float(periodic_rate(discount_rate))),
            dtype=float,
        )
    else:
        inside = slice(0, n_months)
        ebitda = (
            flows.hosting_revenue_usd[:, inside]
            - flows.power_cost_usd[:, inside]
            - flows.opex_usd[:, inside]
        )
        # each phase floored at zero on its own: a hall being built in the final year has
        # a negative FCF (its capex) that would otherwise count as a perpetual loss; one
        # leased part of it at the run-rate of those months (as pivot values halls)
        on = rent_started(flows.hosting_revenue_usd[:, inside])
        at_horizon = np.asarray(line_value_at_horizon_usd(
            tv.hosting_method,
            final_year_run_rate_usd(ebitda, on),
            final_year_run_rate_usd(flows.operator_capex_usd[:, inside], on),
            tv.hosting_ebitda_multiple,
            discount_rate,
            tv.growth_per_year,
            rows,
        ), dtype=float)
    return np.broadcast_to(at_horizon, (rows,)) * pv_factor(discount_rate, n_months)


def mining_terminal_usd_per_mw(
    tv: TerminalValueSpec,
    ebitda_usd_per_mw: FloatArray,
    replacement_capex_usd_per_mw: FloatArray,
    discount_rate: float,
    connected: FloatArray | None = None,
) -> FloatArray:
    """Terminal value per MW of a mining tranche, on every path: what a MW converted
    before the horizon forgoes.

    As the pivot engine values mining at the horizon
    (:func:`hashpivot.engines.pivot.terminal.line_value_at_horizon_usd`): ``f x max(E, 0)``
    with ``E`` the final year's EBITDA per MW (FCF, EBITDA - fleet replacement, for Gordon)
    and ``f`` the multiple, or :func:`~hashpivot.terminal_value.gordon_factor`. A MW
    converted at any month of the horizon, the final year included, does not mine after it,
    so it forgoes all of it; a tranche whose ``E <= 0`` is abandoned at the horizon and
    forgoes nothing.

    Parameters
    ----------
    tv : TerminalValueSpec
        ``[pivot.terminal_value]``.
    ebitda_usd_per_mw, replacement_capex_usd_per_mw : ndarray (P, T)
        The tranche's monthly mining EBITDA and fleet replacement capex per MW. [USD/MW]
    discount_rate : float
        Annual rate of the mining line. [1/year]
    connected : ndarray (T,), optional
        The share of each month the tranche runs (installed and its site connected,
        :func:`~hashpivot.engines.pivot.availability.running_share`): one that starts
        running during the final year has its year annualized over the months it runs,
        each month run in part scaled to a whole one, as pivot does; one that no longer
        runs in the final month (retired at its entry's end) forgoes nothing. [-]

    Returns
    -------
    ndarray (P,)
        ``f x max(E, 0)`` discounted to the start with ``(1 + r_m)^-T``. [USD/MW]
    """
    ebitda = np.atleast_2d(np.asarray(ebitda_usd_per_mw, dtype=float))
    p, n_months = ebitda.shape
    capex = np.atleast_2d(np.asarray(replacement_capex_usd_per_mw, dtype=float))
    fix = 1.0
    if connected is not None and connected[-1] <= 0:  # retired (or never running) by then
        return np.zeros(p)
    if connected is not None and connected[-1] > 0:
        k = min(MONTHS_PER_YEAR, n_months)
        share = np.asarray(connected[-k:], dtype=float)
        m = int(np.count_nonzero(share > 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(share > 0, 1.0 / share, 0.0)
        ebitda = ebitda[:, -k:] * up
        capex = np.broadcast_to(capex, (capex.shape[0], n_months))[:, -k:] * up
        fix = k / m if m < k else 1.0
    at_horizon = line_value_at_horizon_usd(  # floors the final year at zero
        tv.mining_method,
        final_year_usd(ebitda) * fix,
        final_year_usd(capex) * fix,
        tv.mining_ebitda_multiple,
        discount_rate,
        tv.growth_per_year,
        p,
    )
    return np.asarray(np.broadcast_to(at_horizon, (p,)) * pv_factor(discount_rate, n_months),
                      dtype=np.float64)


def sga_terminal_usd(tv: TerminalValueSpec, sga_cash_usd_per_year: float,
                     discount_rate: float, n_months: int) -> float:
    """What the company's cash SG&A takes from mining's terminal value while the machines
    kept cover it, discounted to the start: ``f x SGA (1 + r_m)^-T``, ``f`` the multiple or
    :func:`~hashpivot.terminal_value.gordon_factor` (the pivot engine's
    :func:`~hashpivot.engines.pivot.terminal.mining_value_at_horizon_usd`). [USD]

    Parameters
    ----------
    tv : TerminalValueSpec
        ``[pivot.terminal_value]``.
    sga_cash_usd_per_year : float
        Every valued site's cash SG&A of a year. [USD/year]
    discount_rate : float
        Annual rate of the mining line. [1/year]
    n_months : int
        Months of the horizon. [month]
    """
    at_horizon = line_value_at_horizon_usd(
        tv.mining_method, np.array([sga_cash_usd_per_year]), np.zeros(1),
        tv.mining_ebitda_multiple, discount_rate, tv.growth_per_year, 1,
    )
    return float(np.asarray(at_horizon)[0]) * pv_factor(discount_rate, n_months)


__all__ = ["hosting_terminal_usd_per_mw", "mining_terminal_usd_per_mw", "pv_factor",
           "sga_terminal_usd"]
