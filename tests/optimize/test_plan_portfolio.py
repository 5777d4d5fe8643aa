"""The optimized plan written as a portfolio (``optimize --out``'s ``plan_portfolio.toml``):
pivot values its ``phased`` strategy as the optimizer values the plan, each hall at its
tenant's lease."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hashpivot.engines import pivot
from hashpivot.models import Portfolio, parse_portfolio, validate_data
from hashpivot.optimize import OptimizeConfig, optimize_plan
from hashpivot.optimize.plan_portfolio import (
    plan_portfolio_document,
    plan_portfolio_notes,
    plan_portfolio_toml,
)
from hashpivot.reports.tables.optimize import center_path_lines
from tests.portfolio_toml import site_opex, table

from .optimize_inputs import pivot_plan_npv_usd, portfolio, site_toml

#: two tenants whose leases are all unlike the sites' (160 and 120 USD/kW/month, 3 %/yr,
#: 10 years); T1 only at A, T2 only at B, so C converts nothing
TENANTS = """
[optimize]
block_mw = 10.0

  [[optimize.tenants]]
  name = "T1"
  it_mw = 30.0
  lease_usd_per_kw_month = 175.0
  lease_escalator_per_year = 0.025
  lease_term_years = 8
  sites = ["A"]

  [[optimize.tenants]]
  name = "T2"
  it_mw = 40.0
  lease_usd_per_kw_month = 150.0
  lease_term_years = 12
  sites = ["B"]
