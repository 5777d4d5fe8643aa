"""The runs of the REST API: run kinds, submit, list, read, results, tables, a plan
stored as a portfolio, reproduce, cancel; and where a run request's problems stand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from hashpivot.exceptions import InputError, Problem
from hashpivot.store import jobs
from hashpivot.store import portfolios as store
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.runs import RUN_KINDS, parse_submitted
from hashpivot.store.tables import RunRow
from hashpivot.web.api.common import BODY, READ, WRITE, Read, RunId, Write, db, errors
from hashpivot.web.lookup import MAX_ID, finished_run_or_409, portfolio_or_404, run_or_404
from hashpivot.web.schemas import (
    PortfolioOut,
    RunDetail,
    RunKindName,
    RunKindOut,
    RunOut,
    RunRequest,
    RunStatus,
    TableOut,
)

router = APIRouter()


@router.get("/run-kinds", tags=["runs"], responses=errors(401))
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


@router.post("/runs", status_code=202, tags=["runs"], responses=errors(*BODY, 404))
def submit_run(request: Request, _: Write, body: RunRequest) -> RunOut:
    """Queue a run; a worker process executes it. Poll ``GET /api/runs/{id}``. A problem
    of its parameters is at ``body.params.<name>`` (``body.params.paths``), one of the
    portfolio at its field (``sites[0].fleet``, source ``portfolio <id>``)."""
    with db(request) as s, s.begin():
        row = portfolio_or_404(s, body.portfolio_id)
        portfolio = store.validate_document(row.document, f"portfolio {row.id}")
        try:
            run = jobs.submit(s, body.kind, row, portfolio, body.params)
        except InputError as exc:
            raise InputError(at_params(exc.problems)) from None
        out = RunOut.of(run, store.run_portfolio_names(s, [run]))
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
        parse_submitted(body["kind"], body.get("params"))
    except InputError as exc:
        return at_params(exc.problems)
    return []


@router.get("/runs", tags=["runs"], responses=errors(*READ))
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
    with db(request) as s:
        rows = list(s.scalars(q))
        names = store.run_portfolio_names(s, rows)
        return [RunOut.of(r, names) for r in rows]


@router.get("/runs/{run_id}", tags=["runs"], responses=errors(*READ, 404))
def get_run(request: Request, _: Read, run_id: RunId) -> RunDetail:
    """A run: status, progress, resolved inputs, provenance and results (and, for a
    reproduction, how it compares with the run it reproduces)."""
    with db(request) as s:
        row = run_or_404(s, run_id)
        original = (None if row.reproduces_run_id is None
                    else s.get(RunRow, row.reproduces_run_id))
        return RunDetail.of(row, store.run_portfolio_names(s, [row]), original)


@router.get("/runs/{run_id}/results", tags=["runs"], responses=errors(*READ, 404, 409))
def get_run_results(request: Request, _: Read, run_id: RunId) -> dict[str, Any]:
    """The results of a finished run: the same object as the CLI's ``--json``."""
    with db(request) as s:
        row = finished_run_or_409(s, run_id)
        assert row.results is not None
        return row.results


@router.get("/runs/{run_id}/tables", tags=["runs"], responses=errors(*READ, 404, 409))
def get_run_tables(request: Request, _: Read, run_id: RunId) -> list[TableOut]:
    """The tables of a finished run, as its page and the CLI show them: title, column
    headings, formatted cells, notes (numbers as text, in the units the headings name)."""
    from hashpivot.store.runs import stored_run_tables

    with db(request) as s:
        row = finished_run_or_409(s, run_id)
        assert row.results is not None
        tables = stored_run_tables(row.kind, row.results, row.inputs or {})
    return [TableOut(title=t.title, header=list(t.header), rows=[list(r) for r in t.rows],
                     notes=list(t.notes)) for t in tables]


@router.post("/runs/{run_id}/plan-portfolio", status_code=201, tags=["runs"],
             responses=errors(*WRITE, 404, 409))
def save_plan_portfolio(request: Request, _: Write, run_id: RunId) -> PortfolioOut:
    """Store the plan of a finished optimize run as a new portfolio (its ``phased``
    strategy, each hall at its tenant's lease), for pivot and simulate runs; its TOML
    says what those do not value as the optimizer did."""
    with db(request) as s, s.begin():
        row = finished_run_or_409(s, run_id, "plan")
        return PortfolioOut.of(store.create_plan_portfolio(s, row))


@router.post("/runs/{run_id}/reproduce", status_code=202, tags=["runs"],
             responses=errors(*WRITE, 404, 409))
def reproduce_run(request: Request, _: Write, run_id: RunId) -> RunOut:
    """Run a finished run's stored inputs again (not resolved again from its portfolio);
    ``GET /api/runs/{new id}`` then carries ``reproduction``: identical, or each value that
    differs with what changed between the two runs' code, libraries and data."""
    with db(request) as s, s.begin():
        row = finished_run_or_409(s, run_id, "results to reproduce")
        again = jobs.submit_reproduction(s, row)
        out = RunOut.of(again, store.run_portfolio_names(s, [again]))
    runner = request.app.state.runner
    if runner is not None:
        runner.wake()
    return out


@router.post("/runs/{run_id}/cancel", tags=["runs"], responses=errors(*WRITE, 404))
def cancel_run(request: Request, _: Write, run_id: RunId) -> RunOut:
    """Cancel a queued or running run (a finished run is left as it is)."""
    with db(request) as s, s.begin():
        row = run_or_404(s, run_id)
        jobs.request_cancel(s, row)
        out = RunOut.of(row, store.run_portfolio_names(s, [row]))
    runner = request.app.state.runner
    if runner is not None:
        runner.wake()
    return out
