"""The resolved-assumptions block of ``simulate`` (table rows and JSON)."""

from __future__ import annotations

import math

import pytest

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.engines.simulate.assumptions import DRIFT_ROW, PRE_TAX, resolved_assumptions
from hashpivot.models.hosting import PivotSpec
from hashpivot.models.risk import ScenarioSpec
from tests.engines.simulate_inputs import SET, ZERO_VOL, portfolio


def _rows(inputs: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(r["name"]): r for r in resolved_assumptions(inputs)}


BASE = {
    "horizon_months": 180, "start": "2026-01", "start_source": "file",
    "discount_rate": 0.1, "mining_discount_rate": 0.1, "hosting_discount_rate": 0.1,
    "terminal_value": "terminal value: mining none; hosting none",
    "scenario": {"price_center": "median"}, "npv_cash_flow": "unlevered",
}


def test_sources_follow_file_run_settings_and_defaults() -> None:
    rows = _rows({**BASE, "pivot_fields_in_file": ["discount_rate", "hosting_discount_rate"]})
    assert rows["[pivot] horizon_years"]["value"] == 15
    assert rows["[pivot] horizon_years"]["source"] == "default"
    assert rows["[pivot] discount_rate"]["source"] == "file"
    assert rows["[pivot] mining_discount_rate"]["source"] == "= discount_rate"
    assert rows["[pivot] hosting_discount_rate"]["source"] == "file"
    assert rows["[scenario] price_center"] == {
        "name": "[scenario] price_center", "value": "median", "unit": "-", "source": "default"
    }
    assert rows["[pivot.tax]"]["value"] == PRE_TAX
    # the command line (a SimulationConfig field) wins over the file
    rows = _rows({**BASE, "horizon_months": 30, "pivot_fields_in_file": ["horizon_years"],
                  "run_settings": ["horizon_months", "npv_cash_flow"],
                  "npv_cash_flow": "levered"})
    assert rows["[pivot] horizon_years"] == {
        "name": "[pivot] horizon_years", "value": 2.5, "unit": "year", "source": "run setting"
    }
    assert rows["NPV cash flow"]["value"] == "levered"
    assert rows["NPV cash flow"]["source"] == "run setting"
    # a levered NPV never adds the terminal value
    assert rows["[pivot.terminal_value]"]["value"] == "not added: levered NPV"


def test_a_run_echoes_its_assumptions_in_the_json() -> None:
    pf = portfolio({**SET, **ZERO_VOL, "price_center": "mean"})
    pf.pivot = PivotSpec.model_validate(
        {**pf.pivot.model_dump(exclude_unset=True), "hosting_discount_rate": 0.07}
    )
    pf.scenario = ScenarioSpec.model_validate({**SET, **ZERO_VOL, "price_center": "mean"})
    res = simulate(pf, SimulationConfig(n_paths=2, horizon_months=24, chunk_paths=2,
                                        discount_rate=0.12))
    rows = {r["name"]: r for r in res.to_json()["resolved_assumptions"]}
    assert rows["[pivot] horizon_years"]["value"] == 2
    assert rows["[pivot] horizon_years"]["source"] == "run setting"
    assert rows["[pivot] discount_rate"]["value"] == 0.12
    assert rows["[pivot] discount_rate"]["source"] == "run setting"
    # the run's rate discounts both lines: it replaces the file's hosting rate, and says so
    assert rows["[pivot] hosting_discount_rate"]["value"] == 0.12
    assert rows["[pivot] hosting_discount_rate"]["source"] == "run setting"
    assert any("replaces the file's [pivot] hosting_discount_rate 7.0 %/year" in w
               for w in res.warnings)
    assert rows["[pivot] mining_discount_rate"]["value"] == 0.12
    assert rows["[pivot] start"] == {
        "name": "[pivot] start", "value": "2026-01", "unit": "month", "source": "file"
    }
    assert rows["[scenario] price_center"]["value"] == "mean"
    assert rows["[scenario] price_center"]["source"] == "file"
    assert rows["[pivot.tax]"]["value"] == PRE_TAX


