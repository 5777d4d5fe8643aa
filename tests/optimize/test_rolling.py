"""A rolling plan: --fixed-through fixes the committed decisions and nothing else."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio
from hashpivot.optimize import OptimizeConfig, PlanResult, optimize_plan, resolve_problem

from .optimize_inputs import portfolio, site_toml

COMMITTED = """
[optimize]
block_mw = 25.0
  [[optimize.committed]]
  site = "A"
  quarter = "2026Q2"
  gross_mw = {mw}
"""


def test_committed_decisions_are_kept_and_later_ones_free() -> None:
    pf = portfolio(site_toml("A", capacity=75.0, lease=220.0), years=8,
                   tail=COMMITTED.format(mw=25.0))
    cfg = OptimizeConfig(deterministic=True, evpi_scenarios=1, two_stage=False,
                         fixed_through="2026Q3")
    r = optimize_plan(pf, cfg)
    early = r.plan[r.plan["quarter"].map(lambda q: pd.Period(q, "Q") <= pd.Period("2026Q3"))]
    assert early[["quarter", "gross_mw"]].values.tolist() == [["2026Q2", 25.0]]
    assert early["committed"].all()
    assert (r.plan["gross_mw"].sum()) > 25.0  # later quarters still convert
    free = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                            two_stage=False))
    assert free.expected_npv_usd >= r.expected_npv_usd - 1e-6 * abs(free.expected_npv_usd)


def test_committed_mw_must_be_whole_blocks() -> None:
    pf = portfolio(site_toml("A"), tail=COMMITTED.format(mw=30.0))
    with pytest.raises(InputError) as exc:
        resolve_problem(pf, fixed_through="2026Q4")
    assert exc.value.problems[0].path == "optimize.committed[0].gross_mw"


def test_dispatch_sites_carry_the_flexibility_uplift() -> None:
    # an index contract on the bundled ERCOT market: dispatch curtails on 15-minute prices
    site = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
            "market": "ercot:HB_WEST"}
    flat = resolve_problem(portfolio(site_toml("A", **site)))
    flexible = resolve_problem(portfolio(site_toml(
        "A", **site, dispatch={"availability_fraction": 0.95})))
    assert flat.uplift_usd_per_mw_month[0] == 0.0
    # curtailing a 29 J/TH fleet in price spikes earns something on ERCOT 2024 prices
    assert flexible.uplift_usd_per_mw_month[0] > 0.0
    assert "dispatch" in flexible.notes[0]


PIPELINE = """
[optimize]
block_mw = 25.0
  [[optimize.tenants]]
  name = "T"
  it_mw = 30.0
  lease_usd_per_kw_month = 150.0
  lease_term_years = 10
  sites = ["Alpha"]
