"""Parameter models of the stored run kinds (one per kind; units in the names, every
default explicit), validated by :func:`hashpivot.store.runs.parse_params`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from hashpivot.engines.economics.backtest_window import DEFAULT_END_TEXT, DEFAULT_START_TEXT
from hashpivot.models.dates import DayValue, check_month
from hashpivot.models.fields import STRICT_CONFIG, BlockHeight, Flag
from hashpivot.models.repeats import each_once
from hashpivot.network_limits import NETWORK_LIMITS
from hashpivot.run_defaults import (
    DEFAULT_CHUNK_PATHS,
    DEFAULT_EVPI_SCENARIOS,
    DEFAULT_N_PATHS,
    DEFAULT_N_SCENARIOS,
    MAX_DISCOUNT_RATE,
    MAX_HORIZON_YEARS,
    MAX_SEED,
    MIN_DISCOUNT_RATE,
    MIN_HORIZON_YEARS,
)

#: The CLI's limits of the network options (:mod:`hashpivot.network_limits`).
_MAX_BTC_PRICE_USD = NETWORK_LIMITS["btc_price_usd"][1]
_MIN_DIFFICULTY, _MAX_DIFFICULTY = NETWORK_LIMITS["difficulty"]
_MAX_FEES_BTC_PER_BLOCK = NETWORK_LIMITS["fees_btc_per_block"][1]
_MAX_SUBSIDY_BTC = NETWORK_LIMITS["subsidy_btc"][1]

#: A construction start ``YYYY-MM`` whose month is 01-12, checked on its own (a month 13
#: was refused only with the MW figure it goes with, or named as lacking one).
_Month = Annotated[str, AfterValidator(check_month)]

#: Source named in the problems of run parameters.
PARAMS_SOURCE = "<run parameters>"

#: The schema of a parameter the service sets when a run is submitted (what its resolve
#: step worked out, stored with the run): read-only (OpenAPI: sent in answers, not in
#: requests), and refused in a request (:func:`hashpivot.store.runs.set_by_service`).
SET_BY_SERVICE_SCHEMA: dict[str, Any] = {"readOnly": True}

#: What a request giving a parameter the service sets is told, at its path.
SET_BY_SERVICE = "set by the service; leave it out"


class NetworkParams(BaseModel):
    """Network conditions a ``cost`` run was resolved with (stored by the service, so a
    re-run reads the same figures); checked like the other parameters when given."""

    model_config = STRICT_CONFIG

    btc_price_usd: float = Field(
        ..., gt=0, le=_MAX_BTC_PRICE_USD, description="BTC price. [USD]"
    )
    difficulty: float = Field(
        ..., ge=_MIN_DIFFICULTY, le=_MAX_DIFFICULTY, description="Network difficulty. [-]"
    )
    fees_btc_per_block: float = Field(
        0.0, ge=0, le=_MAX_FEES_BTC_PER_BLOCK, description="Average fees per block. [BTC]"
    )
    subsidy_btc: float = Field(
        3.125, ge=0, le=_MAX_SUBSIDY_BTC, description="Block subsidy. [BTC]"
    )
    date: DayValue | None = Field(None, description="Day of the conditions, from history.")
    source: str = Field("user", max_length=500, description="Where the figures come from.")
    height: BlockHeight | None = Field(
        None, description="Block height at the end of the day (or the tip). [blocks]")
    given: tuple[Literal["btc_price_usd", "difficulty", "fees_btc_per_block"], ...] = Field(
        (), description="The figures given for the run over the day's data.")
    data_source: str = Field("", max_length=500,
                             description="Where the figures not given come from.")
    day_source: str = Field("given", max_length=200, description="How the day was chosen.")

    @field_validator("given")
    @classmethod
    def _each_figure_once(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(each_once(v, "given", "name each figure once"))


class CostParams(BaseModel):
    """Parameters of a ``cost`` run (``hashpivot cost``)."""

    model_config = STRICT_CONFIG

    date: DayValue | None = Field(
        None, description="Network conditions of this day (bundled history); default latest."
    )
    btc_price_usd: float | None = Field(
        None, gt=0, le=_MAX_BTC_PRICE_USD, description="BTC price. [USD]"
    )
    difficulty: float | None = Field(
        None, ge=_MIN_DIFFICULTY, le=_MAX_DIFFICULTY,
        description="Network difficulty; its network must hold the portfolio's fleet. [-]"
    )
    fees_btc_per_block: float | None = Field(
        None, ge=0, le=_MAX_FEES_BTC_PER_BLOCK, description="Average fees per block. [BTC]"
    )
    network: NetworkParams | None = Field(
        None, description="Resolved network conditions (filled in by the service)."
    )


class BacktestParams(BaseModel):
    """Parameters of a ``backtest`` run: a window of the bundled history."""

    model_config = STRICT_CONFIG

    start: DayValue | None = Field(None, description=f"First day; {DEFAULT_START_TEXT}.")
    end: DayValue | None = Field(None, description=f"Last day; {DEFAULT_END_TEXT}.")
    defaults: tuple[Literal["start", "end"], ...] = Field(
        (), description="The days the service filled in by the default rule (set by the "
        "service, as `start` and `end` are when not given: a request giving it is refused).",
        json_schema_extra=SET_BY_SERVICE_SCHEMA)


class PivotParams(BaseModel):
    """Parameters of a ``pivot`` run (``hashpivot pivot``)."""

    model_config = STRICT_CONFIG

    site: str | None = Field(None, max_length=200, description="Only this site.")
    convert_mw: float | None = Field(
        None, gt=0, le=10_000, description="Gross MW of the 'convert' strategy. [MW]"
    )
    start: _Month | None = Field(
        None, pattern=r"^\d{4}-\d{2}$",
        description="Construction start of convert, YYYY-MM (MW: convert_mw, else the file's "
        "[pivot] convert_mw).",
    )


class SimulateParams(BaseModel):
    """Parameters of a ``simulate`` run (``hashpivot simulate``): the defaults and limits
    of the options that decide the numbers are the CLI's (:mod:`hashpivot.run_defaults`),
    so the same options give the same numbers; the service runs at most 200,000 paths."""

    model_config = STRICT_CONFIG

    paths: int = Field(DEFAULT_N_PATHS, ge=1, le=200_000, description="Number of paths. [-]")
    years: float | None = Field(
        None, ge=MIN_HORIZON_YEARS, le=MAX_HORIZON_YEARS,
        description="Horizon; default [pivot].horizon_years. [years]"
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Root random seed. [-]")
    chunk_paths: int = Field(
        DEFAULT_CHUNK_PATHS, ge=1, le=200_000,
        description="Paths per chunk: with the seed, what reproduces the paths. [-]"
    )
    policy: Literal["hold", "sell_all", "sell_to_cover", "min_cash", "all"] | None = Field(
        None, description="Treasury policy; default the file's [treasury] policy first, then "
        "the others; 'all': every policy."
    )
    discount_rate: float | None = Field(
        None, ge=MIN_DISCOUNT_RATE, le=MAX_DISCOUNT_RATE,
        description="Annual discount rate. [fraction]"
    )
    site: str | None = Field(None, max_length=200, description="Only this site.")
    convert_mw: float | None = Field(
        None, gt=0, le=10_000, description="MW of the convert strategy. [MW]"
    )
    start: _Month | None = Field(
        None, pattern=r"^\d{4}-\d{2}$", description="Construction start of convert, YYYY-MM."
    )
    price_model: Literal["gbm", "bootstrap"] | None = Field(
        None, description="Override [scenario].price_model."
    )


class DispatchParams(BaseModel):
    """Parameters of a ``dispatch`` run (bundled markets only: no files from requests)."""

    model_config = STRICT_CONFIG

    market: str | None = Field(
        None,
        max_length=60,
        description="Bundled prices, e.g. ercot:HB_WEST:2024; default the contract's market.",
    )
    site: str | None = Field(None, max_length=200, description="Site name; default the first.")
    solver: Literal["auto", "fast", "lp"] | None = Field(None, description="Dispatch solver.")
    hashprice_usd_per_ph_day: float | None = Field(
        None, ge=0, le=1e6, description="Constant hashprice. [USD per PH/s per day]"
    )


class OptimizeParams(BaseModel):
    """Parameters of an ``optimize`` run (``hashpivot optimize``): the portfolio's
    ``[optimize]`` table (its defaults where it has none) with the bundled regulation rules
    (no ``rules_file``)."""

    model_config = STRICT_CONFIG

    scenarios: int = Field(DEFAULT_N_SCENARIOS, ge=1, le=5_000,
                           description="In-sample market scenarios. [-]")
    risk_aversion: float = Field(
        0.0, ge=0, le=1,
        description="Weight of the CVaR at the portfolio's [optimize] cvar_alpha (0.05: "
        "CVaR95). [0..1]")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Root random seed. [-]")
    time_limit_s: float = Field(
        300.0, ge=0.1, le=3_600,
        description="HiGHS time limit of each solve (the plan's and each of the "
        "evaluation's: a run can take several times it): the CLI's --time-limit "
        "(optimize's). [s]"
    )
    gap: float = Field(1e-3, ge=0, le=1, description="Relative MIP gap. [fraction]")
    fixed_through: str | None = Field(
        None, pattern=r"^\d{4}Q[1-4]$", description="Fix decisions up to this quarter, YYYYQn."
    )
    continuous: Flag = Field(False, description="Continuous MW instead of hall blocks.")
    oos_scenarios: int | None = Field(
        None, ge=2, le=5_000, description="Out-of-sample scenarios; default as many. [-]"
    )
    evpi_scenarios: int = Field(
        DEFAULT_EVPI_SCENARIOS, ge=1, le=500,
        description="Scenarios solved with perfect information. [-]"
    )
    deterministic: Flag = Field(
        False, description="One scenario, every volatility zero and every tenant signing."
    )


__all__ = [
    "PARAMS_SOURCE",
    "SET_BY_SERVICE",
    "SET_BY_SERVICE_SCHEMA",
    "BacktestParams",
    "CostParams",
    "DispatchParams",
    "OptimizeParams",
    "PivotParams",
    "SimulateParams",
]
