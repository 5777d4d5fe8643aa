"""Database engine, sessions and migrations (run on start-up)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def make_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for ``url``; SQLite in WAL mode with foreign keys on.

    Parameters
    ----------
    url : str
        SQLAlchemy URL (``sqlite:///file`` or ``postgresql+psycopg://...``).
    schema : str, optional
        PostgreSQL only: the ``search_path`` (tests use a fresh schema).
    """
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 10
        kwargs["max_overflow"] = 20
        if schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration shipped in the package (``alembic upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # a table made again must not null the runs' portfolio as it is dropped
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migrated database breaks a foreign key")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory that keeps loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in a transaction: committed on success, rolled back on error."""
    with factory() as session, session.begin():
        yield session


def open_database(url: str, schema: str | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """Engine plus session factory of a migrated database."""
    engine = make_engine(url, schema)
    upgrade(engine)
    return engine, session_factory(engine)


def settings_sessions() -> sessionmaker[Session]:
    """Session factory of the settings' database (``HASHPIVOT_DATABASE_URL``, default a
    SQLite file in the user data directory), migrated: what ``hashpivot keys`` and
    ``hashpivot runs`` read and write."""
    from hashpivot.store.settings import get_settings

    return open_database(get_settings().resolved_database_url())[1]
