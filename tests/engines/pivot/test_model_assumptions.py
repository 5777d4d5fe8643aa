"""Every assumption that can flip a verdict is printed with the result: the project debt,
the fleet's ageing and replacement, the start height and the halvings, what each
strategy converts, each site's mining terms and the hosting terms not varied by the
tornado (``pivot`` and ``simulate``, on the example files), and the power model of an
index-priced site (``simulate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.engines.simulate.calibration import load_power_fit
from hashpivot.models import load_portfolio

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "pivot-200mw.toml"


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["name"]): r for r in rows}


@pytest.fixture(scope="module")
def pivot_rows() -> dict[str, dict[str, Any]]:
    result = run_pivot(load_portfolio(EXAMPLE), deals=None)
    rows = result.resolved_assumptions()
    assert result.to_json_dict()["resolved_assumptions"] == rows  # the JSON's and the CSV's
    return _by_name(rows)


def _row(value: Any, unit: str, source: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "source": source}


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("value", "unit", "source")}


def _assert_rows(rows: dict[str, Any], expected: dict[str, dict[str, Any]],
                 prefix: str = "") -> None:
    """Each expected row's value, unit and source, named ``prefix + key``."""
    for name, cells in expected.items():
        assert _cells(rows[prefix + name]) == cells, name


def test_pivot_prints_each_financing_term_not_given(pivot_rows: dict[str, Any]) -> None:
    assert "[financing]" not in pivot_rows  # (was only "given")
    expected = {
        "loan_to_cost_fraction": _row(0.8, "-", "file"),
        "interest_rate": _row(0.085, "1/year", "file"),
        "amortization_years": _row(10.0, "year", "file"),
        "upfront_fee_fraction": _row(0.01, "-", "default"),  # not in the example
        "equity_discount_rate": _row(0.15, "1/year", "file"),  # the levered NPV's rate
    }
    _assert_rows(pivot_rows, expected, "[financing] ")


def test_pivot_prints_the_fleet_ageing_and_replacement(pivot_rows: dict[str, Any]) -> None:
    expected = {  # the decay 0.03 -> 0 moves keep-mining's NPV from 126.3 to 143.3 M USD
        "[pivot] fleet_hashrate_decay_per_year": _row(0.03, "1/year", "file"),
        "[pivot] replacement_efficiency_j_per_th": _row(15.0, "J/TH", "file"),
        "[pivot] replacement_capex_usd_per_th": _row(15.0, "USD/TH", "file"),
        "[pivot] replacement_efficiency_gain_per_year": _row(0.08, "1/year", "default"),
    }
    _assert_rows(pivot_rows, expected)


def test_pivot_prints_the_start_height_and_the_halvings(pivot_rows: dict[str, Any]) -> None:
    height = pivot_rows["[pivot] start_height"]
    assert height["unit"] == "block"
    assert height["source"].endswith(", + 144 blocks a day to the start")
    # the 2028-04 revenue cliff, then every four years in the 15-year horizon
    halvings = str(pivot_rows["halvings in the horizon"]["value"])
    assert halvings.startswith("1,050,000 in 2028-04 (3.125 -> 1.5625 BTC/block); "
                               "1,260,000 in 2032-04 (-> 0.78125)")
    assert halvings.count(" in 20") == 4
    assert pivot_rows["[pivot] fees_btc_per_block"]["unit"] == "BTC/block"


def test_halvings_by_hand() -> None:
    from hashpivot.engines.pivot.model_assumptions import halving_facts, halving_rows

    # 1,050,000 - 1,049,000 = 1,000 blocks = 6.9 days after 2028-03-01: in 2028-03
    facts = halving_facts("2028-03", 1_049_000, 2)
    assert facts["halvings"] == [{"height": 1_050_000, "month": "2028-03",
                                  "subsidy_before_btc": 3.125, "subsidy_after_btc": 1.5625}]
    # 5,000 blocks = 34.7 days: in the second month, after a one-month horizon
    assert halving_facts("2028-03", 1_045_000, 1)["halvings"] == []
    assert halving_rows(halving_facts("2028-03", 1_045_000, 1), "file")[1]["value"] == (
        "none in the horizon")


def test_pivot_says_what_each_strategy_converts(pivot_rows: dict[str, Any]) -> None:
    assert pivot_rows["strategy convert_all"]["value"] == (
        "200.0 MW: West Texas 200: 200.0 MW from 2025-10")
    assert "not optimize's" not in pivot_rows["strategy convert_all"]["source"]
    assert "convert_all_now" in pivot_rows["strategy convert_all"]["source"]
    assert pivot_rows["strategy convert_100mw_2026-01"]["value"] == (
        "100.0 MW: West Texas 200: 100.0 MW from 2026-01")
    # the example leaves the phased plan to the defaults: 3 tranches 12 months apart
    assert _cells(pivot_rows["strategy phased"]) == _row(
        "200.0 MW: West Texas 200: 3 tranches of 66.7 MW, 12 months apart from 2025-10",
        "-", "default ([sites.hosting] phases, phased_tranches, phase_interval_months)")


