"""Resolution of a ScenarioSpec into ScenarioParams (hashpivot.scenarios.parameters)."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.exceptions import InputError
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import (
    build_scenario_params,
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
