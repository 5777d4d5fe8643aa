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
    assert rows["[sites] pool_fee_fraction"] == (0.015, "-", "file")
    assert rows["[sites] power_overhead_factor"] == (1.05, "-", "file")
    assert rows["[sites.dispatch] availability_fraction, the site's uptime (the dispatch "
                "curtails)"] == (0.97, "-", "file")
    value, unit, source = rows["hashprice, mean over the intervals"]
    assert value == pytest.approx(summary["hashprice_mean_usd_per_ph_day"]) and unit == "USD/PH/day"
    # the UTC days of 2024-08-19 00:00 .. 08-21 23:45 CDT
    assert source.startswith("default, UTC days 2024-08-19 .. 2024-08-22: daily hashprice "
                             "from the daily network history")
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
        "(12 intervals in the prices)", "-", "file")
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
        50.0, "USD/PH/day", "file: constant (dispatch spec)")
    assert rows["emissions factor"] == (
        0.2, "t CO2/MWh", "file: sites.emissions_factor_tco2_per_mwh")
    assert rows["[sites.dispatch.limits] import_mw"] == (
        4.0, "MW", "default: = [sites] capacity_mw")
