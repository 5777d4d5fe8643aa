"""Authentication, sessions, CSRF, size limits, CORS and the start-up checks."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from hashpivot.store import keys
from hashpivot.store.tables import ApiKeyRow
from tests.web.conftest import add_key, login, make_client

SRC = str(Path(__file__).resolve().parents[2] / "src")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _cli(args: list[str], db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HASHPIVOT_DATABASE_URL": db_url, "PYTHONPATH": SRC}
    return subprocess.run(
        [sys.executable, "-m", "hashpivot", *args], env=env, capture_output=True, text=True,
        timeout=120,
    )


def test_reads_and_writes_need_a_key_or_session(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/portfolios").status_code == 401
        assert c.post("/api/portfolios", json={}).status_code == 401
        assert c.get("/").status_code == 401
        c.headers["Authorization"] = "Basic abc"
        assert c.get("/api/portfolios").status_code == 401
        c.headers["Authorization"] = "Bearer hp_not-a-key"
        assert c.get("/api/portfolios").status_code == 401
        token = add_key(c)
        assert c.get("/api/portfolios").status_code == 200
        with c.app.state.factory() as s, s.begin():
            row = keys.verify_key(s, token)
            assert row is not None
            assert keys.revoke_key(s, row.id)
        # a verified key is trusted for key_cache_seconds (2 s by default), then re-checked
        time.sleep(c.app.state.settings.key_cache_seconds + 0.1)
        assert c.get("/api/portfolios").status_code == 401


def test_pages_say_nothing_of_what_exists_before_the_caller_is_known(
    sqlite_db: tuple[str, None],
) -> None:
    """Without a key or session every page is the sign-in page (401), whether the
    portfolio, site or run exists or not: the caller is checked before any lookup (a
    missing one was a 404, an existing one a 401, until 2026-12-06)."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        r = c.post("/api/runs", json={"kind": "cost", "portfolio_id": 1, "params": {}})
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
        del c.headers["Authorization"]
        for url in ("/", "/market", "/portfolios/1", "/portfolios/999", f"/runs/{run_id}",
                    "/runs/99999", "/portfolios/1/sites/0/edit", "/portfolios/1/sites/9/edit",
                    "/portfolios/999/sites/0/edit", f"/portfolios/{2**64}", f"/runs/{2**31}"):
            r = c.get(url)
            assert r.status_code == 401, (url, r.status_code)
            assert "hashpivot serve" in r.text, url  # the sign-in page, not a JSON detail


