"""A site of several fleet entries mines them as tranches: a conversion displaces the least
efficient first, and each tranche curtails at its own margin (as the decision engine
values a fleet), checked against sites that hold one entry each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.terminal import terminal_value
from hashpivot.engines.pivot.tranches import fleet_tranches, tranche_mw
from hashpivot.models import parse_portfolio
from hashpivot.models.pivot import TerminalValueSpec
from tests.portfolio_toml import contract, machines, portfolio_toml, site, site_opex, table

NEW = machines("new", 200.0, 3500.0, 1000)  # 17.5 J/TH, 3.5 MW
OLD = machines("old", 100.0, 3050.0, 1000)  # 30.5 J/TH, 3.05 MW
# (no halving within the horizon nor the year after it: the 2028 one falls in 2029 here)
PIVOT = table(horizon_years=2, start="2026-01", start_height=880000, btc_price_usd=100000.0,
              network_hashrate_th_s=1.0e9, fees_btc_per_block=0.025,
              btc_price_growth_per_year=0.0, network_hashrate_growth_per_year=0.0,
              fleet_replacement_years=None)
HOSTING = table(asic_disposition="sell", asic_resale_usd_per_th=5.0, pue=1.25,
                lease_usd_per_kw_month=130.0, construction_months=6)


def _portfolio(price: float, *fleet: dict[str, object],
               staff_usd_per_year: float = 0.0) -> pv.Portfolio:
    staff = [site_opex("site staff", staff_usd_per_year)] if staff_usd_per_year else []
    text = portfolio_toml("t", site("A", contract(price), *fleet, cost_items=staff,
                                    hosting=HOSTING, power_overhead_factor=1.0,
                                    pool_fee_fraction=0.0),
                          pivot=PIVOT)
    return parse_portfolio(text, "t.toml")


def _flows(pf: pv.Portfolio, *phases: pv.ConversionPhase) -> pv.CashFlows:
    market = pv.deterministic_market(pf, pd.Period("2026-01", "M"), 24)
    return pv.strategy_cash_flows(pf, pv.Strategy("s", phases), market)


def test_tranches_are_the_entries_least_efficient_first() -> None:
    site_in = pv.resolve_sites(_portfolio(40.0, NEW, OLD))[0]
    parts = fleet_tranches(site_in)
    assert [p.fleet_power_mw for p in parts] == pytest.approx([3.05, 3.5])
    assert [p.fleet_hashrate_th_s for p in parts] == pytest.approx([100_000.0, 200_000.0])
    # 4 MW mining of 6.55: the old 3.05 MW go first, then 0.55 MW of the new
    old, new = tranche_mw(parts, np.array([6.55, 4.0, 0.0]))
    assert old == pytest.approx([3.05, 0.5, 0.0]) and new == pytest.approx([3.5, 3.5, 0.0])
    assert fleet_tranches(pv.resolve_sites(_portfolio(40.0, NEW))[0]) == []
    assert all(fleet_tranches(p) == [] for p in parts)  # a tranche is one tranche


def test_a_conversion_displaces_the_least_efficient_machines_first() -> None:
    """Converting 3.05 MW of the two-entry site from month 0 sells the old machines'
    100,000 TH/s (at 5 USD/TH) and leaves mining exactly what the new machines alone
    mine, month by month (before, the fleet's average machine was displaced)."""
    pf = _portfolio(40.0, NEW, OLD)
    conv = _flows(pf, pv.ConversionPhase("A", pd.Period("2026-01", "M"), 3.05))
    only_new = _flows(_portfolio(40.0, NEW))
    np.testing.assert_allclose(conv.mining_revenue_usd, only_new.mining_revenue_usd,
                               rtol=1e-12)
    np.testing.assert_allclose(conv.btc_mined, only_new.btc_mined, rtol=1e-12)
    assert float(np.asarray(conv.asic_resale_usd).sum()) == pytest.approx(100_000 * 5.0)


def test_each_tranche_curtails_at_its_own_margin() -> None:
    """At 100 USD/MWh the old machines (30.5 J/TH) lose money at this hashprice and the new
    (17.5 J/TH) earn: keep-mining mines the new machines only, so its revenue is that of
    the new machines alone and its energy theirs (the average machine, 23.6 J/TH, would
    have mined both or neither)."""
    both = _flows(_portfolio(100.0, NEW, OLD))
    new = _flows(_portfolio(100.0, NEW))
    old = _flows(_portfolio(100.0, OLD))
    assert np.asarray(old.mining_revenue_usd).sum() == 0.0  # the old alone never mine
    assert np.asarray(new.mining_revenue_usd).min() > 0.0  # the new always do
    np.testing.assert_allclose(both.mining_revenue_usd, new.mining_revenue_usd, rtol=1e-12)
    np.testing.assert_allclose(both.energy_mwh, new.energy_mwh, rtol=1e-12)


def test_a_tranche_that_loses_money_at_the_horizon_is_abandoned() -> None:
    """At 90 USD/MWh the old machines never mine but pay their share (by MW) of the
    site's fixed staff: their final-year EBITDA is negative, the new machines' positive.
    Keep-mining's mining terminal value is that of the new machines alone with their share
    of the staff: the old tranche is retired at the horizon and takes nothing from the new
    machines' value, as the decision engine floors each tranche (when pivot floored the
    site's sum, the old machines' loss was taken from it: 0.70 M USD instead of 1.82)."""
    staff = 3.0e5  # [USD/year]
    spec = TerminalValueSpec(hosting_method="none")
    both = _flows(_portfolio(90.0, NEW, OLD, staff_usd_per_year=staff))
    new = _flows(_portfolio(90.0, NEW, staff_usd_per_year=staff * 3.5 / 6.55))
    value = terminal_value(both, spec, 0.10).mining_at_horizon_usd[0]
    alone = terminal_value(new, spec, 0.10).mining_at_horizon_usd[0]
    assert value == pytest.approx(alone, rel=1e-12)
    # teeth: the old tranche loses its staff share; the site's sum is positive too
    old_ebitda, new_ebitda = both.mining_at_horizon[0].ebitda_usd[:, 0]
    assert old_ebitda == pytest.approx(-staff * 3.05 / 6.55, rel=1e-12)
    assert new_ebitda > -old_ebitda
    assert value == pytest.approx(8.0 * new_ebitda, rel=1e-12)  # 8x, the default multiple