def test_the_market_the_spread_and_the_treasury_are_named_with_their_sources() -> None:
    """What the forced sales and the spread depend on is printed with the result: the
    center path's start and growth, each scenario parameter (from the file here), and the
    treasury (from the file), or one row saying there is none."""
    from hashpivot.models.risk import DebtSpec, TreasurySpec

    treasury = TreasurySpec(btc_held=500.0, cash_usd=50e6, min_cash_usd=10e6,
                            debt=[DebtSpec(name="notes", principal_usd=80e6, interest_rate=0.02,
                                           maturity="2028-06")])
    pf = portfolio({**SET, **ZERO_VOL}, treasury=treasury)
    res = simulate(pf, SimulationConfig(n_paths=2, horizon_months=12, chunk_paths=2))
    rows = {r["name"]: r for r in res.to_json()["resolved_assumptions"]}
    assert rows["[pivot] btc_price_usd"] == {"name": "[pivot] btc_price_usd",
                                             "value": 100_000.0, "unit": "USD",
                                             "source": "file"}
    assert rows["[pivot] network_hashrate_th_s"]["value"] == 1.0e9
    assert rows["[pivot] btc_price_growth_per_year"]["source"] == "default"
    assert rows["[scenario] btc_volatility_per_year"]["value"] == 0.0
    assert rows["[scenario] btc_volatility_per_year"]["source"] == "file"
    assert rows["[treasury] btc_held"] == {"name": "[treasury] btc_held", "value": 500.0,
                                           "unit": "BTC", "source": "file"}
    assert rows["[treasury] policy"] == {"name": "[treasury] policy",
                                         "value": "sell_to_cover", "unit": "-",
                                         "source": "default"}
    # the principal's repayment too: it moves the forced sales
    assert rows["[treasury] debt"]["value"] == "notes: 80 M USD at 2.0 % to 2028-06, bullet"
    # no [treasury]: one row; unset scenario parameters: calibrated, the window named
    bare = portfolio({k: v for k, v in SET.items() if k != "btc_volatility_per_year"})
    bare.treasury = None
    res = simulate(bare, SimulationConfig(n_paths=2, horizon_months=12, chunk_paths=2))
    rows = {r["name"]: r for r in res.to_json()["resolved_assumptions"]}
    assert rows["[treasury]"]["value"] == "none: no liquidity figures"
    assert not any(n.startswith("[treasury] ") for n in rows)
    assert rows["[scenario] btc_volatility_per_year"]["source"].startswith(
        "calibrated on the bundled history ")
    assert rows["[scenario] hashrate_elasticity"]["source"] == "file"


def test_the_scenario_values_that_move_the_center_path_are_printed() -> None:
    """``[scenario] btc_price_usd``, ``network_hashrate_th_s``, ``fees_btc_per_block`` and
    the drift and trend overrides move the center path (the deterministic NPV with it):
    each is a row, and the ``[pivot]`` row it replaces says so (the table showed the
    pivot model's 100,000 USD while the paths started at 60,000)."""
    pf = portfolio({**SET, **ZERO_VOL, "btc_price_usd": 60_000.0,
                    "network_hashrate_th_s": 1.5e9, "hashrate_trend_per_year": 0.1,
                    "btc_drift_by_year": {2027: -0.2}, "fees_btc_per_block": 0.05})
    res = simulate(pf, SimulationConfig(n_paths=2, horizon_months=24, chunk_paths=2))
    rows = {r["name"]: r for r in res.to_json()["resolved_assumptions"]}
    assert rows["[scenario] btc_price_usd"] == {
        "name": "[scenario] btc_price_usd", "value": 60_000.0, "unit": "USD",
        "source": "file: the center path's, instead of [pivot] btc_price_usd"}
    assert rows["[pivot] btc_price_usd"]["value"] == 100_000.0
    assert rows["[pivot] btc_price_usd"]["source"] == (
        "file; not used: [scenario] btc_price_usd")
    assert rows["[scenario] network_hashrate_th_s"]["value"] == 1.5e9
    assert rows["[scenario] hashrate_trend_per_year"]["unit"] == "1/year"
    assert rows["[scenario] btc_drift_by_year"]["value"] == "2027: -0.2"
    assert rows["[pivot] network_hashrate_growth_per_year"]["source"].endswith(
        "; not used: [scenario] hashrate_trend_per_year")
    assert rows["[pivot] btc_price_growth_per_year"]["source"].endswith(
        "; not used in 2027: [scenario] btc_drift_by_year")
    # the fees row pivot's table has, and with the fees given: replaced
    assert rows["[pivot] fees_btc_per_block"]["value"] == 0.03
    assert rows["[scenario] fees_btc_per_block"]["value"] == 0.05
    assert rows["[pivot] fees_btc_per_block"]["source"].endswith(
        "; not used: [scenario] fees_btc_per_block")
    # what the rows say is what the paths start from
    market = res.to_json()["inputs"]["market"]
    assert market["center_btc_price_usd"] == pytest.approx(60_000.0, rel=1e-12)
    assert market["center_network_hashrate_th_s"] == pytest.approx(1.5e9, rel=1e-12)


