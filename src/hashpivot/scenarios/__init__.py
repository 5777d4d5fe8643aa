"""Stochastic market scenarios: calibration on history and reproducible path generation.

See :mod:`hashpivot.scenarios.calibration` for the estimators and
:mod:`hashpivot.scenarios.generator` for the model. Pure functions: no file or network I/O.
"""

from __future__ import annotations

from hashpivot.scenarios.calibration import (
    DEFAULT_POWER_FIT,
    GbmFit,
    HashrateFit,
    MarketCalibration,
    PowerFit,
    calibrate_market,
    fit_fees,
    fit_gbm,
    fit_hashrate_response,
    fit_power,
    monthly_history,
)
from hashpivot.scenarios.generator import (
    ScenarioParams,
    build_scenario_params,
    chunk_seeds,
    generate_chunk,
    generate_market_paths,
    period_subsidy_btc,
)

__all__ = [
    "DEFAULT_POWER_FIT",
    "GbmFit",
    "HashrateFit",
    "MarketCalibration",
    "PowerFit",
    "ScenarioParams",
    "build_scenario_params",
    "calibrate_market",
    "chunk_seeds",
    "fit_fees",
    "fit_gbm",
    "fit_hashrate_response",
    "fit_power",
    "generate_chunk",
    "generate_market_paths",
    "monthly_history",
    "period_subsidy_btc",
]
