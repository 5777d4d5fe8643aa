"""Monthly cash flows of a strategy, vectorized over market paths.

:func:`strategy_cash_flows` returns :class:`~hashpivot.engines.pivot.flows.CashFlows`
(arrays of shape ``(n_paths, n_months)``; arrays that do not depend on the market are
read-only broadcast views): each site's flows (mining, opex, fleet purchases, ASIC
resale, terminal-value inputs, its halls' hosting flows, its supply stream and its
halls already in service:
:func:`~hashpivot.engines.pivot.site_flows.site_cash_flows`) summed over the sites, and
the project debt (:func:`hashpivot.finance.project_debt_schedule`). The model is
described in :mod:`hashpivot.engines.pivot`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hashpivot import finance
from hashpivot.arrays import sum_padded
from hashpivot.engines.pivot.fleet import SiteMarket, market_mining, site_shared
from hashpivot.engines.pivot.flows import (
    CashFlows,
    FloatArray,
    HallsAtHorizon,
    MiningAtHorizon,
)
from hashpivot.engines.pivot.inputs import (
    SiteInputs,
    _financing_spec,
    _pivot_spec,
    resolve_sites,
)
from hashpivot.engines.pivot.mining import runs_compiled
from hashpivot.engines.pivot.site_flows import site_cash_flows
from hashpivot.engines.pivot.strategies import ConversionPhase, Strategy
from hashpivot.engines.standing import standing_portfolio
from hashpivot.hosting.project import HostingCashFlows
from hashpivot.market import MarketPaths
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.pivot import PivotSpec
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models import Portfolio


#: The per-path arrays of :func:`~hashpivot.engines.pivot.site_flows.site_cash_flows`
#: summed over the sites.
_PATH_KEYS = (
    "btc", "mining_revenue", "power_cost", "energy", "replacement_capex", "resale", "opex",
)
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
    in_service: FloatArray | None = None  # the sites' halls in service, (T,)
    in_service_after: list[FloatArray] = []
    after_list: list[FloatArray] = []
    at_horizon: list[MiningAtHorizon] = []
    halls: list[tuple[FloatArray, FloatArray]] = []
    draws_list: list[tuple[FloatArray, int]] = []
    ltc = financing.loan_to_cost_fraction if financing is not None else 0.0
    for site in sites:
        s = site_cash_flows(
            site, by_site.get(site.name, []), spec, market,
            None if shared is None else site_shared(shared, site),
            None if hosting_risk is None else hosting_risk.get(site.name),
        )
        for key in _PATH_KEYS:
            path_sums[key] = s[key] if key not in path_sums else path_sums[key] + s[key]
        mining_mw += s["mining_mw"]
        if s["site_supply"] is not None:
            supply = s["site_supply"] if supply is None else supply + s["site_supply"]
        if s["in_service"] is not None:
            net = s["in_service"].net_usd
            in_service = net if in_service is None else in_service + net
            in_service_after.append(s["in_service"].after_horizon_usd)
            # the halls' load counts in the energy (and CO2) as a converted hall's does
            h_energy = h_energy + s["in_service"].energy_mwh
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
    if in_service is not None:  # the sites' halls in service, a line of its own
        unlevered = unlevered + in_service
        levered = levered + in_service

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
        hosting_in_service_usd=None if in_service is None else b(in_service),
        hosting_in_service_after_horizon_usd=(sum_padded(in_service_after)
                                              if in_service_after else None),
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
    sites = resolve_sites(portfolio, site_name, market.periods[0], market.periods[-1])
    if shared is None:  # replacement decided without look-ahead, as with shared=
        shared = market_mining(portfolio, market, site_name)
    return _cash_flows_resolved(
        sites, strategy, market, _pivot_spec(portfolio), _financing_spec(portfolio), shared,
        hosting_risk,
    )


__all__ = ["CashFlows", "FloatArray", "strategy_cash_flows"]
