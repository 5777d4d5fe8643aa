"""Which power contract the risk engine calibrates its power model for (site lookup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hashpivot.engines.simulate import _index_contract
from hashpivot.exceptions import InputError
from hashpivot.models import load_portfolio

SITE = Path(__file__).parents[2] / "data" / "simulate_site.toml"


def test_the_index_contract_of_the_site_found_by_the_one_lookup_rule() -> None:
    pf = load_portfolio(SITE)  # one site, "Test 20", on an index contract
    contract = pf.sites[0].power_contract
    assert contract.kind == "index"
    assert _index_contract(pf, None) is contract
    assert _index_contract(pf, "Test 20") is contract
    # the case rule of Portfolio.site: the only site equal ignoring case
    assert _index_contract(pf, "test 20") is contract
    with pytest.raises(InputError) as info:
        _index_contract(pf, "Test 21")
    assert info.value.problems[0].path == "site"


def test_no_index_contract_gives_none() -> None:
    pf = load_portfolio(SITE)
    fixed = pf.sites[0].power_contract.model_copy(update={"kind": "fixed"})
    pf = pf.model_copy(update={"sites": [pf.sites[0].model_copy(update={"power_contract": fixed})]})
    assert _index_contract(pf, None) is None


@pytest.mark.parametrize(("market", "fitted_on"), [
    ("ercot:LZ_WEST", "ercot:LZ_WEST:2023"),  # the site's own market, its bundled year
    ("nyiso:WEST", "nyiso:WEST:2019"),
    ("ercot:HB_WEST", "ercot:HB_WEST:2024"),  # (the default's market: the same fit)
    ("ercot:HB_BUSAVG", "ercot:HB_WEST:2024"),  # no bundled prices: the default
])
def test_the_power_model_is_fitted_on_the_index_site_s_own_market(market: str,
                                                                   fitted_on: str) -> None:
    """Without ``[scenario] power_calibrate_on`` the power model was fitted on ERCOT
    HB_WEST 2024 whatever the index site's market: an NYISO site drew ERCOT's volatility
    and spikes. It is now fitted on the index contract's own market where its prices are
    bundled (the latest year), else on the default; the fit is that market's (bitwise)."""
    from hashpivot.engines.simulate import load_power_fit
    from hashpivot.engines.simulate.calibration import power_calibration_market
    from hashpivot.io import load_market_prices
    from hashpivot.scenarios import fit_power

    pf = load_portfolio(SITE)
    contract = pf.sites[0].power_contract.model_copy(update={"market": market})
    spec = pf.scenario.model_copy(update={"power_calibrate_on": "ercot:HB_WEST:2024"})
    spec = type(spec).model_validate(spec.model_dump(exclude={"power_calibrate_on"}))
    assert "power_calibrate_on" not in spec.model_fields_set
    assert power_calibration_market(spec, contract) == fitted_on
    assert load_power_fit(spec, contract) == fit_power(load_market_prices(fitted_on))


def test_a_power_calibrate_on_in_the_file_is_kept() -> None:
    """``power_calibrate_on`` given (the test file's HB_WEST 2024, or none) is used for an
    LZ_WEST site too: the file's choice, not the site's market."""
    from hashpivot.engines.simulate.calibration import power_calibration_market

    pf = load_portfolio(SITE)
    contract = pf.sites[0].power_contract.model_copy(update={"market": "ercot:LZ_WEST"})
    assert "power_calibrate_on" in pf.scenario.model_fields_set
    assert power_calibration_market(pf.scenario, contract) == "ercot:HB_WEST:2024"
    off = type(pf.scenario).model_validate({**pf.scenario.model_dump(),
                                            "power_calibrate_on": None})
    assert power_calibration_market(off, contract) is None


def _on_market(market: str, calibrate_on: bool = False) -> Any:
    """The test site on ``market``, ``[scenario] power_calibrate_on`` in the file or not."""
    from hashpivot.models.risk import ScenarioSpec

    pf = load_portfolio(SITE)
    site = pf.sites[0]
    site = site.model_copy(update={"power_contract": site.power_contract.model_copy(
        update={"market": market})})
    assert pf.scenario is not None
    given = pf.scenario.model_dump(exclude_unset=True)
    if not calibrate_on:
        given.pop("power_calibrate_on")
    return pf.model_copy(update={"sites": [site],
                                 "scenario": ScenarioSpec.model_validate(given)})