def test_the_price_model_is_named_with_its_blocks() -> None:
    """The price paths' model can flip a verdict (the bootstrap's history against a GBM):
    it is a row of the assumptions and part of the model line, the bootstrap with its
    blocks; until 2026-12-06 neither said which ran. Its source names no option (optimize
    shows the row too, and has no ``--price-model``; the web has no options)."""
    from hashpivot.reports.tables.simulate import model_line

    boot = {**BASE, "scenario": {"price_center": "median", "price_model": "bootstrap",
                                 "bootstrap_block_months": 6},
            "scenario_fields_in_file": ["price_model"]}
    row = _rows(boot)["[scenario] price_model"]
    assert row["value"].startswith("bootstrap (circular, blocks of 6 months")
    assert row["source"] == "file or run setting"
    gbm = _rows({**BASE, "scenario_fields_in_file": []})["[scenario] price_model"]
    assert (gbm["value"], gbm["source"]) == ("gbm", "default")
    resolved = {"btc_volatility_per_year": 0.52, "hashrate_elasticity": 0.1,
                "hashrate_volatility_per_year": 0.15, "price_hashrate_correlation": 0.3,
                "fees_lognormal_sigma": 0.4, "power_simulated": False}
    line = model_line({**boot, "resolved": resolved, "executor": "local"}, {"chunks": 1.0})
    assert line is not None and line.startswith("model: BTC bootstrap (circular, blocks of 6")


#: The calibration of examples/pivot-200mw.toml (``inputs.calibration``), in part.
_CAL = {"window_start": "2022-01-01", "window_end": "2025-09-26",
        "btc_drift_per_year": 0.35953, "btc_drift_se_per_year": 0.26969,
        "btc_volatility_per_year": 0.5212, "btc_volatility_se_per_year": 0.00998}


