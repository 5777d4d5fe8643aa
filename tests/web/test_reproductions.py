"""Reproductions in the service: ``POST /api/runs/{id}/reproduce`` runs a finished run's
stored inputs again and the new run says how it compares (identical, or each difference
with what changed between the two runs); the migration that adds the link keeps the runs
of an existing database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import update

from hashpivot.store.db import make_engine, upgrade
from hashpivot.store.tables import RunRow
from tests.web.conftest import add_key, launch_from_form, login, make_client, wait_run


def _store(client: Any, run_id: int, **values: Any) -> None:
    with client.app.state.factory() as s, s.begin():
        s.execute(update(RunRow).where(RunRow.id == run_id).values(**values))


def test_a_reproduction_is_identical_and_a_stored_difference_is_named(client: Any) -> None:
    pid = client.get("/api/portfolios").json()[0]["id"]
    run = client.post("/api/runs", json={"kind": "cost", "portfolio_id": pid,
                                         "params": {"date": "2025-06-30"}}).json()
    done = wait_run(client, run["id"])
    assert done["status"] == "succeeded" and done["reproduction"] is None
    # the portfolio is edited after the run: the reproduction still runs the stored inputs
    doc = client.get(f"/api/portfolios/{pid}").json()["document"]
    doc["sites"][0]["capacity_mw"] = doc["sites"][0].get("capacity_mw", 100.0) + 1.0
    assert client.put(f"/api/portfolios/{pid}", json=doc).status_code == 200
    r = client.post(f"/api/runs/{run['id']}/reproduce")
    assert r.status_code == 202, r.text
    again = r.json()
    assert again["reproduces_run_id"] == run["id"] and again["kind"] == "cost"
    got = wait_run(client, again["id"])
    assert got["status"] == "succeeded"
    assert got["inputs"] == done["inputs"]
    rep = got["reproduction"]
    assert rep["state"] == "identical" and rep["n_differ"] == 0 and rep["differs"] == []
    assert rep["verdict"] == f"every value of run {run['id']} reproduced identically"
    # a stored number the code does not give: named, and called a failure to reproduce
    results = dict(done["results"])
    results["cost_per_btc_direct_usd"] += 1.0
    _store(client, run["id"], results=results)
    rep = client.get(f"/api/runs/{again['id']}").json()["reproduction"]
    assert rep["state"] == "differs" and rep["n_differ"] == 1
    assert rep["differs"][0].startswith("cost_per_btc_direct_usd: stored ")
    assert rep["verdict"] == ("1 value(s) differ with the same code, libraries and data: a "
                              "failure to reproduce (please report it)")
    # ... and attributed when the run was made by other code
    prov = dict(done["provenance"])
    prov["code"] = {**prov["code"], "mining": "0" * 16}
    _store(client, run["id"], provenance=prov)
    rep = client.get(f"/api/runs/{again['id']}").json()["reproduction"]
    assert rep["verdict"] == "1 value(s) differ; changed since the run: the code of mining"


def test_only_a_finished_run_can_be_reproduced(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        run = c.post("/api/runs", json={"kind": "cost", "portfolio_id": 1}).json()
        r = c.post(f"/api/runs/{run['id']}/reproduce")
        assert r.status_code == 409 and "is queued" in r.text
        assert c.post("/api/runs/999/reproduce").status_code == 404


def test_the_run_page_offers_and_shows_a_reproduction(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db) as c:
        csrf = login(c)
        run_id = launch_from_form(c, csrf, 1, "cost")
        assert wait_run(c, run_id)["status"] == "succeeded"
        page = c.get(f"/runs/{run_id}").text
        assert f'action="/runs/{run_id}/reproduce"' in page and 'id="reproduction"' not in page
        assert c.post(f"/runs/{run_id}/reproduce", data={},
                      follow_redirects=False).status_code == 403  # no CSRF token
        r = c.post(f"/runs/{run_id}/reproduce", data={"csrf_token": csrf},
                   follow_redirects=False)
        assert r.status_code == 303
        again = int(r.headers["location"].rsplit("/", 1)[1])
        assert wait_run(c, again)["status"] == "succeeded"
        section = c.get(f"/runs/{again}").text.split('id="reproduction"')[1].split("</section>")[0]
        assert f'href="/runs/{run_id}"' in section
        assert f"every value of run {run_id} reproduced identically" in section
        # the portfolio's list of runs says which run a reproduction reproduces
        runs = c.get("/portfolios/1").text.split('<table class="runs">')[1].split("</table>")[0]
        row = runs.split(f'<a href="/runs/{again}">#{again}</a>')[1].split("</tr>")[0]
        assert f'(reproduces <a href="/runs/{run_id}">#{run_id}</a>)' in row


def test_the_migration_keeps_the_runs_of_an_existing_database(
    database: tuple[str, str | None],
) -> None:
    """A database at the first revision, with a run, upgraded: the run is kept and
    reproduces none."""
    from alembic import command
    from alembic.config import Config

    from hashpivot.store.db import MIGRATIONS_DIR

    url, schema = database
    engine = make_engine(url, schema)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(sa.text(
            "INSERT INTO runs (kind, status, params, progress_fraction, message, "
            "cancel_requested, created_at) VALUES ('cost', 'succeeded', '{}', 1.0, 'done', "
            ":f, CURRENT_TIMESTAMP)"), {"f": False})
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT kind, reproduces_run_id FROM runs")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("cost", None)]


def test_a_database_in_the_data_folder_is_not_data_the_run_was_made_on(data_dir: Any) -> None:
    """With the SQLite database in ``$HASHPIVOT_DATA_DIR``, its ``-wal``/``-shm`` files
    changed on every write and every run said ``changed_since_run.data ==
    ["updated/db.sqlite-shm", ...]`` (its page "changed since: data"); a note there did
    the same. Only the files the engines read are the run's data."""
    (data_dir / "notes.txt").write_text("a note\n")
    with make_client(f"sqlite:///{data_dir / 'db.sqlite'}", None, run_jobs=False) as c:
        add_key(c)
        pid = c.get("/api/portfolios").json()[0]["id"]
        run = c.post("/api/runs", json={"kind": "cost", "portfolio_id": pid})
        assert run.status_code == 202, run.text
        doc = c.get(f"/api/portfolios/{pid}").json()["document"]
        assert c.put(f"/api/portfolios/{pid}", json=doc).status_code == 200  # a write
        (data_dir / "notes.txt").write_text("another note\n")
        change = c.get(f"/api/runs/{run.json()['id']}").json()["changed_since_run"]
        assert change["data"] == [] and change["unchanged"], change
