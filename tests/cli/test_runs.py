"""``hashpivot runs list``: each run with the name of its portfolio and its ``#id``, as the
runs lists of the pages show them (:func:`hashpivot.store.portfolios.run_portfolio_names`:
the name at the run's revision), in an 80-column terminal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.store.settings import get_settings
from tests.web import conftest as web
from tests.web.conftest import add_key, make_client

database = web.database  # (the web tests' fixture: a database of each kind)

#: longer than a line leaves a column of six: folded, never cut
LONG = "A portfolio whose name is longer than the portfolio column of an 80-column table"


def _run(c: Any, pid: int) -> int:
    r = c.post("/api/runs", json={"kind": "cost", "portfolio_id": pid})
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def _rename(c: Any, pid: int, name: str) -> None:
    doc = dict(c.get(f"/api/portfolios/{pid}").json()["document"], name=name)
    assert c.put(f"/api/portfolios/{pid}", json=doc).status_code == 200


def _cli_url(url: str, schema: str | None) -> str:
    """``HASHPIVOT_DATABASE_URL`` of the database ``(url, schema)`` (PostgreSQL: its
    ``search_path`` as a connection option)."""
    return url if schema is None else f"{url}?options=-csearch_path%3D{schema}"


def test_runs_list_names_each_portfolio_as_the_pages_do(
        database: tuple[str, str | None], monkeypatch: pytest.MonkeyPatch) -> None:
    """A run on "West Texas" renamed since (the name at the run's revision), a run on a
    portfolio deleted since ("Gone (deleted)", as the pages and the API say: it said
    "deleted" alone) and a run on a long name (folded within its column): it showed
    ``portfolio <id>`` (``portfolio None`` for the deleted one), with no name."""
    url = _cli_url(*database)
    with make_client(*database, run_jobs=False) as c:
        add_key(c)
        first, second = (p["id"] for p in c.get("/api/portfolios").json()[:2])
        _rename(c, first, "West Texas")
        named = _run(c, first)
        _rename(c, first, "Renamed since the run")
        doc = c.get(f"/api/portfolios/{first}").json()["document"]
        gone_pid = c.post("/api/portfolios", json=dict(doc, name="Gone")).json()["id"]
        gone = _run(c, gone_pid)
        assert c.delete(f"/api/portfolios/{gone_pid}").status_code == 204
        _rename(c, second, LONG)
        long_run = _run(c, second)
    monkeypatch.setenv("HASHPIVOT_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "80")
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["runs", "list"])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, res.stdout
    assert "…" not in res.stdout

    # a row's first line has its creation time; the lines its long cells fold on follow
    starts = [i for i, line in enumerate(lines) if re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", line)]
    rows = {int(lines[i].split()[0].lstrip("#")): lines[i:j]
            for i, j in zip(starts, [*starts[1:], len(lines)], strict=True)}
    assert list(rows) == [long_run, gone, named]  # newest first
    assert f"West Texas #{first}" in rows[named][0]
    assert "Renamed" not in " ".join(rows[named])
    assert "Gone (deleted)" in rows[gone][0], rows[gone]
    assert "portfolio None" not in res.stdout
    # the long name folded in its column: its words in order in its row, then its #id
    words = iter(" ".join(rows[long_run]).split())
    assert all(w in words for w in [*LONG.split(), f"#{second}"]), rows[long_run]


def test_runs_list_of_a_store_without_runs_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HASHPIVOT_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["runs", "list"])
    finally:
        get_settings.cache_clear()
    assert (res.exit_code, res.stdout) == (0, "no runs yet\n")