@pytest.mark.parametrize(("market", "said"), [
    ("ercot:NOWHERE", "no bundled prices for ercot:NOWHERE; simulate and optimize"),
    ("ercot:LZ_WST", "no bundled prices for ercot:LZ_WST; did you mean ercot:LZ_WEST?; "
                     "simulate and optimize"),
    ("ercot:LZ_WEST:2019", "no bundled prices for ercot:LZ_WEST:2019; did you mean "
                           "ercot:LZ_WEST:2023?; simulate and optimize"),
    ("garbage", "'garbage' is not iso:point:year[:da], e.g. ercot:HB_WEST:2024; simulate "
                "and optimize"),
])
def test_a_market_with_no_bundled_prices_is_named_with_the_market_fitted_instead(
        market: str, said: str) -> None:
    """An index site on a market no bundled prices answer (a node not bundled, a typo, a
    year not bundled, no market reference) drew its power paths with the process fitted
    on the default market, ercot:HB_WEST:2024, without a word: its rows read "calibrated
    on the bundled ercot:HB_WEST:2024 prices" as for an HB_WEST site. The run now warns,
    naming the site, its market, the market fitted instead, the bundled ones and
    ``[scenario] power_calibrate_on``; the rows say it is the default, and why."""
    from hashpivot.engines.simulate import SimulationConfig, simulate

    config = SimulationConfig(n_paths=4, chunk_paths=4, horizon_months=12)
    res = simulate(_on_market(market), config)
    notes = [w for w in res.warnings if ": power_contract.market: " in w]
    assert len(notes) == 1, res.warnings
    assert notes[0].startswith(f"sites[0] 'Test 20': power_contract.market: {said}")
    assert ("simulate and optimize draw its index power paths with the process fitted on "
            "the default market, ercot:HB_WEST:2024: give a bundled market, or choose the "
            "one to fit with [scenario] power_calibrate_on") in notes[0]
    assert "bundled: ercot:HB_HOUSTON:2024, " in notes[0] or "not iso:point" in notes[0]
    rows = {r["name"]: r for r in res.resolved_assumptions()}
    assert rows["[scenario] power_volatility_per_year"]["source"] == (
        "calibrated on the bundled ercot:HB_WEST:2024 prices (the default: no bundled "
        f"prices answer the index site's market, {market!r}; [scenario] "
        "power_calibrate_on not given)")
    # teeth: a bundled market, or the file's choice of the market to fit, says nothing
    for pf in (_on_market("ercot:LZ_WEST"), _on_market(market, calibrate_on=True)):
        quiet = simulate(pf, config)
        assert not [w for w in quiet.warnings if ": power_contract.market: " in w]
        assert "the default" not in str({r["name"]: r for r in quiet.resolved_assumptions()}[
            "[scenario] power_volatility_per_year"]["source"])


def test_an_index_site_without_a_market_is_warned_as_one_no_prices_answer() -> None:
    """An index site with no ``market`` at all drew its power paths with the process
    fitted on the default market, ercot:HB_WEST:2024, and its rows read "calibrated on the
    bundled ercot:HB_WEST:2024 prices" as for an HB_WEST site, without a warning (a market
    no bundled prices answer had one since 2026-12-07): the same warning and row now."""
    from hashpivot.engines.simulate import SimulationConfig, simulate

    config = SimulationConfig(n_paths=4, chunk_paths=4, horizon_months=12)
    res = simulate(_on_market(None), config)  # type: ignore[arg-type]
    notes = [w for w in res.warnings if ": power_contract.market: " in w]
    assert notes == [
        "sites[0] 'Test 20': power_contract.market: none given; simulate and optimize draw "
        "its index power paths with the process fitted on the default market, "
        "ercot:HB_WEST:2024: give a bundled market, or choose the one to fit with "
        "[scenario] power_calibrate_on (one market's process for every index site)"]
    rows = {r["name"]: r for r in res.resolved_assumptions()}
    assert rows["[scenario] power_volatility_per_year"]["source"] == (
        "calibrated on the bundled ercot:HB_WEST:2024 prices (the default: the index site "
        "gives no market; [scenario] power_calibrate_on not given)")
    # teeth: the file's choice of the market to fit says nothing
    quiet = simulate(_on_market(None, calibrate_on=True), config)  # type: ignore[arg-type]
    assert not [w for w in quiet.warnings if ": power_contract.market: " in w]


@pytest.mark.parametrize("market", ["garbage", None])
def test_a_later_index_site_on_the_first_one_s_process_is_warned(market: str | None
                                                                  ) -> None:
    """A later index site whose ``market`` names no node (not a market reference, or none
    given) draws the first index site's power paths; its row said "this market (garbage)
    moves with Test 20's" but the run printed no warning, as it does for a site whose
    market no bundled prices answer (the same function now)."""
    from hashpivot.engines.simulate import SimulationConfig, simulate

    pf = _on_market("ercot:LZ_WEST")
    first = pf.sites[0]
    later = first.model_copy(update={"name": "Test 21", "power_contract":
                                     first.power_contract.model_copy(update={"market": market})})
    pf = pf.model_copy(update={"sites": [first, later]})
    res = simulate(pf, SimulationConfig(n_paths=4, chunk_paths=4, horizon_months=12))
    notes = [w for w in res.warnings if ": power_contract.market: " in w]
    said = ("'garbage' is not iso:point:year[:da], e.g. ercot:HB_WEST:2024" if market
            else "none given")
    assert notes == [
        f"sites[1] 'Test 21': power_contract.market: {said}; simulate and optimize draw its "
        "index power paths with Test 20's process (fitted on ercot:LZ_WEST:2023): give a "
        "bundled market, or choose the one to fit with [scenario] power_calibrate_on (one "
        "market's process for every index site)"], res.warnings
    # teeth: a later site on the first one's node (another year) shares it by right
    same = later.model_copy(update={"power_contract": first.power_contract.model_copy(
        update={"market": "ercot:LZ_WEST:2019"})})
    quiet = simulate(pf.model_copy(update={"sites": [first, same]}),
                     SimulationConfig(n_paths=4, chunk_paths=4, horizon_months=12))
    assert not [w for w in quiet.warnings if ": power_contract.market: " in w]
