"""The FastAPI application: database, job runner, security middleware, API and pages."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hashpivot.exceptions import DataError, InputError, RevisionConflictError
from hashpivot.store.db import open_database
from hashpivot.store.settings import Settings, get_settings

log = logging.getLogger("hashpivot.web")

STATIC_DIR = Path(__file__).with_name("static")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """Reject request bodies over ``max_bytes`` with 413, declared (``Content-Length``)
    or streamed (``Transfer-Encoding: chunked``).

    The body is read here, up to the limit, before the application sees it, which then
    receives it whole: the limit is never an error inside the application's own body
    parsing (FastAPI answers any error there with a 400).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await _too_large(scope, receive, send, self.max_bytes)
                    return
        body = bytearray()
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _too_large(scope, receive, send, self.max_bytes)
                return
            more_body = bool(message.get("more_body", False))
        pending: list[Message] = [{"type": "http.request", "body": bytes(body),
                                   "more_body": False}]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """413: the API's JSON, or a page's error page for a page's form (a browser showed
    the JSON)."""
    from hashpivot.web.pages import NOT_PAGES, error_page

    detail = f"request body over {limit} bytes"
    resp: Response
    if str(scope.get("path", "")).startswith(NOT_PAGES):
        resp = JSONResponse({"detail": detail}, status_code=413)
    else:
        resp = await run_in_threadpool(error_page, Request(scope), 413, detail)
    await resp(scope, receive, send)


