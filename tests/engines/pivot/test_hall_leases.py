"""A hall with a lease of its own (a tenant's rent, escalator and term in
``[sites.hosting.phases]``): valued as a site with those terms would be, the other halls of
the site on the site's terms, per path too; the tornado's lease bar and the break-even
lease move every hall's rent, its lease term bar every hall's term."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot
from hashpivot.engines.pivot.hosting_flows import site_hosting_flows
from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.engines.pivot.site_assumptions import site_assumption_facts
from hashpivot.engines.pivot.site_rows import site_assumption_rows
from hashpivot.hosting.risk import hosting_risk_draws
from hashpivot.models import Portfolio
from hashpivot.models.hosting import HostingPhase, HostingRiskSpec
from tests.optimize.optimize_inputs import portfolio, site_toml

START = pd.Period("2026-01", "M")
MONTHS = 96
#: a tenant's terms, all three unlike the site's (160 USD/kW/month, 3 %/yr, 10 years)
TENANT = {"lease_usd_per_kw_month": 135.0, "lease_escalator_per_year": 0.02,
          "lease_term_years": 7.0}


def _pf(lease: float = 160.0, **terms: float) -> Portfolio:
    """One site; its own lease terms replaced by ``lease`` and ``terms``."""
    pf = portfolio(site_toml("A", lease=lease), years=MONTHS // 12)
    h = pf.sites[0].hosting
    assert h is not None
    pf.sites[0].hosting = h.model_copy(update=terms)
    return pf


def _phase(month: str, mw: float, **terms: float) -> pivot.ConversionPhase:
    return pivot.ConversionPhase("A", pd.Period(month, "M"), mw).with_lease(**terms)


def _npvs(pf: Portfolio, *phases: pivot.ConversionPhase) -> tuple[float, float]:
    """NPV of the plan to the horizon and with its terminal value. [USD]"""
    from hashpivot.engines.pivot.discounting import line_rates, unlevered_npv_usd
    from hashpivot.engines.pivot.terminal import terminal_value

    assert pf.pivot is not None
    rates = line_rates(pf.pivot)
    market = pivot.deterministic_market(pf, START, MONTHS)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("plan", phases), market)
    npv = float(unlevered_npv_usd(cf, rates)[0])
    tv = terminal_value(cf, pf.pivot.terminal_value, rates.mining, rates.hosting)
    return npv, npv + float(tv.present_value_usd[0])


def test_a_hall_with_its_own_lease_is_valued_as_a_site_with_that_lease() -> None:
    own = _npvs(_pf(), _phase("2026-04", 20.0, **TENANT))
    site = _npvs(_pf(**TENANT), _phase("2026-04", 20.0))
    assert own == site  # the same arithmetic on the same terms: bit for bit
    assert own != _npvs(_pf(), _phase("2026-04", 20.0))  # teeth: the terms matter


def test_each_hall_at_a_site_runs_on_its_own_terms() -> None:
    """Two halls, the second with a tenant's lease: each row of the site's hosting flows
    is the row of that hall alone on its terms, and the value after the horizon (the
    7-year lease ends first) is the sum of both."""
    market = pivot.deterministic_market(_pf(), START, MONTHS)
    site = resolve_sites(_pf())[0]
    tenant_site = resolve_sites(_pf(**TENANT))[0]
    first, second = _phase("2026-04", 20.0), _phase("2027-01", 15.0, **TENANT)
    both = site_hosting_flows(site, [first, second], market)
    alone = [site_hosting_flows(site, [first], market),
             site_hosting_flows(tenant_site, [pivot.ConversionPhase("A", second.start, 15.0)],
                                market)]
    assert both.planned is not None
    for k, one in enumerate(alone):
        assert one.planned is not None
        for f in one.planned.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(both.planned, f)[k],
                                          getattr(one.planned, f)[0], err_msg=f)
    a, b = (x.after_horizon_usd for x in alone)
    assert a.size != b.size  # teeth: the leases end in different months
    m = max(a.size, b.size)
    np.testing.assert_allclose(both.after_horizon_usd,
                               np.pad(a, (0, m - a.size)) + np.pad(b, (0, m - b.size)),
                               rtol=1e-12, atol=1e-6)


def test_the_planned_halls_flows_are_computed_once_for_equal_inputs() -> None:
    """Every chunk of a Monte Carlo run values the same plan on the same months: the
    planned halls' flows (path-independent) are computed once and shared, read-only;
    other terms, halls or months get their own."""
    market = pivot.deterministic_market(_pf(), START, MONTHS)
    first = site_hosting_flows(resolve_sites(_pf())[0], [_phase("2026-04", 20.0)], market)
    again = site_hosting_flows(resolve_sites(_pf())[0], [_phase("2026-04", 20.0)], market)
    assert again is first  # fresh but equal inputs: the same flows
    assert first.planned is not None
    assert not first.planned.hosting_revenue_usd.flags.writeable
    assert not first.after_horizon_usd.flags.writeable
    others = [
        site_hosting_flows(resolve_sites(_pf(**TENANT))[0], [_phase("2026-04", 20.0)], market),
        site_hosting_flows(resolve_sites(_pf())[0], [_phase("2026-04", 15.0)], market),
        site_hosting_flows(resolve_sites(_pf())[0], [_phase("2026-04", 20.0)],
                           pivot.deterministic_market(_pf(), START, MONTHS - 12)),
    ]
    for other in others:
        assert other.planned is not None
        assert other.planned.hosting_revenue_usd.sum() != first.planned.hosting_revenue_usd.sum()


def test_per_path_each_hall_keeps_its_own_risk_draws() -> None:
    risk = HostingRiskSpec(tenant_default="realised")
    pf, pf_tenant = _pf(), _pf(**TENANT)
    for p in (pf, pf_tenant):
        h = p.sites[0].hosting
        assert h is not None
        p.sites[0].hosting = h.model_copy(update={"risk": risk,
                                                  "tenant_default_probability_per_year": 0.1})
    market = pivot.deterministic_market(pf, START, MONTHS)
    draws = hosting_risk_draws({"A": 2}, np.random.default_rng(5), 40)["A"]
    site, tenant_site = resolve_sites(pf)[0], resolve_sites(pf_tenant)[0]
    # the hall with the tenant's lease first: it keeps slot 0, the other slot 1
    first, second = _phase("2026-04", 20.0, **TENANT), _phase("2027-01", 15.0)
    both = site_hosting_flows(site, [first, second], market, draws)
    one = site_hosting_flows(tenant_site, [pivot.ConversionPhase("A", first.start, 20.0)],
                             market, draws[:, :1])
    two = site_hosting_flows(site, [second], market, draws[:, 1:])
    assert both.paths is not None and one.paths is not None and two.paths is not None
    for f, v in both.paths.items():
        np.testing.assert_allclose(v, one.paths[f] + two.paths[f], rtol=1e-12, atol=1e-6,
                                   err_msg=f)
    assert np.ptp(both.paths["hosting_revenue_usd"].sum(axis=1)) > 0  # teeth: risk drawn


def _run(pf: Portfolio) -> pivot.PivotResult:
    assert pf.pivot is not None
    pf.pivot.strategies = ["phased"]
    return pivot.run_pivot(pf)


def _with_phases(pf: Portfolio, **terms: float) -> Portfolio:
    h = pf.sites[0].hosting
    assert h is not None
    pf.sites[0].hosting = h.model_copy(update={"phases": [
        HostingPhase(start="2026-04", gross_mw=20.0, **terms),
        HostingPhase(start="2027-01", gross_mw=15.0, tenant="T", **terms),
    ]})
    return pf


def test_tornado_and_break_even_move_every_halls_rent() -> None:
    """Every hall on a tenant's lease: the tornado and the break-even leases are those of
    the site on the tenant's terms (the lease bar scales the halls' own rents, the
    break-even sets them)."""
    own = _run(_with_phases(_pf(), **TENANT))
    site = _run(_with_phases(_pf(**TENANT)))
    assert own.strategies[1].npv_usd == site.strategies[1].npv_usd
    cols = ["npv_vs_baseline_low_usd", "npv_vs_baseline_high_usd",
            "npv_with_tv_vs_baseline_low_usd", "npv_with_tv_vs_baseline_high_usd"]
    pd.testing.assert_frame_equal(own.tornado[["variable", *cols]],
                                  site.tornado[["variable", *cols]])
    assert own.breakeven_lease_usd_per_kw_month == pytest.approx(
        site.breakeven_lease_usd_per_kw_month, rel=1e-9)
    assert own.breakeven_lease_with_terminal_value_usd_per_kw_month == pytest.approx(
        site.breakeven_lease_with_terminal_value_usd_per_kw_month, rel=1e-9)
    lease = own.tornado.set_index("variable").loc["lease_usd_per_kw_month"]
    assert lease["npv_vs_baseline_high_usd"] > lease["npv_vs_baseline_low_usd"]  # teeth
    # the lease term bar moves every hall's own term by the step (in years, each)
    term = own.tornado.set_index("variable").loc["lease_term_years"]
    assert (term["unit"], term["low_input"], term["high_input"]) == ("+ years", -5.0, 5.0)
    assert term["npv_vs_baseline_high_usd"] > term["npv_vs_baseline_low_usd"]  # teeth


def test_phases_carry_their_lease_into_the_strategy_and_the_assumptions() -> None:
    pf = _with_phases(_pf(), lease_usd_per_kw_month=140.0)
    phased = pivot.build_strategies(pf)[-1]
    assert [p.lease for p in phased.phases] == [(("lease_usd_per_kw_month", 140.0),)] * 2
    assert [p.tenant for p in phased.phases] == [None, "T"]
    rows = site_assumption_rows(site_assumption_facts(pf, resolve_sites(pf)))
    leases = {r["name"]: r["value"] for r in rows if "[sites.hosting.phases]" in r["name"]}
    assert leases == {
        "[sites.hosting.phases] 2026-04, 20 MW": "140 USD/kW/month +3 %/yr for 10 years",
        "[sites.hosting.phases] 2027-01, 15 MW (T)": "140 USD/kW/month +3 %/yr for 10 years",
    }


def test_zero_phased_tranches_leave_a_site_out_of_the_phased_plan() -> None:
    pf = portfolio(site_toml("A"), site_toml("B"), years=8)
    h = pf.sites[1].hosting
    assert h is not None
    pf.sites[1].hosting = h.model_copy(update={"phased_tranches": 0})
    phased = pivot.build_strategies(pf)[-1]
    assert phased.name == "phased"
    assert {p.site for p in phased.phases} == {"A"}


def test_the_break_even_note_averages_over_the_halls_own_terms() -> None:
    def note(res: pivot.PivotResult) -> str:
        return next(w for w in res.warnings if w.startswith("break-even first-year lease"))

    same = note(_run(_with_phases(_pf(), **TENANT)))
    assert "(escalator 2 %, 7 years)" in same  # the tenant's, not the site's 3 %, 10
    h = _pf().sites[0].hosting
    assert h is not None
    mixed = _pf()
    mixed.sites[0].hosting = h.model_copy(update={"phases": [
        HostingPhase(start="2026-04", gross_mw=20.0),
        HostingPhase(start="2027-01", gross_mw=15.0, tenant="T", **TENANT),
    ]})
    assert "(escalator 3 %, 10 years: the first hall's; the halls' terms differ)" in note(
        _run(mixed))
