"""Inputs shared by the risk engine's tests: a one-site portfolio built from the public
models, fixed scenario parameters (no calibration on history) and a zero-volatility
override; and the bit-for-bit comparison of two runs."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from hashpivot.engines.simulate import SimulationResult
from hashpivot.models import CostItem, FleetEntry, Portfolio, PowerContract, Site
from hashpivot.models.hosting import PivotSpec
from hashpivot.models.risk import ScenarioSpec, TreasurySpec
from tests.scenarios.paths import FIXED_PARAMETERS

ZERO_VOL = {
    "btc_volatility_per_year": 0.0,
    "hashrate_elasticity": 0.0,
    "hashrate_volatility_per_year": 0.0,
    "price_hashrate_correlation": 0.0,
    "fees_lognormal_sigma": 0.0,
    "power_volatility_per_year": 0.0,
    "power_spike_probability_per_month": 0.0,
}
# fixed parameters (no calibration on history needed: fast tests)
SET = {**FIXED_PARAMETERS, "power_calibrate_on": None}
PIVOT = PivotSpec(
    strategies=["convert_all", "phased"],
    start="2026-01",
    btc_price_usd=100_000.0,
    network_hashrate_th_s=1.0e9,
    fees_btc_per_block=0.03,
    start_height=930_000,
)


def portfolio(
    scenario: dict[str, Any] | None = None,
    treasury: TreasurySpec | None = None,
    kind: Literal["fixed", "index"] = "fixed",
    power_usd_per_mwh: float = 40.0,
) -> Portfolio:
    """A one-site portfolio built from the public models (20 MW, 5,000 S21-class
    machines, 40 USD/MWh fixed or an ERCOT index contract)."""
    fleet = FleetEntry(
        name="S21", count=5000, hashrate_th_s=200.0, efficiency_j_per_th=17.5,
        power_w=3500.0, uptime_fraction=0.95, capex_usd_per_th=15.0, depreciation_years=4.0,
    )
    site = Site(
        name="Rockdale", region="ERCOT", capacity_mw=20.0, power_overhead_factor=1.05,
        pool_fee_fraction=0.015,
        power_contract=PowerContract(
            kind=kind, price_usd_per_mwh=power_usd_per_mwh, adder_usd_per_mwh=0.0,
            market="ercot:HB_WEST" if kind == "index" else None,
        ),
        fleet=[fleet],
        cost_items=[
            CostItem(name="staff", category="site_opex", usd_per_year=2.4e6),
            CostItem(name="sbc", category="stock_based_compensation", usd_per_year=1.2e6),
        ],
    )
    return Portfolio(
        name="test", sites=[site], pivot=PIVOT,
        scenario=ScenarioSpec.model_validate(scenario if scenario is not None else SET),
        treasury=treasury or TreasurySpec(btc_held=50, cash_usd=4e6, min_cash_usd=1e6),
    )


def assert_same_result(a: SimulationResult, b: SimulationResult) -> None:
    """Two runs gave the same NPVs, treasury totals, reverse-margin shares and fans,
    to the bit."""
    assert a.strategy_names == b.strategy_names
    for s in a.strategy_names:
        np.testing.assert_array_equal(a.npv_usd[s], b.npv_usd[s])
    for key, ta in a.treasury.items():
        tb = b.treasury[key]
        for f in ta.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(ta, f), getattr(tb, f), err_msg=f"{key} {f}")
    np.testing.assert_array_equal(a.prob_reverse_margin_direct, b.prob_reverse_margin_direct)
    assert list(a.fan) == list(b.fan)
    for k in a.fan:
        np.testing.assert_array_equal(a.fan[k], b.fan[k])


def at_zero_volatility(pf: Portfolio) -> Portfolio:
    """``pf`` whose Monte Carlo paths are all the pivot model's path: every volatility
    zero, anchored on the deterministic market, GBM prices."""
    spec = pf.scenario or ScenarioSpec()
    zero = {**ZERO_VOL, "anchor": "deterministic", "price_model": "gbm"}
    return pf.model_copy(update={"scenario": spec.model_copy(update=zero)})

