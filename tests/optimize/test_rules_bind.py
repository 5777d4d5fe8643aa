"""What each regulation rule binds on in a plan (``optimize.evaluate.binding_rules``): a
decision of the plan (``plan``), its value only (``value``), or nothing, said in words a
reader can check: distinct start quarters and the tenants whose starts are kept out."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from hashpivot.models import Portfolio, load_portfolio
from hashpivot.optimize import OptimizeConfig, optimize_plan

EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio.toml"


def _example_at_average_rents() -> Portfolio:
    """The example with each tenant's deal-average rent as its first-year rent (154, 121,
    104 USD/kW/month: what the file gave until 2026-12-06), rich enough for the LP
    relaxation to want halls inside the ERCOT study delay, which the rule keeps out."""
    from hashpivot.hosting import average_rate_usd_per_kw_month

    pf = load_portfolio(EXAMPLE)
    assert pf.optimize is not None
    tenants = [t.model_copy(update={"lease_usd_per_kw_month": round(float(
        average_rate_usd_per_kw_month(t.lease_usd_per_kw_month, t.lease_escalator_per_year,
                                      t.lease_term_years)))})
        for t in pf.optimize.tenants]
    assert [t.lease_usd_per_kw_month for t in tenants] == [154, 121, 104]
    return pf.model_copy(update={"optimize": pf.optimize.model_copy(
        update={"tenants": tenants})})


def test_the_example_rules_bind_on_the_plan_or_on_its_value() -> None:
    pf = _example_at_average_rents()
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False), source=str(EXAMPLE))
    rules = {(row.site, row.rule_id): row for row in r.rules.itertuples()}
    # the hypothetical New York rule stops the fleet's replacement: the plan's value, not
    # a restriction on a decision the optimizer takes
    ny = rules[("Finger Lakes Gas", "ny_pow_moratorium_extension_hypothetical")]
    assert (ny.binds, ny.binds_on) == (True, "value")
    fee = rules[("Pecos PPA", "tx_sb6_study_fee")]
    assert (fee.binds, fee.binds_on, fee.detail) == (True, "value", "100,000 USD paid")
    registration = rules[("Pecos PPA", "tx_sb1929_registration")]
    assert (registration.binds, registration.binds_on) == (False, "")
    # the ERCOT study delay keeps out starts: distinct quarters within the delay, named
    study = rules[("Pecos PPA", "ercot_large_load_study")]
    assert study.binds_on == "plan"
    m = re.fullmatch(r"keeps out starts in (\d+) quarters \((\d{4}Q\d)-(\d{4}Q\d)\) that the "
                     r"LP relaxation would use \((.+)\)", study.detail)
    assert m, study.detail
    q0 = pd.Period(r.inputs["quarters"][0], "Q")  # the plan's first quarter
    first, last = ((pd.Period(q, "Q") - q0).n for q in (m[2], m[3]))
    # within the 2-quarter study delay from the first quarter, each quarter counted once
    assert 0 <= first <= last < study.value == 2
    assert 1 <= int(m[1]) <= last - first + 1
    tenants = {t.name for t in pf.optimize.tenants}
    assert set(m[4].split(", ")) <= tenants


def test_start_quarters_kept_out_are_named_as_they_are() -> None:
    """Consecutive quarters as a range, others one by one (a range would count more)."""
    from types import SimpleNamespace

    from hashpivot.optimize.evaluate import _quarter_span

    p = SimpleNamespace(quarters=["2025Q4", "2026Q1", "2026Q2", "2026Q3"])
    assert _quarter_span(p, [1]) == "2026Q1"  # type: ignore[arg-type]
    assert _quarter_span(p, [0, 1, 2]) == "3 quarters (2025Q4-2026Q2)"  # type: ignore[arg-type]
    assert _quarter_span(p, [0, 2]) == "2 quarters (2025Q4, 2026Q2)"  # type: ignore[arg-type]


def test_each_rule_is_told_as_pivot_tells_it_with_what_it_does_in_the_plan() -> None:
    """optimize's rules table said "obligation recorded" where pivot prints the rule's
    summary (Texas SB 1929: who must register, and that an AI hall is no such facility),
    and "the plan would not start earlier" without the delay: each row now says what the
    rule does in pivot's words, then what it does in this plan."""
    from hashpivot.engines.pivot.regulation import regulation_findings
    from hashpivot.models.pivot import PivotSpec
    from hashpivot.optimize import resolve_problem
    from hashpivot.reports.tables.optimize import rule_rows

    pf = load_portfolio(EXAMPLE)
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False), source=str(EXAMPLE))
    p = resolve_problem(pf, source=str(EXAMPLE))
    facts, _ = regulation_findings({s.name: e for s, e in zip(p.sites, p.effects, strict=True)},
                                   [], pf.pivot or PivotSpec(), p.start)
    pivot_says = {(f["site"], f["rule_id"]): f["what"] for f in facts}
    rows = r.to_json()["applicable_rules"]
    assert {(row["site"], row["rule_id"]): row["what"] for row in rows} == pivot_says
    cells = {rule_id: detail for _, rule_id, _, detail, _ in rule_rows(rows)[0]}
    summary = next(row["summary"] for row in rows if row["rule_id"] == "tx_sb1929_registration")
    assert cells["tx_sb1929_registration"] == (
        f"an obligation recorded (no effect on the figures): {summary}")
    assert cells["ercot_large_load_study"].startswith(
        "no conversion in the first 2 quarters (a study); ")
