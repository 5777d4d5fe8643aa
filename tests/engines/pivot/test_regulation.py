"""The regulation rules in ``pivot`` (:mod:`hashpivot.engines.pivot.regulation`): the
rules that apply to a valued site are listed, each strategy that starts inside a study
delay or a moratorium or converts above a cap is named, a fee is paid by the strategies
that convert at the site and a fleet where no new mining is allowed is not replaced (as
``optimize`` does both), and the study delay ends where ``optimize`` lets the same site's
first conversion start."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.engines import pivot as pv
from hashpivot.io.regulation import load_regulation_rules, read_regulation_rules
from hashpivot.models import load_portfolio, parse_portfolio
from hashpivot.optimize import resolve_problem

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
HEADER = ("rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
          "connected_after,connected_before,effect,value,effective_start,effective_end,"
          "source,summary\n")


def _rules(*rows: str) -> list:  # type: ignore[type-arg]
    return read_regulation_rules(io.StringIO(HEADER + "\n".join(rows) + "\n"))


def _regulation_notes(result: pv.PivotResult) -> list[str]:
    """The notes of what breaks a rule (not pivot's values of the strategies started
    when the rules allow)."""
    return [w for w in result.warnings
            if w.startswith("regulation: ") and "started when the rules allow" not in w]


def test_the_example_lists_the_ercot_study_and_names_who_starts_inside_it() -> None:
    r = pv.run_pivot(load_portfolio(EXAMPLES / "pivot-200mw.toml"))
    facts = r.inputs["regulation_rules"]
    assert [(f["site"], f["rule_id"], f["effect"], f["value"]) for f in facts] == [
        ("West Texas 200", "ercot_large_load_study", "study_delay_quarters", 2.0)]
    # the horizon starts 2025-10: two quarters end 2026-03, so 2026-04 is the first month
    # a conversion may start
    assert r.inputs["start"] == "2025-10"
    notes = _regulation_notes(r)
    assert notes == [
        f"regulation: {name}: {mw} MW at 'West Texas 200' start before 2026-04 ({start}), "
        "inside the 2-quarter study delay of ercot_large_load_study (optimize starts no "
        "conversion there earlier)"
        for name, mw, start in (("convert_all", "200.0", "2025-10"),
                                ("convert_100mw_2026-01", "100.0", "2026-01"),
                                ("phased", "66.7", "2025-10"))]
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["West Texas 200: rule ercot_large_load_study"]["value"] == (
        "no conversion in the first 2 quarters (a study)")
    # starting on the first allowed month: no note for that strategy
    later = pv.run_pivot(load_portfolio(EXAMPLES / "pivot-200mw.toml"), convert_mw=100.0,
                         start="2026-04")
    assert not any("convert_100mw_2026-04" in n for n in _regulation_notes(later))


def test_the_study_delay_ends_where_optimize_lets_the_first_conversion_start() -> None:
    text = (EXAMPLES / "pivot-200mw.toml").read_text()
    text += ('\n[optimize]\nblock_mw = 25.0\n\n  [[optimize.tenants]]\n  name = "T"\n'
             "  it_mw = 100.0\n  lease_usd_per_kw_month = 120.0\n")
    pf = parse_portfolio(text, "with-optimize.toml")
    problem = resolve_problem(pf)
    first = int(np.flatnonzero(problem.x_upper_mw[0] > 0)[0])
    assert problem.quarter_start_months[first] == "2026-04"
    assert any("start before 2026-04" in n for n in _regulation_notes(pv.run_pivot(pf)))


def test_a_cap_a_moratorium_a_fee_and_no_new_mining_by_hand() -> None:
    pf = load_portfolio(EXAMPLES / "pivot-200mw.toml")
    pf.pivot.fleet_replacement_years = 4  # type: ignore[union-attr]
    rules = _rules(
        "cap,,,ERCOT,,,,,,cap_mw,150,,,Test cap,150 MW at most",
        "moratorium,,,ERCOT,,,,,,forbid_conversion,,2025-01-01,2026-06-30,Test ban,no "
        "conversion until mid-2026",
        "fee,,,ERCOT,,,,,,add_cost_usd,250000,,,Test fee,a study fee",
        "nomining,,,ERCOT,,,,,,forbid_new_mining,,,,Test,no new miners",
        "register,,,ERCOT,,,,,,record_obligation,,,,Test,register the load",
    )
    r = pv.run_pivot(pf, rules=rules)
    assert {f["rule_id"] for f in r.inputs["regulation_rules"]} == {
        "cap", "moratorium", "fee", "nomining", "register"}
    notes = _regulation_notes(r)
    assert ("regulation: 'West Texas 200' may not add mining capacity (nomining): its "
            "fleet is not replaced, whatever [pivot] fleet_replacement_years says (as in "
            "optimize)") in notes
    assert ("regulation: convert_all: conversion at 'West Texas 200' starting 2025-10 is "
            "forbidden by moratorium (2025-01-01 to 2026-06-30)") in notes
    assert ("regulation: convert_all: converts 200.0 MW at 'West Texas 200', above the "
            "150.0 MW cap of cap") in notes
    assert not any("250,000" in n for n in notes)  # the fee is paid: listed, no note
    assert not any("convert_100mw_2026-01: converts" in n for n in notes)  # 100 <= 150
    assert not any("keep_mining:" in n for n in notes)  # converts nothing
    # the record-only rule is listed with no value, says what it obliges, changes nothing
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["West Texas 200: rule register"]["value"] == (
        "an obligation recorded (no effect on the figures): register the load")
    assert rows["West Texas 200: rule cap"]["value"] == "at most 150.0 MW converted"
    assert rows["West Texas 200: rule fee"]["value"] == (
        "a one-time cost of 250,000 USD, paid in the first month by a strategy that "
        "converts at the site")
    # the fee is the only rule here that moves an NPV (the fleet is not replaced on this
    # path anyway: tests/optimize/test_pivot_equivalence.py has one where it is): paid in
    # the first month, discounted a month at the hosting line's 10 %/year, by every
    # strategy that converts, once however many halls it builds at the site
    base = pv.run_pivot(pf, rules=[])
    fee = 250_000.0 / 1.10 ** (1 / 12)
    assert [s.npv_usd for s in r.strategies] == pytest.approx(
        [s.npv_usd - (fee if s.strategy.phases else 0.0) for s in base.strategies],
        rel=1e-12)
    assert r.strategy("phased").cash_flows.hosting_capex_usd[0, 0] == pytest.approx(
        base.strategy("phased").cash_flows.hosting_capex_usd[0, 0] + 250_000.0)
    assert base.inputs["regulation_rules"] == [] and _regulation_notes(base) == []
    # a rule out of force over the horizon (the New York moratorium ended 2024-11-22)
    ny = [x for x in load_regulation_rules() if x.rule_id == "ny_pow_moratorium_2022"]
    assert pv.run_pivot(pf, rules=ny).inputs["regulation_rules"] == []


def test_the_cli_reads_the_files_rules_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "extra.csv").write_text(
        HEADER + "cap,,,ERCOT,,,,,,cap_mw,120,,,Test cap,120 MW at most\n")
    text = (EXAMPLES / "pivot-200mw.toml").read_text()
    site = tmp_path / "site.toml"
    site.write_text(text + '\n[optimize]\nrules_file = "extra.csv"\n')
    for command in (["pivot"], ["simulate", "--paths", "200"]):
        res = CliRunner().invoke(app, [*command, str(site), "--json"])
        assert res.exit_code == 0, res.output
        assert "above the 120.0 MW cap of cap" in res.stdout
    # a rules file that is not there: every engine stops at its field (the rules shape
    # pivot's and simulate's figures too: fees paid, fleets kept; until 2026-12-06 they
    # ran on the bundled rules alone with a note)
    (tmp_path / "extra.csv").unlink()
    for command in (["pivot"], ["simulate", "--paths", "200"], ["optimize", "--scenarios",
                                                                "2"]):
        res = CliRunner().invoke(app, [*command, str(site)])
        assert res.exit_code == 2, res.output
        # (the field is the portfolio file's: it is named, the missing file in the message)
        assert (f"error: {site}: optimize.rules_file: rules file not found: "
                f"{tmp_path / 'extra.csv'}") in res.output.replace("\n", ""), res.output


def test_simulate_tells_the_same_story_on_the_same_file() -> None:
    from hashpivot.engines.simulate import SimulationConfig, simulate

    pf = load_portfolio(EXAMPLES / "pivot-200mw.toml")
    piv = pv.run_pivot(pf)
    sim = simulate(pf, SimulationConfig(n_paths=100, chunk_paths=100))
    assert sim.inputs["regulation_rules"] == piv.inputs["regulation_rules"]
    assert _regulation_notes(piv) == [w for w in sim.warnings if w.startswith("regulation: ")]
    assert len(_regulation_notes(piv)) == 3
    rows = {a["name"] for a in sim.resolved_assumptions()}
    assert "West Texas 200: rule ercot_large_load_study" in rows


def test_a_rule_of_another_grid_does_not_apply() -> None:
    pf = load_portfolio(EXAMPLES / "pivot-200mw.toml")
    r = pv.run_pivot(pf, rules=_rules("fee,,,NYISO,,,,,,add_cost_usd,1e5,,,Test,NY fee"))
    assert r.inputs["regulation_rules"] == []  # an ERCOT site: a NYISO rule does not apply
    assert _regulation_notes(r) == []


def test_a_strategy_started_when_the_rules_allow_is_valued_as_pivot_values_that_start() -> None:
    pf = load_portfolio(EXAMPLES / "pivot-200mw.toml")
    r = pv.run_pivot(pf)
    moved = r.strategy("convert_100mw_2026-01").rules_allow
    assert moved is not None and moved["phases_moved"] == [
        {"site": "West Texas 200", "gross_mw": 100.0, "start": "2026-04",
         "as_filed": "2026-01"}]
    # the same conversion filed at 2026-04: pivot's own value of it
    filed = pv.run_pivot(pf, convert_mw=100.0, start="2026-04").strategy(
        "convert_100mw_2026-04")
    assert filed.rules_allow is None  # nothing to move
    assert moved["npv_vs_baseline_usd"] == pytest.approx(filed.npv_vs_baseline_usd,
                                                         rel=1e-12)
    assert moved["npv_with_terminal_value_vs_baseline_usd"] == pytest.approx(
        filed.npv_with_terminal_value_vs_baseline_usd, rel=1e-12)
    everything = pv.run_pivot(pf, convert_mw=200.0, start="2026-04").strategy(
        "convert_200mw_2026-04")
    assert r.strategy("convert_all").rules_allow["npv_vs_baseline_usd"] == (  # type: ignore[index]
        pytest.approx(everything.npv_vs_baseline_usd, rel=1e-12))
    note = next(w for w in r.warnings if w.startswith("regulation: convert_100mw_2026-01 st"))
    early = r.strategy("convert_100mw_2026-01")
    assert note == (
        "regulation: convert_100mw_2026-01 started when the rules allow (100.0 MW at "
        f"'West Texas 200' from 2026-04): NPV vs keep {filed.npv_vs_baseline_usd / 1e6:,.1f} "
        f"M USD, {filed.npv_with_terminal_value_vs_baseline_usd / 1e6:,.1f} with TV (as "
        f"filed {early.npv_vs_baseline_usd / 1e6:,.1f} and "
        f"{early.npv_with_terminal_value_vs_baseline_usd / 1e6:,.1f})")
    js = r.to_json_dict()["strategies"]
    assert js["convert_100mw_2026-01"]["as_the_rules_allow"]["phases_moved"][0]["start"] == (
        "2026-04")
    assert "as_the_rules_allow" not in js["keep_mining"]


def test_phases_move_past_a_moratorium_and_not_into_an_open_one() -> None:
    pf = load_portfolio(EXAMPLES / "pivot-200mw.toml")
    window = _rules("ban,,,ERCOT,,,,,,forbid_conversion,,2025-01-01,2026-06-30,T,until mid-2026")
    r = pv.run_pivot(pf, rules=window)
    for name in ("convert_all", "convert_100mw_2026-01"):
        moved = r.strategy(name).rules_allow
        assert moved is not None and moved["phases_moved"][0]["start"] == "2026-07", name
    phased = r.strategy("phased").rules_allow  # 2025-10 moves; 2026-10 and 2027-10 stay
    assert phased is not None and [m["as_filed"] for m in phased["phases_moved"]] == [
        "2025-10"]
    # a moratorium that never ends: no start is allowed, nothing to value
    open_ended = _rules("ban,,,ERCOT,,,,,,forbid_conversion,,2025-01-01,,T,from 2025 on")
    assert all(s.rules_allow is None for s in pv.run_pivot(pf, rules=open_ended).strategies)


def test_simulate_pays_the_fee_and_keeps_the_fleet_as_pivot_does(tmp_path: Path) -> None:
    """A 5 M USD fee and no new mining at one site, from the portfolio's rules file:
    simulate's center-path NPVs equal pivot's, strategy by strategy; without the rules
    both engines' keep-mining replaces the fleet (worth more here) and the conversions pay
    no fee; ``[[sites]] fleet_replacement = false`` keeps the fleet without a rule."""
    from hashpivot.engines.simulate import SimulationConfig, SimulationResult, simulate
    from tests.optimize.optimize_inputs import portfolio_text, site_toml

    (tmp_path / "rules.csv").write_text(
        HEADER + "fee,,OH,,,,,,,add_cost_usd,5000000,,,T,a fee\n"
        "nomining,,OH,,,,,,,forbid_new_mining,,,,T,no new miners\n")
    market: dict[str, Any] = {"btc_price_growth_per_year": 0.10,
                              "network_hashrate_growth_per_year": 0.0}
    tail = '\n[optimize]\nrules_file = "rules.csv"\n'

    def value(site: str, rules: bool) -> tuple[pv.PivotResult, SimulationResult]:
        path = tmp_path / f"{rules}.toml"
        path.write_text(portfolio_text(site, tail=tail if rules else "", **market))
        pf = load_portfolio(path)
        sim = simulate(pf, SimulationConfig(n_paths=20, chunk_paths=20), source=str(path))
        return pv.run_pivot(pf, source=str(path)), sim

    ohio = site_toml("B", lease=120.0, price=30.0, state="OH")
    piv, sim_run = value(ohio, rules=True)
    free, free_run = value(ohio, rules=False)
    sim, free_sim = sim_run.deterministic_npv_usd, free_run.deterministic_npv_usd
    names = [s.name for s in piv.strategies]
    assert names[0] == "keep_mining" and len(names) > 1
    for name in names:
        assert sim[name] == pytest.approx(piv.strategy(name).npv_usd, rel=1e-9), name
        assert free_sim[name] == pytest.approx(free.strategy(name).npv_usd, rel=1e-9), name
    # teeth: keep-mining forgoes a replacement that pays (with the terminal value, on
    # which the decision is taken), and every conversion pays the fee in its first month
    keep, keep_free = piv.strategies[0], free.strategies[0]
    assert keep.cash_flows.replacement_capex_usd.sum() == 0
    assert keep_free.cash_flows.replacement_capex_usd.sum() > 0
    assert keep_free.npv_with_terminal_value_usd > keep.npv_with_terminal_value_usd
    for name in names[1:]:
        paid = (piv.strategy(name).cash_flows.hosting_capex_usd[0, 0]
                - free.strategy(name).cash_flows.hosting_capex_usd[0, 0])
        assert paid == pytest.approx(5e6), name
    # the site's own switch keeps the fleet as the rule does
    kept, kept_run = value(ohio.replace('state = "OH"', 'state = "OH"\nfleet_replacement = false'),
                    rules=False)
    assert kept.strategies[0].npv_usd == keep.npv_usd
    # ... and each run says why the fleet is kept, in its resolved assumptions
    for result, why in ((piv, "rule nomining: no new mining capacity"),
                        (sim_run, "rule nomining: no new mining capacity"),
                        (kept, "file: [[sites]] fleet_replacement = false"),
                        (kept_run, "file: [[sites]] fleet_replacement = false")):
        rows = {a["name"]: a for a in result.resolved_assumptions()}
        assert rows["fleet replacement"] == {
            "name": "fleet replacement", "value": "none: the site keeps its machines",
            "unit": "-", "source": why}
    assert "fleet replacement" not in {a["name"] for a in free.resolved_assumptions()}


def test_a_verdict_that_rests_on_starting_before_the_rules_allow_is_said() -> None:
    """The order of the strategies, or a strategy's sign against keep-mining, when they
    start as the rules allow, against as filed: each change is a warning (it used to be
    readable only by comparing the numbers of two notes)."""
    from types import SimpleNamespace

    from hashpivot.engines.pivot.regulation import ranking_flips

    def r(name: str, npv: float, tv: float, allowed: tuple[float, float] | None
          ) -> SimpleNamespace:
        return SimpleNamespace(
            name=name, npv_vs_baseline_usd=npv, npv_with_terminal_value_vs_baseline_usd=tv,
            rules_allow=None if allowed is None else {
                "npv_vs_baseline_usd": allowed[0],
                "npv_with_terminal_value_vs_baseline_usd": allowed[1]})

    keep = r("keep_mining", 0.0, 0.0, None)
    # the example's figures [M USD]: the order flips to the horizon, not with the TV
    a = r("convert_all", -394.7e6, 509.8e6, (-433.7e6, 512.6e6))
    b = r("phased", -396.5e6, 605.1e6, (-417.4e6, 598.2e6))
    assert ranking_flips([keep, a, b]) == [  # type: ignore[list-item]
        "regulation: started when the rules allow, the strategies rank keep_mining > "
        "phased > convert_all to the horizon, not keep_mining > convert_all > phased as "
        "filed: the ranking rests on starting before the rules allow"]
    # a strategy ahead of keep-mining only because it starts early
    early = r("convert_all", 5e6, 20e6, (-3e6, 20e6))
    (sign, order) = ranking_flips([keep, early])  # type: ignore[list-item]
    assert sign.startswith("regulation: started when the rules allow, convert_all no "
                           "longer beats keep-mining to the horizon (-3.0 M USD; as filed 5.0)")
    assert "keep_mining > convert_all to the horizon, not convert_all > keep_mining" in order
    # nothing moved, or nothing changes: nothing said
    assert ranking_flips([keep, r("convert_all", 5e6, 20e6, None)]) == []  # type: ignore[list-item]
    assert ranking_flips([keep, r("x", 5e6, 20e6, (4e6, 19e6))]) == []  # type: ignore[list-item]


def test_an_obligation_says_what_it_is_where_it_applies() -> None:
    """A rule that changes no figure still says what it obliges the site to do: the
    resolved row of SB 6's remote disconnection at the Texas site connected in 2026."""
    r = pv.run_pivot(load_portfolio(EXAMPLES / "portfolio.toml"))
    facts = {(f["site"], f["rule_id"]): f for f in r.inputs["regulation_rules"]}
    rule = next(x for x in load_regulation_rules()
                if x.rule_id == "tx_sb6_disconnect_disclosure")
    what = facts[("Odessa Grid", rule.rule_id)]["what"]
    assert what.startswith("an obligation recorded (no effect on the figures)")
    assert rule.summary in what and "disconnected remotely" in what
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["Odessa Grid: rule tx_sb6_disconnect_disclosure"]["value"] == what
    # connected in 2021, before SB 6's date: no remote-disconnection obligation there
    assert ("Pecos PPA", rule.rule_id) not in facts


