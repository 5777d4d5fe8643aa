"""The resolved assumptions of ``dispatch`` (``DispatchResult.resolved_assumptions``): each
input that can flip the dispatch, its value and its source, on the example and on a site
that leaves everything to the defaults (values checked by hand against the files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hashpivot.engines.dispatch import run_dispatch_file
from tests.engines.dispatch_inputs import EXAMPLE, PRICES
from tests.portfolio_toml import contract, machines, portfolio_toml, site

#: eGRID2023's ERCT average (the bundled factor of region ERCOT). [t CO2/MWh]
ERCT_TCO2_PER_MWH = 0.33287
ERCT = "eGRID2023 ERCT (ERCOT All: the ERCOT interconnection (TX))"


def _rows(result: Any) -> dict[str, tuple[Any, str, str]]:
    rows = result.resolved_assumptions()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names)), names
    return {r["name"]: (r["value"], r["unit"], r["source"]) for r in rows}


def test_the_example_s_rows_and_sources() -> None:
    result = run_dispatch_file(EXAMPLE, prices_file=PRICES)
    rows = _rows(result)
    summary = result.summary()
    assert rows["prices"][2] == "run setting"
    assert rows["prices"][0] == summary["price_source"]
    assert rows["prices' clock"][0] == ("America/Chicago, 15-minute intervals, 2024-08-19 .. "
                                        "2024-08-21, 288 intervals")
    assert rows["[sites.power_contract]"] == (
        "index ercot:HB_WEST: expected 35 + 3 adder USD/MWh", "-",
        "file; index price + adder 3 USD/MWh")
    assert rows["[sites.dispatch] grid_adder_usd_per_mwh"] == (
        3.0, "USD/MWh", "default: = [sites.power_contract] adder_usd_per_mwh")
    # by hand: 40,000 x 200 + 30,000 x 104 TH/s = 11.12 EH/s; (40,000 x 3,500 + 30,000 x
    # 3,068) W = 232.04 MW at the machines, 20.87 J/TH, x 1.05 overhead = 243.64 MW
    assert rows["[sites.fleet]"] == (
        "40,000 x S21 + 30,000 x S19j Pro; 11.12 EH/s at 20.9 J/TH weighted, 243.6 MW", "-",
        "file; J/TH weighted by hashrate, MW at the meter (overhead included)")
    assert rows["[sites] pool_fee_fraction"] == (0.015, "-", "file")
    assert rows["[sites] power_overhead_factor"] == (1.05, "-", "file")
    assert rows["[sites.dispatch] availability_fraction, the site's uptime (the dispatch "
                "curtails)"] == (0.97, "-", "file")
    value, unit, source = rows["hashprice, mean over the intervals"]
    assert value == pytest.approx(summary["hashprice_mean_usd_per_ph_day"]) and unit == "USD/PH/day"
    # the UTC days of 2024-08-19 00:00 .. 08-21 23:45 CDT
    assert source.startswith("default (no [sites.dispatch] hashprice_usd_per_ph_day, "
                             "btc_price_usd, network_difficulty, fees_btc_per_block), UTC days "
                             "2024-08-19 .. 2024-08-22: daily hashprice from the daily network "
                             "history")
    assert rows["emissions factor"] == (ERCT_TCO2_PER_MWH, "t CO2/MWh", f"default: {ERCT}")
    assert rows["[sites.dispatch] ai_load_mw"] == (50.0, "MW", "file; served in every interval")
    assert rows["[sites.dispatch] ai_flexible_fraction"] == (0.0, "-", "default")
    assert rows["[sites.dispatch.ppa]"] == (
        "150 MW at 32 USD/MWh, physical, resale allowed", "-", "file")
    ren = rows["[sites.dispatch.renewable]"]
    assert ren[0] == "solar 50 MW at 28 USD/MWh, resale allowed"
    assert ren[2].startswith("file; synthetic clear-sky solar")
    # the event of 2024-08-20 16:00-19:00: 12 quarter hours; the January one is outside
    assert rows["[sites.dispatch.demand_response]"] == (
        "50 MW committed, readiness 5 USD/MW-h, penalty 1000 USD/MWh, 2 events "
        "(12 intervals in the prices); kept online outside them, withdrawable at 0 USD/MW-h "
        "unavailable", "-", "file")
    # of the four peaks listed, 2024-08-20 16:45 alone falls in the prices
    assert rows["[sites.dispatch.four_cp] charge_usd_per_kw_year"] == (
        66.0, "USD/kW/year", "file; 1 peak interval in the prices")
    assert rows["[sites.dispatch] underclock_min_power_fraction"] == (0.7, "-", "file")
    assert rows["[sites.dispatch] underclock_hashrate_fraction"] == (0.8, "-", "file")
    assert rows["[sites.dispatch.limits] import_mw"] == (300.0, "MW", "file")
    assert rows["[sites.dispatch.limits] ramp_mw_per_interval"] == ("no limit", "-", "default")
    assert rows["[sites.dispatch.limits] min_up_intervals, min_down_intervals"] == (
        "1, 1", "interval", "default")
    assert rows["curtailment rule"][2] == "model"
    assert rows["[sites.dispatch] solver"] == ("auto", "-", "default; ran fast (optimal)")
    assert rows["[sites.dispatch] mip_gap"] == (
        0.001, "-", "default; not used: the fast path is exact")
    assert rows["[sites.dispatch] time_limit_seconds"] == (
        60.0, "s", "default; not used: the fast path is exact")


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A site with no [sites.dispatch], no capacity, pool fee or overhead of its own."""
    path = tmp_path / "bare.toml"
    path.write_text(portfolio_toml(
        "bare", site("B", contract(35.0, "index", market="ercot:HB_WEST"),
                     machines("S21", 200.0, 3500.0, 1000), region="ERCOT")))
    return path


