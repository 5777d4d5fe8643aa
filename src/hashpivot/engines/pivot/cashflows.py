"""Monthly cash flows of a strategy, vectorized over market paths.

:func:`strategy_cash_flows` returns :class:`~hashpivot.engines.pivot.flows.CashFlows`
(arrays of shape ``(n_paths, n_months)``; arrays that do not depend on the market are
read-only broadcast views): per-site mining (fleet decay, economic replacement,
curtailment; :mod:`hashpivot.engines.pivot.mining`), each site's opex, fleet purchases
and terminal-value inputs (this module), the conversion phases' hosting cash flows
(:mod:`hashpivot.engines.pivot.hosting_flows`), ASIC resale and the project debt
(:func:`hashpivot.finance.project_debt_schedule`). The model is described in
:mod:`hashpivot.engines.pivot`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hashpivot import finance
from hashpivot.arrays import sum_padded
from hashpivot.engines.pivot.availability import (
    installed_share,
    never_runs,
    owned_share,
    purchase_month,
    retires_within,
    running_share,
)
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.engines.pivot.cost_dates import (
    cost_profile,
    has_dates,
    horizon_share,
    horizon_site,
    opex_usd_per_month,
)
from hashpivot.engines.pivot.fleet import (
    SiteMarket,
    at_costs,
    market_mining,
    site_market,
    site_shared,
)
from hashpivot.engines.pivot.flows import (
    CashFlows,
    FloatArray,
    HallsAtHorizon,
    MiningAtHorizon,
)
from hashpivot.engines.pivot.hosting_flows import site_hosting_flows
from hashpivot.engines.pivot.inputs import (
    SiteInputs,
    _financing_spec,
    _pivot_spec,
    resolve_sites,
)
from hashpivot.engines.pivot.mining import _site_mining, runs_compiled
from hashpivot.engines.pivot.strategies import ConversionPhase, Strategy
from hashpivot.engines.pivot.terminal import at_horizon_mw
from hashpivot.engines.pivot.tranches import fleet_tranches, tranche_mw
from hashpivot.engines.pivot.uplift.ppa_term import site_at_horizon
from hashpivot.engines.pivot.uplift.supply_stream import site_supply_usd, supply_at_horizon_usd
from hashpivot.engines.standing import standing_portfolio
from hashpivot.hosting.project import HostingCashFlows
from hashpivot.market import MarketPaths
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.pivot import PivotSpec
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models import Portfolio


def _site_cash_flows(
    site: SiteInputs,
    phases: list[ConversionPhase],
    spec: PivotSpec,
    market: MarketPaths,
    shared: SiteMarket | list[SiteMarket] | None = None,
    risk_draws: FloatArray | None = None,
) -> dict[str, Any]:
    """Arrays of one site under a plan: mining (P, T), hosting and opex (T,).

    A site of several fleet entries mines them as tranches, the least efficient displaced
    first (:mod:`~hashpivot.engines.pivot.tranches`; ``shared``: their market arrays, in
    that order).

    With ``risk_draws`` (:func:`hashpivot.hosting.risk.hosting_risk_draws`) and
    ``[sites.hosting.risk]``, ``hosting_paths`` holds the hosting arrays of every path
    (P, T) and ``hosting_after`` is (P, M); ``hosting`` stays the planned (budget) build,
    which sets the converted MW and the project debt.
    """
    n = len(market.periods)
    h = site.hosting
    hosting = site_hosting_flows(site, phases, market, risk_draws)
    converted = hosting.converted_gross_mw
    if h.asic_disposition == "redeploy":
        mining_mw = np.full(n, site.fleet_power_mw)
    else:
        mining_mw = np.clip(
            np.minimum(site.fleet_power_mw, site.capacity_mw - converted), 0.0, None
        )
    start_mw = np.array([min(site.fleet_power_mw, site.capacity_mw)])  # before conversions
    # each block mines while installed and the site connected (availability.py); a
    # conversion displaces its MW, installed or not, least efficient first
    connected = connected_share(site.connection_date, market.periods)
    parts = fleet_tranches(site)
    if parts:  # several fleet entries: a tranche each, the least efficient displaced first
        blocks = list(zip(parts, tranche_mw(parts, mining_mw), tranche_mw(parts, start_mw),
                          shared if isinstance(shared, list) else [None] * len(parts),
                          strict=True))
    else:
        one = shared[0] if isinstance(shared, list) else shared
        blocks = [(site, mining_mw, start_mw, one)]
    k = min(MONTHS_PER_YEAR, n)
    year_ahead = market.year_ahead_revenue_factor(k)
    mining: dict[str, Any] = {}
    resale: FloatArray = np.zeros((1, n))
    opex: FloatArray = np.zeros((1, n))
    ebitda_at_horizon: list[FloatArray] = []
    capex_at_horizon: list[FloatArray] = []
    purchase: FloatArray = np.zeros(n)
    mined_total: FloatArray = np.zeros(n)
    dated = any(b[0].installed != (None, None) for b in blocks)
    compiled = runs_compiled(market.n_paths)
    if compiled:  # (P, T) opex and resale in one compiled pass each, bitwise the same
        from hashpivot.engines.pivot import site_kernel
    one_opex: tuple[FloatArray, FloatArray, FloatArray] | None = None
    for part, mw, start, part_shared in blocks:
        installed = installed_share(*part.installed, market.periods)
        mined_mw = mw * running_share(part, market.periods)  # installed and connected
        mined_total = mined_total + mined_mw
        tv_part = horizon_site(part, market.periods) if has_dates(part) else None
        # (and with the dispatch curve in force at the horizon: a PPA's term, uplift/ppa_term.py)
        tv_part = site_at_horizon(tv_part or part, market.periods) or tv_part
        if tv_part is not None and part_shared is None:  # one fleet for both (below)
            part_shared = site_market(part, spec, market)
        m = _site_mining(part, mined_mw, spec, market, part_shared)
        for key in _MINING_KEYS:
            mining[key] = m[key] if key not in mining else mining[key] + m[key]
        prev = np.concatenate([start, mw[:-1]])
        k_buy = purchase_month(part, market.periods)
        # machines displaced while installed are sold (those not yet bought are not)
        released_mw = np.clip(prev - mw, 0.0, None) * owned_share(installed, k_buy,
                                                                  never_runs(part))
        if h.asic_disposition == "sell" and np.any(released_mw):
            per_mw = m["released_th_s_per_mw"]
            if compiled and np.shape(per_mw) == (market.n_paths, n):
                resale = site_kernel.resale(resale, released_mw, per_mw,
                                            h.asic_resale_usd_per_th)
            else:
                resale = resale + (released_mw[None, :] * per_mw * h.asic_resale_usd_per_th)
        if k_buy is not None:  # a planned entry, bought for the MW no conversion displaced
            purchase[k_buy] += (mw[k_buy] * part.fleet_hashrate_th_s / part.fleet_power_mw
                                * part.purchase_usd_per_th)
        share = mined_mw / part.fleet_power_mw
        # variable items in the share of the month mined (0 or 1; a dispatching site's
        # energy share); fixed site items (staff, insurance) whether the machines run or
        # are curtailed, both for the MW still mining; cash SG&A always (below)
        variable_usd = share * opex_usd_per_month(part, "variable", market.periods)
        fixed_usd = share * opex_usd_per_month(part, "fixed_mining", market.periods)
        running = m["running"]
        if compiled and len(blocks) == 1 and np.shape(running) == (market.n_paths, n):
            # the (P, T) opex with the SG&A after the loop in one pass; here the final
            # year's months only (its terminal value), the same operations
            one_opex = (variable_usd, running, fixed_usd)
            part_opex = variable_usd[None, -k:] * running[:, -k:]
            part_opex += fixed_usd[None, -k:]
        else:
            part_opex = variable_usd[None, :] * running
            part_opex += fixed_usd[None, :]
        opex = part_opex if len(blocks) == 1 else opex + part_opex
        # the tranche's final year at the MW it mines at the horizon, for its terminal
        # value, the cost items as they stand on the horizon's last day (cost_dates.py),
        # its months mined again with the variable ones so where those are dated in it
        m_tv = m
        if tv_part is not None:
            assert part_shared is not None  # (its fleet, taken above)
            m_tv = _site_mining(tv_part, mined_mw, spec, market,
                                at_costs(part_shared, tv_part, market))
        if has_dates(part):
            tv_opex = ((share * (part.scaled_opex_usd_per_month
                                 * horizon_share(part, "variable", market.periods)))[None, :]
                       * m_tv["running"]
                       + (share * (part.fixed_mining_opex_usd_per_month
                                   * horizon_share(part, "fixed_mining", market.periods)))[None, :])
        elif m_tv is not m:  # (mined again with the curve in force at the horizon)
            tv_opex = variable_usd[None, :] * m_tv["running"] + fixed_usd[None, :]
        else:
            tv_opex = part_opex
        e, c = at_horizon_mw(  # (the revenue a year later: the subsidy moved on)
            np.atleast_2d(m_tv["mining_revenue"])[:, -k:] * year_ahead
            - np.atleast_2d(m_tv["power_cost"])[:, -k:] - tv_opex[:, -k:],
            np.atleast_2d(m["replacement_capex"])[:, -k:],
            mined_mw[-k:],
            float(mw[-1]) if mined_mw[-1] > 0 and not retires_within(part, market.periods)
            else 0.0,
        )
        ebitda_at_horizon.append(e)
        capex_at_horizon.append(c)
    # (no site before it connects; each item between its dates)
    sga_share = cost_profile(site, "sga", market.periods)
    sga_usd = site.fixed_opex_usd_per_month * sga_share * connected
    if one_opex is not None:
        opex = site_kernel.site_opex(one_opex[0], one_opex[1], one_opex[2], sga_usd)
    else:
        opex = opex + sga_usd
    if purchase.any():  # fleet capex, after the terminal value's final year took its own
        mining["replacement_capex"] = mining["replacement_capex"] + purchase
    # the contracted supply's worth with no miners: the site's, from its whole fleet's MW,
    # in every strategy alike (a conversion ends no contract; uplift/supply_stream.py), a line
    # of its own (CashFlows.site_supply_usd), not in the mining power cost
    supply = site_supply_usd(site, market)
    paths = (market.n_paths,)
    at_horizon = MiningAtHorizon(
        np.stack([np.broadcast_to(e, paths) for e in ebitda_at_horizon]),
        np.stack([np.broadcast_to(c, paths) for c in capex_at_horizon]),
        # as it stands on the horizon's last day
        site.fixed_opex_usd_per_month * MONTHS_PER_YEAR
        * horizon_share(site, "sga", market.periods),
        supply_at_horizon_usd(site, market, supply),
    )
    return {
        **mining, "resale": resale, "opex": opex,
        "mining_mw": mined_total if dated else mining_mw * connected,
        "at_horizon": at_horizon,
        "hosting": hosting.planned, "hosting_after": hosting.after_horizon_usd,
        "hosting_paths": hosting.paths,
        "halls_at_horizon": (hosting.final_year_ebitda_usd, hosting.final_year_capex_usd),
        "site_supply": supply,
    }


#: The per-path arrays of :func:`_site_cash_flows` summed over the sites.
_PATH_KEYS = (
    "btc", "mining_revenue", "power_cost", "energy", "replacement_capex", "resale", "opex",
)
#: The per-path mining arrays of :func:`~hashpivot.engines.pivot.mining._site_mining`
#: summed over a site's tranches.
_MINING_KEYS = ("btc", "mining_revenue", "power_cost", "energy", "replacement_capex")


def _cash_flows_resolved(
    sites: list[SiteInputs],
    strategy: Strategy,
    market: MarketPaths,
    spec: PivotSpec,
    financing: FinancingSpec | None,
    shared: dict[str, SiteMarket] | None = None,
    hosting_risk: dict[str, FloatArray] | None = None,
) -> CashFlows:
    periods = market.periods
    n = len(periods)
    shape = (market.n_paths, n)
    by_site: dict[str, list[ConversionPhase]] = {}
    for p in strategy.phases:
        by_site.setdefault(p.site, []).append(p)
    z = np.zeros(n)
    # (P, T) sums over the sites: the first site's arrays are taken as they are (adding
    # them to zeros would change nothing: none of them holds a negative zero)
    path_sums: dict[str, FloatArray] = {}
    mining_mw = z.copy()
    h_rev = z.copy()
    h_cash_adj = z.copy()
    h_contract = z.copy()
    h_power = z.copy()
    h_opex = z.copy()
    h_capex = z.copy()
    h_placed = z.copy()  # the hall capex as placed in service (tax depreciation)
    t_capex = z.copy()
    h_energy = z.copy()
    it_mw = z.copy()
    backlog = 0.0
    supply: FloatArray | None = None  # the sites' contracted supply streams, (P, T)
    after_list: list[FloatArray] = []
    at_horizon: list[MiningAtHorizon] = []
    halls: list[tuple[FloatArray, FloatArray]] = []
    draws_list: list[tuple[FloatArray, int]] = []
    ltc = financing.loan_to_cost_fraction if financing is not None else 0.0
    for site in sites:
        s = _site_cash_flows(
            site, by_site.get(site.name, []), spec, market,
            None if shared is None else site_shared(shared, site),
            None if hosting_risk is None else hosting_risk.get(site.name),
        )
        for key in _PATH_KEYS:
            path_sums[key] = s[key] if key not in path_sums else path_sums[key] + s[key]
        mining_mw += s["mining_mw"]
        if s["site_supply"] is not None:
            supply = s["site_supply"] if supply is None else supply + s["site_supply"]
        at_horizon.append(s["at_horizon"])
        halls.append(s["halls_at_horizon"])
        hcf: HostingCashFlows | None = s["hosting"]
        after_list.append(s["hosting_after"])
        ph: dict[str, FloatArray] | None = s["hosting_paths"]
        if ph is not None:  # hosting risk: (P, T) per path
            h_rev = h_rev + ph["hosting_revenue_usd"]
            h_cash_adj = h_cash_adj + ph["prepayment_usd"]
            h_power = h_power + ph["power_cost_usd"]
            h_opex = h_opex + ph["opex_usd"]
            h_capex = h_capex + ph["operator_capex_usd"]
            h_placed = h_placed + ph["operator_capex_in_service_usd"]
            h_energy = h_energy + ph["energy_mwh"]
            it_mw = it_mw + ph["it_mw_in_service"]
        if hcf is not None:
            if ph is None:
                h_rev += hcf.hosting_revenue_usd.sum(axis=0)
                h_cash_adj += hcf.prepayment_usd.sum(axis=0)
                h_power += hcf.power_cost_usd.sum(axis=0)
                h_opex += hcf.opex_usd.sum(axis=0)
                h_capex += hcf.operator_capex_usd.sum(axis=0)
                h_placed += hcf.operator_capex_in_service_usd.sum(axis=0)
                h_energy += hcf.energy_mwh.sum(axis=0)
                it_mw += hcf.it_mw_in_service.sum(axis=0)
            h_contract += hcf.contracted_revenue_usd.sum(axis=0)
            t_capex += hcf.tenant_capex_usd.sum(axis=0)
            backlog += float(hcf.contracted_backlog_usd.sum())
            if ltc > 0:
                for j in range(hcf.operator_capex_usd.shape[0]):
                    draws_list.append((hcf.operator_capex_usd[j] * ltc, int(hcf.ready_index[j])))

    # the regulation rules' one-time costs at the valued sites, with the hall capex of
    # the first month (the study is applied for when the horizon starts)
    fees = sum(usd for name, usd in strategy.site_fees_usd
               if any(site.name == name for site in sites))
    if fees:
        h_capex = h_capex + np.where(np.arange(n) == 0, fees, 0.0)
        h_placed = h_placed + np.where(np.arange(n) == 0, fees, 0.0)  # (as paid)

    btc, mining_rev, power_cost, energy, repl, resale, opex = (
        path_sums[key] if key in path_sums else np.zeros(shape) for key in _PATH_KEYS
    )

    # --- debt (path independent) -----------------------------------------------------------
    draw = z.copy()
    interest = z.copy()
    service = z.copy()
    balloon = 0.0
    if financing is not None and draws_list:
        r = financing.interest_rate / MONTHS_PER_YEAR  # quoted, paid monthly (as treasury)
        n_am = max(1, round(financing.amortization_years * MONTHS_PER_YEAR))
        for d, ready in draws_list:
            sched = finance.project_debt_schedule(d, r, ready, n_am, financing.upfront_fee_fraction)
            draw += sched["draw_usd"]
            interest += sched["interest_usd"]
            service += sched["debt_service_usd"]
            balloon += float(sched["balloon_usd"])

    fixed_part = h_rev - h_opex - h_capex + h_cash_adj  # (T,) or (P, T)
    rows = (h_power, h_opex, h_capex, fixed_part, h_energy)
    if (runs_compiled(market.n_paths) and all(a.ndim == 1 for a in rows)
            and all(a.shape == shape for a in (mining_rev, power_cost, opex, repl, energy))
            and resale.ndim == 2 and resale.shape[0] in (1, shape[0])):
        # the same arithmetic as below in one compiled pass (bitwise the same figures)
        from hashpivot.engines.pivot.flows_kernel import assemble

        out = assemble(mining_rev, power_cost, opex, repl, resale, energy, h_power, h_opex,
                       h_capex, fixed_part, draw - service, h_energy)
        opex_total, capex, energy = out["opex"], out["capex"], out["energy"]
        unlevered, levered = out["unlevered"], out["levered"]
    else:
        # hosting arrays are (T,), or (P, T) with hosting risk: atleast_2d broadcasts both
        power_cost += np.atleast_2d(h_power)
        # adding zeros changes nothing (none of these arrays holds a negative zero): skipped
        opex_total = opex + np.atleast_2d(h_opex) if h_opex.any() else opex
        capex = repl + np.atleast_2d(h_capex) if h_capex.any() else repl
        unlevered = mining_rev - power_cost  # in place from here: the same operations
        unlevered -= opex
        unlevered += np.atleast_2d(fixed_part)
        unlevered -= repl
        unlevered += resale
        levered = unlevered + (draw - service)[None, :]
        if h_energy.any():
            energy = energy + np.atleast_2d(h_energy)
    if supply is not None:  # the sites' contracted supply, a line of its own
        unlevered = unlevered + supply
        levered = levered + supply

    def b(a: FloatArray) -> FloatArray:
        return np.broadcast_to(a, shape)

    return CashFlows(
        periods=periods,
        mining_revenue_usd=mining_rev,
        hosting_revenue_usd=b(h_rev),
        power_cost_usd=power_cost,
        opex_usd=opex_total,
        capex_usd=capex,
        unlevered_fcf_usd=unlevered,
        debt_service_usd=b(service),
        levered_fcf_usd=levered,
        btc_mined=btc,
        energy_mwh=energy,
        contracted_revenue_usd=b(h_contract),
        asic_resale_usd=b(resale),
        prepayment_usd=b(h_cash_adj),
        hosting_capex_usd=b(h_capex),
        hosting_capex_in_service_usd=b(h_placed),
        replacement_capex_usd=repl,
        tenant_capex_usd=b(t_capex),
        debt_draw_usd=b(draw),
        debt_balloon_usd=balloon,
        interest_usd=b(interest),
        mining_mw=b(mining_mw),
        it_mw_in_service=b(it_mw),
        contracted_backlog_usd=backlog,
        hosting_power_cost_usd=b(h_power),
        hosting_opex_usd=b(h_opex),
        hosting_fcf_after_horizon_usd=sum_padded(after_list),
        mining_at_horizon=tuple(at_horizon),
        halls_at_horizon=HallsAtHorizon(*(
            np.concatenate([np.broadcast_to(h[i], (h[i].shape[0], market.n_paths))
                            for h in halls]) for i in (0, 1))),
        site_supply_usd=None if supply is None else b(supply),
    )


def strategy_cash_flows(
    portfolio: Portfolio,
    strategy: Strategy,
    market: MarketPaths,
    site_name: str | None = None,
    shared: dict[str, SiteMarket] | None = None,
    hosting_risk: dict[str, FloatArray] | None = None,
) -> CashFlows:
    """Monthly cash flows of a strategy on every path of a market.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio (sites, ``pivot`` fleet settings, ``financing``).
    strategy : Strategy
        From :func:`build_strategies`.
    market : MarketPaths
        Monthly market, any number of paths; month 0 is ``market.periods[0]``.
    site_name : str, optional
        Restrict to one site (as given to :func:`build_strategies`).
    shared : dict, optional
        The market-only arrays of every site on this market
        (:func:`~hashpivot.engines.pivot.fleet.market_mining`), computed once and shared
        by the strategies valued on it; computed here when not given (the replacement
        decisions then forecast from the portfolio's deterministic market, as in the
        Monte Carlo).
    hosting_risk : dict, optional
        Site name -> uniform draws (P, J, 4) of
        :func:`hashpivot.hosting.risk.hosting_risk_draws`: sites with
        ``[sites.hosting.risk]`` then have per-path hosting cash flows (construction delay,
        capex overrun, lease-up delay, realised tenant default); None = hosting in
        expectation.

    Returns
    -------
    CashFlows
        Arrays of shape (n_paths, n_months). No loop over paths: the hosting side and the
        mining volumes are computed once and broadcast against the market.
    """
    # as it stands on the market's first month (a no-op for the engines, which pass it so)
    portfolio = standing_portfolio(portfolio, market.periods, site_name).portfolio
    sites = resolve_sites(portfolio, site_name)
    if shared is None:  # replacement decided without look-ahead, as with shared=
        shared = market_mining(portfolio, market, site_name)
    return _cash_flows_resolved(
        sites, strategy, market, _pivot_spec(portfolio), _financing_spec(portfolio), shared,
        hosting_risk,
    )


__all__ = ["CashFlows", "FloatArray", "strategy_cash_flows"]