#: Two disjoint conversion bans at one site (ERCOT): 2026Q2 and 2026Q4
TWO_BANS = HEADER + (
    "ban_q2,,,ERCOT,,,,,,forbid_conversion,,2026-04-01,2026-06-30,T,no conversion in Q2\n"
    "ban_q4,,,ERCOT,,,,,,forbid_conversion,,2026-10-01,2026-12-31,T,no conversion in Q4\n")


def _two_bans(tmp_path: Path) -> Path:
    """pivot-200mw.toml with a tenant and a rules file of :data:`TWO_BANS`."""
    (tmp_path / "rules.csv").write_text(TWO_BANS)
    path = tmp_path / "two-bans.toml"
    path.write_text((EXAMPLES / "pivot-200mw.toml").read_text() + (
        '\n[optimize]\nblock_mw = 25.0\nrules_file = "rules.csv"\n\n  [[optimize.tenants]]\n'
        '  name = "T"\n  it_mw = 100.0\n  lease_usd_per_kw_month = 120.0\n'))
    return path


def test_two_bans_at_one_site_each_keep_their_window_in_pivot(tmp_path: Path) -> None:
    """Both windows of a rules file bar starts: the earlier one is not lost to the later
    (the ERCOT study delay bars 2025-10..2026-03 too)."""
    path = _two_bans(tmp_path)
    r = pv.run_pivot(load_portfolio(path), source=str(path))
    notes = _regulation_notes(r)
    # phased starts 2025-10, 2026-10 and 2027-10: 2026-10 is inside the second ban
    assert ("regulation: phased: conversion at 'West Texas 200' starting 2026-10 is "
            "forbidden by ban_q4 (2026-10-01 to 2026-12-31)") in notes
    # started when the rules allow: after the study (2026-04), past the first ban (2026-07)
    moved = r.strategy("convert_all").rules_allow
    assert moved is not None and moved["phases_moved"][0]["start"] == "2026-07"
    phased = r.strategy("phased").rules_allow
    assert phased is not None and [(m["as_filed"], m["start"])
                                   for m in phased["phases_moved"]] == [
        ("2025-10", "2026-07"), ("2026-10", "2027-01")]
    # a strategy that starts inside the first ban is named with it
    inside = pv.run_pivot(load_portfolio(path), source=str(path), convert_mw=100.0,
                          start="2026-05")
    assert ("regulation: convert_100mw_2026-05: conversion at 'West Texas 200' starting "
            "2026-05 is forbidden by ban_q2 (2026-04-01 to 2026-06-30)") in _regulation_notes(
        inside)


def test_two_bans_at_one_site_each_bar_their_quarters_in_optimize(tmp_path: Path) -> None:
    """optimize's bounds: the study's two quarters, then 2026Q2 (the first ban), 2026Q3
    open, 2026Q4 (the second ban), 2027Q1 open."""
    path = _two_bans(tmp_path)
    problem = resolve_problem(load_portfolio(path), source=str(path))
    assert problem.quarters[:6] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
                                    "2027Q1"]
    assert (problem.x_upper_mw[0, :6] > 0).tolist() == [False, False, False, True, False,
                                                        True]
    eff = problem.effects[0]
    assert "ban_q2 (2026-04-01 to 2026-06-30)" in str(
        eff.barred_start(2, dt.date(2026, 4, 1)))
    assert "ban_q4 (2026-10-01 to 2026-12-31)" in str(
        eff.barred_start(4, dt.date(2026, 10, 1)))
    assert eff.barred_start(3, dt.date(2026, 7, 1)) is None
