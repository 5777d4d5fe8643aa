"""Hosting risk per path (hashpivot.hosting.risk): distributions by hand, the no-risk
limit, realised default with vacancy and re-letting on a hand-checked lease."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.hosting.lease import tenant_collection_factor
from hashpivot.hosting.project import hosting_cash_flows_from_spec
from hashpivot.hosting.risk import (
    default_month,
    gamma_quantile,
    hosting_risk_draws,
    hosting_risk_rng,
    lognormal_factor,
    path_hosting_cash_flows,
)
from hashpivot.models.hosting import HostingProjectSpec, HostingRiskSpec
from tests.hosting.risk_inputs import NO_SPREAD


def test_distributions_by_hand() -> None:
    u = np.linspace(0.0005, 0.9995, 2000)
    # gamma with mean 4, sd 2: shape 4, scale 1; mean of the quantiles ~ the mean
    q = gamma_quantile(u, 4.0, 2.0)
    assert q.mean() == pytest.approx(4.0, rel=0.01)
    assert q.std() == pytest.approx(2.0, rel=0.03)
    assert np.all(gamma_quantile(u, 4.0, 0.0) == 4.0)
    assert np.all(gamma_quantile(u, 0.0, 3.0) == 0.0)
    f = lognormal_factor(u, 1.1, 0.1)
    assert f.mean() == pytest.approx(1.1, rel=0.002)
    assert f.std() == pytest.approx(0.1, rel=0.03)
    # geometric default month: the rent of month 12 (tau > 12) is paid with probability
    # 1 - p for an annual probability p, that of month 0 always
    tau = default_month(u, 0.2)
    assert (tau > 12).mean() == pytest.approx(0.8, abs=0.002)
    assert tau.min() >= 1
    assert np.all(np.isinf(default_month(u, 0.0)))
    # a higher probability moves every default earlier (common random numbers)
    assert np.all(default_month(u, 0.3) <= tau)


def test_realised_survival_is_the_expected_models() -> None:
    """Rent of month m (from rent start) is collected while the tenant survives to it:
    with probability (1 - p)^(m / 12) in both modes, month 0 always."""
    u = (np.arange(200_000) + 0.5) / 200_000
    tau = default_month(u, 0.2)
    m = np.arange(30)
    paid = (m[None, :] < tau[:, None]).mean(axis=0)
    np.testing.assert_allclose(paid, tenant_collection_factor(m, 0.2, 0.0), atol=2e-5)


def test_the_stream_is_separate_and_reproducible() -> None:
    ss = np.random.SeedSequence(7).spawn(3)[2]
    market = np.random.default_rng(ss).random(5)
    a = hosting_risk_draws({"A": 2}, hosting_risk_rng(ss), 4)["A"]
    b = hosting_risk_draws({"A": 2}, hosting_risk_rng(ss), 4)["A"]
    np.testing.assert_array_equal(a, b)
    assert a.shape == (4, 2, 4)
    # drawing hosting risk does not change the market stream of the same seed
    np.testing.assert_array_equal(market, np.random.default_rng(ss).random(5))
    assert not np.isin(a.ravel(), market).any()


def test_no_spread_reproduces_the_expected_hosting_cash_flows() -> None:
    spec = HostingProjectSpec(risk=NO_SPREAD, prepayment_fraction=0.1,
                              lease_structure="modified_gross")
    gross, start = np.array([40.0, 20.0]), np.array([2.0, 14.0])
    days = np.full(200, 30.0)
    draws = np.random.default_rng(1).random((5, 2, 4))
    paths = path_hosting_cash_flows(spec, gross, start, days, 45.0, draws)
    base = hosting_cash_flows_from_spec(spec, gross, start, days, 45.0)
    for f, v in paths.items():
        np.testing.assert_allclose(v, np.repeat(getattr(base, f).sum(0, keepdims=True), 5, 0),
                                   rtol=1e-12, atol=1e-6, err_msg=f)


def test_delay_overrun_and_realised_default_by_hand() -> None:
    # one phase of 13 gross MW at PUE 1.3 = 10 IT MW, 2-month build from month 0, rent
    # 100 USD/kW/month flat (no escalator) = 1 M USD/month for 24 months, no renewal;
    # capex 1 M USD per IT MW, operator-funded: 10 M USD
    risk = HostingRiskSpec(
        construction_delay_fraction_mean=1.0, construction_delay_fraction_sd=0.0,  # +2 months
        capex_overrun_fraction_mean=0.5, capex_overrun_fraction_sd=0.0,  # x 1.5
        lease_up_delay_months_mean=1.0, lease_up_delay_months_sd=0.0,  # +1 month
        re_lease_downtime_months=3, re_lease_rent_haircut_fraction=0.25,
    )
    spec = HostingProjectSpec(
        risk=risk, pue=1.3, shell_capex_usd_per_it_mw=0.0, fit_out_capex_usd_per_it_mw=1e6,
        construction_months=2, lease_usd_per_kw_month=100.0, lease_escalator_per_year=0.0,
        lease_term_years=2.0, renewal_options=0, opex_usd_per_it_mw_year=0.0,
        tenant_default_probability_per_year=0.5, default_recovery_fraction=0.4,
    )
    # default month: u with log1p(-u) / (log(0.5)/12) in (4, 5] -> tau = 5, the first
    # rent month unpaid
    u_def = 1.0 - 0.5 ** (4.5 / 12.0)
    draws = np.array([[[0.5, 0.5, 0.5, u_def]]])
    out = path_hosting_cash_flows(spec, np.array([13.0]), np.array([0.0]), np.full(40, 30.0),
                                  0.0, draws)
    capex = out["operator_capex_usd"][0]
    # build 2 + 2 months late: 15 M USD over months 0..3
    np.testing.assert_allclose(capex[:4], 15e6 / 4)
    assert capex[4:].sum() == 0.0
    rent = out["hosting_revenue_usd"][0]
    # ready at month 4, rent from month 5 (lease-up), 24 months to month 28; default in
    # the 6th rent month (month 10): 3 months vacant at 40 %, then 75 % to the end
    want = np.zeros(40)
    want[5:10] = 1e6
    want[10:13] = 0.4e6
    want[13:29] = 0.75e6
    np.testing.assert_allclose(rent, want, atol=1e-6)
    np.testing.assert_allclose(out["prepayment_usd"][0], 0.0, atol=1e-6)


def test_each_halls_final_year_within_the_horizon_per_path() -> None:
    """With a horizon, each hall's final year (rent - hall power - opex, and operator
    capex; the hosting terminal value by a multiple or Gordon growth) per path: by hand on
    the one-hall lease of the test above (ready at month 4, rent 1 M USD/month from month
    5, capex 15 M USD over months 0-3; no default: u = 0), and two halls' final years sum
    to the final year of their summed flows on every path."""
    risk = HostingRiskSpec(
        construction_delay_fraction_mean=1.0, construction_delay_fraction_sd=0.0,
        capex_overrun_fraction_mean=0.5, capex_overrun_fraction_sd=0.0,
        lease_up_delay_months_mean=1.0, lease_up_delay_months_sd=0.0,
    )
    spec = HostingProjectSpec(
        risk=risk, pue=1.3, shell_capex_usd_per_it_mw=0.0, fit_out_capex_usd_per_it_mw=1e6,
        construction_months=2, lease_usd_per_kw_month=100.0, lease_escalator_per_year=0.0,
        lease_term_years=2.0, renewal_options=0, opex_usd_per_it_mw_year=0.0,
        tenant_default_probability_per_year=0.0,
    )
    draws = np.array([[[0.5, 0.5, 0.5, 0.0]]])
    # horizon of 10 months: its final year is months 0-9, annualized x 12/10
    out = path_hosting_cash_flows(spec, np.array([13.0]), np.array([0.0]), np.full(40, 30.0),
                                  0.0, draws, horizon_months=10)
    assert out["final_year_ebitda_usd"].shape == (1, 1)
    # at the run-rate of its months leased (5 of the 10): 1 M USD x 12; the build's capex
    # (months 0-3) does not recur (until 2026-12-05: 5 M x 12/10 and 15 M x 12/10)
    assert out["final_year_ebitda_usd"][0, 0] == pytest.approx(1e6 * 12, rel=1e-12)
    assert out["final_year_capex_usd"][0, 0] == 0.0
    spec = HostingProjectSpec(risk=NO_SPREAD.model_copy(
        update={"capex_overrun_fraction_sd": 0.2, "lease_up_delay_months_sd": 2.0,
                "lease_up_delay_months_mean": 3.0}), lease_structure="modified_gross")
    two = path_hosting_cash_flows(spec, np.array([40.0, 20.0]), np.array([2.0, 40.0]),
                                  np.full(200, 30.0), 45.0,
                                  np.random.default_rng(2).random((6, 2, 4)),
                                  horizon_months=48)
    assert two["final_year_ebitda_usd"].shape == (2, 6)
    ebitda = (two["hosting_revenue_usd"] - two["power_cost_usd"] - two["opex_usd"])[:, 36:48]
    np.testing.assert_allclose(two["final_year_ebitda_usd"].sum(axis=0), ebitda.sum(axis=1),
                               rtol=1e-12)
    np.testing.assert_allclose(two["final_year_capex_usd"].sum(axis=0),
                               two["operator_capex_usd"][:, 36:48].sum(axis=1), rtol=1e-12)
    assert two["final_year_capex_usd"][1].min() > 0  # the second hall is built then
