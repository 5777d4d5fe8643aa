"""The fleet replacement decision: what one mining MW is worth from a decision month on.

:func:`replacement_gain_usd_per_mw` compares, per path, the discounted cash flows of one
MW with new machines and with the fleet it has (:func:`mw_cash_flow_usd`: revenue, power
and variable site costs, curtailed in months that lose money, a dispatching site's
flexibility added), and the change in the mining terminal value, net of the capex;
:class:`MwValuation` holds the discounting, costs and terminal value it uses. The decision
months and the market forecast they read are :func:`~hashpivot.engines.pivot.fleet.
site_market`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.cost_dates import cost_profile, horizon_share, horizon_site
from hashpivot.engines.pivot.discounting import line_rates
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.uplift.curve import DispatchUplift, MonthMargin
from hashpivot.engines.pivot.uplift.ppa_term import site_at_horizon
from hashpivot.finance import periodic_rate
from hashpivot.market import MarketPaths
from hashpivot.models.pivot import PivotSpec
from hashpivot.terminal_value import gordon_factor
from hashpivot.units import HOURS_PER_DAY, MONTHS_PER_YEAR

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MwValuation", "mw_cash_flow_usd", "replacement_gain_usd_per_mw"]

#: From this many paths on, a decision's cash flow difference is computed compiled
#: (:mod:`~hashpivot.engines.pivot.replacement_kernel`; small path counts, the
#: deterministic model's one, skip loading numba).
_KERNEL_MIN_PATHS = 64


@dataclass(frozen=True)
class MwValuation:
    """How the valuation values one mining MW of a site from a decision month on.

    The cash flow of one mining MW in month ``t`` is ``rev - power - variable opex`` in a
    month mined (``rev > power + variable opex``) and 0 otherwise (the arithmetic of
    :func:`~hashpivot.engines.pivot.mining._site_mining`); it is discounted at the
    mining line's monthly rate (month end), and the mining terminal value is applied to
    the final year's EBITDA of the keep-mining site (fixed costs included, floored at 0).

    Attributes
    ----------
    days : ndarray (T,)
        Days per month. [day]
    energy_mwh_per_mw : ndarray (T,)
        Energy of one mining MW that runs all month (uptime included). [MWh/MW]
    variable_opex_usd_per_mw_month : ndarray (T,)
        Variable site cost items per mining MW, paid in months mined, each item between
        its dates (:mod:`~hashpivot.engines.pivot.cost_dates`). [USD/MW/month]
    fixed_final_year_usd_per_mw : float
        Fixed site items and the site's cash SG&A per keep-mining MW over the final year,
        each item as it stands on the horizon's last day (they only enter the terminal
        value's floor). [USD/MW]
    discount : ndarray (T,)
        ``(1 + r)^-(t + 1)`` at the mining line's monthly rate. [-]
    tv_method : str
        ``none``, ``exit_multiple`` or ``gordon`` (``[pivot.terminal_value] mining_method``).
    tv_factor : float
        Terminal value per USD of final-year EBITDA (exit multiple) or FCF (Gordon),
        discounted to the start: ``multiple (1 + r)^-T`` or
        :func:`~hashpivot.terminal_value.gordon_factor` ``(1 + r)^-T``. [-]
    final_start : int
        First month of the final year (``T - min(12, T)``). [-]
    annualize : float
        ``12 / min(12, T)``. [-]
    uplift : DispatchUplift or None
        The site's dispatch flexibility (``[sites.dispatch]``), counted in every month as
        the valuation counts it.
    gross_per_net : float
        Gross hash price per net (``1 / (uptime x (1 - pool fee))``). [-]
    variable_final_usd_per_mw_month : float or None
        The variable costs per MW the terminal value's final year is mined with: the
        items standing on the horizon's last day
        (:func:`~hashpivot.engines.pivot.cost_dates.horizon_site`); None where the final
        year's months already pay them so (:meth:`final_variable`). [USD/MW/month]
    year_ahead : ndarray (P or 1, min(12, T)) or None
        What the final year's mining revenue becomes in the year after the horizon (the
        subsidy moved on: :meth:`~hashpivot.market.MarketPaths.year_ahead_revenue_factor`
        of the forecast's reference); None: the same. [-]
    months : pandas.PeriodIndex or None
        The months valued (``uplift``'s PPA term takes each month's curve from them:
        :mod:`~hashpivot.engines.pivot.uplift.ppa_term`); None: not dated.
    horizon_uplift : tuple of (DispatchUplift or None) or None
        The curve in force after the horizon, with which the terminal value's final year
        is mined, where the final year's months do not all have it (a PPA ending or
        starting within it:
        :func:`~hashpivot.engines.pivot.uplift.ppa_term.site_at_horizon`); None: the final
        year's months as they are.
    """

    days: FloatArray
    energy_mwh_per_mw: FloatArray
    variable_opex_usd_per_mw_month: FloatArray
    fixed_final_year_usd_per_mw: float
    discount: FloatArray
    tv_method: str
    tv_factor: float
    final_start: int
    annualize: float
    uplift: DispatchUplift | None = None
    gross_per_net: float = 1.0
    variable_final_usd_per_mw_month: float | None = None
    year_ahead: FloatArray | None = None
    months: pd.PeriodIndex | None = None
    horizon_uplift: tuple[DispatchUplift | None] | None = None

    def month_range(self, months: slice) -> pd.PeriodIndex | None:
        """The months ``months`` of :attr:`months` (None when not dated)."""
        return None if self.months is None else self.months[months]

    def final_variable(self, months: slice) -> FloatArray | float:
        """The variable costs per MW of the final year's ``months`` as the terminal value
        takes them: the items standing on the horizon's last day. [USD/MW/month]"""
        if self.variable_final_usd_per_mw_month is None:
            return self.variable_opex_usd_per_mw_month[months]
        return self.variable_final_usd_per_mw_month

    def final_year_flows_usd(self, th_s_per_mw: FloatArray,
                             hashprice_usd_per_th_day: FloatArray,
                             power_price_usd_per_mwh: FloatArray, first: int,
                             last: int) -> FloatArray:
        """Cash flow per MW of the final year's months ``first..last-1`` (months of the
        horizon) as the terminal value takes them, as the valuation does
        (:mod:`~hashpivot.engines.pivot.terminal`): mined (or curtailed) with the variable
        items standing on the horizon's last day, then each month's revenue as mined
        taken a year on (:attr:`year_ahead`), with the dispatch curve in force at the
        horizon (:attr:`horizon_uplift`). [USD/MW/month]"""
        months = slice(first, last)
        ahead = (None if self.year_ahead is None
                 else self.year_ahead[..., first - self.final_start:last - self.final_start])
        uplift = self.uplift if self.horizon_uplift is None else self.horizon_uplift[0]
        return mw_cash_flow_usd(th_s_per_mw, hashprice_usd_per_th_day,
                                power_price_usd_per_mwh, self.days[months],
                                self.energy_mwh_per_mw[months], self.final_variable(months),
                                uplift, self.gross_per_net, year_ahead=ahead,
                                months=self.month_range(months))

    @classmethod
    def of(cls, site: SiteInputs, spec: PivotSpec, market: MarketPaths,
           reference: MarketPaths | None = None) -> MwValuation:
        """The valuation's parameters for ``site`` on ``market``'s months (the year after
        the horizon as ``reference`` sees it, if given: the forecast's)."""
        n = market.n_periods
        days = np.asarray(market.days_per_period, dtype=np.float64)
        rate = line_rates(spec).mining
        r_m = float(periodic_rate(rate))
        tv = spec.terminal_value
        k = min(MONTHS_PER_YEAR, n)
        at_horizon = (1.0 + r_m) ** -float(n)
        if tv.mining_method == "exit_multiple":
            factor = tv.mining_ebitda_multiple * at_horizon
        elif tv.mining_method == "gordon":
            factor = gordon_factor(rate, tv.growth_per_year) * at_horizon
        else:
            factor = 0.0
        keep_mw = min(site.fleet_power_mw, site.capacity_mw)
        net = site.uptime_fraction * (1.0 - site.pool_fee_fraction)
        periods = market.periods
        # the final year's fixed items as they stand on the horizon's last day (as the
        # terminal value takes them: cost_dates.py); k months each when undated
        fixed = site.fixed_mining_opex_usd_per_month / site.fleet_power_mw
        sga = site.fixed_opex_usd_per_month / keep_mw
        m_fixed = k * horizon_share(site, "fixed_mining", periods)
        m_sga = k * horizon_share(site, "sga", periods)
        fixed_months = ((fixed + sga) * m_fixed if m_fixed == m_sga
                        else fixed * m_fixed + sga * m_sga)
        at_end = horizon_site(site, periods)  # variable items dated in the final year
        ahead = (reference if reference is not None else market).year_ahead_revenue_factor(k)
        in_force = site_at_horizon(site, periods)  # a PPA ending/starting in the final year
        return cls(
            variable_final_usd_per_mw_month=(
                None if at_end is None else at_end.variable_opex_usd_per_mw_month),
            days=days,
            energy_mwh_per_mw=HOURS_PER_DAY * days * site.uptime_fraction,
            variable_opex_usd_per_mw_month=(site.variable_opex_usd_per_mw_month
                                            * cost_profile(site, "variable", periods)),
            fixed_final_year_usd_per_mw=fixed_months,
            discount=np.power(1.0 + r_m, -(np.arange(n, dtype=np.float64) + 1.0)),
            tv_method=tv.mining_method,
            tv_factor=float(factor),
            final_start=n - k,
            annualize=MONTHS_PER_YEAR / k,
            uplift=site.dispatch_uplift,
            gross_per_net=1.0 / net if net > 0 else 1.0,
            year_ahead=ahead if np.any(ahead != 1.0) else None,
            months=periods,
            horizon_uplift=None if in_force is None else (in_force.dispatch_uplift,),
        )


