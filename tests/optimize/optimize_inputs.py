"""Small portfolios for the decision-engine tests (and the tests of other engines that
compare with it): fixed market start and fixed scenario parameters (no bundled-data
dependence, no calibration)."""

from __future__ import annotations

from typing import Any

from hashpivot.models import Portfolio, parse_portfolio
from tests.portfolio_toml import Table, contract, machines, site, site_opex, table, toml_text

#: the market from 2026-01 (``[pivot]`` but its horizon)
_MARKET = table(
    discount_rate=0.10, start="2026-01", btc_price_usd=100000.0, btc_price_growth_per_year=0.0,
    network_hashrate_th_s=1.0e9, network_hashrate_growth_per_year=0.2, fees_btc_per_block=0.03,
    start_height=930000, fleet_replacement_years=4,
)
#: every scenario parameter fixed (``[scenario]``)
_SCENARIO = table(
    btc_volatility_per_year=0.6, hashrate_elasticity=0.5, hashrate_volatility_per_year=0.1,
    price_hashrate_correlation=0.3, fees_lognormal_sigma=0.3,
)


def site_toml(name: str, *, capacity: float = 50.0, count: int = 12_000,
              hashrate: float = 200.0, price: float = 45.0, lease: float = 160.0,
              region: str = "PJM", state: str = "PA", kind: str = "fixed",
              market: str | None = None, adder: float | None = None,
              dispatch: Table | None = None, cost_items: list[Table] | None = None,
              **fields: Any) -> str:
    """One ``[[sites]]`` table: 12,000 x 3.5 kW x 1.05 = 44.1 MW of miners by default, a
    ``kind`` contract (on ``market`` if index; its ``adder`` [USD/MWh] if given),
    ``[sites.dispatch]`` if given,
    ``cost_items`` (default: 1 M USD/year of site staff, a fixed item); ``fields`` are
    more site fields (``power_source``, ``iso``...)."""
    hosting = table(pue=1.25, shell_capex_usd_per_it_mw=3.0e6, fit_out_capex_usd_per_it_mw=5.0e6,
                    construction_months=9, lease_usd_per_kw_month=lease, lease_term_years=10,
                    asic_resale_usd_per_th=4.0)
    one = site(name, contract(price, kind, market=market, adder_usd_per_mwh=adder),
               machines(f"{name} miners", hashrate, 3500.0, count, uptime_fraction=0.95),
               cost_items=cost_items or [site_opex("site staff", 1.0e6)], hosting=hosting,
               dispatch=dispatch,
               region=region, state=state, capacity_mw=capacity, **fields)
    return toml_text(sites=[one])


def portfolio_text(*sites: str, years: int = 10, tail: str = "", **market: Any) -> str:
    """TOML of a portfolio of the given sites with a fixed market start; ``market``
    replaces fields of ``[pivot]``."""
    header = toml_text(name="optimizer test",
                       pivot=table(horizon_years=years, **{**_MARKET, **market}),
                       scenario=_SCENARIO)
    return header + "".join(sites) + tail


def portfolio(*sites: str, years: int = 10, tail: str = "", **market: Any) -> Portfolio:
    """A portfolio of the given sites with a fixed market start (``market``: as
    :func:`portfolio_text`)."""
    return parse_portfolio(portfolio_text(*sites, years=years, tail=tail, **market),
                           "test.toml")


#: ``[pivot.terminal_value]`` without a terminal value (the NPVs stop at the horizon)
NO_TV = "\n[pivot.terminal_value]\nmining_method = 'none'\nhosting_method = 'none'\n"


def keep_mining_npv_usd(pf: Portfolio, months: int, start: str = "2026-01") -> float:
    """Keep-mining's unlevered NPV on the deterministic path of ``months`` months from
    ``start`` (with the terminal value ``pf`` asks for: none with :data:`NO_TV`). [USD]"""
    import pandas as pd

    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.discounting import line_rates, unlevered_npv_usd

    assert pf.pivot is not None
    market = pivot.deterministic_market(pf, pd.Period(start, "M"), months)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("keep_mining"), market)
    return float(unlevered_npv_usd(cf, line_rates(pf.pivot))[0])


def engines_center_npvs_usd(pf: Portfolio, convert_mw: float, convert_from: str
                            ) -> dict[str, dict[str, float]]:
    """Keep-mining's and one conversion's NPV with the terminal value on the central path,
    as ``simulate`` (its deterministic path) and the optimizer (``value_fixed`` on the
    zero-volatility coefficients, every tenant signing) give them: ``{"simulate":
    {"keep": ..., "convert": ...}, "optimize": {...}}``. The conversion is
    ``convert_mw`` [MW] of the first offer (the portfolio's first site) from
    ``convert_from`` (``YYYY-MM``, a quarter's first month), as ``pivot``'s phase
    ``(site, convert_from, convert_mw)``. [USD]"""
    import numpy as np

    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.optimize import ObjectiveSpec, resolve_problem
    from hashpivot.optimize.center_path import expected_value_coefficients
    from hashpivot.optimize.evaluate import value_fixed
    from hashpivot.optimize.run import coefficient_task, scenario_params

    r = simulate(pf, SimulationConfig(n_paths=4, seed=1, chunk_paths=4,
                                      convert_mw=convert_mw, convert_start=convert_from))
    det = r.deterministic_npv_with_terminal_value_usd
    mw = f"{convert_mw:g}"
    out = {"simulate": {"keep": float(det["keep_mining"]),
                        "convert": float(det[f"convert_{mw}mw_{convert_from}"])}}
    p = resolve_problem(pf, continuous=True)
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    q = [str(m) for m in p.quarter_start_months].index(convert_from)
    x = np.zeros((p.n_offers, p.n_quarters))
    x[0, q] = convert_mw
    out["optimize"] = {
        name: float(value_fixed(p, c, ObjectiveSpec(), name, x_plan,
                                time_limit_s=300.0).npv_usd[0])
        for name, x_plan in (("keep", 0.0 * x), ("convert", x))}
    return out


def pivot_plan_npv_usd(pf: Portfolio, phases: tuple[Any, ...], start: Any, months: int
                       ) -> float:
    """The pivot engine's NPV of a plan on the deterministic path, its terminal value
    included, the portfolio valued at once (pivot abandons each tranche and each site
    that loses money at the horizon, as the decision model floors each tranche).

    Parameters
    ----------
    pf : Portfolio
    phases : tuple of pivot.ConversionPhase
    start : pandas.Period
        First month.
    months : int
        Horizon. [month]
    """
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.discounting import line_rates, unlevered_npv_usd
    from hashpivot.engines.pivot.terminal import terminal_value

    assert pf.pivot is not None
    rates = line_rates(pf.pivot)
    market = pivot.deterministic_market(pf, start, months)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("plan", phases), market)
    tv = terminal_value(cf, pf.pivot.terminal_value, rates.mining, rates.hosting)
    return float(unlevered_npv_usd(cf, rates)[0] + tv.present_value_usd[0])
