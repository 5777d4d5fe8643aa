"""Alembic environment: migrations run on the connection given by ``hashpivot.store.db``."""

from __future__ import annotations

from alembic import context

from hashpivot.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run on the connection passed in ``config.attributes['connection']``, or on the URL."""
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata)
    context.run_migrations()


run_migrations_online()
