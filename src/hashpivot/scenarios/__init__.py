"""Stochastic market scenarios: calibration on history and reproducible path generation.

Modules (pure functions, no file or network I/O):

- :mod:`~hashpivot.scenarios.calibration`: estimators on history;
- :mod:`~hashpivot.scenarios.parameters`: :class:`ScenarioParams`, the resolved inputs;
- :mod:`~hashpivot.scenarios.centering`: the center paths and the mean/median centering
  of the BTC price;
- :mod:`~hashpivot.scenarios.margin`: the optional response of the network hashrate to
  the marginal fleet's margin, its calibration and the loss-spell check;
- :mod:`~hashpivot.scenarios.processes`: GBM, block bootstrap, hashrate response, fees,
  power OU with jumps;
- :mod:`~hashpivot.scenarios.generator`: the draw order and the chunk seeds.

The per-period block subsidy is :func:`hashpivot.bitcoin.period_subsidy_btc` (re-exported
here).
"""

from __future__ import annotations

from hashpivot.bitcoin import period_subsidy_btc
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
    SimulatedMarketPaths,
    chunk_seeds,
    count_loss_spells,
    generate_chunk,
    generate_market_paths,
)
from hashpivot.scenarios.margin import MarginFit, MarginResponse, fit_margin_response
from hashpivot.scenarios.parameters import ScenarioParams, build_scenario_params

__all__ = [
    "DEFAULT_POWER_FIT",
    "GbmFit",
    "HashrateFit",
    "MarginFit",
    "MarginResponse",
    "MarketCalibration",
    "PowerFit",
    "ScenarioParams",
    "SimulatedMarketPaths",
    "build_scenario_params",
    "calibrate_market",
    "chunk_seeds",
    "count_loss_spells",
    "fit_fees",
    "fit_gbm",
    "fit_hashrate_response",
    "fit_margin_response",
    "fit_power",
    "generate_chunk",
    "generate_market_paths",
    "monthly_history",
    "period_subsidy_btc",
]
