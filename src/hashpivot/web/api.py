"""The REST API under ``/api``: portfolios, sites, TOML, runs, market data."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hashpivot.exceptions import InputError, Problem
from hashpivot.store import jobs
from hashpivot.store import portfolios as store
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.runs import RUN_KINDS, parse_params
from hashpivot.store.tables import PortfolioRow, RunRow
from hashpivot.web import market
from hashpivot.web.auth import Principal, require_read, require_write
from hashpivot.web.lookup import (
    MAX_ID,
    edit_portfolio,
    finished_run_or_409,
    pinned_site,
    portfolio_or_404,
    run_or_404,
)
from hashpivot.web.schemas import (
    ConflictOut,
    PortfolioOut,
    PortfolioSummary,
    ProblemsOut,
    RunDetail,
    RunKindName,
    RunKindOut,
    RunOut,
    RunRequest,
    RunStatus,
    TableOut,
)

Read = Annotated[Principal, Depends(require_read)]
Write = Annotated[Principal, Depends(require_write)]
PortfolioId = Annotated[int, Path(ge=1, le=MAX_ID)]
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
SiteIndex = Annotated[int, Path(ge=0, le=100_000)]
ExpectedRevision = Annotated[int | None, Query(
    ge=1, le=MAX_ID, description="Make the edit only if the portfolio is still at this "
    "revision (409 when another edit was stored since).")]

_ERRORS: dict[int, dict[str, Any]] = {
    400: {"model": ProblemsOut, "description": "A body that cannot be read, at path "
          "``body``: not UTF-8 text (its JSON or TOML), JSON nested too deeply"},
    401: {"description": "No API key or session (or an invalid key)"},
    403: {"description": "A session's write without its CSRF token"},
    404: {"description": "Not found"},
    409: {"model": ConflictOut, "description": "Conflict: a portfolio no longer at "
          "expected_revision, a site deleted or renamed by another edit while this one "
          "was made, or a run without results (yet)"},
    413: {"description": "Request body too large"},
    422: {"model": ProblemsOut, "description": "Invalid input, with field paths"},
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route can give, for its OpenAPI description."""
    return {code: _ERRORS[code] for code in codes}


#: What every route that reads, or writes, can answer besides its own codes; a route
#: that reads a body can also find it unreadable.
_READ = (401, 422)
_WRITE = (401, 403, 413, 422)
_BODY = (400, *_WRITE)

router = APIRouter(prefix="/api")


def _db(request: Request) -> Session:
    factory = request.app.state.factory
    session: Session = factory()
    return session


@router.get("/health", tags=["service"])
async def health() -> dict[str, str | None]:
    """Liveness (no authentication), and the latest data day the engines start from, with
    the CLI's warning when it is over 30 days old (``hashpivot data update``); when a user
    data file cannot be read, no day and the warning naming the file."""
    import hashpivot
    from hashpivot.io.user_data import latest_day, staleness_warning

    try:
        day: str | None = latest_day().isoformat()
    except InputError:
        day = None
    return {"status": "ok", "version": hashpivot.__version__,
            "latest_data_day": day, "data_warning": staleness_warning()}


# --------------------------------------------------------------------------------------
# portfolios
# --------------------------------------------------------------------------------------
@router.get("/portfolios", tags=["portfolios"], responses=_errors(*_READ))
def list_portfolios(request: Request, _: Read) -> list[PortfolioSummary]:
    """Every stored portfolio."""
    with _db(request) as s:
        return [PortfolioSummary.of(r) for r in store.list_all(s)]


@router.post("/portfolios", status_code=201, tags=["portfolios"], responses=_errors(*_BODY))
def create_portfolio(
    request: Request, _: Write, document: Annotated[dict[str, Any], Body()]
) -> PortfolioOut:
    """Store a portfolio given as its document (the TOML file as a JSON object)."""
    with _db(request) as s, s.begin():
        return PortfolioOut.of(store.create(s, document))


