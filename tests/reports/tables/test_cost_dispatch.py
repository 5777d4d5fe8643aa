"""The tables of ``cost`` and ``dispatch`` (hashpivot.reports.tables.cost, .dispatch) on
hand-made results."""

from __future__ import annotations

from typing import Any

import pytest

from hashpivot.reports.tables import cost, dispatch


def _figures(revenue: float) -> dict[str, Any]:
    out: dict[str, Any] = {"revenue_usd_per_day": revenue}
    for i, (key, _) in enumerate(cost.VIEWS):
        out |= {
            f"cost_usd_per_day_{key}": 1_305_000.0 * (1 + i),
            f"cost_per_btc_{key}_usd": 74_606.4 * (1 + i),
            f"margin_{key}_fraction": 0.215 - 0.5 * i,
            f"reverse_margin_{key}": i > 0,
            f"breakeven_hashprice_{key}_usd_per_ph_day": 40.474,
            f"breakeven_power_price_{key}_usd_per_mwh": None if i else 62.44,  # JSON null
            f"breakeven_efficiency_{key}_j_per_th": 29.99,
        }
    return out


def test_cost_views_and_breakevens_by_hand() -> None:
    f = _figures(1_661_751.6)
    rows = cost.view_rows(f)
    assert rows[0] == ("direct", "74,606", "21.5", "1,305.0", "356.8", False)
    assert rows[1][0] == "total" and rows[1][-1] is True and rows[1][4] == "-948.2"
    assert rows[3][0] == "all-in"
    assert cost.view_header(False)[3] == "cost\nk USD"
    assert cost.view_note(f).startswith("direct/total: CoinShares; production/all-in: "
                                        "TheMinerMag; profit = revenue 1,661.8 k USD")
    assert cost.breakeven_rows(f)[:2] == [("direct", "40.47", "62.44", "29.99"),
                                          ("total", "40.47", "n/a", "29.99")]
    small = _figures(9.78)  # one machine: USD per day, two decimals
    assert cost.is_small(small) and cost.view_header(True)[3] == "cost\nUSD"
    assert cost.day_amount(9.78, True) == "9.78"


def test_the_breakevens_say_what_each_holds_fixed() -> None:
    # The power-price breakeven is one price per MWh at every site, the power-tagged cost
    # items (a demand charge) held fixed: on examples/reverse-margin.toml a 50 M USD/year
    # demand charge moves it by 15 % read either way (fixed, or priced per MWh), and the
    # table said neither; the efficiency scales every machine's J/TH by one factor.
    assert cost.BREAKEVEN_NOTE == (
        "each holds the rest of the day fixed: hashprice after uptime and pool fee; power "
        "price one price per MWh at every site, in place of each contract's, the "
        "power-tagged cost items (demand charges) unchanged; efficiency every machine's "
        "J/TH scaled by one factor, hashrate unchanged")


def test_dispatch_summary_by_hand() -> None:
    summary = {"site": "West Texas", "start": "2024-01-01T00:00:00-06:00",
               "end": "2024-12-31T23:45:00-06:00", "intervals": 35136,
               "mining_revenue_usd": 246_683_761.4, "uptime_fraction": 0.9701,
               "curtailed_hours": 262.98, "renewable_share": None, "solver": "fast",
               "status": "optimal", "build_seconds": 0.008, "solve_seconds": 0.022,
               "mip_gap": 0.0, "hashprice_source": "daily", "price_source": "ERCOT",
               "emissions_source": "eGRID2023"}
    assert dispatch.summary_title(summary) == (
        "Dispatch of West Texas (2024-01-01 .. 2024-12-31, 35136 intervals)")
    rows = {r[0]: r for r in dispatch.summary_rows(summary)}
    assert len(rows) == len(dispatch.SUMMARY_KEYS) == 17
    assert rows["mining revenue"] == ("mining revenue", "246,683,761", "USD")
    assert rows["mining uptime"] == ("mining uptime", "97.01", "%")
    assert rows["mining curtailed"][1] == "262.98"
    assert rows["renewable share"][1] == "n/a"
    assert rows["power cost, 4CP charge included"][1] == "n/a"
    assert dispatch.sources_line(summary) == (
        "solver fast (optimal), build 0.008 s, solve 0.022 s, MIP gap 0 %; hashprice: daily; "
        "prices: ERCOT; emissions: eGRID2023")
    # a MILP's gap in per cent, not as the raw float (it printed 0.0005421038086277055)
    assert "MIP gap 0.0542 %;" in dispatch.sources_line({**summary, "mip_gap": 0.000542104})
    assert "MIP gap n/a;" in dispatch.sources_line({**summary, "mip_gap": float("nan")})


