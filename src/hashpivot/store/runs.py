"""The one adapter between stored runs and the engines.

Every run kind has a parameter model (units in the names, every default explicit), a
``resolve`` step that fills in what the engine would otherwise pick itself (network
conditions of the latest day, the backtest window...) and an ``execute`` step that calls
the engine's public entry point and returns the same JSON object as the CLI's ``--json``
plus compact chart data. The service, the worker processes and ``hashpivot runs
reproduce`` all go through :func:`execute_run`, so engine changes land here only.

To add a run kind: write its parameter model (:mod:`hashpivot.store.run_params`), its
``resolve`` and ``execute`` functions (a module of :mod:`hashpivot.store.run_steps`), add
a :class:`RunKind` to :data:`RUN_KINDS` and its name to ``web.schemas.RunKindName``; the
API, ``runs reproduce`` and the run forms pick it up (charts: ``web.charts.for_run``).
The provenance stored with a run is :mod:`hashpivot.store.provenance`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hashpivot.exceptions import DataError, InputError, Problem, reword
from hashpivot.models import Portfolio
from hashpivot.models.error_paths import UNKNOWN_FIELD
from hashpivot.models.loader import validate_data
from hashpivot.models.pivot import FILE_START_FIELD
from hashpivot.reports.serialize import jsonable
from hashpivot.store.provenance import bundled_data_versions, provenance
from hashpivot.store.run_params import (
    PARAMS_SOURCE,
    SET_BY_SERVICE,
    BacktestParams,
    CostParams,
    DispatchParams,
    OptimizeParams,
    PivotParams,
    SimulateParams,
)
from hashpivot.store.run_steps import (
    ProgressFn,
    RunContext,
    RunOutput,
    backtest,
    check_discount_rate,
    check_market,
    check_policy,
    check_site,
    cost,
    dispatch,
    mw_split,
    optimize,
    pivot,
    problems_of,
    simulate,
)

if TYPE_CHECKING:
    from hashpivot.reports.tables.runs import RunTable

Resolver = Callable[[Portfolio, Any], dict[str, Any]]
Executor = Callable[[Portfolio, Any, RunContext], RunOutput]


@dataclasses.dataclass(frozen=True)
class RunKind:
    """A run kind: its parameter model, resolve step and execute step."""

    name: str
    title: str
    params: type[BaseModel]
    resolve: Resolver
    execute: Executor
    #: Parameters the ``resolve`` step's checks depend on: when one of them is bad, those
    #: checks are skipped (a bad other one is left at its default for them).
    keystones: frozenset[str] = frozenset()
    #: Parameter -> the portfolio's field it overrides (its default): when the parameter
    #: is bad, the problems of that field are left out, as those at the parameter's own
    #: path (of the default put in its place, a value the user did not give).
    overrides: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: Parameter -> the check of its value against the portfolio that depends on no other
    #: parameter (a site's name): run for each valid one when a keystone is bad and the
    #: ``resolve`` step's checks are skipped, so that its problem is listed too, as the
    #: CLI lists it (``--convert-mw -5 --site nope``: both).
    own_checks: Mapping[str, Callable[[Portfolio, Any], None]] = dataclasses.field(
        default_factory=dict)


RUN_KINDS: dict[str, RunKind] = {
    k.name: k
    for k in (
        RunKind("cost", "Unit economics", CostParams, cost.resolve, cost.execute),
        RunKind("backtest", "Backtest", BacktestParams, backtest.resolve, backtest.execute),
        RunKind("pivot", "AI/HPC pivot", PivotParams, pivot.resolve, pivot.execute,
                frozenset({"site", "convert_mw"}), {"start": FILE_START_FIELD},
                {"site": check_site}),
        RunKind("simulate", "Monte Carlo", SimulateParams, simulate.resolve, simulate.execute,
                frozenset({"site", "convert_mw", "years"}), {"start": FILE_START_FIELD},
                {"site": check_site, "policy": check_policy,
                 "discount_rate": check_discount_rate}),
        RunKind("dispatch", "Dispatch", DispatchParams, dispatch.resolve, dispatch.execute,
                frozenset({"site", "market"}), {},
                {"site": check_site, "market": check_market}),
        RunKind(
            "optimize", "Conversion plan", OptimizeParams, optimize.resolve, optimize.execute,
            frozenset({"continuous"}),
        ),
    )
}


def run_kind(name: str) -> RunKind:
    """The run kind called ``name``."""
    try:
        return RUN_KINDS[name]
    except KeyError:
        raise InputError(
            [Problem("kind", f"unknown run kind {name!r}; kinds: {', '.join(RUN_KINDS)}", "")]
        ) from None


def parse_params(kind: str, raw: Any) -> BaseModel:
    """Validate run parameters; problems carry their field paths, an unknown parameter's
    says what the kind takes (:func:`unknown_parameter`)."""
    k = run_kind(kind)
    try:  # every problem, those of several parameters together too (models.loader)
        return validate_data(k.params, raw if raw is not None else {}, PARAMS_SOURCE)
    except InputError as exc:
        raise InputError([Problem(p.path, unknown_parameter(k, p.path), p.source)
                          if p.message == UNKNOWN_FIELD else p for p in exc.problems]
                         ) from None


def set_by_service(kind: str) -> tuple[str, ...]:
    """The parameters of run kind ``kind`` the service sets when a run is submitted
    (read-only in their schema, :data:`~hashpivot.store.run_params.SET_BY_SERVICE_SCHEMA`:
    a backtest's ``defaults``), in the model's order."""
    return tuple(name for name, field in run_kind(kind).params.model_fields.items()
                 if isinstance(field.json_schema_extra, dict)
                 and field.json_schema_extra.get("readOnly") is True)


def parse_submitted(kind: str, raw: Any) -> BaseModel:
    """Validate run parameters as a request submits them: :func:`parse_params`, and each
    parameter the service sets (:func:`set_by_service`) a problem at its path, listed
    with the others' (what the service works out is not replaced by a request's value
    without a word)."""
    given = [Problem(name, SET_BY_SERVICE, PARAMS_SOURCE) for name in set_by_service(kind)
             if isinstance(raw, dict) and name in raw]
    try:
        params = parse_params(kind, raw)
    except InputError as exc:
        raise InputError([*given, *exc.problems]) from None
    if given:
        raise InputError(given)
    return params


#: What a user can do instead of sending a file the service does not take, by the
#: parameter names a request may give it under.
NOT_SENT: Mapping[str, str] = {
    **dict.fromkeys(("prices_file", "prices", "price_file"), (
        "the service takes no price file: give a bundled `market` (GET "
        "/api/market/power/markets lists them), or run `hashpivot dispatch FILE --prices "
        "PRICES` or the library on yours")),
    **dict.fromkeys(("rules_file", "rules"), (
        "the service takes no rules file: its runs read the bundled regulation rules; "
        "`hashpivot optimize` reads the portfolio's [optimize] rules_file")),
}


def unknown_parameter(k: RunKind, path: str) -> str:
    """The refusal of the parameter at ``path`` (``bogus``, ``network.bogus``) that the
    parameters of ``k`` lack: the parameters (or fields of the table) they take, and for a
    file the service takes none of (:data:`NOT_SENT`) what to do instead; the same words
    for every run kind.

    Parameters
    ----------
    k : RunKind
        The run kind.
    path : str
        The parameter's path in the run parameters.

    Returns
    -------
    str
        E.g. ``not a parameter of a backtest run (check its spelling and unit suffix); it
        takes `start`, `end` (GET /api/run-kinds: their schemas)``.
    """
    *within, name = path.split(".")
    model: Any = k.params
    for part in within:  # the table the name is in (``network``: NetworkParams)
        field = model.model_fields.get(part)
        inner = [a for a in getattr(field.annotation, "__args__", (field.annotation,))
                 if isinstance(a, type) and issubclass(a, BaseModel)] if field else []
        if not inner:
            return UNKNOWN_FIELD
        model = inner[0]
    what = (f"a field of `{'.'.join(within)}`" if within
            else f"a parameter of a {k.name} run")
    takes = ", ".join(f"`{n}`" for n in model.model_fields)
    if name in NOT_SENT:
        return f"not {what}; it takes {takes}; {NOT_SENT[name]}"
    return (f"not {what} (check its spelling and unit suffix); it takes {takes} "
            "(GET /api/run-kinds: their schemas)")


def has_default_params(kind: str, raw: Any) -> bool:
    """Whether run parameters ``raw`` (as submitted) are all the kind's defaults, given or
    left out: the run is what ``hashpivot KIND FILE`` prints with no option (False for
    parameters that no longer validate)."""
    try:
        return parse_params(kind, raw) == run_kind(kind).params()
    except InputError:
        return False


def _resolve_problems(k: RunKind, portfolio: Portfolio, raw_params: Any,
                      bad: list[Problem]) -> list[Problem]:
    """The problems the ``resolve`` step of ``k`` finds with the parameters that are
    valid (each bad one left out, at its default), to list with the ``bad`` ones: none
    when a parameter the checks depend on (:attr:`RunKind.keystones`) is bad."""
    named = {p.path.split(".")[0].split("[")[0] for p in bad}
    if not isinstance(raw_params, dict) or "" in named:
        return []  # (parameters not an object: their checks skipped)
    rest = {key: value for key, value in raw_params.items() if key not in named}
    try:
        params = parse_params(k.name, rest)
        if named & k.keystones:  # (the checks of a bad value skipped: the others' own)
            problems = problems_of(*(
                functools.partial(check, portfolio, getattr(params, name))
                for name, check in k.own_checks.items() if name not in named))
            if problems:
                raise InputError(problems)
            return []
        k.resolve(portfolio, params)
    except InputError as exc:
        hidden = named | {k.overrides[n] for n in named if n in k.overrides}
        return [p for p in exc.problems if p not in bad
                and p.path.split("[")[0] not in hidden and p.path.split(".")[0] not in named]
    return []


#: The service's words for the inputs engines name in backquotes in their messages
#: (``give `market` (bundled prices) or `prices_file```; :func:`hashpivot.exceptions.reword`):
#: a run parameter by its own name (the same as the engine's but for these), an input the
#: service does not take by what its user can do about it. The command line has its own
#: (its options: :func:`hashpivot.cli.errors.options_for`).
SERVICE_WORDS: Mapping[str, str] = {
    "prices_file": "a price file (only `hashpivot dispatch --prices` and the library take "
                   "one, not this service)",
    "hashprice": "`hashprice_usd_per_ph_day`",
}


def in_service_words(exc: InputError) -> InputError:
    """``exc`` with its messages in the service's words (:data:`SERVICE_WORDS`): what every
    problem a run's submission or execution raises says to the service's user."""
    return exc.reworded(SERVICE_WORDS)


def resolve_inputs(kind: str, portfolio: Portfolio, raw_params: Any) -> dict[str, Any]:
    """The resolved inputs of a run: the portfolio with every default and the parameters.

    ``portfolio`` is what runs, every default written out, so that the run gives the same
    numbers whatever later versions take as defaults; ``as_given`` is the portfolio as its
    document sets it, so that the run's assumptions tell a value the user set from a
    default, as the CLI does on the same file (:func:`stored_portfolio`). Its problems are
    in the service's words (:func:`in_service_words`).
    """
    try:
        return _resolve_inputs(kind, portfolio, raw_params)
    except InputError as exc:
        raise in_service_words(exc) from None


def _resolve_inputs(kind: str, portfolio: Portfolio, raw_params: Any) -> dict[str, Any]:
    from hashpivot.store.portfolios import resolved_document

    k = run_kind(kind)
    try:
        params = parse_submitted(kind, raw_params)
    except InputError as exc:  # listed with what the valid ones' checks find, as the CLI
        later = _resolve_problems(k, portfolio, raw_params, exc.problems)
        raise InputError([*exc.problems, *later]) from None
    return {
        "kind": kind,
        "portfolio": resolved_document(portfolio),
        "as_given": portfolio.model_dump(mode="json", exclude_unset=True),
        "params": jsonable(k.resolve(portfolio, params)),
    }


def stored_portfolio(inputs: dict[str, Any]) -> Portfolio:
    """The portfolio a stored run runs on.

    The resolved document (every default written out) when the document as given no
    longer resolves to it (defaults changed since the run was submitted) or the run
    predates ``as_given``; otherwise the document as given, which has the same values and
    knows which of them the user's document sets (the assumptions' ``file`` / ``default``).
    """
    from hashpivot.store.portfolios import resolved_document, validate_document

    resolved = validate_document(inputs["portfolio"], "<stored run inputs>")
    given = inputs.get("as_given")
    if given is None:
        return resolved
    try:
        as_given = validate_document(given, "<stored run inputs>")
    except InputError:
        return resolved
    return as_given if resolved_document(as_given) == inputs["portfolio"] else resolved


def execute_run(inputs: dict[str, Any], context: RunContext | None = None) -> RunOutput:
    """Run an engine on resolved inputs (what workers and ``runs reproduce`` call).

    Parameters
    ----------
    inputs : dict
        A run's stored inputs (:func:`resolve_inputs`).
    context : RunContext, optional
        Progress callback and memory limit; default: no progress, the memory available.
    """
    k = run_kind(str(inputs["kind"]))
    portfolio = stored_portfolio(inputs)
    params = parse_params(k.name, inputs["params"])
    try:  # (what a run that fails says: in the service's words)
        out = k.execute(portfolio, params, context or RunContext())
    except InputError as exc:
        raise in_service_words(exc) from None
    except DataError as exc:
        raise DataError(reword(str(exc), SERVICE_WORDS)) from exc
    # first among its warnings, as the CLI's --json lists them: values in a doubtful unit
    doubtful = _doubtful_units(portfolio)
    if not doubtful:
        return out
    warnings = [*doubtful, *out.results.get("warnings", [])]
    return dataclasses.replace(out, results={**out.results, "warnings": warnings})


def _doubtful_units(portfolio: Portfolio) -> list[str]:
    """The warnings about a run's portfolio: values in a doubtful unit
    (:func:`hashpivot.models.sanity.unit_warnings`), without a file name."""
    from hashpivot.models.sanity import unit_warnings

    return [str(p) for p in unit_warnings(portfolio)]


def input_warnings(inputs: dict[str, Any]) -> list[str]:
    """Those of a stored run's ``warnings`` that are about its input (values in a doubtful
    unit, first among them: :func:`execute_run`), as the CLI prints them on ``warning:``
    lines; none for inputs that no longer validate.

    Worked out once per stored document in this process (:func:`_document_warnings`, by
    its JSON text): each view of a run's tables asked for them, and validating the
    portfolio again took 2.0-13.3 ms, 8-49 % of ``GET /api/runs/{id}/tables`` at the
    median (``benchmarks/bench_run_page_warnings.py``, BENCHMARKS.md)."""
    stored = {key: inputs[key] for key in ("portfolio", "as_given") if key in inputs}
    try:
        text = json.dumps(stored, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):  # (not a stored document: as it is)
        return _warnings_of(inputs)
    return list(_document_warnings(text))


@functools.lru_cache(maxsize=64)
def _document_warnings(text: str) -> tuple[str, ...]:
    """:func:`_warnings_of` the stored documents of a run, given as their JSON text."""
    return tuple(_warnings_of(json.loads(text)))


def _warnings_of(inputs: dict[str, Any]) -> list[str]:
    """The warnings about the portfolio of a run's ``inputs``: none for inputs that no
    longer validate."""
    try:
        return _doubtful_units(stored_portfolio(inputs))
    except (InputError, KeyError, TypeError):
        return []


def stored_run_tables(kind: str, results: dict[str, Any], inputs: dict[str, Any]
                      ) -> list[RunTable]:
    """The tables of a finished run (:func:`hashpivot.reports.tables.runs.run_tables`),
    what its page, ``GET /api/runs/{id}/tables`` and ``hashpivot runs show --tables``
    show: its warnings about its input told from its engine's notes."""
    from hashpivot.reports.tables.runs import run_tables

    return run_tables(kind, results, inputs.get("params"), input_warnings(inputs))


__all__ = [
    "RUN_KINDS",
    "SERVICE_WORDS",
    "BacktestParams",
    "CostParams",
    "DispatchParams",
    "OptimizeParams",
    "PivotParams",
    "ProgressFn",
    "RunContext",
    "RunKind",
    "RunOutput",
    "SimulateParams",
    "bundled_data_versions",
    "execute_run",
    "in_service_words",
    "input_warnings",
    "mw_split",
    "parse_params",
    "parse_submitted",
    "provenance",
    "resolve_inputs",
    "run_kind",
    "set_by_service",
    "stored_portfolio",
    "stored_run_tables",
]
