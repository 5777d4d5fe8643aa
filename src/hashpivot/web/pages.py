"""The server-rendered dashboard (Jinja2 + plain forms; Plotly charts served locally)."""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hashpivot.exceptions import InputError
from hashpivot.reports.tables.formats import fmt_amount
from hashpivot.reports.tables.runs import RunTable, run_tables
from hashpivot.store import jobs, keys
from hashpivot.store import portfolios as store
from hashpivot.store.compare import reproduction_of
from hashpivot.store.provenance import compare_provenance, provenance, provenance_line
from hashpivot.store.runs import RUN_KINDS, has_default_params, mw_split
from hashpivot.store.tables import PortfolioRow, RunRow
from hashpivot.web import charts, forms
from hashpivot.web.auth import (
    SESSION_COOKIE,
    Principal,
    check_csrf,
    new_session_cookie,
    principal,
    session_of,
)
from hashpivot.web.lookup import (
    edit_portfolio,
    finished_run_or_409,
    pinned_site,
    portfolio_or_404,
    run_or_404,
)

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.filters["amount"] = fmt_amount  # as the tables: a small amount is not "0"

router = APIRouter(include_in_schema=False)


def _who(request: Request) -> Principal | None:
    try:
        who = principal(request)
    except HTTPException:
        who = None
    if who is None and request.app.state.settings.anonymous_read:
        return Principal("anonymous", "")
    return who


def _sign_in(request: Request) -> Response:
    """The sign-in page (401)."""
    return templates.TemplateResponse(
        request, "login_required.html", {"who": None, "csrf": ""}, status_code=401
    )


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    who = _who(request)
    if who is None:
        return _sign_in(request)
    from hashpivot.io.user_data import staleness_warning

    # the engines start from the latest data day: said on every page, as the CLI says it
    ctx = {"who": who, "csrf": who.csrf, "data_warning": staleness_warning(), **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


#: Paths that are not pages: their errors stay JSON (``{"detail": ...}``).
NOT_PAGES = ("/api/", "/static", "/docs", "/openapi.json")


def error_page(request: Request, status_code: int, detail: str,
               headers: Mapping[str, str] | None = None) -> Response:
    """A page's HTTP error as a page: its status, what went wrong and the way back (a
    browser showed the API's JSON for a missing portfolio or a site deleted by another
    edit); the sign-in page to a caller with no key or session."""
    from http import HTTPStatus

    portfolio_id = str(request.path_params.get("portfolio_id", ""))
    # (an address whose id is no number, or a portfolio not found, has no way back to it)
    back = (f"/portfolios/{portfolio_id}" if portfolio_id.isdigit() and status_code != 404
            else None)
    response = _render(request, "error.html", {
        "status": status_code, "title": f"{status_code} {HTTPStatus(status_code).phrase}",
        "detail": detail, "back": back}, status_code=status_code)
    response.headers.update(headers or {})
    return response


def _readers_only(page: Callable[..., Response]) -> Callable[..., Response]:
    """A page that checks its caller before it looks anything up: without a key or session
    (and no anonymous reads) the sign-in page (401) whatever the ids name, so that the
    page says nothing of which portfolios, sites and runs exist (a lookup first answered
    404 for a missing one, 401 for one that exists)."""

    @functools.wraps(page)
    def checked(request: Request, *args: Any, **kwargs: Any) -> Response:
        if _who(request) is None:
            return _sign_in(request)
        return page(request, *args, **kwargs)

    return checked


def _problems(exc: InputError) -> list[dict[str, str]]:
    return [p.as_dict() for p in exc.problems]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


def _writer(request: Request, form: dict[str, str]) -> Principal:
    who = _who(request)
    if who is None or who.kind == "anonymous":
        raise HTTPException(401, "sign in with the URL printed by `hashpivot serve`")
    check_csrf(who, form.get("csrf_token"))
    return who


@router.get("/login")
def login(request: Request, token: str = "") -> Response:
    """Open a session with the one-time token printed by ``hashpivot serve``."""
    with request.app.state.factory() as s, s.begin():
        ok = bool(token) and keys.consume_login_token(s, token)
    if not ok and session_of(request) is None:
        return templates.TemplateResponse(
            request, "login_required.html", {"who": None, "csrf": "", "bad_token": True},
            status_code=403,
        )
    response = RedirectResponse("/", status_code=303)
    if ok:
        response.set_cookie(
            SESSION_COOKIE,
            new_session_cookie(request),
            httponly=True,
            samesite="strict",
            max_age=request.app.state.settings.session_max_age_s,
        )
    return response


@router.get("/", response_class=HTMLResponse)
@_readers_only
def index(request: Request) -> Response:
    """Portfolios and recent runs."""
    with request.app.state.factory() as s:
        rows = store.list_all(s)
        runs = list(s.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(20)))
    return _render(request, "index.html", {"portfolios": rows, "runs": runs,
                                           "revisions": {p.id: p.revision for p in rows}})