def mw_cash_flow_usd(
    th_s_per_mw: FloatArray,
    hashprice_usd_per_th_day: FloatArray,
    power_price_usd_per_mwh: FloatArray,
    days: FloatArray,
    energy_mwh_per_mw: FloatArray,
    variable_opex_usd_per_mw_month: FloatArray | float,
    uplift: DispatchUplift | None = None,
    gross_per_net: float = 1.0,
    *,
    year_ahead: FloatArray | None = None,
    months: pd.PeriodIndex | None = None,
) -> FloatArray:
    """Mining cash flow of one MW per month, as the valuation counts it. [USD/MW/month]

    ``rev - power - variable opex`` where ``rev = TH/s per MW x hash price x days`` exceeds
    ``power = energy per MW x price`` and the variable opex (the month is mined), else 0
    (curtailed); with a
    dispatching site's ``uplift``, plus its value at the month's margin
    (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.usd_per_mw_month`,
    the gross hash price being ``gross_per_net`` times the net one), the variable opex
    then in proportion to the share of the month's always-on energy the dispatch uses
    (its ``running_share``). Arrays broadcast against each other (months on the last
    axis). With ``year_ahead`` (the terminal value's final year,
    :meth:`MwValuation.final_year_flows_usd`), each month's revenue as mined (the
    dispatch's share of it) is taken a year on: times ``year_ahead``, the months mined or
    curtailed as they are. ``months``: the months of the last axis (a PPA's term takes
    each month's curve from them: :mod:`~hashpivot.engines.pivot.uplift.ppa_term`).
    """
    rev = th_s_per_mw * hashprice_usd_per_th_day
    rev *= days
    power = energy_mwh_per_mw * power_price_usd_per_mwh
    margin = rev - power
    v = variable_opex_usd_per_mw_month
    if uplift is None:
        mined = rev > power + v
        out = np.where(mined, margin - v, 0.0)
        if year_ahead is not None:
            out = out + np.where(mined, rev, 0.0) * (year_ahead - 1.0)
        return out
    month = uplift.breakdown(MonthMargin(
        th_s_per_mw * hashprice_usd_per_th_day * gross_per_net, power_price_usd_per_mwh,
        margin, HOURS_PER_DAY * days, v, months))
    out = np.where(margin > v, margin, 0.0)
    out += month["uplift_usd_per_mw_month"]
    out -= v * month["running_share"]
    if year_ahead is not None:
        out = out + np.where(month["running_share"] > 0, rev * month["revenue_share"],
                             0.0) * (year_ahead - 1.0)
    return out


