"""The run settings the CLI and the service share: a horizon in years becomes whole months
(at least one) and a price-model override changes only ``[scenario].price_model``."""

from __future__ import annotations

import pytest

from hashpivot.engines.simulate.config import horizon_months_for, with_price_model
from hashpivot.models.risk import ScenarioSpec
from tests.engines.simulate_inputs import SET, portfolio


@pytest.mark.parametrize(
    ("years", "months"),
    [(None, None), (1.0, 12), (2.5, 30), (0.1, 1), (0.01, 1), (1 / 24, 1), (0.125, 2), (40, 480)],
)
def test_horizon_in_years_becomes_whole_months(years: float | None, months: int | None) -> None:
    # 0.1 year = 1.2 months -> 1; 0.01 year -> 0 months -> the one-month floor;
    # 0.125 year = 1.5 months -> 2 (round half to even)
    assert horizon_months_for(years) == months


def test_price_model_override_changes_only_the_price_model() -> None:
    pf = portfolio(SET)
    assert with_price_model(pf, None) is pf
    boot = with_price_model(pf, "bootstrap")
    assert boot.scenario is not None and boot.scenario.price_model == "bootstrap"
    base = (pf.scenario or ScenarioSpec()).model_dump()
    assert {k: v for k, v in boot.scenario.model_dump().items() if k != "price_model"} == {
        k: v for k, v in base.items() if k != "price_model"
    }
    assert boot.sites == pf.sites and boot.pivot == pf.pivot
    assert pf.scenario is None or pf.scenario.price_model == base["price_model"]  # untouched