"""


def _entry(site: str, quarter: str, mw: float, tenant: str | None = "T") -> str:
    named = f'\n  tenant = "{tenant}"' if tenant is not None else ""
    return (f'\n  [[optimize.committed]]\n  site = "{site}"\n  quarter = "{quarter}"\n'
            f"  gross_mw = {mw}{named}\n")


def _pipeline(*entries: str, it_mw: float = 30.0) -> Portfolio:
    """Sites Alpha and Beta, tenant T (``it_mw`` [MW], at Alpha) and these entries."""
    return portfolio(site_toml("Alpha"), site_toml("Beta"), years=4,
                     tail=PIPELINE.replace("30.0", f"{it_mw}") + "".join(entries))


@pytest.mark.parametrize("fixed_through", [None, "2026Q4"])
def test_every_committed_entry_is_checked_at_its_field_with_the_file(
        fixed_through: str | None) -> None:
    """An audit's cases: 5,000 MW committed at a 50 MW site made the plan model
    infeasible (an error naming no file or field) with --fixed-through, and was silently
    ignored without it, as were a site nobody has, a quarter of 1990 and a tenant not
    offered at the site ("tenant None is not offered"). Each is reported at its field,
    with the file, all together, whether or not --fixed-through is given."""
    pf = _pipeline(_entry("Alpha", "2026Q1", 5000),       # over the site and the tenant
                   _entry("Gamma", "2026Q1", 25),         # no such site
                   _entry("Alpha", "2090Q1", 25),         # after the horizon
                   _entry("Alpha", "2026Q1", 25, None),   # no tenant: no site terms offered
                   _entry("Beta", "2026Q1", 25),          # T does not take Beta
                   _entry("alpha", "2026Q2", 25),         # fine (the site found by case)
                   _entry("Alpha", "2026Q3", 25))         # 50 MW committed to T: 40 IT MW
    with pytest.raises(InputError) as info:
        resolve_problem(pf, fixed_through=fixed_through, source="plan.toml")
    problems = info.value.problems
    assert {p.source for p in problems} == {"plan.toml"}
    paths = [p.path for p in problems]
    assert paths == ["optimize.committed[0].gross_mw", "optimize.committed[0].gross_mw",
                     "optimize.committed[1].site", "optimize.committed[2].quarter",
                     "optimize.committed[3].tenant", "optimize.committed[4].tenant",
                     "optimize.committed[6].gross_mw"]
    text = {p.path + ": " + p.message for p in problems}
    assert any("5000 MW" in t and "Alpha can convert" in t for t in text)
    assert any("2090Q1 is after the horizon 2026Q1..2029Q4" in t for t in text)
    assert not any("None" in t for t in text)


def test_committed_entries_without_fixed_through_are_noted_not_fixed() -> None:
    """They fix decisions only with --fixed-through (up to its quarter): a plan without it
    says it chose those quarters freely, as one fixed through an earlier quarter says of
    the later entries."""
    pf = _pipeline(_entry("Alpha", "2026Q2", 25), _entry("Alpha", "2027Q1", 25), it_mw=40)
    free = resolve_problem(pf)
    assert (free.x_lower_mw == 0).all()
    assert len(free.committed_notes) == 1
    assert "2 [[optimize.committed]] entries" in free.committed_notes[0]
    assert "`fixed_through`" in free.committed_notes[0]
    part = resolve_problem(pf, fixed_through="2026Q4")
    assert part.x_lower_mw.sum() == 25.0
    assert "optimize.committed[1]" in part.committed_notes[0]
    assert not resolve_problem(pf, fixed_through="2027Q1").committed_notes


def test_a_committed_entry_naming_an_unknown_tenant_is_reported_at_its_tenant() -> None:
    with pytest.raises(InputError) as info:
        _pipeline(_entry("Alpha", "2026Q2", 25, "Nobody"))
    (problem,) = info.value.problems
    assert problem.path == "optimize.committed[0].tenant"
    assert problem.message == ("no tenant named 'Nobody'; give one of [[optimize.tenants]]: "
                               "T")


def test_a_committed_entry_before_the_plan_is_history_not_an_error() -> None:
    """An entry before the plan's first quarter (the default start moves with `data
    update`: a file that ran would fail after an update, a review) is said and left out of
    the plan, with or without --fixed-through."""
    pf = _pipeline(_entry("Alpha", "1990Q1", 25), _entry("Alpha", "2026Q2", 25), it_mw=40)
    for fixed in (None, "2026Q4"):
        p = resolve_problem(pf, fixed_through=fixed, source="plan.toml")
        (note,) = [n for n in p.committed_notes if "1990Q1" in n]
        assert note.startswith("optimize.committed[0] (Alpha, 1990Q1, 25 MW) is before the "
                               "plan's first quarter 2026Q1: not part of the plan")
        # (where such a hall belongs: [[sites.hosting.in_service]], not the phases,
        # which may not start before the model)
        assert "[[sites.hosting.in_service]]" in note and "phases" not in note
    assert resolve_problem(pf, fixed_through="2026Q4").x_lower_mw.sum() == 25.0


def test_committed_conversions_over_the_budget_are_an_input_error() -> None:
    """25 MW committed in 2026Q2 and fixed, with an equity budget of 1 M USD a year: the
    plan model is infeasible. It was a solver error naming no file or field (exit 1); it
    is an input error at the committed conversions, with the file."""
    tail = COMMITTED.format(mw=25.0).replace(
        "block_mw = 25.0", "block_mw = 25.0\nequity_budget_usd_per_year = 1e6")
    pf = portfolio(site_toml("A", capacity=75.0, lease=220.0), years=8, tail=tail)
    cfg = OptimizeConfig(deterministic=True, evpi_scenarios=1, two_stage=False,
                         fixed_through="2026Q3")
    with pytest.raises(InputError) as exc:
        optimize_plan(pf, cfg, source="plan.toml")
    # (the one entry, every model year it pays in: it fits no year's 1 M USD)
    problem = exc.value.problems[0]
    assert (problem.path, problem.source) == ("optimize.committed[0].gross_mw", "plan.toml")
    assert problem.message.startswith("model year 1 (2026-01..2026-12)")
    assert "optimize.equity_budget_usd_per_year = 1.0 M USD" in problem.message
    # without the fixed quarters the same file plans within its budget
    assert optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                            two_stage=False)).plan is not None


def _committed_hall_plan(lease_usd_per_kw_month: float) -> PlanResult:
    """A 25 MW hall committed at site A in 2026Q2 for tenant T (100 IT MW), the site and
    the tenant at this first-year rent [USD/kW/month], planned on 4 scenarios."""
    tail = COMMITTED.format(mw=25.0) + '  tenant = "T"\n' + f"""
[[optimize.tenants]]
name = "T"
it_mw = 100.0
lease_usd_per_kw_month = {lease_usd_per_kw_month}
"""
    pf = portfolio(site_toml("A", capacity=75.0, lease=lease_usd_per_kw_month), years=4,
                   tail=tail)
    return optimize_plan(pf, OptimizeConfig(n_scenarios=4, seed=1, evpi_scenarios=1,
                                            two_stage=False, fixed_through="2026Q2"))


def test_keep_mining_is_one_baseline_and_the_commitments_a_row_of_their_own() -> None:
    """With committed conversions the value table's ``keep_mining`` row converted them
    (25 MW, E[NPV] 136.0 M USD on the reviewer's case) while the summary's "value over
    keep-mining", the out-of-sample and central-path checks and pivot measured against
    mining everywhere (62.6): one word, two baselines in one output."""
    r = _committed_hall_plan(220.0)
    rows = {s.name: s for s in r.strategies}
    keep = rows["keep_mining"]
    assert keep.feasible and float(keep.conversion_mw.sum()) == 0.0
    assert keep.expected_npv_usd == pytest.approx(float(r.baseline_npv_usd.mean()), rel=1e-9)
    committed = rows["committed_only"]
    assert committed.feasible and float(committed.conversion_mw.sum()) == 25.0
    # mining everywhere is not open once the conversion is committed: not a simple
    # strategy the plan is compared with
    assert r.best_simple.name != "keep_mining"
    assert r.to_json()["value_over_best_simple_usd"] == pytest.approx(
        r.expected_npv_usd - r.best_simple.expected_npv_usd)


def test_mining_everywhere_is_not_the_best_simple_strategy_once_a_hall_is_committed() -> None:
    """The exclusion itself: a committed hall at a rent below mining's value (40
    USD/kW/month), so keep-mining (17.0 M USD) beats every strategy still open (-59.1).
    The test above cannot tell, its keep-mining being the worst row anyway."""
    r = _committed_hall_plan(40.0)
    rows = {s.name: s for s in r.strategies}
    assert rows["keep_mining"].expected_npv_usd > max(
        s.expected_npv_usd for n, s in rows.items() if n != "keep_mining")
    assert r.best_simple.name == "committed_only"
    assert r.to_json()["value_over_best_simple_usd"] == pytest.approx(
        r.expected_npv_usd - rows["committed_only"].expected_npv_usd)


#: a 100 MW Texas site on ERCOT: the bundled ERCOT large-load study keeps conversions out
#: of the horizon's first two quarters (2026Q1, 2026Q2)
_ERCOT = {"capacity": 100.0, "region": "ERCOT", "state": "TX", "iso": "ERCOT"}


@pytest.mark.parametrize("fixed_through", [None, "2026Q3"])
def test_a_committed_conversion_in_a_quarter_regulation_bars_is_reported_at_its_quarter(
        fixed_through: str | None) -> None:
    """The plan's free conversions start no earlier than the rules allow, but a committed
    entry in a barred quarter was fixed there silently (with --fixed-through: a plan
    starting a hall inside the ERCOT study delay, valued as if allowed). It is a problem
    at the entry's quarter, naming the rule and the first quarter allowed."""
    tail = COMMITTED.format(mw=25.0).replace('site = "A"', 'site = "Alpha"')
    pf = portfolio(site_toml("Alpha", **_ERCOT), years=4, tail=tail)
    with pytest.raises(InputError) as info:
        resolve_problem(pf, fixed_through=fixed_through, source="plan.toml")
    (problem,) = info.value.problems
    assert (problem.path, problem.source) == ("optimize.committed[0].quarter", "plan.toml")
    assert "ercot_large_load_study" in problem.message
    assert "2026Q2" in problem.message and "first quarter allowed is 2026Q3" in problem.message
    # the same entry a quarter later is what the rules allow: fixed
    later = portfolio(site_toml("Alpha", **_ERCOT), years=4,
                      tail=tail.replace("2026Q2", "2026Q3"))
    assert resolve_problem(later, fixed_through="2026Q3").x_lower_mw.sum() == 25.0


def test_a_committed_conversion_inside_a_moratorium_or_before_its_tenant_is_reported(
        ) -> None:
    """The other bounds of the free plan hold for committed entries too: a moratorium's
    window (``forbid_conversion``) and the tenant's earliest_start."""
    import dataclasses

    from hashpivot.io.regulation import load_regulation_rules

    base = next(r for r in load_regulation_rules() if r.rule_id == "ercot_large_load_study")
    ban = dataclasses.replace(base, rule_id="test_ban", effect="forbid_conversion",
                              value=float("nan"), isos=(), min_load_mw=0.0,
                              effective_start=dt.date(2026, 4, 1),
                              effective_end=dt.date(2026, 9, 30))
    pf = _pipeline(_entry("Alpha", "2026Q2", 25), _entry("Alpha", "2026Q4", 25))
    with pytest.raises(InputError) as info:
        resolve_problem(pf, rules=[ban], source="plan.toml")
    (problem,) = info.value.problems
    assert problem.path == "optimize.committed[0].quarter"
    assert "test_ban" in problem.message and "2026-04-01 to 2026-09-30" in problem.message
    assert "first quarter allowed is 2026Q1" in problem.message
    late = PIPELINE.replace('sites = ["Alpha"]', 'sites = ["Alpha"]\n  earliest_start = "2026Q3"')
    pf = portfolio(site_toml("Alpha"), site_toml("Beta"), years=4,
                   tail=late + _entry("Alpha", "2026Q2", 25))
    with pytest.raises(InputError) as info:
        resolve_problem(pf, rules=[])
    (problem,) = info.value.problems
    assert problem.path == "optimize.committed[0].quarter"
    assert "earliest_start 2026Q3" in problem.message
