"""Dispatch of a hybrid site (mining + AI/HPC) against power prices, interval by interval.

Layers: :mod:`~hashpivot.power.model` (the problem arrays), :mod:`~hashpivot.power.tranches`,
:mod:`~hashpivot.power.schedule`, :mod:`~hashpivot.power.intervals` (array types,
constant series, blocks of intervals),
:mod:`~hashpivot.power.fast` (exact merit order when intervals are independent),
:mod:`~hashpivot.power.lp` (LP/MILP on HiGHS for ramps, min up/down, flexible AI),
:mod:`~hashpivot.power.accounts` (per-interval money, energy, emissions),
:mod:`~hashpivot.power.results` (totals, always-on comparison, frames),
:mod:`~hashpivot.power.profiles` (synthetic solar / wind shapes) and
:mod:`~hashpivot.power.emissions` (grid emissions factors). :func:`solve` picks a solver.
"""

from __future__ import annotations

from hashpivot.power.accounts import Accounts, energy_balance_residual_mw, evaluate_accounts
from hashpivot.power.emissions import grid_emissions_factor
from hashpivot.power.fast import allocate_supply, always_on_schedule, solve_fast
from hashpivot.power.lp import build_model, solve_lp
from hashpivot.power.model import DispatchProblem
from hashpivot.power.profiles import clear_sky_solar_profile, synthetic_wind_profile
from hashpivot.power.results import DispatchResult
from hashpivot.power.schedule import Schedule
from hashpivot.power.solve import solve
from hashpivot.power.tranches import Segments, Tranche, tranche_segments

__all__ = [
    "Accounts",
    "DispatchProblem",
    "DispatchResult",
    "Schedule",
    "Segments",
    "Tranche",
    "allocate_supply",
    "always_on_schedule",
    "build_model",
    "clear_sky_solar_profile",
    "energy_balance_residual_mw",
    "evaluate_accounts",
    "grid_emissions_factor",
    "solve",
    "solve_fast",
    "solve_lp",
    "synthetic_wind_profile",
    "tranche_segments",
]
