"""The simple strategies of ``optimize`` (:mod:`hashpivot.optimize.strategies`) convert as
fast as the build crews, the tenants and the rules allow: each quarter filled up to the
build capacity, each tenant from its ``earliest_start``. They started a site's every MW
in the first quarter any offer could start there, with only the tenants open then: the
demo's convert_all_now started 150 MW in 2026Q2 with a capacity of 100 and converted ~150
of the ~325 MW its tenants could take, so it was infeasible for the build capacity."""

from __future__ import annotations

import numpy as np

from hashpivot.optimize import OptimizeConfig, optimize_plan, resolve_problem
from hashpivot.optimize.strategies import simple_strategies

from .optimize_inputs import portfolio, site_toml


def _tenant(name: str, it_mw: float, site: str, earliest: str | None = None) -> str:
    start = f'earliest_start = "{earliest}"\n' if earliest else ""
    return (f'\n[[optimize.tenants]]\nname = "{name}"\nit_mw = {it_mw}\n'
            f'lease_usd_per_kw_month = 150.0\nsites = ["{site}"]\n{start}')


def _paced_portfolio(budget_usd_per_year: float | None = None):  # type: ignore[no-untyped-def]
    """Sites A and B of 50 MW each, 25 MW a quarter of build capacity, halls of 25 MW at
    PUE 1.25; tenant E (20 IT MW = 25 MW) at A from the start, M (100 IT MW) at A from
    2026Q2, L (40 IT MW = 50 MW) at B from 2026Q3."""
    budget = ("" if budget_usd_per_year is None
              else f"equity_budget_usd_per_year = {budget_usd_per_year}\n")
    tail = ("\n[optimize]\nblock_mw = 25.0\nbuild_mw_per_quarter = 25.0\n" + budget
            + _tenant("E", 20.0, "A") + _tenant("M", 100.0, "A", "2026Q2")
            + _tenant("L", 40.0, "B", "2026Q3"))
    return portfolio(site_toml("A"), site_toml("B"), years=3, tail=tail)


def _schedule(p, x):  # type: ignore[no-untyped-def]
    """{(quarter, site, tenant): MW} of a conversion array."""
    return {(p.quarters[q], p.sites[p.offer_site[o]].name, p.tenants[p.offer_tenant[o]].name):
            float(x[o, q]) for o, q in zip(*np.nonzero(x), strict=True)}


def test_the_simple_strategies_convert_as_fast_as_build_tenants_and_rules_allow() -> None:
    """By hand: 2026Q1 only E is open (25 MW at A); 2026Q2 M takes A's other 25 MW (E has
    none left); 2026Q3 and 2026Q4 L takes B's 50 MW, 25 a quarter (the build capacity).
    Half: 25 MW a site, as soon as a tenant there opens; only_<site>: that site's."""
    p = resolve_problem(_paced_portfolio(), source="test.toml")
    assert p.quarters[0] == "2026Q1" and p.build_mw_per_quarter == 25.0
    assert p.site_limit_mw.tolist() == [50.0, 50.0]
    s = simple_strategies(p)
    assert _schedule(p, s["convert_all_now"]) == {
        ("2026Q1", "A", "E"): 25.0, ("2026Q2", "A", "M"): 25.0,
        ("2026Q3", "B", "L"): 25.0, ("2026Q4", "B", "L"): 25.0}
    assert _schedule(p, s["convert_half_now"]) == {
        ("2026Q1", "A", "E"): 25.0, ("2026Q3", "B", "L"): 25.0}
    assert _schedule(p, s["only_A"]) == {("2026Q1", "A", "E"): 25.0,
                                         ("2026Q2", "A", "M"): 25.0}
    assert _schedule(p, s["only_B"]) == {("2026Q3", "B", "L"): 25.0,
                                         ("2026Q4", "B", "L"): 25.0}
    assert not s["keep_mining"].any()
    for x in s.values():  # never above the build capacity, never where no offer may start
        assert x.sum(axis=0).max() <= p.build_mw_per_quarter
        assert np.all(x <= p.x_upper_mw)


def test_a_paced_strategy_is_infeasible_only_for_the_money() -> None:
    """Within the build capacity every simple strategy is feasible when the money is
    there; with 100 M USD of equity a year the halls' capex breaks the budget, and that is
    the reason given (not the build capacity)."""
    cfg = OptimizeConfig(n_scenarios=2, seed=3, evpi_scenarios=1, two_stage=False,
                         deterministic=True)
    rich = optimize_plan(_paced_portfolio(), cfg).to_json()["strategies"]
    assert all(v["feasible"] and v["infeasible_reason"] is None for v in rich.values()), rich
    assert rich["convert_all_now"]["converted_mw"] == 100.0
    poor = optimize_plan(_paced_portfolio(100e6), cfg).to_json()["strategies"]
    every = poor["convert_all_now"]
    assert every["feasible"] is False
    reasons = every["infeasible_reason"].split("; ")
    assert reasons and all(r.startswith("equity capex budget at year ") for r in reasons), \
        reasons
    assert poor["keep_mining"]["feasible"] is True