def _current(s: Session, portfolio: PortfolioRow, kind: str) -> RunRow | None:
    """The newest succeeded ``kind`` run of the portfolio's current revision with the
    default parameters (what ``hashpivot KIND FILE`` prints of the file as it is now), or
    None: a what-if (another day, window or setting) or a run of an earlier revision is
    not the portfolio's."""
    candidates = s.execute(
        select(RunRow.id, RunRow.params)
        .where(RunRow.portfolio_id == portfolio.id, RunRow.kind == kind,
               RunRow.status == "succeeded", RunRow.portfolio_revision == portfolio.revision)
        .order_by(RunRow.id.desc())
    )
    run_id = next((i for i, params in candidates if has_default_params(kind, params)), None)
    return None if run_id is None else s.get(RunRow, run_id)


@router.get("/portfolios/{portfolio_id}", response_class=HTMLResponse)
@_readers_only
def portfolio_page(request: Request, portfolio_id: int) -> Response:
    """Overview: cost against BTC price, backtest history and plan (each from a run of the
    current revision with the default parameters), MW split, sites, runs, run forms."""
    with request.app.state.factory() as s:
        row = portfolio_or_404(s, portfolio_id)
        runs = list(
            s.scalars(
                select(RunRow)
                .where(RunRow.portfolio_id == portfolio_id)
                .order_by(RunRow.id.desc())
                .limit(30)
            )
        )
        cost = _current(s, row, "cost")
        backtest = _current(s, row, "backtest")
        plan = _current(s, row, "optimize")
    now = provenance()
    # a default run reads the latest data day: one from before ``data update`` is the
    # portfolio's as the data then stood, said beside the numbers it shows
    stale = [(kind, run.id, ", ".join(change.data))
             for kind, run in (("cost", cost), ("backtest", backtest), ("optimize", plan))
             if run is not None
             and (change := compare_provenance(run.provenance or {}, now)).data]
    figures = []
    if cost is not None and cost.results:
        figures.append(charts.cost_vs_price(cost.results))
    if backtest is not None and backtest.charts:
        figures.append(charts.backtest_history(backtest.charts))
    if plan is not None and plan.charts:
        figures.append(charts.optimize_plan(plan.charts))
    try:
        portfolio = store.validate_document(row.document)
        figures.append(charts.mw_split(mw_split(portfolio)))
    except InputError:
        pass
    run_forms = {k.name: forms.params_form(k.params, {}) for k in RUN_KINDS.values()}
    sites = row.document.get("sites") or []
    return _render(
        request,
        "portfolio.html",
        {
            "p": row,
            "sites": sites,
            "file_head": file_head(row.toml_text),
            "halls": [dict(h, site=site.get("name", ""))
                      for site in sites for h in (site.get("hosting") or {}).get("phases", [])],
            "runs": runs,
            "revisions": {row.id: row.revision},
            "figures": figures,
            "cost": cost,
            "stale": stale,
            "kinds": RUN_KINDS,
            "run_forms": run_forms,
            "run_errors": [],
        },
    )


def file_head(toml_text: str | None) -> str:
    """The comment lines at the head of a portfolio's TOML (an optimized plan's says where
    it comes from and what pivot and simulate do not value as the optimizer did), without
    their ``#``; empty when there are none."""
    lines = []
    for line in (toml_text or "").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines)


def _site_doc(row: PortfolioRow, index: int) -> dict[str, Any]:
    sites = row.document.get("sites") or []
    if not 0 <= index < len(sites):
        raise HTTPException(404, f"portfolio {row.id} has no site {index}")
    return dict(sites[index])


@router.get("/portfolios/{portfolio_id}/sites/{index}/edit", response_class=HTMLResponse)
@_readers_only
def edit_site(request: Request, portfolio_id: int, index: int) -> Response:
    """Form to edit a site: every field with its unit."""
    with request.app.state.factory() as s:
        row = portfolio_or_404(s, portfolio_id)
    site = _site_doc(row, index)
    fields = forms.site_form(site)
    return _render(request, "site_form.html", {
        "p": row, "index": index, "fields": fields, "other": [],
        "site_read": str(site.get("name", ""))})


@router.post("/portfolios/{portfolio_id}/sites/{index}/edit", response_class=HTMLResponse)
async def save_site(request: Request, portfolio_id: int, index: int) -> Response:
    """Validate and save a site; on errors show each next to its field (422). The form
    is applied to the site as stored when it is saved (another edit is kept)."""
    form = await _form(request)
    return await run_in_threadpool(_save_site, request, portfolio_id, index, form)