@router.post(
    "/portfolios/import",
    status_code=201,
    tags=["portfolios"],
    responses=_errors(*_BODY),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/toml": {"schema": {"type": "string"}}},
        }
    },
)
async def import_portfolio(request: Request, _: Write) -> PortfolioOut:
    """Store a portfolio from TOML text, exactly as ``hashpivot`` reads a file."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")  # (a byte order mark is no part of the text)
    except UnicodeDecodeError as exc:  # (the app's handler lists it: unreadable_body)
        raise HTTPException(400, "the TOML must be UTF-8") from exc

    def store_it() -> PortfolioOut:  # (in the thread pool: parsing and the database wait)
        document, _p = store.parse_toml(text, "<upload>")
        with _db(request) as s, s.begin():
            return PortfolioOut.of(store.create(s, document, toml_text=text, source="<upload>"))

    return await run_in_threadpool(store_it)


@router.get("/portfolios/{portfolio_id}", tags=["portfolios"], responses=_errors(*_READ, 404))
def get_portfolio(request: Request, _: Read, portfolio_id: PortfolioId) -> PortfolioOut:
    """One portfolio with its document."""
    with _db(request) as s:
        return PortfolioOut.of(portfolio_or_404(s, portfolio_id))


@router.get(
    "/portfolios/{portfolio_id}/toml",
    tags=["portfolios"],
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/toml": {"schema": {"type": "string"}}}},
               **_errors(*_READ, 404)},
)
def export_portfolio(request: Request, _: Read, portfolio_id: PortfolioId) -> Response:
    """The portfolio as a TOML file that ``hashpivot cost|pivot|... FILE`` reads."""
    with _db(request) as s:
        row = portfolio_or_404(s, portfolio_id)
        return Response(store.export_toml(row), media_type="application/toml")


@router.put("/portfolios/{portfolio_id}", tags=["portfolios"], responses=_errors(*_BODY, 404, 409))
def replace_portfolio(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    document: Annotated[dict[str, Any], Body()],
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Replace a portfolio's document (validated), stored as its next revision: the last
    writer wins, unless ``expected_revision`` names the revision it replaces."""
    with _db(request) as s, s.begin():
        row = portfolio_or_404(s, portfolio_id)
        return PortfolioOut.of(store.update(s, row, document, expected_revision))


@router.delete("/portfolios/{portfolio_id}", status_code=204, tags=["portfolios"],
             responses=_errors(*_WRITE, 404))
def delete_portfolio(request: Request, _: Write, portfolio_id: PortfolioId) -> Response:
    """Delete a portfolio (its runs are kept, detached)."""
    with _db(request) as s, s.begin():
        s.delete(portfolio_or_404(s, portfolio_id))
    return Response(status_code=204)


# --------------------------------------------------------------------------------------
# sites (inside a portfolio's document)
# --------------------------------------------------------------------------------------
def _sites(row: PortfolioRow) -> list[Any]:
    sites = row.document.get("sites")
    return list(sites) if isinstance(sites, list) else []


def _edit(
    request: Request,
    portfolio_id: int,
    change: Callable[[PortfolioRow], dict[str, Any]],
    expected_revision: int | None,
) -> PortfolioOut:
    """A site edit made from the stored document, again if another edit was stored first
    (:func:`~hashpivot.web.lookup.edit_portfolio`)."""
    factory = request.app.state.factory
    return PortfolioOut.of(edit_portfolio(factory, portfolio_id, change, expected_revision))


def _site_index(row: PortfolioRow, index: SiteIndex) -> int:
    if not 0 <= index < len(_sites(row)):
        raise HTTPException(404, f"portfolio {row.id} has no site {index}")
    return index


@router.get("/portfolios/{portfolio_id}/sites", tags=["sites"], responses=_errors(*_READ, 404))
def list_sites(
    request: Request, _: Read, portfolio_id: PortfolioId
) -> list[dict[str, Any]]:
    """The sites of a portfolio (as in its TOML ``[[sites]]``)."""
    with _db(request) as s:
        return _sites(portfolio_or_404(s, portfolio_id))


@router.post("/portfolios/{portfolio_id}/sites", status_code=201, tags=["sites"],
             responses=_errors(*_BODY, 404, 409))