def test_dispatch_thresholds_by_hand() -> None:
    summary = {"breakeven_price_usd_per_mwh": {"S21": 141.325, "S19j Pro": 82.6165},
               "hashprice_mean_usd_per_ph_day": 64.6231}
    assert dispatch.thresholds_line(summary) == (
        "curtailment thresholds at the mean hashprice (64.62 USD/PH/day): S21 141.3, S19j Pro "
        "82.6 USD/MWh (the grid price above which a tranche at its rated clock stops, the "
        "contract's adder taken out; each interval uses its own hashprice)")
    del summary["hashprice_mean_usd_per_ph_day"]  # a summary stored before it
    assert dispatch.thresholds_line(summary) is None


def test_dispatch_thresholds_are_the_fleets_margin_at_the_mean_hashprice() -> None:
    """S21: 200 TH/s at 3,500 W and 1.05 overhead -> 54.42 PH/s per MW; at the mean
    hashprice, less the pool fee and the 3 USD/MWh adder, the price a tranche stops at."""
    from pathlib import Path

    from hashpivot.engines.dispatch import run_dispatch_file

    example = Path(__file__).resolve().parents[3] / "examples" / "dispatch-west-texas.toml"
    s = run_dispatch_file(example, market="ercot:HB_WEST:2024").summary()
    # the table adds up: the rows above the net margin, "of which" rows inside the one above
    cells = {label: float(v.replace(",", "")) for label, v, unit in dispatch.summary_rows(s)
             if unit == "USD"}
    assert cells["mining revenue"] - cells["power cost, 4CP charge included"] + cells[
        "power resale credits"] + cells["demand response income"] == pytest.approx(
        cells["net margin"], abs=2.0)
    assert cells["  of which 4CP transmission charge"] == pytest.approx(
        s["power_cost_usd"] - s["grid_cost_usd"] - s["ppa_cost_usd"]
        - s["renewable_cost_usd"], abs=1.0)
    assert cells["  of which 4CP charge avoided"] <= cells["gain vs always on"]
    hp = s["hashprice_mean_usd_per_ph_day"]
    ph_per_mw = 200.0 / 1000.0 / (3.5 * 1.05 / 1000.0)
    assert s["breakeven_price_usd_per_mwh"]["S21"] == pytest.approx(
        hp * ph_per_mw / 24.0 * (1 - 0.015) - 3.0, rel=1e-9)


def test_a_dispatch_figure_that_rounds_to_zero_has_no_minus_sign() -> None:
    """``dispatch`` printed "mining curtailed -0.00 h" for a fleet never curtailed (a float
    sum's -2e-12 h) and would print "-0" for a gain of minus a cent."""
    assert dispatch.fmt_summary("curtailed_hours", -1.950439809661475e-12) == "0.00"
    assert dispatch.fmt_summary("net_margin_gain_vs_always_on_usd", -0.01) == "0"
    assert dispatch.fmt_summary("uptime_fraction", -1e-9) == "0.00"
    assert dispatch.fmt_summary("net_margin_usd", -1_234.6) == "-1,235"


def test_the_irregular_steps_note_by_hand() -> None:
    """Gaps and shorter steps are said apart; a summary stored before the gaps were
    (no ``price_missing_gaps``) keeps the count alone."""
    summary = {"price_gaps": 3, "price_missing_gaps": 1, "price_missing_hours": 0.25,
               "price_gap_first_start": "2024-08-05 10:15:00-05:00",
               "price_gap_first_end": "2024-08-05 10:30:00-05:00"}
    assert dispatch.note_lines(summary) == [
        "the price series has 3 irregular steps (missing or extra intervals): 1 gap, 0.25 h "
        "missing in all, the first from 2024-08-05 10:15:00-05:00 to 2024-08-05 "
        "10:30:00-05:00, 2 steps shorter than the median (extra or off-grid rows); every "
        "interval counts the median step, missing ones are not filled"]
    assert dispatch.note_lines({"price_gaps": 2}) == [
        "the price series has 2 irregular steps (missing or extra intervals): every interval "
        "counts the median step, missing ones are not filled"]


def test_unit_rows_say_the_power_is_of_every_machine_running() -> None:
    # 692.3 MW is the meter's draw with every machine on; the energy and costs are after
    # uptime (0.95: 657.7 MW on average), so a bare "power" row read as the average draw
    f = {"hashrate_th_s": 34.46e6, "btc_per_day": 14.382, "power_mw": 692.3,
         "hashprice_usd_per_ph_day": 48.91, "fleet_efficiency_j_per_th": 19.13,
         "power_cost_per_btc_usd": 43_721.0}
    rows = {label: (value, unit) for label, value, unit in cost.unit_rows(f)}
    assert rows["power at the meter, all running"] == ("692.3", "MW")
    assert "power" not in rows