def _save_site(request: Request, portfolio_id: int, index: int, form: dict[str, str]
               ) -> Response:
    _writer(request, form)
    shown: dict[str, Any] = {}
    # the site the form was filled for (its name when the form was read), wherever it now
    # stands: a form read before another edit moved or deleted it saves no other site
    at = pinned_site(index, form.get("site_read") or None)

    def change(row: PortfolioRow) -> dict[str, Any]:
        position = at(row)
        site = _site_doc(row, position)
        # (what the form shows; the row itself expires when a refusal rolls back)
        shown.update(p={"id": row.id, "name": row.name}, fields=forms.site_form(site),
                     index=position, site_read=str(site.get("name", "")))
        # typed fleet values go to the entries they were typed for, or are refused
        problems, typed = forms.fleet_mismatches(site, form, f"sites[{position}]")
        if problems:
            shown["fields"] = forms.typed_site_form(form)[0]
            raise InputError(problems)
        edited = copy.deepcopy(site)
        forms.apply_form(edited, shown["fields"], typed, forms.SITE_FORM_KEYS)
        doc = copy.deepcopy(row.document)
        doc["sites"][position] = edited
        return doc

    try:
        edit_portfolio(request.app.state.factory, portfolio_id, change)
    except InputError as exc:
        other = forms.attach_errors(shown["fields"], _problems(exc),
                                    f"sites[{shown['index']}]")
        return _render(request, "site_form.html", {**shown, "other": other}, status_code=422)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        return _site_conflict(request, portfolio_id, index, form, str(exc.detail))
    return RedirectResponse(f"/portfolios/{portfolio_id}", status_code=303)


def _site_conflict(request: Request, portfolio_id: int, index: int, form: dict[str, str],
                   detail: str) -> Response:
    """The site form after its site was deleted or renamed by another edit (409): what
    changed, the portfolio's sites as they now stand, and the form holding what was typed,
    to be saved to the site the user chooses (nothing typed is lost)."""
    with request.app.state.factory() as s:
        row = portfolio_or_404(s, portfolio_id)
        names = [str(site.get("name", "")) for site in row.document.get("sites") or []]
        p, revision = {"id": row.id, "name": row.name}, row.revision
    listed = ", ".join(f"{i} {name!r}" for i, name in enumerate(names)) or "none"
    conflict = (f"{detail}. The portfolio is now at revision {revision}; its sites: "
                f"{listed}.")
    fields, other = forms.typed_site_form(form)
    return _render(request, "site_form.html", {
        "p": p, "index": index, "fields": fields, "other": other,
        "site_read": form.get("site_read", ""), "conflict": conflict, "targets": names},
        status_code=409)


@router.post("/portfolios/{portfolio_id}/runs", response_class=HTMLResponse)
async def launch_run(request: Request, portfolio_id: int) -> Response:
    """Launch a run from the form; parameter errors are shown next to their fields."""
    form = await _form(request)
    return await run_in_threadpool(_launch_run, request, portfolio_id, form)


def _launch_run(request: Request, portfolio_id: int, form: dict[str, str]) -> Response:
    _writer(request, form)
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
                fields, _problems(exc.reworded(forms.field_words(fields))), "")
            return _render(
                request,
                "run_form.html",
                {"p": row, "kind": kind, "fields": fields, "other": other},
                status_code=422,
            )
    if request.app.state.runner is not None:
        request.app.state.runner.wake()
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
@_readers_only
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
    figures = (
        charts.for_run(run.kind, run.results or {}, run.charts or {}, run.inputs or {})
        if run.status == "succeeded"
        else []
    )
    tables = (
        run_tables(run.kind, run.results or {}, (run.inputs or {}).get("params"))
        if run.status == "succeeded"
        else []
    )
    tables = _in_form_words(tables, run.kind)
    stored = run.provenance or {}
    line = provenance_line(stored, compare_provenance(stored, provenance()))
    return _render(request, "run.html", {"run": run, "figures": figures, "tables": tables,
                                         "active": jobs.ACTIVE, "provenance_line": line,
                                         "reproduction": again,
                                         "current_revision": current_revision})


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
    form = await _form(request)

    def write() -> str:  # (in the thread pool: the key's lookup and the transaction wait)
        _writer(request, form)
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


@router.get("/market", response_class=HTMLResponse)
@_readers_only
def market_page(request: Request) -> Response:
    """Market data: BTC history, hosting deals, ASIC catalog (without the BTC chart when a
    user data file cannot be read: the page's warning names it)."""
    from hashpivot.web import market

    try:
        btc = market.btc_history(None, None)
    except InputError:
        figures, attribution = [], "BTC history: not shown, a user data file cannot be read"
    else:
        figures, attribution = [charts.btc_price(btc["rows"], btc["sources"])], btc["attribution"]
    return _render(
        request,
        "market.html",
        {
            "figures": figures,
            "attribution": attribution,
            "tables": market.deals_tables(),
            "asics": market.asics(),
            "markets": market.power_markets(),
        },
    )
