"""Each site's fleet as one row of the resolved assumptions (machines per entry, total
hashrate, efficiency weighted by hashrate, power at the meter and, for dated entries,
what is installed when): built once (:mod:`hashpivot.engines.mining_terms`) and printed
alike by ``pivot``, ``simulate``, ``optimize`` and ``backtest``. Before, the fleet was
only the file's contents (``--json`` inputs): efficiency and hashrate flip a
mining-against-hosting verdict and were not printed with it."""

from __future__ import annotations

from typing import Any

import pytest

from hashpivot.models import Portfolio, parse_portfolio
from tests.portfolio_toml import contract, machines, portfolio_toml, site, table

#: Two sites from 2026-01, 5 years: West Texas's fleet undated, Plains' S19 XP retired at
#: the end of 2027-06 and replaced by S21 XP from 2027-07, and an S21 bought after the
#: horizon. The catalog's spec sheets (hashpivot/data/asic_catalog.csv): S21 XP 270 TH/s,
#: 3,645 W (13.5 J/TH); S19 XP 140 TH/s, 3,010 W (21.5 J/TH); S21 200 TH/s, 3,500 W.
_SITES = (("West Texas", 10.0, (table(asic="Antminer S21 XP", count=1200),
                                table(asic="Antminer S19 XP", count=800))),
          ("Plains", 15.0, (table(asic="Antminer S19 XP", count=2000, end="2027-06"),
                            table(asic="Antminer S21 XP", count=1500, start="2027-07"),
                            table(asic="Antminer S21", count=100, start="2035-01-15"))))
_PIVOT = table(horizon_years=5, discount_rate=0.10, start="2026-01", btc_price_usd=100000.0,
               network_hashrate_th_s=1.0e9, fees_btc_per_block=0.03, start_height=930000)
_SCENARIO = table(btc_volatility_per_year=0.6, hashrate_elasticity=0.1,
                  hashrate_volatility_per_year=0.25, price_hashrate_correlation=0.25,
                  fees_lognormal_sigma=0.5)

#: By hand from the spec sheets. West Texas: 1,200 x 270 + 800 x 140 = 436,000 TH/s;
#: (324,000 x 13.5 + 112,000 x 21.5) / 436,000 = 15.555 J/TH; 6.782 MW x 1.05 = 7.121 MW.
_WEST = ("1,200 x Antminer S21 XP + 800 x Antminer S19 XP; 436.00 PH/s at 15.6 J/TH "
         "weighted, 7.1 MW")
#: Plains: 2,000 x 140 = 280,000 TH/s at 21.5 J/TH, 6.02 MW x 1.05 = 6.321 MW to 2027-06;
#: from 2027-07-01 1,500 x 270 = 405,000 TH/s at 13.5 J/TH, 5.468 MW x 1.05 = 5.741 MW;
#: the S21 of 2035 is after the horizon (2030-12): listed, never installed in it.
_PLAINS = ("2,000 x Antminer S19 XP (end 2027-06) + 1,500 x Antminer S21 XP (start "
           "2027-07) + 100 x Antminer S21 (start 2035-01-15); installed from 2026-01-01: "
           "280.00 PH/s at 21.5 J/TH weighted, 6.3 MW; from 2027-07-01: 405.00 PH/s at "
           "13.5 J/TH weighted, 5.7 MW")
_SOURCE = ("file; catalog specs; J/TH weighted by hashrate, MW at the meter (overhead "
           "included)")


def _portfolio() -> Portfolio:
    sites = [site(name, contract(40.0), *fleet, region="ERCOT", capacity_mw=capacity,
                  power_overhead_factor=1.05, hosting=table(lease_usd_per_kw_month=130.0))
             for name, capacity, fleet in _SITES]
    return parse_portfolio(portfolio_toml("fleet rows", *sites, pivot=_PIVOT,
                                          scenario=_SCENARIO, optimize=table(block_mw=5.0)),
                           "fleet.toml")


def _fleet_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["name"]): {k: r[k] for k in ("value", "unit", "source")}
            for r in rows if str(r["name"]).endswith("[sites.fleet]")}