def test_the_paths_growth_is_printed_with_its_source_and_the_other_anchors() -> None:
    """The growth of the paths' BTC center can flip the verdict: under anchor =
    'deterministic' the file's growth (printed), under 'history' the calibration's (until
    2026-12 only in --json, as a GBM drift with its standard error). One row says which the
    paths use and where it comes from, in one measure, the center's compound growth per
    year (a GBM mu of dS/S grows the median at exp(mu - sigma^2 / 2) - 1: 0.36 with sigma
    0.52 is 25.1 %/year, not 36 %), with the file's the calibration's beside it."""
    resolved = {"btc_volatility_per_year": 0.5212, "hashrate_elasticity": 0.0874,
                "hashrate_volatility_per_year": 0.1546, "price_hashrate_correlation": 0.3314}
    base = {**BASE, "scenario_fields_in_file": ["price_center"], "resolved": resolved,
            "calibration": _CAL, "market": {"btc_price_growth_per_year": 0.1,
                                            "source": "file"},
            "pivot_fields_in_file": ["btc_price_growth_per_year"]}
    median = math.expm1(0.35953 - 0.5 * 0.5212**2)
    assert median == pytest.approx(0.2507, abs=1e-4)
    det = _rows({**base, "scenario": {"price_center": "median", "anchor": "deterministic"}})
    row = det[DRIFT_ROW]
    assert (row["value"], row["unit"]) == (0.1, "1/year")
    for words in ("[pivot] btc_price_growth_per_year", "anchor = 'deterministic'",
                  "anchor = 'history': 0.251 from the calibration's GBM mu 0.360",
                  "s.e. 0.270", "sigma 0.521"):
        assert words in row["source"], words
    hist = _rows({**base, "scenario": {"price_center": "median", "anchor": "history"}})
    row = hist[DRIFT_ROW]
    assert row["value"] == pytest.approx(median)
    for words in ("calibrated on the bundled history 2022-01-01 to 2025-09-26",
                  "GBM mu 0.360 (s.e. 0.270)", "anchor = 'history'"):
        assert words in row["source"], words
    # centred on the mean, the center grows at exp(mu) - 1
    mean = _rows({**base, "scenario": {"price_center": "mean", "anchor": "history"}})
    assert mean[DRIFT_ROW]["value"] == pytest.approx(math.expm1(0.35953))
    assert "s.e. 0.010" in hist["[scenario] btc_volatility_per_year"]["source"]
    # the file's [scenario] drift is the paths' under either anchor
    given = _rows({**base, "scenario_fields_in_file": ["btc_drift_per_year"],
                   "scenario": {"price_center": "mean", "anchor": "history",
                                "btc_drift_per_year": 0.15}})
    row = given[DRIFT_ROW]
    assert row["value"] == pytest.approx(math.expm1(0.15))
    assert row["source"].startswith("file: [scenario] btc_drift_per_year, GBM mu 0.15")
    assert "the calibration's: " in row["source"]
    # no calibration (every spread parameter in the file, anchored): no alternative named
    bare = _rows({**base, "calibration": None})
    assert bare[DRIFT_ROW]["source"] == (
        "[pivot] btc_price_growth_per_year (anchor = 'deterministic')")


def test_a_history_anchored_run_prints_the_calibrated_drift_it_uses() -> None:
    """On a run: under anchor = 'history' (centred on the mean) the row's growth is the
    calibration's drift in ``inputs.calibration`` as the center grows, exp(mu) - 1, its
    error beside it."""
    pf = portfolio({**SET, "anchor": "history", "price_center": "mean"})
    res = simulate(pf, SimulationConfig(n_paths=2, horizon_months=12, chunk_paths=2))
    j = res.to_json()
    cal = j["inputs"]["calibration"]
    row = next(r for r in j["resolved_assumptions"] if r["name"] == DRIFT_ROW)
    assert row["value"] == pytest.approx(math.expm1(cal["btc_drift_per_year"]))
    assert f"s.e. {cal['btc_drift_se_per_year']:.3f}" in row["source"]
    assert row["source"].startswith("calibrated on the bundled history ")


def test_the_fees_spread_is_printed_with_its_source() -> None:
    # the fees' lognormal sigma was only in the one-line model summary, not a row: under
    # anchor = 'history' it sets the fees' mean (the history's median x exp(sigma^2 / 2):
    # 1.68 times at 1.02, calibrated on examples/pivot-200mw.toml's window) and everywhere
    # their spread, the tail and CVaR
    from pathlib import Path

    from hashpivot.models import load_portfolio

    pf = load_portfolio(Path(__file__).parents[2] / "data" / "simulate_site.toml")
    rows = {r["name"]: r for r in simulate(pf, SimulationConfig(
        n_paths=4, chunk_paths=4)).resolved_assumptions()}
    assert rows["[scenario] fees_lognormal_sigma"] == {
        "name": "[scenario] fees_lognormal_sigma", "value": 0.5, "unit": "-",
        "source": "file"}


