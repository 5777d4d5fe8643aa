"""The runs in the dashboard: launched from a portfolio's run form (each parameter error
next to its field), a run's page (progress, then charts, tables and provenance), and
its buttons: cancel, reproduce, save an optimize run's plan as a portfolio."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hashpivot.exceptions import InputError
from hashpivot.reports.tables.runs import RunTable
from hashpivot.store import jobs
from hashpivot.store import portfolios as store
from hashpivot.store.compare import reproduction_of
from hashpivot.store.provenance import compare_provenance, provenance, provenance_line
from hashpivot.store.runs import RUN_KINDS, stored_run_tables
from hashpivot.store.tables import PortfolioRow, RunRow
from hashpivot.web import charts, forms
from hashpivot.web.lookup import finished_run_or_409, portfolio_or_404, run_or_404
from hashpivot.web.pages.common import form_fields, problems_of, readers_only, render, writer

router = APIRouter(include_in_schema=False)


@router.post("/portfolios/{portfolio_id}/runs", response_class=HTMLResponse)
async def launch_run(request: Request, portfolio_id: int) -> Response:
    """Launch a run from the form; parameter errors are shown next to their fields."""
    form = await form_fields(request)
    return await run_in_threadpool(_launch_run, request, portfolio_id, form)


def _launch_run(request: Request, portfolio_id: int, form: dict[str, str]) -> Response:
    writer(request, form)
    kind = form.get("kind", "")
    if kind not in RUN_KINDS:
        raise HTTPException(422, f"unknown run kind {kind!r}")
    fields = forms.params_form(RUN_KINDS[kind].params, {})
    params: dict[str, Any] = {}
    try:
        forms.apply_form(params, fields, form, ("csrf_token", "kind"))
        unknown = None
    except InputError as exc:
        unknown = exc
    with request.app.state.factory() as s, s.begin():
        row = portfolio_or_404(s, portfolio_id)
        try:
            if unknown is not None:
                raise unknown
            portfolio = store.validate_document(row.document)
            run = jobs.submit(s, kind, row, portfolio, params)
            run_id = run.id
        except InputError as exc:  # (the engines' `convert_mw` as the form's field)
            other = forms.attach_errors(
                fields, problems_of(exc.reworded(forms.field_words(fields))), "")
            return render(
                request,
                "run_form.html",
                {"p": row, "kind": kind, "fields": fields, "other": other},
                status_code=422,
            )
    if request.app.state.runner is not None:
        request.app.state.runner.wake()
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
@readers_only
def run_page(request: Request, run_id: int) -> Response:
    """A run: progress while active; charts and headline numbers when done."""
    with request.app.state.factory() as s:
        run = run_or_404(s, run_id)
        original = (None if run.reproduces_run_id is None
                    else s.get(RunRow, run.reproduces_run_id))
        again = reproduction_of(original, run)
        # a run of an earlier revision says the portfolio has changed since (None: deleted)
        now = None if run.portfolio_id is None else s.get(PortfolioRow, run.portfolio_id)
        current_revision = None if now is None else now.revision
        portfolio_name = store.run_portfolio_names(s, [run]).get(run.id, "")
    figures = (
        charts.for_run(run.kind, run.results or {}, run.charts or {}, run.inputs or {})
        if run.status == "succeeded"
        else []
    )
    tables = (
        stored_run_tables(run.kind, run.results or {}, run.inputs or {})
        if run.status == "succeeded"
        else []
    )
    tables = _in_form_words(tables, run.kind)
    stored = run.provenance or {}
    line = provenance_line(stored, compare_provenance(stored, provenance()))
    return render(request, "run.html", {"run": run, "figures": figures, "tables": tables,
                                        "active": jobs.ACTIVE, "provenance_line": line,
                                        "reproduction": again,
                                        "current_revision": current_revision,
                                        "portfolio_name": portfolio_name})


def _in_form_words(tables: list[RunTable], kind: str) -> list[RunTable]:
    """The tables' notes with the run parameters the engines name (```time_limit_s```) as
    the run form's fields (:func:`~hashpivot.web.forms.speak_fields`)."""
    run_kind = RUN_KINDS.get(kind)
    fields = forms.params_form(run_kind.params, {}) if run_kind is not None else []
    return [dataclasses.replace(t, notes=tuple(forms.speak_fields(n, fields) for n in t.notes))
            for t in tables]


async def _run_action(request: Request, act: Callable[[Session], str],
                      wake: bool = False) -> Response:
    """A writer's form on a run's page: ``act(session)`` in one transaction, then to the
    page it returns (303); ``wake``: the job runner has a run to look at."""
    form = await form_fields(request)

    def write() -> str:  # (in the thread pool: the key's lookup and the transaction wait)
        writer(request, form)
        with request.app.state.factory() as s, s.begin():
            return act(s)

    location = await run_in_threadpool(write)
    if wake and request.app.state.runner is not None:
        request.app.state.runner.wake()
    return RedirectResponse(location, status_code=303)


@router.post("/runs/{run_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, run_id: int) -> Response:
    """Cancel a run from its page."""

    def act(s: Session) -> str:
        jobs.request_cancel(s, run_or_404(s, run_id))
        return f"/runs/{run_id}"

    return await _run_action(request, act, wake=True)


async def _finished_run_action(request: Request, run_id: int, what: str,
                               act: Callable[[Session, RunRow], str],
                               wake: bool = False) -> Response:
    """:func:`_run_action` on a finished run (409 ``no <what>`` while it has no results)."""
    return await _run_action(
        request, lambda s: act(s, finished_run_or_409(s, run_id, what)), wake=wake)


@router.post("/runs/{run_id}/reproduce", response_class=HTMLResponse)
async def reproduce(request: Request, run_id: int) -> Response:
    """Run a finished run's stored inputs again and open the new run (its page compares)."""
    return await _finished_run_action(
        request, run_id, "results to reproduce",
        lambda s, run: f"/runs/{jobs.submit_reproduction(s, run).id}", wake=True)


@router.post("/runs/{run_id}/plan-portfolio", response_class=HTMLResponse)
async def save_plan(request: Request, run_id: int) -> Response:
    """Store an optimize run's plan as a new portfolio and open it."""
    return await _finished_run_action(
        request, run_id, "plan",
        lambda s, run: f"/portfolios/{store.create_plan_portfolio(s, run).id}")
