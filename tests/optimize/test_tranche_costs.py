"""A fleet tranche of a site is valued as a site of its own with its share of the site's
cost items (hashpivot.optimize.coefficients.mining_flows_per_mw).

The reference is the pivot engine's one-entry site written in TOML, its cost items the
tranche's share of the two-entry site's; the tranche's flows per MW (fleet replacement
included, whose decision reads the costs per MW) must be the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.models import Portfolio, parse_portfolio
from hashpivot.optimize.coefficients import mining_flows_per_mw, site_tranches
from tests.portfolio_toml import contract, machines, portfolio_toml, site, site_opex, table

#: 15,000 older machines (30 J/TH) and 1,500 newer ones (17.5 J/TH) at one site
_OLD = machines("old", 100.0, 3000.0, 15000, uptime_fraction=0.95)
_NEW = machines("new", 200.0, 3500.0, 1500, uptime_fraction=0.95)


def _portfolio(fleet: list[dict[str, object]], fixed_usd_per_year: float,
               variable_usd_per_year: float) -> Portfolio:
    """Site A at 30 USD/MWh with fixed and variable site costs; its fleet replaced
    every year (6 USD/TH) when the NPV with a 6x exit multiple says so."""
    a = site("A", contract(30.0), *fleet,
             cost_items=[site_opex("staff", fixed_usd_per_year, behavior="fixed"),
                         site_opex("repairs", variable_usd_per_year, behavior="variable")],
             power_overhead_factor=1.05, pool_fee_fraction=0.02, capacity_mw=60.0)
    pivot = table(horizon_years=6, discount_rate=0.10, fleet_hashrate_decay_per_year=0.03,
                  fleet_replacement_years=1.0, replacement_efficiency_j_per_th=15.0,
                  replacement_efficiency_gain_per_year=0.08, replacement_capex_usd_per_th=6.0,
                  strategies=[], terminal_value=table(mining_method="exit_multiple",
                                                      mining_ebitda_multiple=6.0))
    return parse_portfolio(portfolio_toml("tranches", a, pivot=pivot), "t.toml")


@pytest.mark.parametrize("fixed_usd_per_year", [2e6, 6e6])
def test_a_tranche_is_valued_as_its_own_site_with_its_share_of_the_costs(
    fixed_usd_per_year: float,
) -> None:
    """The newer machines' tranche (about 10 % of the site's MW): before, its replacement
    decision read the whole site's fixed costs over its own MW (ten times the site's per
    MW), floored the final year's EBITDA of the old machines at zero and replaced in fewer
    months (0.41 against 1.48 and 0.95 M USD of replacement capex per MW)."""
    two = _portfolio([_OLD, _NEW], fixed_usd_per_year, 1e6)
    whole = pv.resolve_sites(two)[0]
    tranche = site_tranches(whole, list(whole.fleet_entries))[2]
    share = tranche.gross_mw / whole.fleet_power_mw
    assert 0.05 < share < 0.15
    alone = _portfolio([_NEW], fixed_usd_per_year * share, 1e6 * share)
    own = pv.resolve_sites(alone)[0]
    (own_tranche,) = site_tranches(own, list(own.fleet_entries))[1:]
    spec = pv._pivot_spec(two)
    market = pv.deterministic_market(two, pd.Period("2026-01", "M"), 72)
    got = mining_flows_per_mw(whole, tranche, spec, market)
    want = mining_flows_per_mw(own, own_tranche, spec, market)
    # the newer machines are replaced (0.41 M USD per MW; 1.48 and 0.95 until the
    # terminal value's year took the 2032 halving just after the horizon)
    assert want.replacement_capex.sum() > 0.3e6
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
