"""What the plan cannot use of its inputs, said in a note at the input's path
(optimize/input_notes.py).

An ``[[optimize.tenants]]`` entry of more IT MW than every site it may lease at can convert
together: the plan leases it what there is (a partial lease, as when the budget binds),
and until 2026-12-07 never said that the rest could not be had (examples/portfolio.toml
with Hyperscaler A at 5,000 IT MW: 200 IT MW leased, no word). An
``equity_budget_usd_per_year`` list longer than the years the plan pays capex in: the
values past them were ignored without a word.
"""

from __future__ import annotations

from hashpivot.optimize import resolve_problem
from hashpivot.optimize.input_notes import budget_notes, late_tenant_notes, tenant_size_notes
from hashpivot.optimize.inputs import PlanProblem
from tests.portfolio_toml import table, toml_text

from .optimize_inputs import portfolio, site_toml


def _problem(it_mw: float = 5000.0, start: str = "2026Q1",
             sites: list[str] | None = None) -> PlanProblem:
    """Sites A (50 MW) and B (30 MW), and two tenants: Small (10 IT MW) and Huge."""
    tenants = [table(name="Small", it_mw=10.0, lease_usd_per_kw_month=150.0),
               table(name="Huge", it_mw=it_mw, lease_usd_per_kw_month=150.0,
                     earliest_start=start, sites=sites)]
    tail = "\n" + toml_text(optimize=table(block_mw=5.0, tenants=tenants))
    return resolve_problem(portfolio(site_toml("A", capacity=50.0),
                                     site_toml("B", capacity=30.0, count=6000),
                                     years=4, tail=tail))


def test_a_tenant_larger_than_every_site_together_is_named_at_its_it_mw() -> None:
    p = _problem()
    # A: min(convertible, capacity) 50 MW, B 30 MW, both at PUE 1.25: 64 IT MW together
    [note] = tenant_size_notes(p)
    assert note == (
        "optimize.tenants[1].it_mw: tenant Huge would lease 5,000 IT MW, more than every "
        "site it may lease at can convert together (64 IT MW: A 40, B 24, gross MW / PUE): "
        "the plan leases it at most 64 IT MW")
    # a tenant beyond 1,000 IT MW and sites of fractions: the figures as written
    assert "would lease 9,876.5 IT MW" in tenant_size_notes(_problem(it_mw=9876.5))[0]
    assert not tenant_size_notes(_problem(it_mw=60.0))
    # its sites limit it: B alone, 24 IT MW
    [note] = tenant_size_notes(_problem(it_mw=30.0, sites=["B"]))
    assert "(24 IT MW: B 24, gross MW / PUE)" in note


def test_a_tenant_after_the_horizon_is_named_at_its_earliest_start() -> None:
    [note] = late_tenant_notes(_problem(it_mw=10.0, start="2199Q1"))
    assert note.startswith("optimize.tenants[1].earliest_start: tenant Huge: its "
                           "earliest_start is after the plan's last quarter (2029Q4)")


def test_budget_years_past_the_plan_are_named() -> None:
    tail = "\n[optimize]\nequity_budget_usd_per_year = [1e8, 2e8, 3e8, 4e8, 5e8, 6e8]\n"
    p = resolve_problem(portfolio(site_toml("A"), years=2, tail=tail))
    n_y = len(p.budget_usd_per_year)
    assert n_y < 6
    [note] = budget_notes(p)
    assert note == (
        f"optimize.equity_budget_usd_per_year: values {n_y + 1} to 6 not used: the plan "
        f"pays capex in {n_y} model years (the horizon's, and those a hall started near its "
        "end is still paid in)")
    short = "\n[optimize]\nequity_budget_usd_per_year = [1e8, 2e8]\n"
    assert not budget_notes(resolve_problem(portfolio(site_toml("A"), years=2, tail=short)))
