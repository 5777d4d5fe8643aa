"""The tables the code declares are the tables the migrations create.

``store/tables.py`` declares the SQLAlchemy models the service reads and writes; the
Alembic migrations in ``store/migrations`` create the schema. A column added to one and
not the other works in the tests that build the schema one way and fails in production,
so Alembic's own comparison (``compare_metadata``) runs on a database migrated to head,
on SQLite and on PostgreSQL. Server defaults are compared too.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hashpivot.store.db import make_engine, upgrade
from hashpivot.store.tables import Base


def _differences(url: str, schema: str | None) -> list[Any]:
    engine = make_engine(url, schema)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_declared_one(database: tuple[str, str | None]) -> None:
    """No table, column, type, nullability, index or foreign key differs."""
    url, schema = database
    assert _differences(url, schema) == []


def test_the_comparison_sees_a_column_the_migrations_lack(
        database: tuple[str, str | None]) -> None:
    """The check can fail: a column declared and not migrated is reported."""
    from sqlalchemy import Column, Integer, MetaData

    url, schema = database
    extra = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(extra)
    extra.tables["portfolios"].append_column(Column("only_in_code", Integer))
    engine = make_engine(url, schema)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), extra)
    finally:
        engine.dispose()
    assert [d[0] for d in diffs] == ["add_column"]
    assert diffs[0][3].name == "only_in_code"


def test_a_deleted_portfolios_id_is_never_given_again(database: tuple[str, str | None]
                                                      ) -> None:
    """SQLite gave the next portfolio the id of the last one deleted: an edit made from a
    copy of the deleted one (``expected_revision=1``) replaced the new one (an audit's
    case). Ids now only grow, as PostgreSQL's do."""
    from tests.web.conftest import add_key, make_client

    with make_client(*database, run_jobs=False) as c:
        add_key(c)
        doc = c.get("/api/portfolios/1").json()["document"]
        alice = c.post("/api/portfolios", json=dict(doc, name="Alice")).json()
        assert c.delete(f"/api/portfolios/{alice['id']}").status_code in (200, 204)
        bob = c.post("/api/portfolios", json=dict(doc, name="Bob")).json()
        assert bob["id"] > alice["id"]
        stale = c.put(f"/api/portfolios/{alice['id']}?expected_revision=1",
                      json=dict(doc, name="Alice"))
        assert stale.status_code == 404, stale.text
        assert c.get(f"/api/portfolios/{bob['id']}").json()["name"] == "Bob"


def test_the_migration_keeps_portfolios_and_their_runs(tmp_path: Any) -> None:
    """A SQLite database at revision 0002 with a portfolio and its run, upgraded: the
    table is made again with ``AUTOINCREMENT``, its rows and the run's link kept (with
    foreign keys on, dropping the old table had set the run's portfolio to NULL)."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from hashpivot.store.db import MIGRATIONS_DIR

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        for pid in (1, 2):
            conn.execute(sa.text(
                "INSERT INTO portfolios (id, name, document, revision, created_at, "
                "updated_at) VALUES (:i, :n, '{}', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"i": pid, "n": f"p{pid}"})
        conn.execute(sa.text(
            "INSERT INTO runs (kind, status, portfolio_id, params, progress_fraction, "
            "message, cancel_requested, created_at) VALUES ('cost', 'succeeded', 2, '{}', "
            "1.0, 'done', 0, CURRENT_TIMESTAMP)"))
    upgrade(engine)
    with engine.begin() as conn:
        assert "AUTOINCREMENT" in conn.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE name = 'portfolios'")).scalar_one()
        assert conn.execute(sa.text("SELECT portfolio_id FROM runs")).scalar_one() == 2
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
        conn.execute(sa.text("DELETE FROM portfolios WHERE id = 2"))
        conn.execute(sa.text(
            "INSERT INTO portfolios (name, document, revision, created_at, updated_at) "
            "VALUES ('new', '{}', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        assert conn.execute(sa.text(
            "SELECT id FROM portfolios WHERE name = 'new'")).scalar_one() == 3
        assert conn.execute(sa.text("SELECT portfolio_id FROM runs")).scalar_one() is None
    engine.dispose()


def test_a_link_broken_by_another_tool_does_not_lock_the_database(tmp_path: Any) -> None:
    """The check that migration 0003 kept every link ran at every start: a run whose
    portfolio was deleted with another tool (SQLite's own shell keeps foreign keys off)
    stopped ``keys``, ``runs`` and ``serve`` with an internal error (a review). It runs
    only when a migration ran."""
    import sqlite3

    path = tmp_path / "hp.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with sqlite3.connect(path) as raw:  # foreign keys off, as the sqlite3 shell has them
        raw.execute("INSERT INTO runs (kind, status, portfolio_id, params, progress_fraction, "
                    "message, cancel_requested, created_at) VALUES ('cost', 'succeeded', 99, "
                    "'{}', 1.0, 'done', 0, CURRENT_TIMESTAMP)")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)  # (raised RuntimeError)
    engine.dispose()
