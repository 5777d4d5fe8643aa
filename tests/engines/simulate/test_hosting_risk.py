"""Hosting risk in the Monte Carlo (issue 9 item 8): the spread vanishes without it, the
market stream is untouched, the expected NPV falls with the tenant's default probability."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models.hosting import HostingProjectSpec, HostingRiskSpec
from tests.engines.simulate_inputs import SET, ZERO_VOL, portfolio
from tests.hosting.risk_inputs import NO_SPREAD

CFG = SimulationConfig(n_paths=60, horizon_months=120, seed=11, chunk_paths=25)


def _with_hosting(pf: Any, risk: HostingRiskSpec | None, **terms: Any) -> Any:
    pf.sites[0].hosting = HostingProjectSpec(risk=risk, **terms)
    return pf


def _with_hosting_tv(pf: Any, method: str) -> Any:
    """``pf`` with its hosting line valued after the horizon by ``method``."""
    tv = pf.pivot.terminal_value.model_copy(update={"hosting_method": method})
    pf.pivot = pf.pivot.model_copy(update={"terminal_value": tv})
    return pf


@pytest.mark.parametrize("hosting_tv", ["contract", "exit_multiple", "gordon"])
def test_the_spread_vanishes_at_zero_hosting_volatility(hosting_tv: str) -> None:
    """Also for the hosting terminal value by a multiple or Gordon growth, which with
    hosting risk takes each hall's final year on each path (``path_hosting_cash_flows``)
    and without it the planned build's."""
    def pf(risk: HostingRiskSpec | None) -> Any:
        return _with_hosting(_with_hosting_tv(portfolio({**SET, **ZERO_VOL}), hosting_tv),
                             risk)

    none = simulate(pf(None), CFG)
    zero = simulate(pf(NO_SPREAD), CFG)
    on = simulate(pf(HostingRiskSpec()), CFG)
    tv = none.npv_with_terminal_value_usd["convert_all"] - none.npv_usd["convert_all"]
    assert tv.min() > 1e6  # the halls are worth something after the horizon: teeth
    for s in none.strategy_names:
        np.testing.assert_allclose(zero.npv_usd[s], none.npv_usd[s], rtol=1e-12)
        np.testing.assert_allclose(
            zero.npv_with_terminal_value_usd[s], none.npv_with_terminal_value_usd[s],
            rtol=1e-12,
        )
    # no market volatility: convert_all has no spread without hosting risk, one with it
    x = none.npv_usd["convert_all"]
    assert x.max() - x.min() <= 1e-9 * abs(x.mean())
    assert np.std(on.npv_usd["convert_all"]) > 1e6
    # the deterministic column is the pivot model's (hosting in expectation) either way
    assert on.deterministic_npv_usd == none.deterministic_npv_usd


def test_hosting_risk_leaves_the_market_paths_and_keep_mining_unchanged() -> None:
    a = simulate(_with_hosting(portfolio(), None), CFG)
    b = simulate(_with_hosting(portfolio(), HostingRiskSpec()), CFG)
    np.testing.assert_array_equal(a.npv_usd["keep_mining"], b.npv_usd["keep_mining"])
    np.testing.assert_array_equal(a.fan["btc_price_usd"], b.fan["btc_price_usd"])
    assert not np.array_equal(a.npv_usd["convert_all"], b.npv_usd["convert_all"])
    rows = {r["name"]: r for r in b.resolved_assumptions()}
    assert rows["[sites.hosting.risk]"]["value"].endswith(
        "tenant_default realised: vacant 12 months (re_lease_downtime_months), then re-let "
        "20 % lower (re_lease_rent_haircut_fraction)")


def test_the_risk_row_says_the_terms_drawn() -> None:
    """Each term of ``[sites.hosting.risk]`` moves simulate's figures (the sweep,
    ``scripts/sweep_assumptions.py --engine simulate``: a capex overrun spread of 0.2 for
    0.1 moved a P5 100 %, a mean construction delay of 0.68 for 0.34 a mean NPV 55 %), and
    the row said only that hosting risk was drawn, at which site: two runs with other
    terms printed the same row."""
    risk = HostingRiskSpec(capex_overrun_fraction_mean=0.25, construction_delay_fraction_sd=0.0,
                           tenant_default="expected")
    res = simulate(_with_hosting(portfolio(), risk), CFG)
    rows = {r["name"]: r for r in res.resolved_assumptions()}
    assert rows["[sites.hosting.risk]"]["value"] == (
        "drawn per path at Rockdale: construction delay mean 0.34 (sd 0) of "
        "construction_months; capex overrun mean 25 % (sd 10 %); lease-up delay mean 1 "
        "(sd 1) months; tenant_default expected: the pivot model's expected collection on "
        "every path")


@pytest.mark.parametrize("name", ["convert_all", "phased"])
def test_expected_npv_falls_with_the_default_probability(name: str) -> None:
    means = []
    for p in (0.0, 0.05, 0.2):
        risk = NO_SPREAD.model_copy(update={"tenant_default": "realised"})
        pf = _with_hosting(portfolio({**SET, **ZERO_VOL}), risk,
                           tenant_default_probability_per_year=p)
        res = simulate(pf, CFG)
        means.append(float(res.npv_usd[name].mean()))
        if p == 0.0:  # no default: every path collects the whole rent, no spread
            x = res.npv_usd[name]
            assert x.max() - x.min() <= 1e-9 * abs(x.mean())
    assert means[0] > means[1] > means[2]


def test_realised_default_mean_is_the_pivot_models_under_modified_gross() -> None:
    """A modified-gross hall whose tenant defaults stays empty for the rest of its 3-year
    lease (downtime 120 months): the mean NPV over paths is the pivot model's (expected
    default on every path) within sampling error. Both value the recovery as a share of
    the rent net of the hall's power; before, the expected model charged the power of the
    defaulted months in full against 40 % of the rent that carried it and the realised
    vacancy collected 40 % of it without the power: 9 standard errors apart."""
    cfg = SimulationConfig(n_paths=400, horizon_months=120, seed=11, chunk_paths=200)
    terms = dict(lease_structure="modified_gross", tenant_default_probability_per_year=0.2,
                 default_recovery_fraction=0.4, renewal_options=0, lease_term_years=3.0)
    expected = simulate(_with_hosting(portfolio({**SET, **ZERO_VOL}), NO_SPREAD, **terms), cfg)
    vacant = NO_SPREAD.model_copy(update={"tenant_default": "realised",
                                          "re_lease_downtime_months": 120})
    realised = simulate(_with_hosting(portfolio({**SET, **ZERO_VOL}), vacant, **terms), cfg)
    x, e = realised.npv_usd["convert_all"], expected.npv_usd["convert_all"]
    assert np.std(x) > 1e5 and np.ptp(e) <= 1e-9 * abs(e.mean())  # spread from the draws
    assert abs(x.mean() - e.mean()) < 4.0 * np.std(x) / np.sqrt(len(x))