def test_a_site_left_to_the_defaults(bare: Path) -> None:
    result = run_dispatch_file(bare, prices_file=PRICES, hashprice=45.0, solver="lp")
    rows = _rows(result)
    assert rows["[sites.power_contract]"] == (
        "index ercot:HB_WEST: expected 35 USD/MWh", "-", "file; index price + adder 0 USD/MWh")
    assert rows["[sites.dispatch] grid_adder_usd_per_mwh"][:2] == (0.0, "USD/MWh")
    assert rows["[sites] pool_fee_fraction"] == (0.015, "-", "default")
    assert rows["[sites] power_overhead_factor"] == (1.05, "-", "default")
    assert rows["[sites.dispatch] availability_fraction, the site's uptime (the dispatch "
                "curtails)"] == (1.0, "-", "default")
    assert rows["hashprice, mean over the intervals"] == (
        45.0, "USD/PH/day", "run setting: constant (command line)")
    assert rows["emissions factor"] == (ERCT_TCO2_PER_MWH, "t CO2/MWh", f"default: {ERCT}")
    assert rows["[sites.dispatch] ai_load_mw"] == (0.0, "MW", "default")
    for table in ("ppa", "renewable", "demand_response"):
        assert rows[f"[sites.dispatch.{table}]"] == ("none", "-", "default")
    assert rows["[sites.dispatch.four_cp] charge_usd_per_kw_year"] == ("none", "-", "default")
    assert rows["[sites.dispatch] underclock_min_power_fraction"] == (
        1.0, "-", "default; 1: no underclocking")
    assert rows["[sites.dispatch] underclock_hashrate_fraction"] == (
        1.0, "-", "default: = underclock_min_power_fraction")
    assert rows["[sites.dispatch.limits] import_mw"] == ("no limit", "-", "default")
    assert rows["[sites.dispatch] solver"] == ("lp", "-", "run setting; ran lp (optimal)")
    assert rows["[sites.dispatch] mip_gap"][2].startswith("default; HiGHS reached ")


def test_prices_of_the_contract_s_market_and_terms_in_the_file(bare: Path) -> None:
    text = bare.read_text().replace('region = "ERCOT"', 'region = "ERCOT"\n'
                                    "emissions_factor_tco2_per_mwh = 0.2\ncapacity_mw = 4.0")
    bare.write_text(text + "\n[sites.dispatch]\nhashprice_usd_per_ph_day = 50.0\n")
    rows = _rows(run_dispatch_file(bare))
    assert rows["prices"][2] == "file: [sites.power_contract] market (ercot:HB_WEST)"
    assert rows["hashprice, mean over the intervals"] == (
        50.0, "USD/PH/day",
        "file ([sites.dispatch] hashprice_usd_per_ph_day): constant (dispatch spec)")
    assert rows["emissions factor"] == (
        0.2, "t CO2/MWh", "file: sites.emissions_factor_tco2_per_mwh")
    assert rows["[sites.dispatch.limits] import_mw"] == (
        4.0, "MW", "default: = [sites] capacity_mw")


def test_the_fleet_row_names_the_machines_the_dispatch_runs_on_their_days(
        tmp_path: Path) -> None:
    """The row of the fleet, as pivot's, simulate's, optimize's and backtest's
    (``mining_terms.fleet_row``), of the entries the dispatch runs: an entry retired before
    the prices' first day is not one of them; one installed on their second day counts
    from that day. By hand: 1,000 x 200 TH/s = 200 PH/s at 17.5 J/TH, 3.5 MW x 1.05 =
    3.675 MW; with 500 x 270 TH/s at 3,645 W (13.5 J/TH) from 2024-08-20: 335 PH/s,
    (3.5 + 1.8225) MW / 335 PH/s = 15.9 J/TH, 5.5886 MW."""
    path = tmp_path / "dated.toml"
    path.write_text(portfolio_toml("dated", site(
        "D", contract(35.0, "index", market="ercot:HB_WEST"),
        machines("S21", 200.0, 3500.0, 1000),
        machines("S19 old", 95.0, 3250.0, 800, end="2024-06-30"),
        machines("S21 XP", 270.0, 3645.0, 500, start="2024-08-20"), region="ERCOT")))
    rows = _rows(run_dispatch_file(path, prices_file=PRICES, hashprice=45.0))
    assert rows["[sites.fleet]"][0] == (
        "1,000 x S21 + 500 x S21 XP (start 2024-08-20); installed from 2024-08-19: "
        "200.00 PH/s at 17.5 J/TH weighted, 3.7 MW; from 2024-08-20: 335.00 PH/s at "
        "15.9 J/TH weighted, 5.6 MW")


