"""Shared inputs of the scenario tests: a deterministic center and a fully set spec."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.market import MarketPaths
from hashpivot.models.risk import ScenarioSpec

PERIODS = pd.period_range("2026-01", periods=120, freq="M")


def center_paths(T: int = 120, power: bool = True) -> MarketPaths:
    """Deterministic market from 2026-01: price +1 %/month, hashrate +2 %/month, halving
    at month 27, power 40 USD/MWh."""
    periods = pd.period_range("2026-01", periods=T, freq="M")
    t = np.arange(T)
    return MarketPaths(
        periods=periods,
        btc_price_usd=(100_000.0 * 1.01**t)[None, :],
        network_hashrate_th_s=(1e9 * 1.02**t)[None, :],
        fees_btc_per_block=np.full((1, T), 0.03),
        subsidy_btc_per_block=np.where(t < 27, 3.125, 1.5625)[None, :],
        power_price_usd_per_mwh=np.full((1, T), 40.0) if power else None,
    )


# every calibrated scenario parameter, fixed (no calibration on history needed: fast tests)
FIXED_PARAMETERS: dict[str, object] = {
    "btc_volatility_per_year": 0.6,
    "hashrate_elasticity": 0.2,
    "hashrate_volatility_per_year": 0.2,
    "price_hashrate_correlation": 0.3,
    "fees_lognormal_sigma": 0.5,
    "power_mean_reversion_per_year": 12.0,
    "power_volatility_per_year": 1.0,
    "power_spike_probability_per_month": 0.1,
    "power_spike_mean_log": 0.3,
}


def spec_with(**kw: object) -> ScenarioSpec:
    """A spec with every calibrated parameter set (no history needed), updated by ``kw``."""
    return ScenarioSpec.model_validate({**FIXED_PARAMETERS, **kw})