def test_pivot_prints_the_site_mining_and_hosting_terms(pivot_rows: dict[str, Any]) -> None:
    expected = {
        "[sites.fleet] uptime_fraction, weighted by hashrate": _row(0.95, "-", "file"),
        "[sites] pool_fee_fraction": _row(0.015, "-", "file"),
        "[sites] power_overhead_factor": _row(1.05, "-", "file"),
        "[sites.hosting] opex_usd_per_it_mw_year": _row(150_000.0, "USD/MW/year", "file"),
        "[sites.hosting] renewal_term_years": _row(5.0, "year", "file"),
        "[sites.hosting] default_recovery_fraction": _row(0.4, "-", "file"),
        "[sites.hosting] it_load_factor": _row(0.8, "-", "default"),
    }
    _assert_rows(pivot_rows, expected)


def test_a_pivot_result_stored_before_the_facts_keeps_its_rows() -> None:
    result = run_pivot(load_portfolio(EXAMPLE), deals=None)
    old = dict(result.inputs)
    for key in ("financing_fields_in_file", "halvings", "strategy_definitions"):
        del old[key]
    for site in old["site_assumptions"]:
        del site["mining"]
    rows = _by_name(type(result)(**{**result.__dict__, "inputs": old}).resolved_assumptions())
    assert rows["[financing]"]["value"] == "given"
    assert "halvings in the horizon" not in rows
    assert not any(name.startswith("strategy ") for name in rows)


@pytest.fixture(scope="module")
def simulate_rows() -> dict[str, dict[str, Any]]:
    res = simulate(load_portfolio(EXAMPLE), SimulationConfig(n_paths=4, chunk_paths=4))
    return _by_name(res.to_json()["resolved_assumptions"])


def test_simulate_names_its_start_and_fees_as_pivot_does(
        simulate_rows: dict[str, Any], pivot_rows: dict[str, Any]) -> None:
    for name in ("[pivot] start", "[pivot] fees_btc_per_block", "[pivot] start_height",
                 "halvings in the horizon"):
        assert _cells(simulate_rows[name]) == _cells(pivot_rows[name]), name
    assert simulate_rows["[pivot] start"]["source"] != "default"
    assert simulate_rows["[pivot] fees_btc_per_block"]["source"].startswith(
        "mean of the 90 days to ")


def test_simulate_prints_the_fleet_financing_and_strategies(
        simulate_rows: dict[str, Any], pivot_rows: dict[str, Any]) -> None:
    for name in ("[pivot] fleet_hashrate_decay_per_year",
                 "[pivot] replacement_efficiency_j_per_th",
                 "[financing] loan_to_cost_fraction", "[financing] interest_rate",
                 "[financing] amortization_years", "[financing] upfront_fee_fraction",
                 "strategy convert_all", "strategy phased", "[sites] pool_fee_fraction",
                 "[sites.hosting] opex_usd_per_it_mw_year"):
        assert _cells(simulate_rows[name]) == _cells(pivot_rows[name]), name
    # an unlevered run: the cost of equity is not used (the levered row gives it)
    assert "[financing] equity_discount_rate" not in simulate_rows
    assert "[scenario] power_volatility_per_year" not in simulate_rows  # fixed price