def test_the_demand_response_terms_the_ppa_s_negative_prices_and_the_hashprice_fields(
        tmp_path: Path) -> None:
    """Inputs that move the net margin no row named (``scripts/sweep_assumptions.py
    --engine dispatch``, the example on HB_WEST 2024): ``withdrawable = false`` 2.1 %,
    ``unavailable_usd_per_mw_hour`` 0 -> 5,000 0.85 %, ``keep_committed_load_online =
    false`` 0.01 %, ``curtail_at_negative_price = true`` 0.24 %, and the hashprice's
    ``[sites.dispatch]`` fields (its row said "constant (dispatch spec)" or "network
    conditions", not which field)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    rows = _rows(run_dispatch_file(EXAMPLE, prices_file=PRICES))
    assert rows["[sites.dispatch.demand_response]"][0] == (
        "50 MW committed, readiness 5 USD/MW-h, penalty 1000 USD/MWh, 2 events "
        "(12 intervals in the prices); kept online outside them, withdrawable at 0 "
        "USD/MW-h unavailable")
    assert rows["hashprice, mean over the intervals"][2].startswith(
        "default (no [sites.dispatch] hashprice_usd_per_ph_day, btc_price_usd, "
        "network_difficulty, fees_btc_per_block), UTC days 2024-08-19 .. 2024-08-22: ")
    edits = {
        "firm.toml": ("penalty_usd_per_mwh = 1000.0",
                      "penalty_usd_per_mwh = 1000.0\n    withdrawable = false"),
        "off.toml": ("penalty_usd_per_mwh = 1000.0",
                     "penalty_usd_per_mwh = 1000.0\n    keep_committed_load_online = false"),
        "spill.toml": ("resale_allowed = true",
                       "resale_allowed = true\n    curtail_at_negative_price = true"),
        "btc.toml": ("underclock_hashrate_fraction = 0.8",
                     "underclock_hashrate_fraction = 0.8\n  btc_price_usd = 60000.0"),
    }
    got = {}
    for name, (old, new) in edits.items():
        assert old in text, old
        path = tmp_path / name
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        got[name] = _rows(run_dispatch_file(path, prices_file=PRICES))
    assert got["firm.toml"]["[sites.dispatch.demand_response]"][0].endswith(
        "; kept online outside them, firm")
    assert got["off.toml"]["[sites.dispatch.demand_response]"][0].endswith(
        "; not kept online outside them")
    assert got["spill.toml"]["[sites.dispatch.ppa]"][0] == (
        "150 MW at 32 USD/MWh, physical, resale allowed, curtailed at negative prices")
    assert got["btc.toml"]["hashprice, mean over the intervals"][2].startswith(
        "file ([sites.dispatch] btc_price_usd): network conditions: BTC 60,000 USD")


def test_the_measured_4cp_terms_name_the_peaks() -> None:
    """``[sites.dispatch.four_cp]``'s row in pivot, simulate and optimize (the terms the
    flexibility is measured on) names its peaks: ``peak_intervals`` moved pivot's NPVs
    (a peak left out: 9e-6 relative, ``scripts/sweep_assumptions.py --lists-only``) with a
    row that gave the charge alone. A long list by its first and last; the intervals of a
    probability file by the file and the threshold."""
    import datetime as dt

    from hashpivot.engines.dispatch.assumptions import measured_terms
    from hashpivot.models import load_portfolio

    spec = load_portfolio(EXAMPLE).sites[0].dispatch
    assert spec is not None and spec.four_cp is not None
    cp = spec.four_cp

    def four_cp(**update: Any) -> str:
        return dict(measured_terms(spec.model_copy(
            update={"four_cp": cp.model_copy(update=update)})))["four_cp"]

    assert four_cp(peak_intervals=cp.peak_intervals[:1]) == (
        "66 USD/kW/year at peak_intervals (1: 2024-06-27 16:45)")
    peaks = [dt.datetime(2024, 6, 1, 16, 45) + dt.timedelta(days=d) for d in range(5)]
    assert four_cp(peak_intervals=peaks) == (
        "66 USD/kW/year at peak_intervals (5: 2024-06-01 16:45 .. 2024-06-05 16:45)")
    assert four_cp(peak_intervals=[], peak_probability_file="peaks.csv") == (
        "66 USD/kW/year at the intervals of peak_probability_file peaks.csv at "
        "probability_threshold 0.5 or more")
    assert four_cp(peak_probability_file="peaks.csv", probability_threshold=0.8) == (
        "66 USD/kW/year at peak_intervals (4: 2024-06-27 16:45, 2024-07-31 16:45, "
        "2024-08-20 16:45, 2024-09-19 16:45) and the intervals of peak_probability_file "
        "peaks.csv at probability_threshold 0.8 or more")
    assert four_cp(peak_intervals=[]) == "66 USD/kW/year at no peak interval (no charge)"
    assert four_cp(charge_usd_per_kw_year=0.0) == "none"
