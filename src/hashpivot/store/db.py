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
                before = _revision(conn)
                command.upgrade(cfg, "head")
                # a table made again kept every link (checked only when a migration ran: a
                # link broken by another tool before is not this upgrade's to refuse)
                if (sqlite and _revision(conn) != before
                        and conn.exec_driver_sql("PRAGMA foreign_key_check").first()):
                    raise RuntimeError("the migrated database breaks a foreign key")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _revision(conn: Any) -> str | None:
    """The Alembic revision a database is at (None: none yet)."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


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


#: The environment variable naming the database of ``hashpivot serve``, ``keys``, ``runs``.
DATABASE_URL_ENV = "HASHPIVOT_DATABASE_URL"


def _shown(url: str) -> str:
    """``url`` as a message shows it: its password hidden, at most 200 characters."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)[:200]
    except ArgumentError:
        return repr(url[:200])


def open_settings_database() -> tuple[Engine, sessionmaker[Session]]:
    """:func:`open_database` of the settings' database (``HASHPIVOT_DATABASE_URL``,
    default a SQLite file in the user data directory).

    Raises
    ------
    InputError
        At ``HASHPIVOT_DATABASE_URL``: the URL cannot be read, names a driver that is not
        installed, a database that cannot be opened (a folder that does not exist, a file
        that is not a database) or a server that does not answer.
    """
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from hashpivot.exceptions import ENVIRONMENT, InputError, Problem
    from hashpivot.store.settings import get_settings

    url = get_settings().resolved_database_url()
    try:
        return open_database(url)
    except (ArgumentError, NoSuchModuleError, ImportError, DBAPIError) as exc:
        lines = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        raise InputError([Problem(DATABASE_URL_ENV, f"cannot open the database "
                                  f"{_shown(url)}: {reason}", ENVIRONMENT)]) from None


def settings_sessions() -> sessionmaker[Session]:
    """Session factory of the settings' database (:func:`open_settings_database`),
    migrated: what ``hashpivot keys`` and ``hashpivot runs`` read and write."""
    return open_settings_database()[1]