def test_a_volatility_by_year_is_named_with_the_horizon_s_mean() -> None:
    # [scenario] btc_volatility_per_year = 0.6 and btc_volatility_by_year = {2027 = 1.2}
    # over 2026-2030: the row printed 0.72 with source "file", a figure the file gives
    # nowhere; it is the horizon's mean, (4 x 0.6 + 1.2) / 5, and the row says so
    from pathlib import Path

    from hashpivot.models import load_portfolio

    pf = load_portfolio(Path(__file__).parents[2] / "data" / "simulate_site.toml")
    assert pf.scenario is not None
    pf = pf.model_copy(update={"scenario": ScenarioSpec.model_validate({
        **pf.scenario.model_dump(exclude_unset=True), "btc_volatility_by_year": {2027: 1.2}})})
    row = {r["name"]: r for r in simulate(pf, SimulationConfig(
        n_paths=4, chunk_paths=4)).resolved_assumptions()}["[scenario] btc_volatility_per_year"]
    assert row["value"] == pytest.approx(0.72, rel=1e-12)
    assert row["source"] == ("file: 0.6, in 2027: 1.2 ([scenario] btc_volatility_by_year); "
                             "the horizon's mean")


def test_the_hashrate_lag_is_printed_with_its_source() -> None:
    """``[scenario] hashrate_lag_months`` sets the window of the hashrate's response to
    the hashprice on the paths (and the calibration's fit of it), yet no row printed it
    (2026-12-07): a row beside the elasticity's now, from the file or the default."""
    from pathlib import Path

    from hashpivot.models import load_portfolio

    pf = load_portfolio(Path(__file__).parents[2] / "data" / "simulate_site.toml")
    assert pf.scenario is not None
    config = SimulationConfig(n_paths=4, chunk_paths=4)
    names = [r["name"] for r in simulate(pf, config).resolved_assumptions()]
    assert names.index("[scenario] hashrate_lag_months") == names.index(
        "[scenario] hashrate_elasticity") + 1
    row = {r["name"]: r for r in simulate(pf, config).resolved_assumptions()}[
        "[scenario] hashrate_lag_months"]
    # (the file gives every hashrate parameter: no calibration fits with the lag)
    assert row == {"name": "[scenario] hashrate_lag_months", "value": 3, "unit": "month",
                   "source": "default"}
    pf = pf.model_copy(update={"scenario": ScenarioSpec.model_validate({
        **pf.scenario.model_dump(exclude_unset=True), "hashrate_lag_months": 6})})
    row = {r["name"]: r for r in simulate(pf, config).resolved_assumptions()}[
        "[scenario] hashrate_lag_months"]
    assert (row["value"], row["source"]) == (6, "file")


def test_the_anchor_has_a_row() -> None:
    """``[scenario] anchor`` sets the paths' center: 'history' for the default moved the
    200 MW example's mean NPV 85 % (``scripts/sweep_assumptions.py --engine simulate``),
    and no row was named for it (the drift row's source said "anchor = 'deterministic'",
    without its table)."""
    base = {**BASE, "scenario_fields_in_file": ["price_center"], "calibration": _CAL,
            "market": {"btc_price_growth_per_year": 0.1, "source": "file"}}
    det = _rows({**base, "scenario": {"price_center": "median", "anchor": "deterministic"}})
    assert det["[scenario] anchor"] == {
        "name": "[scenario] anchor", "value": "deterministic", "unit": "-",
        "source": "default: the paths are centred on the pivot model's market (the [pivot] "
                  "rows)"}
    hist = _rows({**base, "scenario_fields_in_file": ["price_center", "anchor"],
                  "scenario": {"price_center": "median", "anchor": "history"}})
    assert hist["[scenario] anchor"]["value"] == "history"
    assert hist["[scenario] anchor"]["source"] == (
        "file: the center and drift come from the calibration window (calibrated on the "
        "bundled history 2022-01-01 to 2025-09-26)")
