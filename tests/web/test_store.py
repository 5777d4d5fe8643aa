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
