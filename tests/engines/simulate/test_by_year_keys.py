"""The keys of ``[scenario] btc_drift_by_year`` and ``btc_volatility_by_year``: calendar
years (``scenarios.centering.per_year`` matches them with each month's year).

A key no model can ever reach is refused at its path: a model starts 2010-07 to 2140-12
and runs at most 100 years (``simulate --years``), so years 2010-2240. Until 2026-12-07
``-5`` or ``99999`` were kept and ignored without a word. A key a model could reach but
this run does not (a file kept for a longer horizon, or an earlier start) is kept, and a
note of ``simulate`` and ``optimize`` names it.
"""

from __future__ import annotations

import pytest

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.exceptions import InputError
from hashpivot.models import parse_portfolio
from hashpivot.models.dates import MODEL_YEARS
from tests.engines.simulate_inputs import SET, portfolio
from tests.optimize.optimize_inputs import portfolio_text, site_toml
from tests.portfolio_toml import contract, machines, site, table, toml_text


def _problems(**scenario: object) -> list[tuple[str, str]]:
    one = site("A", contract(40), machines("m", 200.0, 3500.0, 1000), capacity_mw=4)
    with pytest.raises(InputError) as err:
        parse_portfolio(toml_text(sites=[one], scenario=table(**scenario)), "x.toml")
    return [(p.path, p.message) for p in err.value.problems]


@pytest.mark.parametrize("field", ["btc_drift_by_year", "btc_volatility_by_year"])
def test_a_year_no_model_reaches_is_refused_at_its_key(field: str) -> None:
    assert MODEL_YEARS == (2010, 2240)
    problems = _problems(**{field: {"-5": 0.1, "99999": 0.2, "2026": 0.3}})
    assert [p for p, _ in problems] == [f"scenario.{field}.-5", f"scenario.{field}.99999"]
    assert problems[0][1] == (
        "-5 is no calendar year a model values (2010-2240: a start from 2010-07 to "
        "2140-12, at most 100 years on); the keys are calendar years, e.g. 2027 (got '-5')")
    one = site("A", contract(40), machines("m", 200.0, 3500.0, 1000), capacity_mw=4)
    edges = table(**{field: {"2010": 0.1, "2240": 0.2}})
    parse_portfolio(toml_text(sites=[one], scenario=edges), "x.toml")  # accepted


def test_simulate_names_the_years_its_horizon_does_not_reach() -> None:
    # the run: 2026-01 to 2027-12; 2027 is used, 2025 and 2099 are not
    pf = portfolio({**SET, "btc_drift_by_year": {2027: -0.2, 2099: 0.5},
                    "btc_volatility_by_year": {2025: 1.0}})
    res = simulate(pf, SimulationConfig(n_paths=2, horizon_months=24, chunk_paths=2))
    notes = [w for w in res.warnings if "_by_year" in w]
    assert notes == [
        "[scenario] btc_drift_by_year: 2099 not used: the run's paths read the years "
        "2026-2027 (a start or horizon that reaches them would)",
        "[scenario] btc_volatility_by_year: 2025 not used: the run's paths read the years "
        "2026-2027 (a start or horizon that reaches them would)"]
    used = portfolio({**SET, "btc_drift_by_year": {2026: -0.2, 2027: 0.1}})
    res = simulate(used, SimulationConfig(n_paths=2, horizon_months=24, chunk_paths=2))
    assert not [w for w in res.warnings if "_by_year" in w]


def test_optimize_names_them_as_simulate_does() -> None:
    from hashpivot.optimize import OptimizeConfig, optimize_plan

    text = portfolio_text(site_toml("Alpha"), years=2) + (
        "\n[scenario.btc_drift_by_year]\n2026 = 0.1\n2099 = 0.5\n")
    plan = optimize_plan(parse_portfolio(text, "x.toml"),
                         OptimizeConfig(n_scenarios=2, seed=7, evpi_scenarios=1))
    [note] = [w for w in plan.warnings if "_by_year" in w]
    assert note.startswith("[scenario] btc_drift_by_year: 2099 not used: the run's paths "
                           "read the years 2026-2027")