"""


def _portfolio() -> Portfolio:
    return portfolio(site_toml("A", capacity=60.0), site_toml("B", lease=120.0, price=30.0),
                     site_toml("C", price=30.0), years=8, tail=TENANTS)


def test_pivot_values_the_plan_portfolio_as_the_optimizer_values_the_plan() -> None:
    pf = _portfolio()
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False))
    # teeth: halls for both tenants, not at every site (one gets phased_tranches = 0)
    assert set(r.plan["tenant"]) == {"T1", "T2"}
    assert set(r.plan["site"]) < {"A", "B", "C"}
    doc = plan_portfolio_document(pf, r.plan.to_dict("records"),
                                 r.inputs["horizon_months"] // 12)
    plan_pf = validate_data(Portfolio, doc, "plan_portfolio.toml")
    strategies = pivot.build_strategies(plan_pf)
    assert [s.name for s in strategies] == ["keep_mining", "phased"]
    phased = strategies[1]
    assert [(p.site, str(p.start), p.gross_mw, p.tenant) for p in phased.phases] == [
        (row.site, row.start_month, row.gross_mw, row.tenant) for row in r.plan.itertuples()
    ]
    assert dict(phased.phases[0].lease)["lease_usd_per_kw_month"] in (175.0, 150.0)
    start = pd.Period(r.inputs["start"], "M")
    months = r.inputs["horizon_months"]
    ref = pivot_plan_npv_usd(plan_pf, phased.phases, start, months)
    # same arithmetic in another order: agreement to 1e-9 relative
    assert r.expected_npv_usd == pytest.approx(ref, rel=1e-9)
    assert float(r.baseline_npv_usd.mean()) == pytest.approx(
        pivot_plan_npv_usd(plan_pf, (), start, months), rel=1e-9)
    # the result says the same: on the central path both engines give the plan one value
    check = r.center_path_check
    assert check["optimizer_value_over_keep_usd"] == pytest.approx(
        check["npv_with_tv_vs_keep_usd"], rel=1e-9)
    assert check["npv_with_tv_vs_keep_usd"] == pytest.approx(
        ref - pivot_plan_npv_usd(plan_pf, (), start, months), rel=1e-9)
    assert check["npv_after_tax_with_tv_vs_keep_usd"] is None  # no [pivot.tax]
    # the site's own terms for the plan would give another value: the leases count
    site_terms = tuple(pivot.ConversionPhase(p.site, p.start, p.gross_mw)
                       for p in phased.phases)
    assert abs(pivot_plan_npv_usd(plan_pf, site_terms, start, months) - ref) > 1e6


@pytest.mark.parametrize(("sga_usd_per_year", "bystanders"), [(0.0, 0), (8e6, 0), (8e6, 7)])
def test_with_tenants_that_may_not_sign_both_engines_expect_one_value(
        sga_usd_per_year: float, bystanders: int) -> None:
    """T1 signs with 0.6, T2 with 0.8, at separate sites: the optimizer's value of the plan
    over the signings is pivot's expected value over the four outcomes of the signings, on
    the central path. Without cash SG&A the model is linear in the signings (their
    expectation is the value of the expected MW); with 8 M USD/year of it a site, past
    the floor of the mining line, it is not, and the optimizer values each outcome (a
    review found 183.35 against pivot's 188.54 M USD, the floor of the expected MW). Seven
    more uncertain tenants the plan does not build for (a lease too low) count for
    nothing: they made nine uncertain tenants, over the eight valued one by one, and the
    linear expectation came back (a second review)."""
    tail = (TENANTS.replace('sites = ["A"]', 'probability_signing = 0.6\n  sites = ["A"]')
            .replace('sites = ["B"]', 'probability_signing = 0.8\n  sites = ["B"]'))
    tail += "".join(f"""
  [[optimize.tenants]]
  name = "D{i}"
  it_mw = 5.0
  lease_usd_per_kw_month = 5.0
  lease_term_years = 8
  probability_signing = 0.5
  sites = ["C"]
""" for i in range(bystanders))
    items = [site_opex("site staff", 1.0e6)] + (
        [table(name="corporate", category="sga_cash", usd_per_year=sga_usd_per_year)]
        if sga_usd_per_year else [])
    market = ({"btc_price_growth_per_year": 0.10, "network_hashrate_growth_per_year": 0.0}
              if sga_usd_per_year else {})
    pf = portfolio(site_toml("A", capacity=60.0, cost_items=items),
                   site_toml("B", lease=120.0, price=30.0, cost_items=items),
                   site_toml("C", price=30.0, cost_items=items), years=8, tail=tail, **market)
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False))
    assert set(r.plan["tenant"]) == {"T1", "T2"}
    check = r.center_path_check
    expected = check["optimizer_expected_over_signings_usd"]
    assert expected == pytest.approx(check["expected_npv_with_tv_vs_keep_usd"], rel=1e-9)
    # teeth: below the value with every tenant signing, above nothing
    assert 0 < expected < check["optimizer_value_over_keep_usd"]
    lines = center_path_lines(r.to_json())
    assert lines[1].startswith("with each tenant signing as likely as the file says: "
                               f"{expected / 1e6:,.1f} M USD here")


def test_the_file_reads_back_and_runs_in_pivot(tmp_path: Path) -> None:
    pf = _portfolio()
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                         two_stage=False))
    text = plan_portfolio_toml(pf, r.to_json(), str(tmp_path / "in.toml"))
    assert text.startswith("# The plan of `hashpivot optimize")
    for note in plan_portfolio_notes(r.to_json()):
        assert f"# - {note}" in text
    back = parse_portfolio(text, "plan_portfolio.toml")
    assert back.model_dump() == validate_data(
        Portfolio, plan_portfolio_document(pf, r.plan.to_dict("records"), 8), "x").model_dump()
    res = pivot.run_pivot(back)
    assert [s.strategy.name for s in res.strategies] == ["keep_mining", "phased"]
    assert res.strategies[1].strategy.converted_gross_mw == pytest.approx(
        r.plan["gross_mw"].sum())
    halls = res.to_json_dict()["strategies"]["phased"]["phases"]
    assert {h["tenant"] for h in halls} == {"T1", "T2"}
    # the tornado's lease bar is a factor on each hall's rent
    lease = res.tornado.set_index("variable").loc["lease_usd_per_kw_month"]
    assert (lease["unit"], lease["low_input"], lease["high_input"]) == ("x rent", 0.8, 1.2)


def test_sites_without_halls_convert_nothing_and_files_stay_found(tmp_path: Path) -> None:
    pf = _portfolio()
    plan = [{"site": "B", "start_month": "2026-04", "gross_mw": 10.0,
             "tenant": "B (site terms)"}]
    assert pf.optimize is not None
    pf.optimize.rules_file = "rules/extra.csv"
    doc = plan_portfolio_document(pf, plan, 8, tmp_path)
    hosting = [s["hosting"] for s in doc["sites"]]
    assert [h.get("phased_tranches") for h in hosting] == [0, None, 0]
    assert hosting[1]["phases"] == [{"start": "2026-04", "gross_mw": 10.0}]  # site terms
    assert doc["optimize"]["rules_file"] == str(tmp_path.resolve() / "rules" / "extra.csv")
    assert doc["pivot"]["strategies"] == ["phased"]
    assert doc["pivot"]["horizon_years"] == 8
    assert "start" not in doc["pivot"] or doc["pivot"]["start"] == "2026-01"  # the file's
    pinned = plan_portfolio_document(pf, plan, 8, start="2026-01")
    assert pinned["pivot"]["start"] == "2026-01"


def test_a_hall_carries_its_tenants_probability_of_signing() -> None:
    pf = portfolio(site_toml("A", capacity=60.0), site_toml("B", lease=120.0, price=30.0),
                   years=8, tail=TENANTS.replace('sites = ["A"]',
                                                 'probability_signing = 0.7\n  sites = ["A"]'))
    rows = [{"site": "A", "start_month": "2026-04", "gross_mw": 10.0, "tenant": "T1"},
            {"site": "B", "start_month": "2026-07", "gross_mw": 12.0, "tenant": "T2"}]
    doc = plan_portfolio_document(pf, rows, 8)
    halls = [h for s in doc["sites"] for h in s["hosting"]["phases"]]
    assert [h.get("probability_signing") for h in halls] == [0.7, None]  # T2 signs surely
    res = pivot.run_pivot(validate_data(Portfolio, doc, "plan_portfolio.toml"))
    sig = res.strategy("phased").signing
    assert sig is not None and [t["tenant"] for t in sig["tenants"]] == ["T1"]


def test_the_notes_name_what_pivot_does_not_value_as_the_optimizer() -> None:
    results = {
        "plan": [{"site": "A", "start_month": "2026-04", "gross_mw": 10.0, "tenant": "T1"},
                 {"site": "B", "start_month": "2026-07", "gross_mw": 10.0, "tenant": "T2"}],
        "binding_rules": [
            {"rule_id": "r1", "site": "A", "effect": "forbid_new_mining", "detail": "x"},
            {"rule_id": "r2", "site": "B", "effect": "add_cost_usd",
             "detail": "100,000 USD paid"},
            {"rule_id": "r3", "site": "B", "effect": "report_load", "detail": "recorded"},
        ],
        "assumptions": {
            "n_scenarios": 50, "seed": 7, "chunk_scenarios": 250,
            "tenants": [{"name": "T1", "probability_signing": 0.7},
                        {"name": "T2", "probability_signing": 1.0},
                        {"name": "T3", "probability_signing": 0.5}],  # not in the plan
            "sites": [{"name": "A", "dispatch_uplift_usd_per_mw_month": 0.0,
                       "tranches": [{"label": "S21"}, {"label": "S19"}]},
                      {"name": "B", "dispatch_uplift_usd_per_mw_month": 2371.4,
                       "tranches": [{"label": "spare"}, {"label": "S21"}]},
                      {"name": "C", "tranches": [{"label": "S21"}, {"label": "S19"}]}],
        },
    }
    assert plan_portfolio_notes(results) == [
        "pivot values the plan on the central market path, simulate on Monte Carlo paths "
        "(with the optimizer's seed, 7, its chunk size, 250 paths, and 50 paths, the "
        "optimizer's scenarios; other settings draw other paths of the same law); the "
        "optimizer's expected NPV averages its 50 scenarios",
        "the halls for T1 carry the tenant's probability_signing: simulate draws the "
        "signings per path as the optimizer draws them per scenario (simulate on this "
        "file with the optimizer's seed, 7, and its chunk size, 250 paths, runs the "
        "optimizer's scenarios, each tenant signing on the same ones); pivot's table builds "
        "every hall (as if the tenant signs) and a line under it gives the expected NPV "
        "over the signings",
    ]  # (fleets of several entries are mined tranche by tranche, the least efficient
    # displaced first, by all three; the dispatch uplift of B, and the rules (no new
    # mining at A, a fee at B): valued alike, no note)


def test_with_tax_the_check_gives_pivots_after_tax_value_of_the_plan() -> None:
    """The optimizer plans pre-tax; with ``[pivot.tax]`` its result also gives pivot's
    after-tax value of the plan (a zero rate: the pre-tax value, exactly as pivot's own)."""
    taxed = portfolio(site_toml("A", capacity=60.0), years=8,
                      tail="\n[pivot.tax]\nincome_tax_rate = 0.21\n")
    zero = portfolio(site_toml("A", capacity=60.0), years=8,
                     tail="\n[pivot.tax]\nincome_tax_rate = 0.0\n")
    cfg = OptimizeConfig(deterministic=True, evpi_scenarios=1, two_stage=False)
    t, z = (optimize_plan(pf, cfg).center_path_check for pf in (taxed, zero))
    assert z["npv_after_tax_with_tv_vs_keep_usd"] == pytest.approx(
        z["npv_with_tv_vs_keep_usd"], rel=1e-12)
    assert t["npv_after_tax_with_tv_vs_keep_usd"] != pytest.approx(
        t["npv_with_tv_vs_keep_usd"], rel=1e-3)  # teeth: the tax changes it


def test_the_summary_says_when_pivot_could_not_value_the_plan() -> None:
    """The center-path check is a check: when pivot refuses the plan portfolio
    (``optimize_plan`` keeps the plan and records ``pivot_error``), the summary says why;
    a result stored before the check has no such line."""
    from hashpivot.reports.tables.optimize import center_path_lines

    refused = {"center_path_check": {"optimizer_value_over_keep_usd": 12.3e6,
                                     "pivot_error": "sites[0].hosting.phases: too many MW"}}
    (line,) = center_path_lines(refused)
    assert "adds 12.3 M USD over keep-mining here" in line
    assert "pivot could not value its plan portfolio: sites[0].hosting.phases" in line
    assert center_path_lines({}) == []


def test_the_file_names_the_two_engines_values_over_the_signings() -> None:
    """Where the optimizer and pivot value the signings differently (the example's two
    tenants share sites: each hall displaces the same machines whoever else signs in the
    optimizer's linear model), the plan file says by how much, with both figures."""
    results = {
        "plan": [{"site": "A", "start_month": "2026-04", "gross_mw": 10.0, "tenant": "T1"}],
        "assumptions": {"n_scenarios": 5,
                        "tenants": [{"name": "T1", "probability_signing": 0.6}]},
        "center_path_check": {"optimizer_expected_over_signings_usd": 305.46e6,
                              "expected_npv_with_tv_vs_keep_usd": 303.71e6},
    }
    note = plan_portfolio_notes(results)[-1]
    assert note.startswith(
        "with each tenant signing as likely as the file says, on the central path the plan "
        "adds 305.5 M USD over keep-mining in the optimizer and 303.7 in pivot on this file "
        "(difference +1.8: the optimizer's value is linear in the signings")
    results["center_path_check"]["expected_npv_with_tv_vs_keep_usd"] = 305.47e6
    assert plan_portfolio_notes(results)[-1].endswith(
        "in pivot on this file (equal: the signings do not interact here)")
    # no signing to tell, or no pivot figure: no such note
    results["center_path_check"] = {"optimizer_expected_over_signings_usd": 305.46e6}
    assert not any("linear in the signings" in n for n in plan_portfolio_notes(results))


def test_a_deterministic_plan_file_says_what_the_optimizer_valued() -> None:
    """``--deterministic`` values one scenario with every tenant signing: the file's notes
    say so (they used to speak of its scenarios' average and of drawn signings)."""
    results = {
        "plan": [{"site": "A", "start_month": "2026-04", "gross_mw": 10.0, "tenant": "T1"}],
        "assumptions": {"n_scenarios": 1, "deterministic": True,
                        "tenants": [{"name": "T1", "probability_signing": 0.6}]},
    }
    first, signing = plan_portfolio_notes(results)
    assert first.endswith("the optimizer valued it on one deterministic scenario (the "
                          "central path, every tenant signing)")
    assert "averages" not in first
    assert "the optimizer (deterministic) had every tenant sign" in signing