@pytest.fixture(scope="module")
def engine_rows() -> dict[str, dict[str, dict[str, Any]]]:
    """The fleet rows of pivot, simulate and optimize on the portfolio, by engine."""
    from hashpivot.engines.pivot import run_pivot
    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.optimize import OptimizeConfig, optimize_plan

    pf = _portfolio()
    return {
        "pivot": _fleet_rows(run_pivot(pf, deals=None).resolved_assumptions()),
        "simulate": _fleet_rows(simulate(pf, SimulationConfig(
            n_paths=4, chunk_paths=4)).resolved_assumptions()),
        "optimize": _fleet_rows(optimize_plan(pf, OptimizeConfig(
            n_scenarios=3, seed=7, evpi_scenarios=1)).resolved_assumptions()),
    }


@pytest.mark.parametrize("engine", ["pivot", "simulate", "optimize"])
def test_every_forward_engine_prints_each_site_s_fleet(
        engine_rows: dict[str, dict[str, dict[str, Any]]], engine: str) -> None:
    rows = engine_rows[engine]
    assert rows == {
        "West Texas: [sites.fleet]": {"value": _WEST, "unit": "-", "source": _SOURCE},
        "Plains: [sites.fleet]": {"value": _PLAINS, "unit": "-", "source": _SOURCE},
    }


def test_backtest_prints_the_fleet_it_counts() -> None:
    """Over 2025-01..06 Plains runs its S19 XP alone (its S21 XP start later): the row
    names the entries counted; West Texas's is the forward engines'."""
    from hashpivot.engines.economics.backtest import run_backtest

    rows = _fleet_rows(run_backtest(_portfolio(), "2025-01-01", "2025-06-30").assumptions)
    assert rows["West Texas: [sites.fleet]"]["value"] == _WEST
    assert rows["Plains: [sites.fleet]"]["value"] == (
        "2,000 x Antminer S19 XP (end 2027-06); 280.00 PH/s at 21.5 J/TH weighted, 6.3 MW")


def test_entries_taken_as_they_stand_say_their_dates_are_not_used() -> None:
    """Lines that take turns on different powers fit no slots of the 61 MW (a review's
    case, tests/engines/pivot/test_cost_dates.py): the engines take them as they stand,
    each over the whole horizon, cut to the capacity, so the row gives one total of every
    entry and says the dates are not used: 27,500 x 200 TH/s = 5.50 EH/s at 3,500 / 200
    = 17.5 J/TH; 27,500 x 3.5 kW x 1.05 = 101.1 MW."""
    from hashpivot.engines.pivot import run_pivot
    from tests.engines.pivot_inputs import PIVOT

    lines = [machines("A", 200.0, 3500.0, 11000, end="2026-12"),
             machines("B", 200.0, 3500.0, 5500, end="2027-06"),
             machines("C", 200.0, 3500.0, 5500, start="2027-01-01"),
             machines("D", 200.0, 3500.0, 5500, start="2027-01-01")]
    a = site("A", contract(40.0, "fixed"), *lines, capacity_mw=61.0,
             power_overhead_factor=1.05, fleet_replacement=False)
    pf = parse_portfolio(portfolio_toml("t", a, pivot=table(**PIVOT)), "t.toml")
    assert pf.sites[0].fleet_slots is None and not pf.sites[0].fleet_fits_capacity  # teeth
    (row,) = _fleet_rows(run_pivot(pf, deals=None).resolved_assumptions()).values()
    assert row["value"] == (
        "11,000 x A (end 2026-12) + 5,500 x B (end 2027-06) + 5,500 x C (start 2027-01-01) "
        "+ 5,500 x D (start 2027-01-01); 5.50 EH/s at 17.5 J/TH weighted, 101.1 MW (their "
        "dates not used: more than capacity_mw together, taken as they stand over the "
        "whole horizon, the least efficient cut to it)")
    assert row["source"] == ("file; J/TH weighted by hashrate, MW at the meter (overhead "
                             "included)")