def replacement_gain_usd_per_mw(
    tk: int,
    hashprice_usd_per_th_day: FloatArray,
    power_price_usd_per_mwh: FloatArray,
    old_th_s_per_mw: FloatArray,
    new_th_s_per_mw: FloatArray,
    capex_usd_per_mw: float,
    val: MwValuation,
    past_final_usd_per_mw: FloatArray | float = 0.0,
    sunk_final_capex_usd_per_mw: FloatArray | float = 0.0,
) -> FloatArray:
    """Discounted gain of replacing one MW's machines at month ``tk`` over keeping them.

    Both alternatives run to the end of the horizon with no later replacement: the
    increment of the valuation's NPV (terminal value included) that replacing at ``tk``
    alone makes, on the forecast given.

    Parameters
    ----------
    tk : int
        Decision month. [-]
    hashprice_usd_per_th_day : ndarray (P, T - tk) or (T - tk,)
        Forecast hash price of months ``tk..T-1``, net of uptime and pool fee.
        [USD/(TH/s)/day]
    power_price_usd_per_mwh : ndarray (P or 1, T - tk)
        Forecast power price with the adder. [USD/MWh]
    old_th_s_per_mw, new_th_s_per_mw : ndarray (P or 1, T - tk) or (T - tk,)
        Hashrate per mining MW of the fleet kept and of the new machines. [TH/s/MW]
    capex_usd_per_mw : float
        Price of the new machines of one MW, paid in month ``tk``. [USD/MW]
    val : MwValuation
        The valuation's discounting, costs and terminal value.
    past_final_usd_per_mw : ndarray (P,) or float
        Cash flow per MW of the final year's months before ``tk`` (when ``tk`` falls in
        the final year). [USD/MW]
    sunk_final_capex_usd_per_mw : ndarray (P,) or float
        Replacement capex already paid in the final year (Gordon's FCF). [USD/MW]

    Returns
    -------
    ndarray (P,)
        NPV gain per MW at the start of the model; replace where it is positive. [USD/MW]
    """
    n = val.discount.shape[0]
    sl = slice(tk, n)
    days, energy = val.days[sl], val.energy_mwh_per_mw[sl]
    variable = val.variable_opex_usd_per_mw_month[sl]
    args = (days, energy, variable, val.uplift, val.gross_per_net)
    hp_all, pp_all = hashprice_usd_per_th_day, power_price_usd_per_mwh
    compiled = (val.uplift is None and np.ndim(hp_all) == 2
                and np.shape(hp_all)[0] >= _KERNEL_MIN_PATHS
                and np.broadcast_shapes(np.shape(new_th_s_per_mw), np.shape(old_th_s_per_mw),
                                        np.shape(pp_all), np.shape(hp_all)) == np.shape(hp_all))
    if compiled:  # the same arithmetic in one compiled pass (bitwise the same figures)
        from hashpivot.engines.pivot.replacement_kernel import flow_difference_usd

        delta = flow_difference_usd(new_th_s_per_mw, old_th_s_per_mw, hp_all, pp_all,
                                    days, energy, variable)
    else:
        months = val.month_range(sl)
        diff = mw_cash_flow_usd(new_th_s_per_mw, hp_all, pp_all, *args, months=months)
        old = mw_cash_flow_usd(old_th_s_per_mw, hp_all, pp_all, *args, months=months)
        delta = diff - old
    gain = np.asarray(delta @ val.discount[sl], dtype=np.float64)
    gain = gain - capex_usd_per_mw * val.discount[tk]
    if val.tv_method != "none":
        f = max(val.final_start - tk, 0)
        # the final year's months as the terminal value takes them (the months of the
        # flows above when it takes them as they are)
        hp, pp = hp_all[..., f:], pp_all[..., f:]
        if (val.variable_final_usd_per_mw_month is not None or val.year_ahead is not None
                or val.horizon_uplift is not None):
            old_final = val.final_year_flows_usd(old_th_s_per_mw[..., f:], hp, pp, tk + f, n)
            new_final = val.final_year_flows_usd(new_th_s_per_mw[..., f:], hp, pp, tk + f, n)
        elif compiled:
            last = (days[f:], energy[f:], variable[f:])
            old_final = mw_cash_flow_usd(old_th_s_per_mw[..., f:], hp, pp, *last)
            new_final = mw_cash_flow_usd(new_th_s_per_mw[..., f:], hp, pp, *last)
        else:
            old_final, new_final = old[..., f:], diff[..., f:]
        common = past_final_usd_per_mw - val.fixed_final_year_usd_per_mw
        e_old = (old_final.sum(axis=-1) + common) * val.annualize
        e_new = (new_final.sum(axis=-1) + common) * val.annualize
        if val.tv_method == "gordon":  # FCF: the final year's replacement capex out
            e_old = e_old - sunk_final_capex_usd_per_mw * val.annualize
            new_capex = capex_usd_per_mw if tk >= val.final_start else 0.0
            e_new = e_new - (sunk_final_capex_usd_per_mw + new_capex) * val.annualize
        gain = gain + val.tv_factor * (np.maximum(e_new, 0.0) - np.maximum(e_old, 0.0))
    return gain
