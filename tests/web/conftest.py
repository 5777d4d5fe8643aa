"""Fixtures of the web tests: a service on SQLite and on the real PostgreSQL server.

PostgreSQL tests use a fresh schema per test (dropped afterwards) in the database ``test``
at 127.0.0.1:5432 (trust authentication). Where no server answers they are skipped, unless
``HASHPIVOT_REQUIRE_SERVICES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

PG_DSN = os.environ.get(
    "HASHPIVOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def services_required() -> bool:
    """True when missing services must fail the tests instead of skipping them."""
    return os.environ.get("HASHPIVOT_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``, or fail when services are required."""
    if services_required():
        pytest.fail(f"{reason} (HASHPIVOT_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def _pg_schema() -> str:
    import psycopg

    schema = "hp_" + uuid.uuid4().hex[:12]
    dsn = PG_DSN.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        skip_or_fail(f"no PostgreSQL server answers at {PG_DSN}: {exc}")
    return schema


def _drop_schema(schema: str) -> None:
    import psycopg

    dsn = PG_DSN.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, connect_timeout=3, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hp.sqlite'}", None
        return
    schema = _pg_schema()
    try:
        yield PG_DSN, schema
    finally:
        _drop_schema(schema)


@pytest.fixture
def sqlite_db(tmp_path: Any) -> tuple[str, str | None]:
    """(url, None) of an empty SQLite database."""
    return f"sqlite:///{tmp_path / 'hp.sqlite'}", None


def make_client(
    url: str, schema: str | None, run_jobs: bool = True, **settings: Any
) -> Any:
    """A TestClient (not yet entered) with an API key in its headers."""
    from fastapi.testclient import TestClient

    from hashpivot.store.settings import Settings
    from hashpivot.web.app import create_app

    cfg = Settings(**{"workers": 2, "seed_examples": True, **settings})
    app = create_app(cfg, database_url=url, schema=schema, run_jobs=run_jobs)
    return TestClient(app)


def add_key(client: Any, name: str = "test") -> str:
    """Create an API key in the client's database and send it with every request."""
    from hashpivot.store import keys

    with client.app.state.factory() as s, s.begin():
        _, token = keys.create_key(s, name)
    client.headers["Authorization"] = f"Bearer {token}"
    return token


def login(client: Any) -> str:
    """Open a session with a one-time token; return the page's CSRF token."""
    import re

    from hashpivot.store import keys

    with client.app.state.factory() as s, s.begin():
        token = keys.create_login_token(s)
    r = client.get(f"/login?token={token}", follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/portfolios/1").text
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert m is not None
    return m.group(1)


@pytest.fixture
def client(database: tuple[str, str | None]) -> Iterator[Any]:
    """A running service (job runner on) with an API key, on each database."""
    url, schema = database
    with make_client(url, schema) as c:
        add_key(c)
        yield c


@pytest.fixture
def service(database: tuple[str, str | None]) -> Iterator[Any]:
    """A service without job runner (runs stay queued) with an API key, on each
    database."""
    url, schema = database
    with make_client(url, schema, run_jobs=False) as c:
        add_key(c)
        yield c


def launch_from_form(client: Any, csrf: str, portfolio_id: int, kind: str,
                     **fields: str) -> int:
    """Launch a run from a portfolio's run form (303 to its page); its id."""
    r = client.post(f"/portfolios/{portfolio_id}/runs",
                    data={"csrf_token": csrf, "kind": kind, **fields}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def wait_run(client: Any, run_id: int, timeout_s: float = 120.0) -> dict[str, Any]:
    """Poll ``GET /api/runs/{id}`` until the run is finished."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        r = client.get(f"/api/runs/{run_id}")
        assert r.status_code == 200, r.text
        run: dict[str, Any] = r.json()
        if run["status"] in ("succeeded", "failed", "cancelled"):
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']}"
        time.sleep(0.1)
