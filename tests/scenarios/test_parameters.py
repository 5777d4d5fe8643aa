"""Resolution of a ScenarioSpec into ScenarioParams (hashpivot.scenarios.parameters)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashpivot.exceptions import InputError
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import (
    build_scenario_params,
    generate_market_paths,
)
from tests.scenarios.paths import PERIODS, center_paths, spec_with


def test_specs_have_defaults_and_forbid_extras() -> None:
    from hashpivot.models.risk import TreasurySpec

    assert ScenarioSpec().price_model == "gbm"
    assert TreasurySpec().policy == "sell_to_cover"
    with pytest.raises(ValueError):
        ScenarioSpec.model_validate({"unknown": 1})
    with pytest.raises(ValueError):
        TreasurySpec.model_validate({"min_cash_usd": 10.0, "target_cash_usd": 5.0})
    # TOML keys are strings: calendar-year overrides coerce to int
    assert ScenarioSpec.model_validate({"btc_drift_by_year": {"2026": -0.2}}).btc_drift_by_year == {
        2026: -0.2
    }


def test_user_drift_and_volatility_per_year() -> None:
    spec = spec_with(btc_drift_per_year=0.1, btc_volatility_by_year={2027: 1.2})
    params = build_scenario_params(spec, center=center_paths())
    years = np.asarray(PERIODS.year)
    assert np.all(params.price_volatility_per_year[years == 2027] == 1.2)
    assert np.all(params.price_volatility_per_year[years != 2027] == 0.6)
    g = np.diff(np.log(params.price_center_usd)) / params.dt_years[1:]
    np.testing.assert_allclose(g, 0.1, rtol=1e-12)


def test_bad_inputs_are_reported_with_paths() -> None:
    with pytest.raises(InputError) as err:
        build_scenario_params(ScenarioSpec(), calibration=None, center=center_paths())
    paths = {p.path for p in err.value.problems}
    assert "scenario.btc_volatility_per_year" in paths
    assert "scenario.hashrate_elasticity" in paths
    with pytest.raises(InputError):
        build_scenario_params(ScenarioSpec(anchor="deterministic"), PERIODS)


def test_out_of_range_overrides_are_rejected() -> None:
    from pydantic import ValidationError

    for kw in (
        {"btc_volatility_by_year": {2026: -0.5}},
        {"btc_drift_by_year": {2026: 9.0}},
        {"power_mean_usd_per_mwh": -20.0},
    ):
        with pytest.raises(ValidationError):
            ScenarioSpec(**kw)


def test_a_drift_is_of_ds_over_s_with_a_median_center_when_anchored() -> None:
    """``btc_drift_per_year`` is ``mu`` of ``dS/S = mu dt + sigma dW`` whatever the center
    and the anchor: with ``price_center = "median"`` the center (the median) grows at
    ``mu - sigma^2 / 2``, as in history mode, so the mean grows at ``mu``. Anchored, the
    median grew at ``mu`` and the mean at ``mu + sigma^2 / 2`` (0.3 + 0.18 here)."""
    spec = spec_with(price_center="median", btc_drift_per_year=0.3,
                     btc_volatility_by_year={2027: 1.2})
    params = build_scenario_params(spec, center=center_paths())
    sigma = params.price_volatility_per_year[1:]
    g = np.diff(np.log(params.price_center_usd)) / params.dt_years[1:]
    np.testing.assert_allclose(g, 0.3 - 0.5 * sigma**2, rtol=1e-12)
    # the paths' mean grows at mu: E[S_t] / E[S_0] = exp(mu (t_59 - t_0))
    m = generate_market_paths(params, 40_000, np.random.default_rng(8))
    ratio = m.btc_price_usd[:, 59] / m.btc_price_usd[:, 0].mean()
    years = params.dt_years[1:60].sum()
    se = float(ratio.std()) / math.sqrt(ratio.size)
    assert abs(float(ratio.mean()) - math.exp(0.3 * years)) < 4 * se
    # a year's drift override: that year only, the other years the deterministic path's
    by_year = spec_with(price_center="median", btc_drift_by_year={2027: 0.3})
    p2 = build_scenario_params(by_year, center=center_paths())
    g2 = np.diff(np.log(p2.price_center_usd)) / p2.dt_years[1:]
    in_2027 = np.asarray(PERIODS.year)[1:] == 2027
    np.testing.assert_allclose(g2[in_2027], 0.3 - 0.5 * 0.6**2, rtol=1e-12)
    np.testing.assert_allclose(g2[~in_2027], math.log(1.01) / p2.dt_years[1:][~in_2027],
                               rtol=1e-12)