def test_simulate_prints_the_power_model_of_an_index_priced_site() -> None:
    pf = load_portfolio(ROOT / "tests" / "data" / "simulate_site.toml")
    res = simulate(pf, SimulationConfig(n_paths=4, chunk_paths=4))
    rows = _by_name(res.resolved_assumptions())
    fit = load_power_fit(pf.scenario)  # the test file calibrates on HB_WEST 2024
    assert fit is not None
    calibrated = "calibrated on the bundled ercot:HB_WEST:2024 prices"
    assert _cells(rows["[scenario] power_mean_reversion_per_year"]) == _row(
        fit.mean_reversion_per_year, "1/year", calibrated)
    assert _cells(rows["[scenario] power_volatility_per_year"]) == _row(
        fit.volatility_per_year, "1/sqrt(year)", calibrated)
    assert _cells(rows["[scenario] power_spike_probability_per_month"]) == _row(
        fit.spike_probability_per_month, "1/month", calibrated)
    assert _cells(rows["[scenario] power_spike_mean_log"]) == _row(
        fit.spike_mean_log, "-", calibrated)
    # the mean: the contract's expected index price, before any adder, and what it pays
    assert _cells(rows["[scenario] power_mean_usd_per_mwh"]) == _row(
        40.0, "USD/MWh", "Test 20's contract price_usd_per_mwh: the index before any "
        "adder; on average Test 20 pays 40 USD/MWh")
    # one year of prices has no season: the row said "by month" of 12 factors of 1
    assert fit.seasonal_factors == (1.0,) * 12
    seasonal = rows["[scenario] power_seasonal_factors"]
    assert seasonal["value"] == "flat (1 every month)"
    assert seasonal["source"] == (calibrated + ": fewer than 24 months of prices, which "
                                  "cannot tell seasons from noise")
    by_hand = pf.model_copy(update={"scenario": pf.scenario.model_copy(update={
        "power_seasonal_factors": [1.2, 1.1, *([1.0] * 8), 0.9, 0.8]})})
    rows = _by_name(simulate(by_hand, SimulationConfig(n_paths=4, chunk_paths=4)
                             ).resolved_assumptions())
    # the factors themselves, January to December as the paths use them (normalized to a
    # mean of 1; a reversed list moved a simulated NPV 2 %, scripts/sweep_assumptions.py),
    # not "by month"
    assert _cells(rows["[scenario] power_seasonal_factors"]) == _row(
        "January to December 1.2, 1.1, 1, 1, 1, 1, 1, 1, 1, 1, 0.9, 0.8 (normalized to a "
        "mean of 1)", "-", "file")
    doubled = pf.model_copy(update={"scenario": pf.scenario.model_copy(update={
        "power_seasonal_factors": [2.4, 2.2, *([2.0] * 8), 1.8, 1.6]})})
    rows = _by_name(simulate(doubled, SimulationConfig(n_paths=4, chunk_paths=4)
                             ).resolved_assumptions())
    assert rows["[scenario] power_seasonal_factors"]["value"].startswith(
        "January to December 1.2, 1.1, 1, ")
    # a result stored before the factors were facts: "by month"
    from hashpivot.engines.simulate.power_rows import power_rows

    power = {"sources": {k: "file" for k in ("mean_usd_per_mwh", "mean_reversion_per_year",
                                             "volatility_per_year",
                                             "spike_probability_per_month",
                                             "spike_mean_log")},
             "mean_usd_per_mwh": 40.0, "mean_reversion_per_year": 1.0,
             "volatility_per_year": 1.0, "spike_probability_per_month": 0.0,
             "spike_mean_log": 0.0, "seasonal": "file", "seasonal_flat": False}
    assert power_rows(power)[-1]["value"] == "by month"


def test_a_dispatching_sites_uptime_is_its_availability() -> None:
    """A site with ``[sites.dispatch]`` runs its machines whenever available (the dispatch
    curtails): the row names the availability it uses, from the file, not the fleet's
    default uptime of 0.95."""
    res = run_pivot(load_portfolio(ROOT / "examples" / "dispatch-west-texas.toml"), deals=None)
    rows = _by_name(res.resolved_assumptions())
    assert "[sites.fleet] uptime_fraction, weighted by hashrate" not in rows
    assert _cells(rows["[sites.dispatch] availability_fraction, the site's uptime (the "
                       "dispatch curtails)"]) == _row(0.97, "-", "file")


def test_the_terminal_value_row_says_how_each_line_is_floored() -> None:
    """The ``[pivot.terminal_value]`` row says how what is valued past the horizon is
    floored: mining per tranche and net of the cash SG&A; a hall valued by a multiple or
    Gordon growth on its own; under ``contract`` (the default) the leases' own flows, not
    floored (the row said every hosting phase was floored, whatever the method); nothing
    where nothing is valued."""
    from hashpivot.engines.pivot.model_assumptions import (
        CONTRACT_NO_FLOOR,
        HALL_FLOOR,
        MINING_FLOOR,
        terminal_value_row,
    )
    from hashpivot.engines.pivot.terminal import describe
    from hashpivot.models.pivot import TerminalValueSpec

    def value(**methods: str) -> str:
        return str(terminal_value_row(describe(TerminalValueSpec(**methods)), "file")["value"])

    assert value(mining_method="exit_multiple", hosting_method="contract").endswith(
        f"({MINING_FLOOR}; {CONTRACT_NO_FLOOR})")
    assert value(mining_method="none", hosting_method="exit_multiple").endswith(
        f"({HALL_FLOOR})")
    assert value(mining_method="gordon", hosting_method="none").endswith(f"({MINING_FLOOR})")
    assert value(mining_method="none", hosting_method="none") == (
        "terminal value: mining none; hosting none")
