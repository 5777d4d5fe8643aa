"""Run settings of a simulation: :class:`SimulationConfig` and its validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hashpivot.exceptions import Problem
from hashpivot.run_defaults import (
    DEFAULT_CHUNK_PATHS,
    DEFAULT_N_PATHS,
    MAX_DISCOUNT_RATE,
    MIN_DISCOUNT_RATE,
)
from hashpivot.treasury import POLICIES
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models import Portfolio

#: Horizon when neither the command line nor ``[pivot]`` gives one (the pivot default). [year]
DEFAULT_HORIZON_YEARS = 15


@dataclass(frozen=True)
class SimulationConfig:
    """Run settings (the portfolio's ``[scenario]`` and ``[treasury]`` hold the model).

    Attributes
    ----------
    n_paths : int
        Number of paths. [-]
    horizon_months : int or None
        Months simulated; None: ``[pivot].horizon_years`` (the pivot model's horizon, so
        ``pivot`` and ``simulate`` value the same years). [month]
    seed : int
        Root seed. [-]
    chunk_paths : int
        Paths per chunk: part of the reproducibility key (same seed and chunk size give
        the same paths). [-]
    discount_rate : float or None
        Annual discount rate (fraction); None: ``pivot.discount_rate``. [1/year]
    start : str or None
        First month ``YYYY-MM``; None: ``scenario.start``, else the pivot model's start.
    site_name, convert_mw, convert_start
        Passed to ``build_strategies``.
    policies : tuple of str or None
        Treasury policies to run; None: the portfolio's policy only. The first one is the
        *main* policy (used in the JSON summary and the cash fan chart).
    fan_paths_per_chunk : int
        Paths per chunk kept for fan charts. [-]
    npv_cash_flow : str
        ``"unlevered"`` or ``"levered"``.
    """

    n_paths: int = DEFAULT_N_PATHS
    horizon_months: int | None = None
    seed: int = 0
    chunk_paths: int = DEFAULT_CHUNK_PATHS
    discount_rate: float | None = None
    start: str | None = None
    site_name: str | None = None
    convert_mw: float | None = None
    convert_start: str | None = None
    policies: tuple[str, ...] | None = None
    fan_paths_per_chunk: int = 250
    npv_cash_flow: str = "unlevered"

    def problems(self) -> list[Problem]:
        """Every invalid setting, with its option name."""
        out: list[Problem] = []
        src = "<command line>"
        if self.n_paths < 1:
            out.append(Problem("paths", "must be >= 1", src))
        if self.horizon_months is not None and self.horizon_months < 1:
            out.append(Problem("years", "horizon must be at least one month", src))
        if self.chunk_paths < 1:
            out.append(Problem("chunk_paths", "must be >= 1", src))
        if self.discount_rate is not None and not (
                MIN_DISCOUNT_RATE <= self.discount_rate <= MAX_DISCOUNT_RATE):
            out.append(Problem("discount_rate", f"must be a fraction in [{MIN_DISCOUNT_RATE:g}, "
                               f"{MAX_DISCOUNT_RATE:g}], e.g. 0.10", src))
        for p in self.policies or ():
            if p not in POLICIES:
                out.append(Problem("policy", f"{p!r} is not one of {', '.join(POLICIES)}", src))
        if self.npv_cash_flow not in ("unlevered", "levered"):
            out.append(Problem("npv_cash_flow", "must be 'unlevered' or 'levered'", src))
        return out

    def resolved_horizon_months(self, portfolio: Portfolio) -> int:
        """The horizon of the run: this config's, else ``[pivot].horizon_years``. [month]"""
        if self.horizon_months is not None:
            return int(self.horizon_months)
        spec = portfolio.pivot
        years = spec.horizon_years if spec is not None else DEFAULT_HORIZON_YEARS
        return int(years) * 12


def horizon_months_for(years: float | None) -> int | None:
    """Months simulated for a horizon given in years (the CLI's ``--years``, a stored run's
    ``years``): rounded to whole months, at least one; None (the pivot model's horizon)
    stays None. [month]"""
    return None if years is None else max(1, round(years * MONTHS_PER_YEAR))


def with_price_model(portfolio: Portfolio, price_model: str | None) -> Portfolio:
    """The portfolio with ``[scenario].price_model`` set to ``price_model`` (``"gbm"`` or
    ``"bootstrap"``, checked by the caller); the same portfolio when None."""
    from hashpivot.models.risk import ScenarioSpec

    if price_model is None:
        return portfolio
    spec = portfolio.scenario or ScenarioSpec()
    return portfolio.model_copy(
        update={"scenario": spec.model_copy(update={"price_model": price_model})}
    )
