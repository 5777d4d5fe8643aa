"""Inputs shared by the dispatch tests (engine, resolve steps, CLI): the example and the
recorded price file and its folder, the keys of a summary, a two-site portfolio whose second
site names an emissions file, and a tiny one-site dispatch portfolio."""

from __future__ import annotations

from pathlib import Path

from tests.portfolio_toml import contract, machines, portfolio_toml, site, table

DATA = Path(__file__).parents[1] / "data" / "power"
EXAMPLE = Path(__file__).parents[2] / "examples" / "dispatch-west-texas.toml"
#: three days of recorded ERCOT HB_WEST 15-minute prices (2024-08-19 .. 21)
PRICES = DATA / "prices_hb_west_2024-08-19_21.csv"
#: the keys of a dispatch summary (``DispatchResult.summary()`` and ``dispatch --json``)
SUMMARY_KEYS = ("mining_revenue_usd", "power_cost_usd", "resale_credits_usd", "dr_income_usd",
                "curtailed_hours", "uptime_fraction", "energy_mwh", "emissions_tco2",
                "net_margin_usd", "net_margin_always_on_usd", "objective_usd", "solver",
                "solve_seconds")

#: sites Alpha (fixed contract) and Beta (index contract, ``mef.csv`` emissions file)
TWO_SITES_TOML = portfolio_toml(
    "resolve",
    site("Alpha", contract(40.0, "fixed", adder_usd_per_mwh=2.0),
         machines("A", 200.0, 3500.0, 1000),
         region="ERCOT", capacity_mw=30.0, power_overhead_factor=1.1),
    site("Beta", contract(30.0, "index", market="ercot:HB_WEST"),
         machines("B", 100.0, 3000.0, 100),
         dispatch=table(hashprice_usd_per_ph_day=45.0, emissions_file="mef.csv"),
         region="ATLANTIS", capacity_mw=10.0),
)

#: one site T: 1,000 machines on an HB_WEST index contract, a constant hashprice
TINY_SITE = portfolio_toml(
    "tiny dispatch",
    site("T", contract(35.0, "index", market="ercot:HB_WEST"),
         machines("S21", 200.0, 3500.0, 1000),
         dispatch=table(hashprice_usd_per_ph_day=45.0), region="ERCOT", capacity_mw=4.0),
)
