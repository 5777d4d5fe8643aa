"""Objective and budget coefficients from the pivot valuation (the one adapter to it).

The decision model is linear because the pivot cash flows are linear in the MW converted
(:mod:`hashpivot.engines.pivot`): hosting flows scale with the gross MW of a phase, and
mining flows with the MW still mining. So the coefficients are discounted sums of per-MW
cash flows, computed once per path, not one valuation per (site, quarter):

* **Hosting**, per gross MW whose construction starts in quarter ``q`` (month ``3q``):
  the unlevered flows the pivot model books for a hosting phase (rent earned - hall power
  - hosting opex - operator capex + prepayment timing), from
  :func:`hashpivot.hosting.project.hosting_cash_flows_from_spec` with every start at once.
  They do not depend on the market path.
* **Mining**, per MW of one fleet tranche (one ``[[sites.fleet]]`` entry): the pivot's
  per-path mining of that tranche alone (fleet decay, economic replacement, curtailment,
  the site's scaled opex) from :func:`hashpivot.engines.pivot.mining._site_mining`. Converting a
  MW of the tranche in quarter ``q`` loses the discounted mining from month ``3q`` on and
  earns the resale of its machines in month ``3q``.

A site's contracted supply's (``[sites.dispatch.ppa]`` block, ``[sites.dispatch.
renewable]`` plant) worth with no miners is the site's in every plan
(:mod:`~hashpivot.engines.pivot.uplift.supply_stream`): no coefficient, a constant of the
baseline (:mod:`hashpivot.optimize.scenarios`); only what the miners' use of it adds is
in the mining flows per MW, as pivot counts it.

Both include the terminal value of ``[pivot.terminal_value]`` per MW
(:mod:`hashpivot.optimize.terminal`): a hosting phase's lease after the horizon, and the
mining a displaced MW forgoes at it. For a site with one fleet entry these are the pivot
model's own numbers: the NPV of a plan equals
:func:`hashpivot.engines.pivot.strategy_cash_flows` on the same path, with its terminal
value (a test). With several entries each is a tranche of its own here as in the pivot
model (:mod:`hashpivot.engines.pivot.tranches`); the model displaces the tranche whose
mining is worth least, the pivot model the least efficient first (the same on the
examples), and at a site whose fleet changes over the horizon (dated entries, a later
connection), where the two would often differ, binaries hold the model to pivot's order
(:func:`hashpivot.optimize.displacement_order.least_efficient_first`).

Discounting as the risk engine: ``sum_t cf_t / (1 + r_m)^(t+1)``, month-end flows, ``r_m``
the monthly rate of ``[pivot].discount_rate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from hashpivot import finance
from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot import SiteInputs, availability
from hashpivot.engines.pivot.cost_dates import (
    cost_profile,
    has_dates,
    horizon_share,
    horizon_site,
)
from hashpivot.engines.pivot.fleet import at_costs, site_market
from hashpivot.engines.pivot.hosting_flows import months_after_horizon
from hashpivot.engines.pivot.mining import _site_mining
from hashpivot.engines.pivot.tranches import tranche_site
from hashpivot.engines.pivot.uplift.ppa_term import site_at_horizon
from hashpivot.hosting.project import hosting_cash_flows_from_spec
from hashpivot.market import MarketPaths
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.pivot import PivotSpec, TerminalValueSpec
from hashpivot.optimize.terminal import hosting_terminal_usd_per_mw
from hashpivot.units import MONTHS_PER_QUARTER, MONTHS_PER_YEAR


@dataclass(frozen=True)
class Tranche:
    """A block of one site's mining capacity that a conversion displaces.

    Attributes
    ----------
    label : str
        ``"spare"`` (energized capacity no machine uses) or the fleet entry's label.
    gross_mw : float
        MW of the tranche at the meter, site overhead included. [MW]
    hashrate_th_s : float
        Hashrate of the tranche (0 for spare capacity). [TH/s]
    uptime_fraction : float
        Uptime of its machines. [-]
    efficiency_j_per_th : float
        Efficiency of its machines (NaN for spare capacity). [J/TH]
    installed : (str or None, str or None)
        Its entry's ``start`` and ``end`` (:mod:`hashpivot.engines.pivot.availability`).
    purchase_usd_per_th : float
        Its entry's purchase price, paid in the month of its start when planned. [USD/TH]
    entry : int or None
        Its fleet entry's position in ``SiteInputs.fleet_entries``: a dispatching site's
        tranche takes that entry's own curve (:func:`~hashpivot.engines.pivot.tranches.
        tranche_site`; a swap's unit, its entry's layers); None for spare capacity and
        a swap's band (its members have theirs).
    members : tuple of Tranche
        A band of a swap's slot (:mod:`~hashpivot.mining.slots`): the entries that
        occupy it in turn, each on the band's MW between its dates (a MW of the band loses
        the sum of theirs); empty for a block of one entry. The band's own hashrate,
        uptime and efficiency are its first entry's.
    """

    label: str
    gross_mw: float
    hashrate_th_s: float
    uptime_fraction: float
    efficiency_j_per_th: float
    installed: tuple[str | None, str | None] = (None, None)
    purchase_usd_per_th: float = 0.0
    members: tuple[Tranche, ...] = ()
    entry: int | None = None

    @property
    def units(self) -> tuple[Tranche, ...]:
        """The blocks of machines a MW of it holds in turn: its members, or itself."""
        return self.members or (self,)

    @property
    def is_spare(self) -> bool:
        """True for capacity that no machine uses."""
        return self.hashrate_th_s <= 0


@dataclass(frozen=True)
class HostingCoefficients:
    """Per-MW hosting coefficients of one (site, lease terms) pair, by start quarter.

    Attributes
    ----------
    npv_usd_per_mw : ndarray (Q,)
        Discounted unlevered hosting flows per gross MW starting in each quarter, the
        terminal value included. [USD/MW]
    capex_usd_per_mw_by_month : ndarray (Q, T + M)
        Operator capex per gross MW by month, the M months after the horizon included
        (at least the build's). [USD/MW]
    flow_usd_per_mw : ndarray (Q, T)
        The undiscounted monthly flows within the horizon. [USD/MW]
    terminal_value_usd_per_mw : ndarray (Q,)
        The part of ``npv_usd_per_mw`` after the horizon
        (:func:`hashpivot.optimize.terminal.hosting_terminal_usd_per_mw`). [USD/MW]
    capex_total_usd_per_mw : ndarray (Q,)
        Operator capex per gross MW of the whole build, the months after the horizon
        included (a hall started late in the horizon is finished after it). [USD/MW]
    """

    npv_usd_per_mw: FloatArray
    capex_usd_per_mw_by_month: FloatArray
    flow_usd_per_mw: FloatArray
    terminal_value_usd_per_mw: FloatArray
    capex_total_usd_per_mw: FloatArray


class TrancheFlows(NamedTuple):
    """Monthly flows per MW of one mining tranche, on every path, shape (P, T). [USD/MW]

    Attributes
    ----------
    net : ndarray
        ``ebitda - replacement_capex``. [USD/MW]
    resale : ndarray
        Resale of the machines of one MW released in each month. [USD/MW]
    ebitda : ndarray
        Mining revenue - power - the site's variable opex (months mined; a dispatching
        site's in proportion to the energy it mines) and fixed site opex (every month)
        + the dispatch uplift. [USD/MW]
    replacement_capex : ndarray
        Fleet replacement capex. [USD/MW]
    running : ndarray (T,)
        Share of each month the tranche runs: installed and its site connected
        (:func:`~hashpivot.engines.pivot.availability.running_share`). [-]
    retires : bool
        Its machines leave before the horizon ends (its entry's ``end``): a MW of it
        forgoes no terminal value.
    terminal_ebitda : ndarray or None
        ``ebitda`` with the site's cost items as they stand on the horizon's last day
        (:func:`~hashpivot.engines.pivot.cost_dates.horizon_share`), whose final year the
        terminal value takes; the same array where no item is dated. [USD/MW]
    """

    net: FloatArray
    resale: FloatArray
    ebitda: FloatArray
    replacement_capex: FloatArray
    running: FloatArray
    retires: bool = False
    terminal_ebitda: FloatArray | None = None


def discount_factors(discount_rate: float, n_months: int) -> FloatArray:
    """Month-end discount factors ``(1 + r_m)^-(t+1)``, ``r_m = (1 + r)^(1/12) - 1``. [-]"""
    return finance.discount_factors(float(finance.periodic_rate(discount_rate)), n_months)


def hosting_coefficients(
    site: SiteInputs,
    spec: HostingProjectSpec,
    n_quarters: int,
    periods: pd.PeriodIndex,
    discount_rate: float,
    tv: TerminalValueSpec | None = None,
) -> HostingCoefficients:
    """Per-MW hosting flows of ``site`` under ``spec`` for every start quarter at once.

    Parameters
    ----------
    site : SiteInputs
        The site (its power price is the hall's under modified gross).
    spec : HostingProjectSpec
        Hosting terms (the site's, with a tenant's lease terms).
    n_quarters : int
        Start quarters ``0 .. Q-1`` (months ``0, 3, 6, ...``). [-]
    periods : pandas.PeriodIndex
        The horizon's T months.
    discount_rate : float
        Annual rate of the hosting line. [1/year]
    tv : TerminalValueSpec, optional
        ``[pivot.terminal_value]``; None: nothing after the horizon.
    """
    n = len(periods)
    n_after = (  # the leases' remaining terms, or at least the build
        months_after_horizon(spec) if tv is not None and tv.hosting_method == "contract"
        else int(spec.construction_months)
    )
    later = pd.period_range(periods[-1] + 1, periods=n_after, freq="M")
    days = np.concatenate([np.asarray(periods.days_in_month, dtype=float),
                           np.asarray(later.days_in_month, dtype=float)])
    starts = MONTHS_PER_QUARTER * np.arange(n_quarters, dtype=float)
    hcf = hosting_cash_flows_from_spec(
        spec, np.ones(n_quarters), starts, days, site.power_price_usd_per_mwh
    )
    flow = (
        hcf.hosting_revenue_usd
        - hcf.power_cost_usd
        - hcf.opex_usd
        - hcf.operator_capex_usd
        + hcf.prepayment_usd
    )
    flow = np.asarray(flow[:, :n], dtype=np.float64)
    terminal = (
        hosting_terminal_usd_per_mw(tv, hcf, n, discount_rate)
        if tv is not None else np.zeros(n_quarters)
    )
    return HostingCoefficients(
        npv_usd_per_mw=flow @ discount_factors(discount_rate, n) + terminal,
        capex_usd_per_mw_by_month=np.asarray(hcf.operator_capex_usd, dtype=np.float64),
        flow_usd_per_mw=flow,
        terminal_value_usd_per_mw=terminal,
        capex_total_usd_per_mw=np.asarray(hcf.operator_capex_usd.sum(axis=1), dtype=np.float64),
    )


def site_tranches(
    site: SiteInputs, entries: list[tuple[str, float, float, float]]
) -> list[Tranche]:
    """The tranches of a site: spare capacity first, then each fleet entry.

    Parameters
    ----------
    site : SiteInputs
        Resolved site (capacity and overhead).
    entries : list of (label, hashrate [TH/s], ASIC power [W], uptime [-])
        The site's fleet entries (count included): ``site.fleet_entries``.

    Returns
    -------
    list of Tranche
        Spare capacity (``capacity_mw`` less the fleet, at least 0), then one tranche per
        entry in file order. Where the entries draw more together than ``capacity_mw``
        (dated one after the other), a swap's bands in pivot's order
        (:func:`_band_tranches`), or where no slots fit
        (:mod:`hashpivot.mining.slots`), the entries with the least efficient cut to the
        capacity, MW and hashrate alike, as pivot mines them.
    """
    out: list[Tranche] = []
    spare = max(0.0, site.capacity_mw - site.fleet_power_mw)
    out.append(Tranche("spare", spare, 0.0, 0.0, float("nan")))
    if site.fleet_bands:  # a swap: a tranche per band of its slots, in pivot's order
        return out + _band_tranches(site, entries)
    full = [watts * site.power_overhead_factor / 1e6 for _, _, watts, _ in entries]
    mws = list(full)
    # entries dated one after the other may draw more together than the capacity (the
    # file checks those installed at the same time); the forward engines take them all
    # throughout, and pivot mines at most the capacity, the least efficient displaced
    # first from the start (:func:`~hashpivot.engines.pivot.tranches.tranche_mw`)
    over = sum(full) - site.capacity_mw
    for i in sorted(range(len(entries)), key=lambda i: _most_j_per_th_first(entries[i])):
        cut = min(max(over, 0.0), mws[i])
        mws[i] -= cut
        over -= cut
    windows = site.fleet_windows or ((None, None),) * len(entries)
    prices = site.fleet_purchase_usd_per_th or (0.0,) * len(entries)
    for j, ((label, hr, watts, up), mw, whole, window, price) in enumerate(zip(
            entries, mws, full, windows, prices, strict=True)):
        kept = mw / whole if whole > 0 else 0.0
        out.append(Tranche(label, mw, hr * kept, up, watts / hr if hr > 0 else float("nan"),
                           window, price, entry=j))
    return out


def _band_tranches(site: SiteInputs, entries: list[tuple[str, float, float, float]]
                   ) -> list[Tranche]:
    """A swapping site's bands as tranches (:mod:`~hashpivot.mining.slots`), in
    the order pivot displaces them
    (:func:`hashpivot.optimize.displacement_order.efficiency_order` keeps it), each
    member the unit pivot mines (its ``entry``: its position in ``entries``)."""
    out: list[Tranche] = []
    units = [Tranche(label, watts * site.power_overhead_factor / 1e6, hr, up,
                     watts / hr if hr > 0 else float("nan"), window, price, entry=j)
             for j, ((label, hr, watts, up), window, price) in enumerate(zip(
                 entries, site.fleet_windows, site.fleet_purchase_usd_per_th, strict=True))]
    for band in dict.fromkeys(site.fleet_bands):
        members = tuple(u for u, b in zip(units, site.fleet_bands, strict=True) if b == band)
        first = members[0]
        out.append(Tranche(first.label, first.gross_mw, first.hashrate_th_s,
                           first.uptime_fraction, first.efficiency_j_per_th,
                           members=members))
    return out


def _most_j_per_th_first(entry: tuple[str, float, float, float]) -> float:
    """Sort key of a fleet entry: the most J/TH first (0 without hashrate)."""
    _, hr, watts, _ = entry
    return -watts / hr if hr > 0 else 0.0


def mining_flows_per_mw(
    site: SiteInputs,
    tranche: Tranche,
    spec: PivotSpec,
    market: MarketPaths,
    replace_fleet: bool = True,
    reference: MarketPaths | None = None,
) -> TrancheFlows:
    """Monthly mining flows and machine resale per MW of one tranche, on every path.

    Parameters
    ----------
    site : SiteInputs
        The site (power price, pool fee, overhead, scaled opex).
    tranche : Tranche
        A fleet tranche (not spare capacity).
    spec : PivotSpec
        Fleet decay and replacement settings.
    market : MarketPaths
        The paths.
    replace_fleet : bool
        False: no fleet replacement (a rule forbids new mining capacity).
    reference : MarketPaths, optional
        One-path market whose relative trajectory forecasts the hash price at each fleet
        replacement decision (the paths' center: no look-ahead); None = each path is
        its own forecast (deterministic paths).

    Returns
    -------
    TrancheFlows
        Net flows, machine resale, EBITDA and replacement capex per MW. [USD/MW]
    """
    # the tranche as a site of its own, with its share of the site's cost items (their
    # amounts per MW are the site's: the fleet replacement decision reads them per MW),
    # as pivot mines a site's fleet entries
    t_site = tranche_site(site, tranche.gross_mw, tranche.hashrate_th_s,
                          tranche.uptime_fraction, tranche.installed,
                          tranche.purchase_usd_per_th, entry=tranche.entry)
    if not replace_fleet:
        spec = spec.model_copy(update={"fleet_replacement_years": None})
    # each MW mines while installed and its site connected, as pivot mines it
    running = availability.running_share(t_site, market.periods)
    tv_site = horizon_site(t_site, market.periods) if has_dates(site) else None
    # (and with the dispatch curve in force at the horizon: a PPA's term, uplift/ppa_term.py)
    tv_site = site_at_horizon(tv_site or t_site, market.periods) or tv_site
    sm = site_market(t_site, spec, market, reference) if tv_site is not None else None
    m = _site_mining(t_site, running, spec, market, sm, reference=reference)
    # each cost item between its dates (cost_dates.py), as pivot pays them
    scaled_per_mw = (site.scaled_opex_usd_per_month / site.fleet_power_mw
                     * cost_profile(t_site, "variable", market.periods))
    fixed_per_mw = (site.fixed_mining_opex_usd_per_month / site.fleet_power_mw
                    * cost_profile(t_site, "fixed_mining", market.periods))
    ebitda = np.asarray(
        m["mining_revenue"] - m["power_cost"]
        - (scaled_per_mw * m["running"] + fixed_per_mw) * running,
        dtype=np.float64,
    )  # (a [sites.dispatch] site's flexibility is in the revenue and power cost)
    # the terminal value's final year: the items as they stand on the horizon's last
    # day, its months mined again with the variable ones so where they are dated in it
    m_tv = m if tv_site is None or sm is None else _site_mining(
        tv_site, running, spec, market, at_costs(sm, tv_site, market))
    if has_dates(site):
        terminal_ebitda = np.asarray(
            m_tv["mining_revenue"] - m_tv["power_cost"]
            - (site.scaled_opex_usd_per_month / site.fleet_power_mw
               * horizon_share(site, "variable", market.periods) * m_tv["running"]
               + site.fixed_mining_opex_usd_per_month / site.fleet_power_mw
               * horizon_share(site, "fixed_mining", market.periods)) * running,
            dtype=np.float64)
    elif m_tv is not m:  # (mined again with the curve in force at the horizon)
        terminal_ebitda = np.asarray(
            m_tv["mining_revenue"] - m_tv["power_cost"]
            - (scaled_per_mw * m_tv["running"] + fixed_per_mw) * running, dtype=np.float64)
    else:
        terminal_ebitda = ebitda
    # its revenue a year later (the subsidy moved on), as pivot takes the final year
    k = min(MONTHS_PER_YEAR, market.n_periods)
    ahead = market.year_ahead_revenue_factor(k)
    if np.any(ahead != 1.0):
        terminal_ebitda = np.array(np.broadcast_to(terminal_ebitda, ebitda.shape))
        terminal_ebitda[:, -k:] += (np.atleast_2d(m_tv["mining_revenue"])[:, -k:]
                                    * (ahead - 1.0))
    replacement = np.broadcast_to(np.asarray(m["replacement_capex"], dtype=np.float64),
                                  ebitda.shape)
    net = ebitda - replacement
    k_buy = availability.purchase_month(t_site, market.periods)
    if k_buy is not None:  # a planned entry's purchase, saved by a MW displaced before it
        net = net.copy()
        net[:, k_buy] -= (t_site.fleet_hashrate_th_s / t_site.fleet_power_mw
                          * t_site.purchase_usd_per_th)
    h = site.hosting
    if h.asic_disposition == "sell":  # machines displaced while installed are sold
        resale = (m["released_th_s_per_mw"] * h.asic_resale_usd_per_th
                  * availability.owned_share(
                      availability.installed_share(*tranche.installed, market.periods), k_buy,
                      availability.never_runs(t_site)))
    else:
        resale = np.zeros_like(net)
    return TrancheFlows(net, np.broadcast_to(resale, net.shape), ebitda, replacement, running,
                        availability.retires_within(t_site, market.periods), terminal_ebitda)


def mining_loss_per_mw(
    net: FloatArray, resale: FloatArray, disc: FloatArray, n_quarters: int
) -> tuple[FloatArray, FloatArray]:
    """Value lost per MW displaced in each start quarter, and the full mining value.

    Returns
    -------
    loss : ndarray (P, Q)
        ``sum_{t >= 3q} disc_t net_t - disc_{3q} resale_{3q}``. [USD/MW]
    full : ndarray (P,)
        ``sum_t disc_t net_t``: the tranche's mining value over the horizon. [USD/MW]
    """
    pv = net * disc
    tail = np.cumsum(pv[:, ::-1], axis=1)[:, ::-1]  # tail[:, t] = sum_{s >= t}
    months = MONTHS_PER_QUARTER * np.arange(n_quarters)
    loss = tail[:, months] - (resale * disc)[:, months]
    return loss, tail[:, 0].copy()
