"""What the dashboard's pages share: the templates, who reads or writes (a key, a session
or an anonymous reader), a page rendered with its header's data warning, the sign-in page,
an HTTP error as a page, and a form's fields."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from hashpivot.exceptions import InputError
from hashpivot.reports.tables.formats import fmt_amount
from hashpivot.store.portfolios import deleted_portfolio_label
from hashpivot.web.auth import Principal, check_csrf, principal

templates = Jinja2Templates(directory=str(Path(__file__).parent.with_name("templates")))
templates.env.filters["amount"] = fmt_amount  # as the tables: a small amount is not "0"
# a run's portfolio deleted since: "<name> (deleted)", as the API and `hashpivot runs list`
templates.env.filters["deleted_portfolio"] = deleted_portfolio_label


def reader(request: Request) -> Principal | None:
    """Who reads: the key's or session's principal, an anonymous one when the settings
    allow anonymous reads, else None."""
    try:
        who = principal(request)
    except HTTPException:
        who = None
    if who is None and request.app.state.settings.anonymous_read:
        return Principal("anonymous", "")
    return who


def sign_in(request: Request) -> Response:
    """The sign-in page (401)."""
    return templates.TemplateResponse(
        request, "login_required.html", {"who": None, "csrf": ""}, status_code=401
    )


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """The template ``name`` with ``context``, who reads, their CSRF token and the data
    warning; the sign-in page to a caller who may not read."""
    who = reader(request)
    if who is None:
        return sign_in(request)
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
    response = render(request, "error.html", {
        "status": status_code, "title": f"{status_code} {HTTPStatus(status_code).phrase}",
        "detail": detail, "back": back}, status_code=status_code)
    response.headers.update(headers or {})
    return response


def readers_only(page: Callable[..., Response]) -> Callable[..., Response]:
    """A page that checks its caller before it looks anything up: without a key or session
    (and no anonymous reads) the sign-in page (401) whatever the ids name, so that the
    page says nothing of which portfolios, sites and runs exist (a lookup first answered
    404 for a missing one, 401 for one that exists)."""

    @functools.wraps(page)
    def checked(request: Request, *args: Any, **kwargs: Any) -> Response:
        if reader(request) is None:
            return sign_in(request)
        return page(request, *args, **kwargs)

    return checked


def problems_of(exc: InputError) -> list[dict[str, str]]:
    """An input error's problems as the forms attach them to their fields."""
    return [p.as_dict() for p in exc.problems]


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's text fields (name to value)."""
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


def writer(request: Request, form: dict[str, str]) -> Principal:
    """Who writes with ``form``: a key, or a session whose CSRF token the form holds (401
    for no one or an anonymous reader, 403 for a wrong token)."""
    who = reader(request)
    if who is None or who.kind == "anonymous":
        raise HTTPException(401, "sign in with the URL printed by `hashpivot serve`")
    check_csrf(who, form.get("csrf_token"))
    return who