def content_security_policy(*inline_scripts: str) -> str:
    """The Content-Security-Policy: only the server's own scripts, styles and images, no
    framing; ``inline_scripts``, the exact text of inline scripts a page may run (each
    allowed by its SHA-256, as ``/docs``'s start-up script), no other."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in inline_scripts)
    return (f"default-src 'self'; script-src 'self' 'unsafe-eval'{hashes}; style-src 'self' "
            "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")


_CSP = b"content-security-policy"
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """No framing, no sniffing, no referrer leak, only our own scripts (pure ASGI): the
    default Content-Security-Policy, unless a response sets its own (``/docs``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                own = any(name.lower() == _CSP for name, _ in headers)
                csp = [] if own else [(_CSP, _DEFAULT_CSP)]
                message["headers"] = [*headers, *_SECURITY_HEADERS, *csp]
            await send(message)

        await self.app(scope, receive, with_headers)


_DEFAULT_CSP = content_security_policy().encode()

#: Swagger UI's files (``/docs``), vendored from the npm package ``swagger-ui-dist``
#: (``static/swagger-ui/PROVENANCE.md``, ``scripts/vendor_swagger_ui.py``): no CDN.
SWAGGER_UI = "/static/swagger-ui"


def swagger_ui_page(title: str, openapi_url: str) -> HTMLResponse:
    """``/docs``: Swagger UI from the package's own files, with a Content-Security-Policy
    that lets its one inline start-up script run (by its hash) and nothing else."""
    from fastapi.openapi.docs import get_swagger_ui_html

    page = get_swagger_ui_html(
        openapi_url=openapi_url, title=f"{title} - API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        # (the online validator's badge would load an image from another site)
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    return HTMLResponse(html, headers={"Content-Security-Policy":
                                       content_security_policy(*inline)})


def _warm_caches() -> None:
    """Build the cached market responses before the first request."""
    from hashpivot.web import market

    for name in ("markets", "deals", "asics", "regulation"):
        market.as_json(name)


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    schema: str | None = None,
    run_jobs: bool = True,
) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    settings : Settings, optional
        Default: from the environment (``HASHPIVOT_*``).
    database_url : str, optional
        Overrides ``settings.database_url``.
    schema : str, optional
        PostgreSQL schema (tests).
    run_jobs : bool
        Start the job runner (worker processes). Without it runs stay queued.
    """
    settings = settings or get_settings()
    url = database_url or settings.resolved_database_url()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from hashpivot.store import portfolios
        from hashpivot.store.jobs import JobRunner, fail_orphaned_runs

        engine, factory = open_database(url, schema)
        app.state.engine = engine
        app.state.factory = factory
        if settings.seed_examples:
            with factory() as s, s.begin():
                portfolios.seed_examples(s)
        runner = None
        if run_jobs:
            runner = JobRunner(
                factory, url, schema, workers=settings.workers,
                max_memory_mib=settings.max_memory_mib,
            )
            runner.start()
        else:
            fail_orphaned_runs(factory)
        app.state.runner = runner
        await asyncio.to_thread(_warm_caches)
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
            engine.dispose()

    import hashpivot
    from hashpivot.web.schemas import RunKindName

    app = FastAPI(
        title="hashpivot",
        version=hashpivot.__version__,
        description="What a Bitcoin miner's megawatts are worth: portfolios, runs of the "
        f"engines ({', '.join(get_args(RunKindName))}) and market data. Every number "
        "carries its unit in its name. Writes need an API key (Authorization: Bearer) or a "
        "session with its CSRF token.",
        lifespan=lifespan,
        docs_url=None,  # (served below from the package's files, no CDN)
        redoc_url=None,  # (ReDoc would need its own vendored bundle: /docs is the API page)
    )
    app.state.settings = settings
    app.state.runner = None
    app.state.key_cache = {}
    app.state.session_secret = (
        secrets.token_hex(32) if settings.has_default_secret else settings.secret_key
    )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        from hashpivot.web.api.common import unreadable_body
        from hashpivot.web.pages import NOT_PAGES, error_page

        if request.url.path.startswith(NOT_PAGES):
            unreadable = unreadable_body(exc)
            if unreadable:  # (a body FastAPI could not parse: its 400 with no problem)
                return JSONResponse({"detail": "the body cannot be read",
                                     "problems": [p.as_dict() for p in unreadable]},
                                    status_code=400)
            return await http_exception_handler(request, exc)
        return await run_in_threadpool(error_page, request, exc.status_code, str(exc.detail),
                                       exc.headers)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        problems = [p.as_dict() for p in exc.problems]
        return JSONResponse({"detail": "invalid input", "problems": problems}, status_code=422)

    @app.exception_handler(RevisionConflictError)
    async def _conflict(request: Request, exc: RevisionConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "revision": exc.stored_revision},
                            status_code=409)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        problems = [{"path": "", "message": str(exc), "source": "data"}]
        return JSONResponse({"detail": "invalid input", "problems": problems}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        from hashpivot.models.error_paths import loc_to_path
        from hashpivot.web.pages import NOT_PAGES, error_page

        # the body's model says which parts of a location name a union's member (a
        # field named ``date`` is none); a query or path parameter holds none
        route = request.scope.get("route")
        body = getattr(getattr(route, "dependant", None), "body_params", None) or []
        root = body[0].field_info.annotation if len(body) == 1 else Any

        def path(loc: tuple[int | str, ...]) -> str:
            return loc_to_path(loc, root, skip=1) if loc[:1] == ("body",) else (
                loc_to_path(loc, Any))

        from hashpivot.web.api import ALSO_CHECKED

        def problem(e: Any) -> dict[str, str]:
            loc = tuple(e.get("loc", ()))
            if e.get("type") == "json_invalid":  # (at a character of the body, not an item)
                why = (e.get("ctx") or {}).get("error", "")
                return {"path": "body", "message": f"{e.get('msg', '')}: {why} (at "
                        f"character {loc[-1]})", "source": "<request>"}
            return {"path": path(loc), "message": str(e.get("msg", "")), "source": "<request>"}

        problems = [problem(e) for e in exc.errors()]
        endpoint = getattr(route, "endpoint", None)
        further = None if endpoint is None else ALSO_CHECKED.get(endpoint)
        if further is not None:
            problems += [p.as_dict() for p in further(exc.body)]
        if not request.url.path.startswith(NOT_PAGES):  # a page's address (an id not a number)
            detail = "; ".join(f"{p['path']}: {p['message']}" for p in problems)
            return await run_in_threadpool(error_page, request, 422, detail)
        return JSONResponse({"detail": "invalid input", "problems": problems}, status_code=422)

    from hashpivot.web.api import router as api_router
    from hashpivot.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(pages_router)
    generated = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document with each run kind's parameters (units, defaults)."""
        if app.openapi_schema is None:
            from hashpivot.web.schemas import with_run_params

            app.openapi_schema = with_run_params(generated())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return swagger_ui_page(app.title, app.openapi_url or "/openapi.json")

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        import plotly

        path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        return FileResponse(
            path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    app.add_middleware(SecurityHeaders)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app
