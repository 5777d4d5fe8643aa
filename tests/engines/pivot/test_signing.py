"""Halls whose tenant may not sign (``probability_signing`` in ``[sites.hosting.phases]``):
pivot's expected value over the signings is each outcome (the file with only the signing
tenants' halls) weighted by its probability; at separate sites it is the optimizer's form,
linear in each tenant's probability; the table stays the strategy as written; simulate
draws the signings per path; bad probabilities are input errors with their field path."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hashpivot.engines import pivot
from hashpivot.engines.pivot.results import StrategyResult
from hashpivot.engines.pivot.signing import MAX_UNCERTAIN_TENANTS
from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio, validate_data
from hashpivot.models.hosting import HostingPhase
from hashpivot.models.loader import document_to_toml
from hashpivot.reports.tables.runs import run_tables
from tests.optimize.optimize_inputs import portfolio, site_toml

#: T1 two halls at A (60 %), T2 one hall at B (80 %), and a hall at B without a tenant
#: (certain: no probability given)
HALLS = {
    "A": [HostingPhase(start="2026-04", gross_mw=20.0, tenant="T1", probability_signing=0.6,
                       lease_usd_per_kw_month=175.0),
          HostingPhase(start="2027-01", gross_mw=10.0, tenant="T1", probability_signing=0.6,
                       lease_usd_per_kw_month=175.0)],
    "B": [HostingPhase(start="2026-07", gross_mw=15.0, tenant="T2", probability_signing=0.8,
                       lease_term_years=12.0),
          HostingPhase(start="2026-10", gross_mw=10.0)],
}
P = {"T1": 0.6, "T2": 0.8}


def _pf(halls: dict[str, list[HostingPhase]] = HALLS) -> Portfolio:
    pf = portfolio(site_toml("A"), site_toml("B", price=30.0), years=8,
                   strategies=["phased"])
    for s in pf.sites:
        assert s.hosting is not None
        phases = halls.get(s.name, [])
        # a site without halls converts nothing in ``phased`` (as a plan file writes it)
        s.hosting = s.hosting.model_copy(
            update={"phases": phases, **({} if phases else {"phased_tranches": 0})})
    return pf


def _signed(tenants: set[str]) -> StrategyResult:
    """The file with only the halls of ``tenants`` and the certain ones, run by pivot."""
    halls = {site: [h for h in hs if h.tenant is None or h.tenant in tenants]
             for site, hs in HALLS.items()}
    return pivot.run_pivot(_pf(halls)).strategy("phased")


def test_the_expected_value_is_the_outcomes_weighted_by_their_probabilities() -> None:
    res = pivot.run_pivot(_pf())
    phased = res.strategy("phased")
    sig = phased.signing
    assert sig is not None
    assert [(t["tenant"], t["probability"], t["halls"], t["gross_mw"])
            for t in sig["tenants"]] == [("T1", 0.6, 2, 30.0), ("T2", 0.8, 1, 15.0)]
    assert sig["outcomes"] == 4
    assert sig["probability_all_sign"] == pytest.approx(0.48, rel=1e-15)
    outcomes = {}
    for signs in itertools.product((True, False), repeat=2):
        who = {t for t, s in zip(P, signs, strict=True) if s}
        w = math.prod(P[t] if s else 1 - P[t] for t, s in zip(P, signs, strict=True))
        outcomes[frozenset(who)] = (w, _signed(who))
    assert sum(w for w, _ in outcomes.values()) == pytest.approx(1.0, rel=1e-15)
    # the table is the strategy as written: every hall built (all sign)
    assert phased.npv_usd == outcomes[frozenset(P)][1].npv_usd
    for key in ("npv_usd", "npv_with_terminal_value_usd"):
        want = sum(w * getattr(r, key) for w, r in outcomes.values())
        # the same valuations summed in another order: agreement to 1e-12 relative
        assert sig[f"expected_{key}"] == pytest.approx(want, rel=1e-12)
        assert sig[f"expected_{key}_vs_baseline"] == pytest.approx(
            want - getattr(res.baseline, key), rel=1e-12)
        # T1 at A, T2 at B: the halls of one site do not touch the other's, so the value
        # is the optimizer's form, linear in each probability (keep + sum p_t * delta_t)
        none = getattr(outcomes[frozenset()][1], key)
        linear = none + sum(P[t] * (getattr(outcomes[frozenset({t})][1], key) - none)
                            for t in P)
        assert sig[f"expected_{key}"] == pytest.approx(linear, rel=1e-9)
        # teeth: the expectation lies strictly between no tenant and every tenant signing
        lo, hi = sorted((none, getattr(phased, key)))
        assert lo < sig[f"expected_{key}"] < hi
    assert sig["expected_npv_after_tax_usd"] is None  # pre-tax file
    # the JSON and the line under the table (CLI and dashboard share it)
    d = res.to_json_dict()["strategies"]["phased"]
    assert d["signing"] == sig
    assert [h.get("probability_signing") for h in d["phases"]] == [0.6, 0.6, 0.8, None]
    # each uncertain hall is in the resolved assumptions with its probability
    rows = {r["name"]: r["value"] for r in res.resolved_assumptions()}
    assert rows["A: [sites.hosting.phases] 2026-04, 20 MW (T1)"] == (
        "175 USD/kW/month +3 %/yr for 10 years; signs with probability 0.6")
    assert rows["B: [sites.hosting.phases] 2026-07, 15 MW (T2)"].endswith(
        "for 12 years; signs with probability 0.8")
    assert not any(k.startswith("B: [sites.hosting.phases] 2026-10") for k in rows)
    notes = [n for t in run_tables("pivot", res.to_json_dict()) for n in t.notes]
    line = next(n for n in notes if n.startswith("phased if each tenant signs"))
    assert "(T1 60.0 %, T2 80.0 %; 4 outcomes, all sign with 48.0 %)" in line
    assert f"with TV {sig['expected_npv_with_terminal_value_usd_vs_baseline'] / 1e6:,.1f} M USD" \
        in line


def test_certain_halls_give_no_expectation_and_the_same_numbers() -> None:
    certain = {s: [h.model_copy(update={"probability_signing": 1.0}) for h in hs]
               for s, hs in HALLS.items()}
    unset = {s: [h.model_copy(update={"probability_signing": None}) for h in hs]
             for s, hs in HALLS.items()}
    a = pivot.run_pivot(_pf(certain))
    b = pivot.run_pivot(_pf(unset))
    assert a.strategy("phased").signing is None and b.strategy("phased").signing is None
    assert a.to_json_dict()["strategies"] == b.to_json_dict()["strategies"]
    # the table of the uncertain file is this one: the strategy as written
    assert pivot.run_pivot(_pf()).strategy("phased").npv_usd == a.strategy("phased").npv_usd


def test_a_tenants_halls_must_agree_and_the_outcomes_are_bounded() -> None:
    other = dict(HALLS)
    other["A"] = [HALLS["A"][0], HALLS["A"][1].model_copy(update={"probability_signing": 0.5})]
    with pytest.raises(InputError) as e:
        pivot.run_pivot(_pf(other))
    (p,) = e.value.problems
    assert p.path == "sites[0].hosting.phases[1].probability_signing"
    assert "probability 0.5, but sites[0].hosting.phases[0] gives 0.6" in p.message
    many = {"A": [HostingPhase(start="2026-04", gross_mw=1.0, tenant=f"T{k}",
                               probability_signing=0.9)
                  for k in range(MAX_UNCERTAIN_TENANTS + 1)]}
    with pytest.raises(InputError) as e:
        pivot.run_pivot(_pf(many))
    assert [p.path for p in e.value.problems] == [
        f"sites[0].hosting.phases[{MAX_UNCERTAIN_TENANTS}].probability_signing"]
    # eight are fine: 256 outcomes
    ok = pivot.run_pivot(_pf({"A": many["A"][:MAX_UNCERTAIN_TENANTS]}))
    assert ok.strategy("phased").signing["outcomes"] == 2 ** MAX_UNCERTAIN_TENANTS  # type: ignore[index]


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5])
def test_a_probability_outside_0_to_1_is_an_input_error(bad: float) -> None:
    doc = _pf().model_dump(mode="json", exclude_unset=True)
    doc["sites"][0]["hosting"]["phases"][0]["probability_signing"] = bad
    with pytest.raises(InputError) as e:
        validate_data(Portfolio, doc, "plan.toml")
    assert [p.path for p in e.value.problems] == [
        "sites[0].hosting.phases[0].probability_signing"]


def test_simulate_draws_the_signings_per_path() -> None:
    """Each path runs one outcome: its NPV is that path's NPV in the run of the file with
    only the halls of the tenants that sign there (the same seed gives the same market
    paths: the signings have a stream of their own)."""
    from hashpivot.engines.simulate import SimulationConfig, simulate

    cfg = SimulationConfig(n_paths=1000, seed=3, chunk_paths=250)
    res = simulate(_pf(), cfg)
    got = res.npv_usd["phased"]
    refs = {}
    for n in range(len(P) + 1):
        for who in itertools.combinations(P, n):
            # those halls certain: this run draws nothing
            halls = {site: [h.model_copy(update={"probability_signing": None}) for h in hs
                            if h.tenant is None or h.tenant in who]
                     for site, hs in HALLS.items()}
            r = simulate(_pf(halls), cfg)
            assert not any("signings" in w for w in r.warnings)
            refs[frozenset(who)] = r.npv_usd["phased"]
            # keep-mining is not drawn: the same paths, bit for bit
            assert np.array_equal(r.npv_usd["keep_mining"], res.npv_usd["keep_mining"])
    # the same arithmetic on a subset of the paths (a matrix product by rows): 1e-12
    hits = {k: np.isclose(got, v, rtol=1e-12, atol=0.0) for k, v in refs.items()}
    assert np.all(sum(h.astype(int) for h in hits.values()) == 1)  # one outcome per path
    for who, h in hits.items():
        w = math.prod(P[t] if t in who else 1 - P[t] for t in P)
        # 1,000 paths: the share of each outcome within 4 binomial standard deviations
        assert abs(h.mean() - w) < 4 * math.sqrt(w * (1 - w) / got.size), (who, h.mean())
    assert ("phased: the signings of T1 (60 %), T2 (80 %) are drawn per path; where a "
            "tenant does not sign its halls are not built and their MW mine on (NPV "
            "deterministic builds every hall, as pivot's table)" in res.warnings)
    # the deterministic row is pivot's table: every hall built
    assert res.deterministic_npv_usd["phased"] == pytest.approx(
        pivot.run_pivot(_pf()).strategy("phased").npv_usd, rel=1e-9)


def test_the_cli_prints_the_expectation(tmp_path: Path) -> None:
    from hashpivot.cli.app import app

    f = tmp_path / "plan.toml"
    f.write_text(document_to_toml(_pf().model_dump(mode="json", exclude_unset=True)))
    r = CliRunner().invoke(app, ["pivot", str(f)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "phased if each tenant signs as likely as the file says (T1 60.0 %, T2 80.0 %" \
        in r.stdout


def test_a_hall_keeps_its_own_hosting_risk_draws_whoever_else_signs() -> None:
    """Where T2 (B's first hall) does not sign, B's certain hall keeps the draws of its
    slot in the strategy as written (the second), not the first's."""
    from hashpivot.engines.simulate.chunk import _take_extra
    from hashpivot.engines.simulate.signing import outcome_groups, signing_tenants

    strategy = pivot.build_strategies(_pf())[1]
    tenants, probs = signing_tenants([strategy])
    assert (tenants, probs) == (("T1", "T2"), (0.6, 0.8))
    signed = np.array([[True, True], [True, False], [False, True], [False, False]])
    groups = outcome_groups(strategy, tenants, signed)
    # one group per outcome, by its code (bit 0: T1 signs, bit 1: T2 signs)
    assert [g.paths.tolist() for g in groups] == [[3], [1], [2], [0]]
    assert [g.full for g in groups] == [False, False, False, True]
    g = groups[1]  # T1 signs, T2 does not
    assert [(p.site, p.tenant) for p in g.strategy.phases] == [("A", "T1"), ("A", "T1"),
                                                               ("B", None)]
    assert {k: v.tolist() for k, v in g.slots.items()} == {"A": [0, 1], "B": [1]}
    draws = {"A": np.random.default_rng(1).random((4, 2, 4)),
             "B": np.random.default_rng(2).random((4, 2, 4))}
    ex = _take_extra({"hosting_risk": draws}, g)["hosting_risk"]
    np.testing.assert_array_equal(ex["B"], draws["B"][[1]][:, [1]])
    np.testing.assert_array_equal(ex["A"], draws["A"][[1]])


def test_signings_and_hosting_risk_run_together() -> None:
    """With ``[sites.hosting.risk]`` at B: where both tenants sign a path is the path of
    the run with every hall certain (each hall on its own draws, 1e-12: fewer rows); the
    paths where one does not sign differ."""
    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.models.hosting import HostingRiskSpec

    def with_risk(pf: Portfolio) -> Portfolio:
        h = pf.sites[1].hosting
        assert h is not None
        pf.sites[1].hosting = h.model_copy(update={"risk": HostingRiskSpec()})
        return pf

    cfg = SimulationConfig(n_paths=400, seed=2, chunk_paths=200)
    res = simulate(with_risk(_pf()), cfg).npv_usd["phased"]
    certain = simulate(with_risk(_pf({s: [x.model_copy(update={"probability_signing": None})
                                          for x in hs] for s, hs in HALLS.items()})),
                       cfg).npv_usd["phased"]
    same = np.isclose(res, certain, rtol=1e-12, atol=0.0)
    # about 48 % of the paths have both tenants signing (4 binomial sd on 400 paths)
    assert abs(same.mean() - 0.48) < 4 * math.sqrt(0.48 * 0.52 / res.size)


def test_a_hall_without_a_tenant_signs_on_its_own() -> None:
    halls = {"B": [HostingPhase(start="2026-07", gross_mw=15.0, probability_signing=0.5),
                   HostingPhase(start="2026-10", gross_mw=10.0, probability_signing=0.5)]}
    sig = pivot.run_pivot(_pf(halls)).strategy("phased").signing
    assert sig is not None and sig["outcomes"] == 4
    assert [t["tenant"] for t in sig["tenants"]] == ["B hall 0", "B hall 1"]