def test_keys_are_stored_hashed(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        token = add_key(c)
        with c.app.state.factory() as s:
            rows = s.query(ApiKeyRow).all()
        assert len(rows) == 1
        assert rows[0].token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (rows[0].name, rows[0].prefix, rows[0].token_sha256)
        assert len(token) > 40  # 32 random bytes, URL-safe base64, plus the prefix


def test_anonymous_reads_only_when_configured(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False, anonymous_read=True) as c:
        assert c.get("/api/portfolios").status_code == 200
        assert c.get("/").status_code == 200
        assert c.post("/api/portfolios", json={}).status_code == 401


def test_one_time_login_and_csrf(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        with c.app.state.factory() as s, s.begin():
            token = keys.create_login_token(s)
        assert c.get(f"/login?token={token}", follow_redirects=False).status_code == 303
        assert c.get("/api/portfolios").status_code == 200
        doc = c.get("/api/portfolios/1").json()["document"]
        assert c.post("/api/portfolios", json=doc).status_code == 403  # no CSRF header
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', c.get("/portfolios/1").text)
        assert csrf is not None
        r = c.post("/api/portfolios", json=doc, headers={"X-CSRF-Token": csrf.group(1)})
        assert r.status_code == 201
        r = c.post("/api/portfolios", json=doc, headers={"X-CSRF-Token": "0" * 32})
        assert r.status_code == 403
        # a form without the token is refused too
        r = c.post("/portfolios/1/runs", data={"kind": "cost"})
        assert r.status_code == 403
        c.cookies.clear()
        r = c.get(f"/login?token={token}", follow_redirects=False)
        assert r.status_code == 403  # used once already


def test_request_size_limit(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False, max_request_bytes=10_000) as c:
        add_key(c)
        big = "x" * 20_000
        r = c.post("/api/portfolios/import", content=big.encode(),
                   headers={"Content-Type": "application/toml"})
        assert r.status_code == 413


def test_a_streamed_body_over_the_limit_is_a_413_on_every_route(
        sqlite_db: tuple[str, None]) -> None:
    """A chunked JSON body (no Content-Length) over the limit was a 400 "There was an
    error parsing the body" where FastAPI parses the body; the import route gave 413."""
    limit = 10_000
    body = b'{"name": "' + b"x" * (3 * limit) + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start:start + 1000]

    with make_client(*sqlite_db, run_jobs=False, max_request_bytes=limit) as c:
        add_key(c)
        for method, url in (("POST", "/api/portfolios"), ("PUT", "/api/portfolios/1"),
                            ("POST", "/api/portfolios/1/sites"), ("POST", "/api/runs"),
                            ("POST", "/api/portfolios/import")):
            r = c.request(method, url, content=chunks(),
                          headers={"Content-Type": "application/json"})
            assert r.status_code == 413, (method, url, r.status_code, r.text)
            assert r.json() == {"detail": f"request body over {limit} bytes"}
        # a streamed body within the limit is read whole, as one sent at once
        small = tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())
        data = json.dumps(dict(small, name="streamed")).encode()
        r = c.post("/api/portfolios", content=iter([data[:100], data[100:]]),
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 201 and r.json()["name"] == "streamed", r.text


def test_cors_closed_by_default(sqlite_db: tuple[str, None]) -> None:
    pre = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    with make_client(*sqlite_db, run_jobs=False) as c:
        r = c.options("/api/portfolios", headers=pre)
        assert "access-control-allow-origin" not in r.headers
        r = c.get("/api/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    with make_client(*sqlite_db, run_jobs=False,
                     cors_origins=["https://app.example"]) as c:
        r = c.options("/api/portfolios", headers={**pre, "Origin": "https://app.example"})
        assert r.headers.get("access-control-allow-origin") == "https://app.example"


def test_serve_refuses_public_address_with_default_secret(tmp_path: Path) -> None:
    r = _cli(["serve", "--host", "0.0.0.0", "--port", "18999"],
             f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert r.returncode == 2
    assert "HASHPIVOT_SECRET_KEY" in r.stderr and "Traceback" not in r.stderr


def test_keys_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    created = _cli(["keys", "create", "analyst notebook"], url)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("hp_")
    listed = _cli(["keys", "list"], url)
    assert "analyst notebook" in listed.stdout and token not in listed.stdout
    key_id = listed.stdout.split("\t")[0]
    assert _cli(["keys", "revoke", key_id], url).returncode == 0
    assert "revoked" in _cli(["keys", "list"], url).stdout
    again = _cli(["keys", "revoke", key_id], url)
    assert again.returncode == 2 and again.stderr.startswith("error:")


def test_a_database_url_that_cannot_be_opened_is_an_error_naming_the_variable(
        tmp_path: Path) -> None:
    """Text that is no URL, a folder that does not exist, a file that is no database, a
    driver not installed: each was "internal error", exit 1."""
    (tmp_path / "notes.sqlite").write_text("not a database\n")
    for url in ("notaurl", f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite'}",
                f"sqlite:///{tmp_path / 'notes.sqlite'}", "mysql://x/y"):
        for args in (["keys", "list"], ["runs", "list"]):
            r = _cli(args, url)
            assert r.returncode == 2, (url, r.stderr)
            assert r.stderr.startswith("error: <environment>: HASHPIVOT_DATABASE_URL: ")
            assert "internal error" not in r.stderr and "Traceback" not in r.stderr


def test_an_id_beyond_the_store_is_out_of_range_not_an_internal_error(tmp_path: Path
                                                                      ) -> None:
    """A 23-digit id was an OverflowError of SQLite (exit 1): now the bounds of an id, as
    the API's paths have them, named by the argument."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    big = "9" * 23
    for args, name in ((["runs", "show", big], "RUN_ID"), (["runs", "reproduce", big], "RUN_ID"),
                       (["keys", "revoke", big], "KEY_ID"), (["runs", "show", "0"], "RUN_ID")):
        r = _cli(args, url)
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith(f"error: <command line>: Invalid value for '{name}': ")
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("kind", ["cost", "pivot"])
def test_runs_reproduce(tmp_path: Path, kind: str) -> None:
    """``hashpivot runs reproduce ID`` re-runs the stored inputs: identical numbers."""
    from tests.web.conftest import wait_run

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_client(url, None) as c:
        add_key(c)
        pid = c.get("/api/portfolios").json()[0 if kind == "cost" else 1]["id"]
        run = c.post("/api/runs", json={"kind": kind, "portfolio_id": pid}).json()
        done = wait_run(c, run["id"])
        assert done["status"] == "succeeded"
    r = _cli(["runs", "reproduce", str(run["id"])], url)
    assert r.returncode == 0, r.stderr
    assert "every stored value identical" in r.stderr and "not in the stored run" not in r.stderr
    # the stored run's tables in the terminal, as its page shows them
    shown = _cli(["runs", "show", str(run["id"]), "--tables"], url)
    assert shown.returncode == 0, shown.stderr
    if kind == "cost":
        assert "Cost views, per day" in shown.stdout and "Breakevens" in shown.stdout
        assert f"{done['results']['cost_per_btc_direct_usd']:,.0f}" in shown.stdout
    else:
        assert "AI/HPC pivot vs keep mining" in shown.stdout
        assert "Resolved assumptions" in shown.stdout and "break-even lease" in shown.stdout
    from sqlalchemy import update

    from hashpivot.store.db import open_database
    from hashpivot.store.tables import RunRow

    engine, factory = open_database(url)

    def store(results: dict[str, object], **values: object) -> None:
        with factory() as s, s.begin():
            s.execute(update(RunRow).where(RunRow.id == run["id"])
                      .values(results=results, **values))

    # a run stored by an older version, without a value this one adds: every stored value
    # is still reproduced (exit 0), and the new value is named, not called a difference
    new_key = "hashvalue_btc_per_ph_day" if kind == "cost" else "tornado"
    assert new_key in done["results"]
    store({k: v for k, v in done["results"].items() if k != new_key})
    r = _cli(["runs", "reproduce", str(run["id"])], url)
    assert r.returncode == 0, r.stderr
    assert "1 value(s) not in the stored run" in r.stderr and new_key in r.stderr
    assert "every stored value identical" in r.stderr
    # tamper with a stored number: reproduce must notice
    results = dict(done["results"])
    key = "cost_per_btc_direct_usd" if kind == "cost" else "breakeven_lease_usd_per_kw_month"
    results[key] = (results[key] or 0) + 1.0
    store(results)
    r = _cli(["runs", "reproduce", str(run["id"])], url)
    assert r.returncode == 1 and key in r.stderr
    # same code, libraries and data: the difference is called a failure to reproduce
    assert "1 value(s) differ with the same code, libraries and data" in r.stderr
    assert "changed since the run" not in r.stderr
    # a run stored by another version of the engine: the folders that changed are named
    prov = copy.deepcopy(done["provenance"])
    prov["code"]["engines/pivot"] = "0" * 16
    prov["libraries"]["numpy"] = "1.26.0"
    store(results, provenance=prov)
    r = _cli(["runs", "reproduce", str(run["id"])], url)
    assert r.returncode == 1 and key in r.stderr
    assert "note: code changed since the run in: engines/pivot" in r.stderr
    assert "note: libraries changed since the run: numpy 1.26.0 -> " in r.stderr
    assert "1 value(s) differ; changed since the run: the code of engines/pivot" in r.stderr
    assert "failure to reproduce" not in r.stderr
    # a run stored before code versions were recorded: said, not guessed
    old = {k: v for k, v in done["provenance"].items() if k not in ("code", "libraries")}
    store(results, provenance=old)
    engine.dispose()
    r = _cli(["runs", "reproduce", str(run["id"])], url)
    assert r.returncode == 1
    assert "stored before code and library versions were recorded" in r.stderr


def test_runs_show_tables_of_an_unfinished_run_is_an_input_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_client(url, None, run_jobs=False) as c:
        add_key(c)
        pid = c.get("/api/portfolios").json()[0]["id"]
        run = c.post("/api/runs", json={"kind": "cost", "portfolio_id": pid}).json()
    r = _cli(["runs", "show", str(run["id"]), "--tables"], url)
    assert r.returncode == 2 and "is queued: no tables" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(("name", "said"), [
    ("k" * 201, "the key's name has 201 characters; at most 200"),
    ("   ", "the key needs a name"),
])
def test_a_key_name_the_store_cannot_hold_is_an_input_error(
        tmp_path: Path, name: str, said: str) -> None:
    """PostgreSQL refuses a name over the column's 200 characters (an internal error);
    SQLite kept it whole. Both now get the error before the database."""
    r = _cli(["keys", "create", name], f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert r.returncode == 2, r.stderr
    assert said in r.stderr and "NAME" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_a_key_name_with_a_nul_is_refused_before_the_database() -> None:
    """A command line cannot carry a NUL; a caller of the library can."""
    from hashpivot.store.keys import key_name_problem

    assert key_name_problem("a\x00b") == "the key's name holds a NUL character"
    assert key_name_problem("k" * 200) is None


def test_a_page_form_over_the_size_limit_is_an_error_page(sqlite_db: tuple[str, None]) -> None:
    """A 3 MB form posted to a page route answered the API's JSON; the API stays JSON."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        limit = c.app.state.settings.max_request_bytes
        r = c.post("/portfolios/1/runs", data={"csrf_token": csrf, "kind": "cost",
                                               "btc_price_usd": "1" * 3_000_000})
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        assert "<h1>413 " in r.text and f"request body over {limit} bytes" in r.text
        r = c.post("/api/portfolios/import", content=b"x" * 3_000_000,
                   headers={"Content-Type": "application/toml"})
        assert r.status_code == 413 and r.json() == {"detail": f"request body over {limit} bytes"}


def test_the_api_page_is_served_from_the_package(sqlite_db: tuple[str, None]) -> None:
    """``/docs`` loads Swagger UI from the package under a policy that names no other
    site and allows its one inline script by hash; ``/redoc`` (a CDN bundle) is gone."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        r = c.get("/docs")
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "'sha256-" in csp and "http" not in csp and "cdn" not in r.text
        for src in re.findall(r'(?:src|href)="([^"]+)"', r.text):
            assert src.startswith("/static/swagger-ui/"), src
            assert c.get(src).status_code == 200, src
        assert "'sha256-" not in c.get("/api/health").headers["content-security-policy"]
        add_key(c)
        r = c.get("/redoc")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_a_runs_list_limit_beyond_the_store_is_out_of_range(tmp_path: Path) -> None:
    """``runs list --limit 99999999999999999999`` was an OverflowError of SQLite (exit 1):
    the limit is bounded as an id is (a count up to the largest id lists every run)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    r = _cli(["runs", "list", "--limit", "9" * 20], url)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: <command line>: Invalid value for '--limit': ")
    assert _cli(["runs", "list", "--limit", str(2**31 - 1)], url).returncode == 0