def add_site(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    site: Annotated[dict[str, Any], Body()],
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Append a site (the whole portfolio is validated again)."""

    def change(row: PortfolioRow) -> dict[str, Any]:
        doc = copy.deepcopy(row.document)
        doc["sites"] = [*_sites(row), site]
        return doc

    return _edit(request, portfolio_id, change, expected_revision)


@router.get("/portfolios/{portfolio_id}/sites/{index}", tags=["sites"],
             responses=_errors(*_READ, 404))
def get_site(
    request: Request, _: Read, portfolio_id: PortfolioId, index: SiteIndex
) -> dict[str, Any]:
    """One site by its position (0-based)."""
    with _db(request) as s:
        row = portfolio_or_404(s, portfolio_id)
        return dict(_sites(row)[_site_index(row, index)])


@router.put("/portfolios/{portfolio_id}/sites/{index}", tags=["sites"],
             responses=_errors(*_BODY, 404, 409))
def replace_site(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    index: SiteIndex,
    site: Annotated[dict[str, Any], Body()],
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Replace one site (the whole portfolio is validated again)."""
    at = pinned_site(index)

    def change(row: PortfolioRow) -> dict[str, Any]:
        doc = copy.deepcopy(row.document)
        doc["sites"][at(row)] = site
        return doc

    return _edit(request, portfolio_id, change, expected_revision)


@router.delete("/portfolios/{portfolio_id}/sites/{index}", tags=["sites"],
             responses=_errors(*_WRITE, 404, 409))
def delete_site(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    index: SiteIndex,
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Remove one site (a portfolio keeps at least one)."""
    at = pinned_site(index)

    def change(row: PortfolioRow) -> dict[str, Any]:
        doc = copy.deepcopy(row.document)
        del doc["sites"][at(row)]
        return doc

    return _edit(request, portfolio_id, change, expected_revision)


# --------------------------------------------------------------------------------------
# runs
# --------------------------------------------------------------------------------------
@router.get("/run-kinds", tags=["runs"], responses=_errors(401))
async def run_kinds(_: Read) -> list[RunKindOut]:
    """Run kinds and the JSON schema of their parameters (units in the field names)."""
    return [
        RunKindOut(name=k.name, title=k.title, params_schema=k.params.model_json_schema())
        for k in RUN_KINDS.values()
    ]


#: Where a run request's parameters stand: their problems' paths start here
#: (``body.params.paths``), under ``body.`` as the request's own fields'
#: (``body.portfolio_id``), so one rule maps every path to the request.
PARAMS_PATH = "body.params"


def at_params(problems: list[Problem]) -> list[Problem]:
    """``problems`` with each problem of the run parameters (source
    :data:`~hashpivot.store.run_params.PARAMS_SOURCE`) at its path in the request,
    under ``body.params`` (``paths`` -> ``body.params.paths``, the parameters themselves
    -> ``body.params``); the portfolio's problems as they are."""
    def path(p: Problem) -> str:
        if p.source != PARAMS_SOURCE:
            return p.path
        return PARAMS_PATH + ("" if not p.path else p.path if p.path.startswith("[")
                              else "." + p.path)

    return [Problem(path(p), p.message, p.source) for p in problems]


@router.post("/runs", status_code=202, tags=["runs"], responses=_errors(*_BODY, 404))
def submit_run(request: Request, _: Write, body: RunRequest) -> RunOut:
    """Queue a run; a worker process executes it. Poll ``GET /api/runs/{id}``. A problem
    of its parameters is at ``body.params.<name>`` (``body.params.paths``), one of the
    portfolio at its field (``sites[0].fleet``, source ``portfolio <id>``)."""
    with _db(request) as s, s.begin():
        row = portfolio_or_404(s, body.portfolio_id)
        portfolio = store.validate_document(row.document, f"portfolio {row.id}")
        try:
            run = jobs.submit(s, body.kind, row, portfolio, body.params)
        except InputError as exc:
            raise InputError(at_params(exc.problems)) from None
        out = RunOut.of(run)
    runner = request.app.state.runner
    if runner is not None:
        runner.wake()
    return out


def run_params_problems(body: Any) -> list[Problem]:
    """The problems of a run request's parameters, when its own fields fail (a
    ``portfolio_id`` that is not a number): listed with them, as the parameters of a
    valid request are (each problem of a request, once, in one answer).

    Parameters
    ----------
    body : Any
        The request body as sent (parsed JSON).

    Returns
    -------
    list of Problem
        Empty when the kind is none or the parameters are not an object (problems of
        the request's own) or when they are valid.
    """
    if not isinstance(body, dict) or body.get("kind") not in RUN_KINDS or not isinstance(
            body.get("params", {}), dict):
        return []  # (a kind that is none, parameters not an object: their own problems)
    try:
        parse_params(body["kind"], body.get("params"))
    except InputError as exc:
        return at_params(exc.problems)
    return []


#: Why FastAPI could not parse a body (the error its 400 "There was an error parsing the
#: body" is raised from), as a problem says it.
_UNREADABLE: tuple[tuple[type[BaseException], str], ...] = (
    (RecursionError, "the JSON nests arrays or objects too deeply to be read"),
    (UnicodeDecodeError, "the body must be UTF-8 text (its JSON or TOML)"),
)


def unreadable_body(exc: StarletteHTTPException) -> list[Problem]:
    """The problem of a request body that could not be read (the 400 FastAPI raises from a
    failure to parse it, or this API's own), at path ``body``; empty for any other HTTP
    error.

    Parameters
    ----------
    exc : starlette.exceptions.HTTPException
        An HTTP error (FastAPI's are one); its ``__cause__`` says why the body could not be read.

    Returns
    -------
    list of Problem
        One problem, source ``<request>``: a JSON nested too deeply, bytes that are not
        UTF-8 (with their position [B]), or any other failure by its type.
    """
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return []
    message = next((words for kind, words in _UNREADABLE if isinstance(cause, kind)),
                   f"the body cannot be read ({type(cause).__name__})")
    if isinstance(cause, UnicodeDecodeError):
        message += (f": byte {cause.start} "
                    f"(0x{cause.object[cause.start:cause.start + 1].hex()}) is not")
    return [Problem("body", message, "<request>")]


@router.get("/runs", tags=["runs"], responses=_errors(*_READ))
def list_runs(
    request: Request,
    _: Read,
    portfolio_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    kind: RunKindName | None = None,
    status: RunStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[RunOut]:
    """Runs, newest first."""
    q = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
    if portfolio_id is not None:
        q = q.where(RunRow.portfolio_id == portfolio_id)
    if kind is not None:
        q = q.where(RunRow.kind == kind)
    if status is not None:
        q = q.where(RunRow.status == status)
    with _db(request) as s:
        return [RunOut.of(r) for r in s.scalars(q)]


@router.get("/runs/{run_id}", tags=["runs"], responses=_errors(*_READ, 404))
def get_run(request: Request, _: Read, run_id: RunId) -> RunDetail:
    """A run: status, progress, resolved inputs, provenance and results (and, for a
    reproduction, how it compares with the run it reproduces)."""
    with _db(request) as s:
        row = run_or_404(s, run_id)
        original = (None if row.reproduces_run_id is None
                    else s.get(RunRow, row.reproduces_run_id))
        return RunDetail.of(row, original)


@router.get("/runs/{run_id}/results", tags=["runs"], responses=_errors(*_READ, 404, 409))
def get_run_results(request: Request, _: Read, run_id: RunId) -> dict[str, Any]:
    """The results of a finished run: the same object as the CLI's ``--json``."""
    with _db(request) as s:
        row = finished_run_or_409(s, run_id)
        assert row.results is not None
        return row.results


@router.get("/runs/{run_id}/tables", tags=["runs"], responses=_errors(*_READ, 404, 409))
def get_run_tables(request: Request, _: Read, run_id: RunId) -> list[TableOut]:
    """The tables of a finished run, as its page and the CLI show them: title, column
    headings, formatted cells, notes (numbers as text, in the units the headings name)."""
    from hashpivot.reports.tables.runs import run_tables

    with _db(request) as s:
        row = finished_run_or_409(s, run_id)
        assert row.results is not None
        tables = run_tables(row.kind, row.results, (row.inputs or {}).get("params"))
    return [TableOut(title=t.title, header=list(t.header), rows=[list(r) for r in t.rows],
                     notes=list(t.notes)) for t in tables]


@router.post("/runs/{run_id}/plan-portfolio", status_code=201, tags=["runs"],
             responses=_errors(*_WRITE, 404, 409))
def save_plan_portfolio(request: Request, _: Write, run_id: RunId) -> PortfolioOut:
    """Store the plan of a finished optimize run as a new portfolio (its ``phased``
    strategy, each hall at its tenant's lease), for pivot and simulate runs; its TOML
    says what those do not value as the optimizer did."""
    with _db(request) as s, s.begin():
        row = finished_run_or_409(s, run_id, "plan")
        return PortfolioOut.of(store.create_plan_portfolio(s, row))


@router.post("/runs/{run_id}/reproduce", status_code=202, tags=["runs"],
             responses=_errors(*_WRITE, 404, 409))
def reproduce_run(request: Request, _: Write, run_id: RunId) -> RunOut:
    """Run a finished run's stored inputs again (not resolved again from its portfolio);
    ``GET /api/runs/{new id}`` then carries ``reproduction``: identical, or each value that
    differs with what changed between the two runs' code, libraries and data."""
    with _db(request) as s, s.begin():
        row = finished_run_or_409(s, run_id, "results to reproduce")
        out = RunOut.of(jobs.submit_reproduction(s, row))
    runner = request.app.state.runner
    if runner is not None:
        runner.wake()
    return out


@router.post("/runs/{run_id}/cancel", tags=["runs"], responses=_errors(*_WRITE, 404))
def cancel_run(request: Request, _: Write, run_id: RunId) -> RunOut:
    """Cancel a queued or running run (a finished run is left as it is)."""
    with _db(request) as s, s.begin():
        row = run_or_404(s, run_id)
        jobs.request_cancel(s, row)
        out = RunOut.of(row)
    runner = request.app.state.runner
    if runner is not None:
        runner.wake()
    return out


# --------------------------------------------------------------------------------------
# market data
# --------------------------------------------------------------------------------------
def _json(content: bytes) -> Response:
    return Response(content, media_type="application/json")


@router.get("/market/btc", tags=["market"], response_model=dict[str, Any],
             responses=_errors(*_READ))
def btc(_: Read, start: dt.date | None = None, end: dt.date | None = None) -> Response:
    """Bundled daily BTC history: price [USD], difficulty, fees [BTC/block]."""
    return _json(market.as_json("btc", start, end))


@router.get("/market/power/markets", tags=["market"], response_model=list[str],
             responses=_errors(*_READ))
async def power_market_keys(_: Read) -> Response:
    """Bundled power price series."""
    return _json(market.as_json("markets"))


@router.get("/market/power", tags=["market"], response_model=dict[str, Any],
             responses=_errors(*_READ))
def power(
    _: Read,
    market_key: Annotated[str, Query(alias="market", max_length=60)],
    hourly: bool = True,
) -> Response:
    """A bundled power price series [USD/MWh], hourly means by default."""
    return _json(market.as_json("power", market_key, hourly))


@router.get("/market/deals", tags=["market"], response_model=dict[str, Any],
             responses=_errors(*_READ))
async def hosting_deals(_: Read) -> Response:
    """Reference AI/HPC hosting deals and their implied rent [USD/kW/month]."""
    return _json(market.as_json("deals"))


@router.get("/market/asics", tags=["market"], response_model=dict[str, Any],
             responses=_errors(*_READ))
async def asic_catalog(_: Read) -> Response:
    """The bundled ASIC catalog: hashrate [TH/s], power [W], efficiency [J/TH]."""
    return _json(market.as_json("asics"))


@router.get("/market/regulation", tags=["market"], response_model=dict[str, Any],
             responses=_errors(*_READ))
async def regulation(_: Read) -> Response:
    """The bundled regulation rules applied by the optimizer (jurisdiction, effect, dates,
    source)."""
    return _json(market.as_json("regulation"))


#: Routes whose body, when its own fields fail FastAPI's validation, has further checks
#: listed with them (the app's handler of ``RequestValidationError`` adds their problems).
ALSO_CHECKED: dict[Callable[..., Any], Callable[[Any], list[Problem]]] = {
    submit_run: run_params_problems,
}
