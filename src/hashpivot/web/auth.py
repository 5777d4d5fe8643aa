"""Who is calling: API keys (``Authorization: Bearer``), sessions, CSRF tokens.

A session is a signed cookie (itsdangerous, keyed by the settings' secret) opened by the
one-time login URL that ``hashpivot serve`` prints. Writes with a session also need the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``); API keys do
not (a browser never sends them on its own).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hashpivot.store import keys

SESSION_COOKIE = "hashpivot_session"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Principal:
    """The caller: ``kind`` is ``key``, ``session`` or ``anonymous``."""

    kind: str
    name: str
    csrf: str = ""


def serializer(request: Request) -> URLSafeTimedSerializer:
    """The cookie signer of this app."""
    return URLSafeTimedSerializer(request.app.state.session_secret, salt="hashpivot-session")


def new_session_cookie(request: Request) -> str:
    """A signed session cookie value with a fresh CSRF token."""
    return serializer(request).dumps({"sid": secrets.token_hex(8), "csrf": secrets.token_hex(16)})


def session_of(request: Request) -> dict[str, Any] | None:
    """The session data of the request's cookie, if valid and not expired."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = serializer(request).loads(raw, max_age=request.app.state.settings.session_max_age_s)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _verified_key_name(request: Request, token: str) -> str | None:
    """The name of the active key ``token``; a positive answer is cached for
    ``settings.key_cache_seconds`` (a revocation takes effect within that time)."""
    cache: dict[str, tuple[str, float]] = request.app.state.key_cache
    digest = keys.sha256_hex(token)
    now = time.monotonic()
    hit = cache.get(digest)
    if hit is not None and hit[1] > now:
        return hit[0]
    with request.app.state.factory() as s:
        row = keys.verify_key(s, token)
    if row is None:
        cache.pop(digest, None)
        return None
    ttl = request.app.state.settings.key_cache_seconds
    if ttl > 0:
        if len(cache) > 10_000:
            cache.clear()
        cache[digest] = (row.name, now + ttl)
    return row.name


def principal(request: Request) -> Principal | None:
    """The caller identified by a bearer key or a session cookie (None if neither)."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "malformed Authorization header (use: Bearer <key>)")
        name = _verified_key_name(request, token.strip())
        if name is None:
            raise HTTPException(401, "invalid or revoked API key")
        return Principal("key", name)
    data = session_of(request)
    if data is not None:
        return Principal("session", data.get("sid", ""), str(data.get("csrf", "")))
    return None


#: The API key's scheme in the OpenAPI description (the docs' Authorize button, generated
#: clients); :func:`principal` reads the header itself.
BEARER = HTTPBearer(auto_error=False, scheme_name="apiKey",
                    description="An API key (`hashpivot keys create`): Authorization: Bearer "
                    "<key>")


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def require_read(request: Request, _: Bearer) -> Principal:
    """Dependency of read endpoints: a key, a session, or anonymous reads if enabled (a
    plain function: FastAPI runs it in its thread pool, as the key's lookup may wait on
    the database)."""
    who = principal(request)
    if who is not None:
        return who
    if request.app.state.settings.anonymous_read:
        return Principal("anonymous", "")
    raise HTTPException(
        401,
        "authentication required: an API key (Authorization: Bearer <key>) or the login "
        "URL printed by `hashpivot serve`",
        headers={"WWW-Authenticate": "Bearer"},
    )


def check_csrf(who: Principal, supplied: str | None) -> None:
    """Session writes must echo the session's CSRF token."""
    if who.kind == "session" and not (
        supplied and who.csrf and hmac.compare_digest(supplied, who.csrf)
    ):
        raise HTTPException(403, "missing or wrong CSRF token")


def require_write(request: Request, _: Bearer) -> Principal:
    """Dependency of write and run endpoints (JSON): a key, or a session plus CSRF header."""
    who = principal(request)
    if who is None:
        raise HTTPException(
            401,
            "authentication required: an API key (Authorization: Bearer <key>) or a session",
            headers={"WWW-Authenticate": "Bearer"},
        )
    check_csrf(who, request.headers.get(CSRF_HEADER))
    return who
