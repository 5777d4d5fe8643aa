"""The pivot engine tests' portfolio: one 100 MW mining site with hosting terms, a loan and
a five-year ``[pivot]`` (also the base of the discounting, terminal-value and CLI tests)."""

from __future__ import annotations

from tests.portfolio_toml import Table, contract, portfolio_toml, site, site_opex, table

#: the hosting terms of site A
HOSTING = table(pue=1.25, lease_usd_per_kw_month=130.0, lease_term_years=3, renewal_options=0,
                construction_months=6, tenant_default_probability_per_year=0.0,
                asic_resale_usd_per_th=5.0)
PIVOT = table(horizon_years=5, start="2026-01", start_height=930000, btc_price_usd=100000.0,
              network_hashrate_th_s=1.0e9, fees_btc_per_block=0.025,
              btc_price_growth_per_year=0.1, network_hashrate_growth_per_year=0.2,
              convert_mw=50.0, convert_start="2026-07")


def base_toml(hosting: Table | None = HOSTING, pivot: Table | None = PIVOT,
              financing: bool = True) -> str:
    """One 100 MW site A (20,000 x 200 TH/s at 17.5 J/TH, fixed 40 USD/MWh, 6 M USD/year
    staff) with ``hosting`` terms, a 70 % loan when ``financing``, and ``pivot``."""
    a = site("A", contract(40.0, "fixed"),
             table(hashrate_th_s=200.0, efficiency_j_per_th=17.5, count=20000,
                   uptime_fraction=0.9),
             cost_items=[site_opex("staff", 6e6)], hosting=hosting,
             capacity_mw=100.0, power_overhead_factor=1.05, pool_fee_fraction=0.02)
    loan = table(loan_to_cost_fraction=0.7, interest_rate=0.08, amortization_years=2)
    return portfolio_toml("test", a, financing=loan if financing else None, pivot=pivot)


BASE_TOML = base_toml()
