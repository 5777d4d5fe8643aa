"""A hall already in service (``[[sites.hosting.in_service]]``) in the Monte Carlo: its
contracted net rent on every path, the same in every strategy, reaches the treasury and
spares forced BTC sales."""

from __future__ import annotations

import numpy as np

from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.models import Portfolio
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.risk import TreasurySpec
from tests.engines.simulate_inputs import portfolio

#: a treasury that is forced to sell: 1 M USD of cash, a 5 M USD bullet in 2027-06
TREASURY = TreasurySpec(btc_held=10, cash_usd=1e6, min_cash_usd=5e5,
                        debt=[{"principal_usd": 5e6, "interest_rate": 0.1,
                               "maturity": "2027-06"}])


def _with_hall(pf: Portfolio) -> Portfolio:
    """``pf`` whose site gains a 10 MW hall in service (8 IT MW at 120 USD/kW/month, about
    1 M USD a month) and 10 MW of capacity for it: its miners keep their 20 MW."""
    site = pf.sites[0]
    hosting = HostingProjectSpec.model_validate({"pue": 1.25, "in_service": [{
        "gross_mw": 10.0, "lease_start": "2024-06", "lease_end": "2036-05",
        "lease_usd_per_kw_month": 120.0, "lease_escalator_per_year": 0.02}]})
    new = site.model_copy(update={"capacity_mw": 30.0, "hosting": hosting})
    return pf.model_copy(update={"sites": [new]})


def test_a_lease_in_service_spares_forced_sales() -> None:
    cfg = SimulationConfig(n_paths=200, horizon_months=36, chunk_paths=100, seed=7)
    base_pf = portfolio(treasury=TREASURY)
    base_pf.sites[0].hosting = HostingProjectSpec(pue=1.25)
    base = simulate(base_pf, cfg)
    res = simulate(_with_hall(base_pf), cfg)
    before, after = base.strategy_stats("keep_mining"), res.strategy_stats("keep_mining")
    assert before["prob_forced_sale"] > 0.1  # the case has teeth
    assert after["prob_forced_sale"] < before["prob_forced_sale"]
    assert after["expected_forced_sale_btc"] < before["expected_forced_sale_btc"]
    # on every path and in every strategy the same NPV gain (contracted, no BTC in it)
    gains = [res.npv_usd[s] - base.npv_usd[s] for s in base.strategy_names]
    assert gains[0].min() > 2e7
    for g in gains:
        np.testing.assert_allclose(g, gains[0][0], rtol=1e-9)
