"""A deleted portfolio's id is never given to another (SQLite: ``AUTOINCREMENT``).

SQLite gave the next portfolio the id of the last one deleted, so an edit made from a
copy of the deleted portfolio (``PUT /api/portfolios/5?expected_revision=1``) replaced
the new one, at its revision 1. PostgreSQL's sequences never hand an id out twice.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """SQLite: the table made again with ``AUTOINCREMENT`` (rows, ids and indexes kept;
    ``store.db.upgrade`` runs the migrations with foreign keys off, so the runs keep
    their portfolio)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("portfolios", recreate="always",
                              table_kwargs={"sqlite_autoincrement": True}):
        pass


def downgrade() -> None:
    """SQLite: the table made again without it."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("portfolios", recreate="always",
                              table_kwargs={"sqlite_autoincrement": False}):
        pass
