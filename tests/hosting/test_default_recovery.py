"""Tenant default under a modified-gross lease: the recovery (and a re-let's haircut) is a
share of the rent net of the hall's power; the power part of the rent is paid in full by
whoever draws the power, and not at all by an empty hall. The pivot model (expected
value) and simulate's realised defaults agree, and a modified-gross hall earns what a
triple-net hall of the same all-in economics earns.

The hand-checked hall: 13 gross MW at PUE 1.3 = 10 IT MW at full load, 30-day months:
9,360 MWh a month, 468,000 USD at 50 USD/MWh (46.8 USD/kW/month). Triple net at 100
USD/kW/month (1.0 M USD/month) and modified gross at 146.8 (1.468 M USD/month, the power
included) are the same all-in deal. Built in 1 month from month 0, rent from month 1 for
24 months; opex 100,000 USD/month, all of it the operator's under both leases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hashpivot.hosting.lease import tenant_collection_factor
from hashpivot.hosting.project import hosting_cash_flows_from_spec
from hashpivot.hosting.risk import default_month, path_hosting_cash_flows
from hashpivot.models.hosting import HostingProjectSpec, HostingRiskSpec
from tests.hosting.risk_inputs import NO_SPREAD

POWER_USD = 468_000.0  # a month of the hall's power (modified gross) [USD]
DAYS = np.full(30, 30.0)
GROSS, START = np.array([13.0]), np.array([0.0])
P_DEFAULT, RECOVERY = 0.2, 0.4


def _spec(structure: str, risk: HostingRiskSpec | None = None) -> HostingProjectSpec:
    rate = 100.0 + (POWER_USD / 1e4 if structure == "modified_gross" else 0.0)
    return HostingProjectSpec(
        risk=risk, pue=1.3, it_load_factor=1.0, lease_structure=structure,  # type: ignore[arg-type]
        hosting_power_price_usd_per_mwh=50.0, lease_usd_per_kw_month=rate,
        shell_capex_usd_per_it_mw=0.0, fit_out_capex_usd_per_it_mw=0.0,
        construction_months=1, lease_escalator_per_year=0.0, lease_term_years=2.0,
        renewal_options=0, opex_usd_per_it_mw_year=120_000.0, nnn_operator_opex_fraction=1.0,
        tenant_default_probability_per_year=P_DEFAULT, default_recovery_fraction=RECOVERY,
    )


def _net(f: Any) -> Any:
    """Rent less the hall's power and opex, per month (a dict of path arrays or flows)."""
    get = f.__getitem__ if isinstance(f, dict) else lambda k: getattr(f, k)
    return get("hosting_revenue_usd") - get("power_cost_usd") - get("opex_usd")


def test_expected_default_haircuts_the_rent_net_of_power_by_hand() -> None:
    nnn = hosting_cash_flows_from_spec(_spec("triple_net"), GROSS, START, DAYS, 0.0)
    mg = hosting_cash_flows_from_spec(_spec("modified_gross"), GROSS, START, DAYS, 0.0)
    # a year after rent start (month 13) the tenant survives with S = 0.8: 0.8 + 0.2 x 0.4
    # = 0.88 of the 1.0 M USD rent net of power; the power is paid and passed on in full
    assert mg.power_cost_usd[0, 13] == pytest.approx(POWER_USD)
    assert mg.hosting_revenue_usd[0, 13] == pytest.approx(0.88e6 + POWER_USD)
    assert nnn.hosting_revenue_usd[0, 13] == pytest.approx(0.88e6)
    assert _net(mg)[0, 13] == pytest.approx(0.88e6 - 1e5)
    # every month alike: the two leases earn the same (the old model lost
    # 468,000 x (1 - S) x 0.6 a month on the modified-gross hall's power)
    np.testing.assert_allclose(_net(mg), _net(nnn), rtol=0, atol=1e-6)
    np.testing.assert_allclose(mg.rent_cash_usd - mg.power_cost_usd,
                               nnn.rent_cash_usd, rtol=0, atol=1e-6)


