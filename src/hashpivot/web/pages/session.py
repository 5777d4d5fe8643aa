"""Signing in to the dashboard: ``/login`` opens a session with the one-time token
``hashpivot serve`` prints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hashpivot.store import keys
from hashpivot.web.auth import SESSION_COOKIE, new_session_cookie, session_of
from hashpivot.web.pages.common import templates

router = APIRouter(include_in_schema=False)


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
