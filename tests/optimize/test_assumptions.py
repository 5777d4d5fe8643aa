"""The resolved assumptions of a plan (hashpivot.optimize.assumptions): every setting that
can flip the plan, with its source: the terminal value as ``pivot`` takes it, and what the
optimizer leaves out that ``pivot`` counts (income tax)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hashpivot.models import parse_portfolio
from hashpivot.optimize import OptimizeConfig, optimize_plan
from hashpivot.optimize.assumptions import resolved_assumptions

EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio.toml"


def _rows(extra: str = "", **config: object) -> dict[str, dict[str, object]]:
    text = EXAMPLE.read_text() + extra
    pf = parse_portfolio(text, str(EXAMPLE))
    cfg = OptimizeConfig(**{"n_scenarios": 3, "seed": 7, "evpi_scenarios": 1, **config})
    res = optimize_plan(pf, cfg, source=str(EXAMPLE))
    rows = res.resolved_assumptions()
    assert res.to_json()["resolved_assumptions"] == rows
    return {str(r["name"]): r for r in rows}


def test_the_example_plan_names_its_assumptions_and_their_sources() -> None:
    rows = _rows()
    assert rows["[optimize] horizon_years"]["value"] == 10
    assert rows["[optimize] horizon_years"]["source"] == "= [pivot] horizon_years"
    # pivot's row too, saying whether the file sets it (pivot's and simulate's row)
    assert rows["[pivot] horizon_years"] == {"name": "[pivot] horizon_years", "value": 10,
                                             "unit": "year", "source": "file"}
    assert rows["[pivot] discount_rate"] == {"name": "[pivot] discount_rate", "value": 0.12,
                                             "unit": "1/year", "source": "file"}
    assert rows["[pivot] mining_discount_rate"]["source"] == "= discount_rate"
    # the plan's NPV counts what lies past the horizon as pivot's does, per MW
    assert rows["[pivot.terminal_value]"] == {
        "name": "[pivot.terminal_value]", "unit": "-", "source": "default",
        "value": "terminal value: mining 8x final-year EBITDA; hosting remaining lease "
                 "terms valued explicitly (each mining tranche floored at zero on its own, "
                 "and mining as a whole net of the cash SG&A; hosting on the leases' own "
                 "flows, not floored)"}
    assert rows["[pivot.tax]"] == {"name": "[pivot.tax]", "unit": "-", "source": "default",
                                   "value": "pre-tax: income tax not modelled"}
    assert rows["[pivot] start"]["source"].startswith("bundled")  # type: ignore[union-attr]
    assert rows["risk aversion"] == {"name": "risk aversion", "value": 0.0, "unit": "-",
                                     "source": "run setting"}
    assert rows["scenarios, seed"]["value"] == "3, seed 7"
    assert (rows["[optimize] block_mw"]["value"], rows["[optimize] block_mw"]["source"]) == (
        25.0, "file")
    # the example's budget: 250 M USD in year 1, then 300 M (the last value repeats)
    assert rows["[optimize] equity_budget_usd_per_year"]["value"] == (
        "250,000,000, 300,000,000 (years 1, 2, ...; the last repeats)")
    assert rows["[optimize] debt_capacity_usd"]["value"] == 1.5e9
    # each tenant's deal, the rent the plan earns
    assert rows["[optimize.tenants] Hyperscaler A"]["value"] == (
        "150 IT MW at 134.3 USD/kW/month +3 %/yr for 10 years from 2026Q3, P(signing) 0.6")
    assert rows["[optimize.tenants] Neocloud B"]["source"] == "file"
    assert str(rows["[optimize.tenants] Enterprise C"]["value"]).endswith(
        "P(signing) 0.9; only at Pecos PPA, Columbia Hydro")
    # every site that may convert: its hosting terms (the tenants set the lease) and power
    assert rows["Pecos PPA: [sites.hosting] capex per IT MW"]["value"] == (
        "9.00 (shell 3.00 + fit-out 6.00)")
    assert rows["Columbia Hydro: [sites.hosting] pue"]["value"] == 1.2
    assert rows["Odessa Grid: [sites.power_contract]"]["value"] == (
        "index ercot:HB_WEST: expected 40 + 3 adder USD/MWh")
    assert not any("lease_usd_per_kw_month" in name for name in rows)
    assert rows["[scenario] btc_volatility_per_year"]["source"] == (
        "calibrated on the bundled history 2016-01-01 to 2025-09-26, s.e. 0.008")
    assert rows["regulation rules"]["value"] == "bundled table + regulation-extra.csv"


def test_the_file_sets_the_terminal_value_and_what_is_left_out_is_said() -> None:
    rows = _rows("\n[pivot.tax]\nincome_tax_rate = 0.21\n"
                 "\n[pivot.terminal_value]\nmining_ebitda_multiple = 6.0\n",
                 continuous=True, horizon_years=5, risk_aversion=0.3)
    # the file's tax, as pivot prints it, not used
    assert str(rows["[pivot.tax]"]["value"]).startswith("after-tax: income tax 21.0 %")
    assert rows["[pivot.tax]"]["source"] == (
        "file; not used: the optimizer plans pre-tax (pivot's after-tax value of the plan: "
        "the central-path line)")
    assert rows["[pivot.terminal_value]"]["source"] == "file"
    assert str(rows["[pivot.terminal_value]"]["value"]).startswith(
        "terminal value: mining 6x final-year EBITDA")
    assert (rows["[optimize] block_mw"]["value"], rows["[optimize] block_mw"]["source"]) == (
        "continuous MW", "run setting")
    assert rows["[optimize] horizon_years"] == {
        "name": "[optimize] horizon_years", "value": 5, "unit": "year",
        "source": "run setting"}
    assert rows["[pivot] horizon_years"]["source"] == "file; not used: run setting"
    assert rows["risk aversion"]["value"] == 0.3


def test_inputs_stored_before_the_facts_give_no_rows() -> None:
    assert resolved_assumptions({"start": "2025-10", "horizon_months": 120}) == []


def test_without_tenants_each_site_leases_on_its_own_terms() -> None:
    text = EXAMPLE.read_text()
    assert text.rstrip().endswith('sites = ["Pecos PPA", "Columbia Hydro"]')  # tenants last
    pf = parse_portfolio(text[:text.index("[[optimize.tenants]]")], str(EXAMPLE))
    res = optimize_plan(pf, OptimizeConfig(n_scenarios=2, seed=7, evpi_scenarios=1),
                        source=str(EXAMPLE))
    rows = {str(r["name"]): r for r in res.resolved_assumptions()}
    assert rows["[optimize] tenants"]["value"] == (
        "none: each site leases on its [sites.hosting] terms")
    assert rows["Pecos PPA: [sites.hosting] lease_usd_per_kw_month"]["value"] == 130.0


def _plan(extra: str = "", **config: object
          ) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    pf = parse_portfolio(EXAMPLE.read_text() + extra, str(EXAMPLE))
    cfg = OptimizeConfig(**{"n_scenarios": 3, "seed": 7, "evpi_scenarios": 1, **config})
    j = optimize_plan(pf, cfg, source=str(EXAMPLE)).to_json()
    return j, {str(r["name"]): r for r in j["resolved_assumptions"]}


def test_a_deterministic_plan_says_its_volatility_is_zero_and_prints_the_fleet() -> None:
    j, rows = _plan(deterministic=True)
    vol = rows["[scenario] btc_volatility_per_year"]
    assert vol["value"] == 0.0  # (was the calibrated 0.6846, not used)
    assert str(vol["source"]).startswith(
        "run setting: deterministic, every volatility zero (not used: 0.")
    # the fleet's ageing and replacement, the halvings in the 10 years (the example sets
    # none of [pivot]'s fleet fields)
    assert (rows["[pivot] fleet_hashrate_decay_per_year"]["value"],
            rows["[pivot] fleet_hashrate_decay_per_year"]["source"]) == (0.03, "default")
    assert rows["[pivot] replacement_capex_usd_per_th"]["value"] == 15.0
    assert rows["[pivot] fleet_replacement_years"]["value"] == 4.0
    assert str(rows["halvings in the horizon"]["value"]).startswith("1,050,000 in 2028-04")
    assert rows["[pivot] fees_btc_per_block"]["unit"] == "BTC/block"
    assert rows["Pecos PPA: [sites] power_overhead_factor"]["value"] == 1.05
    assert rows["Columbia Hydro: [sites] power_overhead_factor"]["value"] == 1.03
    # every tenant signs in the one scenario
    assert [t["scenarios_signed"] for t in j["assumptions"]["tenants"]] == [1, 1, 1]


def test_the_price_center_of_the_scenarios_is_named_with_its_source() -> None:
    # the scenarios' BTC price is centred on the central path as its mean (the default)
    # or its median: on the example (30 scenarios, seed 7) the plan converts 250 MW with
    # the mean and 125 MW with the median, E[NPV] 442 against 900 M USD, so the row that
    # says which is one that can flip the plan (simulate and pivot print it too)
    rows = _rows()
    assert rows["[scenario] price_center"] == {
        "name": "[scenario] price_center", "value": "mean", "unit": "-",
        "source": "default"}
    rows = _rows('\n[scenario]\nprice_center = "median"\n')
    assert (rows["[scenario] price_center"]["value"],
            rows["[scenario] price_center"]["source"]) == ("median", "file")
    # with every volatility zero the mean and the median are the central path itself
    _, rows = _plan(deterministic=True)
    assert rows["[scenario] price_center"]["value"] == "central path"
    assert str(rows["[scenario] price_center"]["source"]).startswith(
        "run setting: deterministic, every volatility zero (not used")


def test_the_scenarios_spread_is_named_as_simulate_names_it() -> None:
    # optimize draws simulate's paths for the same seed: the price model and the
    # hashrate's elasticity, volatility and correlation with the price are rows of both
    # (until 2026-12-06 optimize printed only the BTC volatility)
    rows = _rows('\n[scenario]\nprice_model = "bootstrap"\n')
    assert str(rows["[scenario] price_model"]["value"]).startswith(
        "bootstrap (circular, blocks of 6 months")
    for field in ("hashrate_elasticity", "hashrate_volatility_per_year",
                  "price_hashrate_correlation"):
        row = rows[f"[scenario] {field}"]
        assert isinstance(row["value"], float)
        assert str(row["source"]).startswith("calibrated on the bundled history")
    _, rows = _plan(deterministic=True)
    assert rows["[scenario] hashrate_volatility_per_year"]["value"] == "not used"
    # the calibrated value it does not use as the BTC volatility's row gives it (.4g)
    assert re.search(r"\(not used: 0\.\d{1,4}, calibrated",
                     str(rows["[scenario] hashrate_volatility_per_year"]["source"]))
    assert str(rows["[scenario] price_model"]["source"]).startswith(
        "run setting: deterministic, every volatility zero (not used: gbm, default)")


def test_the_power_model_of_the_index_site_is_named_as_simulate_names_it() -> None:
    # optimize draws simulate's power paths at an index site (Odessa Grid): on the example
    # (30 scenarios, seed 0) [scenario] power_volatility_per_year 3.0 instead of the
    # calibrated 1.80 moves 25 MW of Pecos PPA and of Odessa Grid to Neocloud B, the
    # latter in 2029Q4; optimize printed none of the power model (simulate does)
    rows = _rows("\n[scenario]\npower_volatility_per_year = 3.0\n")
    assert rows["[scenario] power_volatility_per_year"] == {
        "name": "[scenario] power_volatility_per_year", "value": 3.0,
        "unit": "1/sqrt(year)", "source": "file"}
    assert str(rows["[scenario] power_mean_reversion_per_year"]["source"]).startswith(
        "calibrated on the bundled ercot:HB_WEST")
    assert rows["[scenario] power_mean_usd_per_mwh"]["value"] == 40.0
    # with every volatility zero the power paths are their center: no noise, no spikes
    _, rows = _plan(deterministic=True)
    for field in ("power_volatility_per_year", "power_spike_probability_per_month"):
        assert rows[f"[scenario] {field}"]["value"] == "not used"
        assert str(rows[f"[scenario] {field}"]["source"]).startswith(
            "run setting: deterministic, every volatility zero (not used: ")
    assert rows["[scenario] power_mean_usd_per_mwh"]["value"] == 40.0


def test_a_site_no_tenant_may_convert_still_prints_what_it_mines_with() -> None:
    # Columbia Hydro offered to no tenant: every plan keeps mining it, its value in every
    # NPV and its tail in the CVaR (the plan under risk aversion), yet optimize printed
    # none of its rows (only the sites with an offer: its power, fleet, uptime, costs
    # unseen); its hosting terms are not used, and the row says so
    text = EXAMPLE.read_text().replace(
        'sites = ["Pecos PPA", "Columbia Hydro"]', 'sites = ["Pecos PPA"]').replace(
        "  probability_signing = 0.6           # [assumption]\n",
        '  probability_signing = 0.6\n  sites = ["Pecos PPA", "Odessa Grid", '
        '"Finger Lakes Gas"]\n').replace(
        "  probability_signing = 0.8           # [assumption]\n",
        '  probability_signing = 0.8\n  sites = ["Pecos PPA", "Odessa Grid", '
        '"Finger Lakes Gas"]\n')
    pf = parse_portfolio(text, str(EXAMPLE))
    res = optimize_plan(pf, OptimizeConfig(n_scenarios=3, seed=7, evpi_scenarios=1),
                        source=str(EXAMPLE))
    rows = {str(r["name"]): r for r in res.resolved_assumptions()}
    assert rows["Columbia Hydro: [sites.power_contract]"]["value"] == "fixed 30 USD/MWh"
    assert rows["Columbia Hydro: [sites.fleet]"]["value"] == (
        "10,500 x Antminer S21; 2.10 EH/s at 17.5 J/TH weighted, 37.9 MW")
    assert rows["Columbia Hydro: [sites] pool_fee_fraction"]["value"] == 0.015
    assert rows["Columbia Hydro: [sites.hosting]"] == {
        "name": "Columbia Hydro: [sites.hosting]", "value": "not used: no offer to convert",
        "unit": "-", "source": "no tenant may lease here ([optimize.tenants] sites, or no "
                               "[sites.hosting]): mining only"}
    assert not any(n.startswith("Columbia Hydro: [sites.hosting] ") for n in rows)
    assert "Pecos PPA: [sites.hosting] pue" in rows  # (teeth: the others' terms stay)


def test_the_fees_spread_is_named_as_simulate_names_it() -> None:
    # optimize draws simulate's fees: their lognormal sigma, calibrated on the example
    from hashpivot.engines.simulate.calibration import load_calibration
    from hashpivot.models.risk import ScenarioSpec

    row = _rows()["[scenario] fees_lognormal_sigma"]
    assert row["value"] == pytest.approx(load_calibration(ScenarioSpec()).fees_sigma,
                                         rel=1e-12)
    assert row["source"] == "calibrated on the bundled history 2016-01-01 to 2025-09-26"


def test_the_hashrate_lag_is_named_as_simulate_names_it() -> None:
    # the window of the hashrate's response to the hashprice on the scenarios and in the
    # calibration of its elasticity and volatility: no row named it (2026-12-07)
    row = _rows()["[scenario] hashrate_lag_months"]
    assert row == {"name": "[scenario] hashrate_lag_months", "value": 3, "unit": "month",
                   "source": "default; the lag of the hashrate fit calibrated on the "
                             "bundled history 2016-01-01 to 2025-09-26"}
    row = _rows("\n[scenario]\nhashrate_lag_months = 6\n")["[scenario] hashrate_lag_months"]
    assert (row["value"], str(row["source"]).split(";")[0]) == (6, "file")


def test_the_scenario_notes_are_simulate_s() -> None:
    # a [scenario] value the scenarios do not read is named by simulate (the example's one
    # index site: no second market to correlate; anchor = 'deterministic': no start
    # height); optimize draws the same scenarios, yet said nothing (2026-12-07)
    from hashpivot.engines.simulate import SimulationConfig, simulate

    text = EXAMPLE.read_text() + (
        "\n[scenario]\npower_market_correlation = 0.3\nblock_height = 1000000\n")
    pf = parse_portfolio(text, str(EXAMPLE))
    plan = optimize_plan(pf, OptimizeConfig(n_scenarios=3, seed=7, evpi_scenarios=1),
                         source=str(EXAMPLE))
    sim = simulate(pf, SimulationConfig(n_paths=4, chunk_paths=4), source=str(EXAMPLE))
    notes = [w for w in sim.warnings if w.startswith("[scenario] ")]
    assert len(notes) == 2 and "power_market_correlation = 0.3 is not used" in notes[1]
    assert [w for w in plan.warnings if w.startswith("[scenario] ")] == notes


def test_an_index_market_with_no_bundled_prices_is_named_as_simulate_names_it() -> None:
    # Odessa Grid's market mistyped: its scenarios' power process was fitted on the default
    # market (ercot:HB_WEST:2024) without a word; optimize now warns as simulate does, and
    # its rows say so
    from hashpivot.engines.simulate import SimulationConfig, simulate

    text = EXAMPLE.read_text().replace('market = "ercot:HB_WEST"', 'market = "ercot:LZ_WST"')
    assert "ercot:LZ_WST" in text
    pf = parse_portfolio(text, str(EXAMPLE))
    plan = optimize_plan(pf, OptimizeConfig(n_scenarios=3, seed=7, evpi_scenarios=1),
                         source=str(EXAMPLE))
    sim = simulate(pf, SimulationConfig(n_paths=4, chunk_paths=4), source=str(EXAMPLE))
    notes = [w for w in sim.warnings if ": power_contract.market: " in w]
    assert len(notes) == 1 and notes[0].startswith(
        "sites[1] 'Odessa Grid': power_contract.market: no bundled prices for ercot:LZ_WST; "
        "did you mean ercot:LZ_WEST?; simulate and optimize draw its index power paths "
        "with the process fitted on the default market, ercot:HB_WEST:2024"), notes
    assert [w for w in plan.warnings if ": power_contract.market: " in w] == notes
    rows = {str(r["name"]): r for r in plan.resolved_assumptions()}
    assert rows["[scenario] power_volatility_per_year"]["source"] == (
        "calibrated on the bundled ercot:HB_WEST:2024 prices (the default: no bundled "
        "prices answer the index site's market, 'ercot:LZ_WST'; [scenario] "
        "power_calibrate_on not given)")


def test_a_deterministic_plan_names_the_values_its_central_path_reads() -> None:
    # under anchor = 'history' the central path (a deterministic plan's only path) is
    # built with the hashrate's response to its hashprice, the fees' mean and the price's
    # growth: on the example, --deterministic, hashrate_elasticity 0.9 instead of the
    # calibrated 0.097 turns a plan of 200 MW (4 starts) into 50 MW at Finger Lakes Gas in
    # 2032Q2, hashrate_lag_months 6 instead of 3 adds Odessa Grid, fees_lognormal_sigma
    # 0.3 moves E[NPV] from 1,159 to 1,118 M USD and price_center = 'median' to 576 M;
    # every one of their rows said "not used" (until 2026-12-07)
    _, rows = _plan('\n[scenario]\nanchor = "history"\nhashrate_lag_months = 6\n',
                         deterministic=True)
    for field in ("hashrate_elasticity", "hashrate_lag_months", "fees_lognormal_sigma"):
        row = rows[f"[scenario] {field}"]
        assert row["value"] != "not used", field
        assert "not used" not in str(row["source"]), field
        assert "the central path" in str(row["source"]), field
    assert rows["[scenario] hashrate_lag_months"]["value"] == 6
    assert str(rows["[scenario] hashrate_lag_months"]["source"]).startswith("file")
    assert rows["[scenario] price_center"]["value"] == "mean"
    assert "the central path" in str(rows["[scenario] price_center"]["source"])
    # with a mean center the BTC volatility does not move the central path, nor does the
    # noise around it
    assert rows["[scenario] btc_volatility_per_year"]["value"] == 0.0
    assert rows["[scenario] hashrate_volatility_per_year"]["value"] == "not used"
    # anchored on the pivot model's path with a drift, a median center grows at the drift
    # less sigma^2 / 2: the BTC volatility (0.3 instead of the calibrated 0.68) moves
    # E[NPV] from 510 to 698 M USD and the plan, though every volatility is zero
    _, rows = _plan('\n[scenario]\nbtc_drift_per_year = 0.2\nprice_center = "median"\n',
                         deterministic=True)
    vol = rows["[scenario] btc_volatility_per_year"]
    assert isinstance(vol["value"], float) and vol["value"] > 0
    assert "the central path" in str(vol["source"])
    assert rows["[scenario] price_center"]["value"] == "median"
    assert rows["[scenario] hashrate_elasticity"]["value"] == "not used"
    # without a drift the pivot model's path is the central path as it stands
    _, rows = _plan(deterministic=True)
    assert rows["[scenario] price_center"]["value"] == "central path"
    assert rows["[scenario] hashrate_elasticity"]["value"] == "not used"



def test_the_anchor_and_the_corporate_costs_are_named_as_simulate_names_them() -> None:
    """``[scenario] anchor`` centres the scenarios (simulate's sweep: no row named it,
    2026-12-07); the portfolio's own ``[[cost_items]]`` are in no plan's NPV, and a row
    says so (before, a note on the cash ones alone)."""
    rows = _rows('\n[[cost_items]]\nname = "corporate SG&A"\ncategory = "sga_cash"\n'
                 "usd_per_year = 30e6\n")
    assert (rows["[scenario] anchor"]["value"], rows["[scenario] anchor"]["source"]) == (
        "deterministic", "default: the paths are centred on the pivot model's market (the "
        "[pivot] rows)")
    row = rows["[cost_items] corporate costs"]
    assert row["value"] == "not in the NPVs: cash 30.0 (1 item)"
    assert "(optimize values the sites)" in str(row["source"])


#: Two halls at Pecos PPA ([[sites.hosting.phases]]), the first leased on its own terms,
#: the second's tenant signing with probability 0.5.
PECOS_PHASES = (
    '  asic_resale_usd_per_th = 5.0\n'
    '  [[sites.hosting.phases]]\n  start = "2026-07"\n  gross_mw = 50.0\n'
    '  lease_usd_per_kw_month = 400.0\n'
    '  [[sites.hosting.phases]]\n  start = "2027-07"\n  gross_mw = 25.0\n  tenant = "T"\n'
    '  probability_signing = 0.5\n')


def test_the_file_s_phases_are_printed_as_not_used_by_the_optimizer() -> None:
    # The optimizer chooses its own halls: the file's [[sites.hosting.phases]] (pivot's
    # and simulate's phased strategy) change neither its plan nor its value, yet the hall
    # leased on its own terms was a row whose source was "file" (400 USD/kW/month, read
    # as a lease the plan earns) and the hall on the site's terms no row at all
    text = EXAMPLE.read_text()
    anchor = "  asic_resale_usd_per_th = 5.0        # [domain] older generations 4-8 USD/TH\n"
    assert text.count(anchor) == 1
    cfg = OptimizeConfig(n_scenarios=1, seed=7, evpi_scenarios=1, deterministic=True)
    plain = optimize_plan(parse_portfolio(text, str(EXAMPLE)), cfg, source=str(EXAMPLE))
    res = optimize_plan(parse_portfolio(text.replace(anchor, PECOS_PHASES), str(EXAMPLE)),
                        cfg, source=str(EXAMPLE))
    assert res.expected_npv_usd == pytest.approx(plain.expected_npv_usd, rel=1e-12)
    rows = {str(r["name"]): r for r in res.resolved_assumptions()}
    row = rows["Pecos PPA: [sites.hosting.phases]"]
    assert row["value"] == "not used: 2 halls, 75 MW (2026-07 50 MW at 400 USD/kW/month " \
        "+3 %/yr for 12 years; 2027-07 25 MW (T) on the site's terms, P(signing) 0.5)"
    assert str(row["source"]).startswith("file; the optimizer chooses its own halls")
    assert not any(n.startswith("Pecos PPA: [sites.hosting.phases] ") for n in rows)
    assert "Odessa Grid: [sites.hosting.phases]" not in rows  # (the sites without phases)