def test_realised_default_vacancy_and_re_let_by_hand() -> None:
    risk = NO_SPREAD.model_copy(update={"tenant_default": "realised",
                                        "re_lease_downtime_months": 3,
                                        "re_lease_rent_haircut_fraction": 0.25})
    # the tenant defaults between 4 and 5 months after rent start: it paid rent months
    # 0-4 (months 1-5), the 6th rent month (month 6) is the first it does not pay
    u = np.array([[[0.5, 0.5, 0.5, 1.0 - 0.8 ** (4.5 / 12.0)]]])
    assert default_month(u[..., 3], P_DEFAULT)[0, 0] == 5.0
    out = {s: path_hosting_cash_flows(_spec(s, risk), GROSS, START, DAYS, 0.0, u)
           for s in ("triple_net", "modified_gross")}
    mg, nnn = out["modified_gross"], out["triple_net"]
    want_power = np.zeros(30)
    want_power[1:6] = POWER_USD  # leased
    want_power[9:25] = POWER_USD  # re-let: the new tenant draws the power
    np.testing.assert_allclose(mg["power_cost_usd"][0], want_power, atol=1e-6)
    # vacant months 6-8: 40 % of the 1.0 M USD rent net of power (claims), no power;
    # re-let from month 9: 75 % of it, plus the new tenant's power in full
    want_rent = np.zeros(30)
    want_rent[1:6] = 1e6
    want_rent[6:9] = 0.4e6
    want_rent[9:25] = 0.75e6
    np.testing.assert_allclose(nnn["hosting_revenue_usd"][0], want_rent, atol=1e-6)
    np.testing.assert_allclose(mg["hosting_revenue_usd"][0], want_rent + want_power, atol=1e-6)
    np.testing.assert_allclose(_net(mg), _net(nnn), rtol=0, atol=1e-6)
    # an empty hall draws no energy, whoever would pay for it
    assert mg["energy_mwh"][0, 6:9].sum() == nnn["energy_mwh"][0, 6:9].sum() == 0.0


@pytest.mark.parametrize("structure", ["triple_net", "modified_gross"])
def test_simulate_mean_approaches_the_expected_model(structure: str) -> None:
    """Re-let at once at the recovery (downtime 0, haircut 1 - recovery): every line's
    mean over paths is the expected model's within sampling error; vacant for the rest of
    the lease (a downtime longer than it): the rent less power and opex is."""
    n = 20_000
    draws = np.random.default_rng(5).random((n, 1, 4))
    expected = hosting_cash_flows_from_spec(_spec(structure), GROSS, START, DAYS, 0.0)
    s = np.asarray(tenant_collection_factor(np.arange(30) - 1.0, P_DEFAULT, 0.0))
    # standard error of a month's mean: (1 - recovery) x 1.0 M x sqrt(S (1 - S) / n)
    se = (1 - RECOVERY) * 1e6 * np.sqrt(s * (1 - s) / n) + 1e-6
    for downtime, lines in ((0, ("hosting_revenue_usd", "power_cost_usd", "opex_usd")),
                            (120, ())):
        risk = NO_SPREAD.model_copy(update={
            "tenant_default": "realised", "re_lease_downtime_months": downtime,
            "re_lease_rent_haircut_fraction": 1.0 - RECOVERY})
        paths = path_hosting_cash_flows(_spec(structure, risk), GROSS, START, DAYS, 0.0,
                                        draws)
        for f in lines:
            assert np.all(np.abs(paths[f].mean(0) - getattr(expected, f)[0]) < 4.5 * se), f
        gap = _net(paths).mean(0) - _net(expected)[0]
        assert np.all(np.abs(gap) < 4.5 * se), (downtime, gap / se)
        # the lease's total within sampling error (the months move together)
        assert abs(gap.sum()) < 4.5 * se.sum()
