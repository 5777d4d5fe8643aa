"""A run may reproduce another: ``runs.reproduces_run_id``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column (existing runs reproduce none)."""
    op.add_column("runs", sa.Column("reproduces_run_id", sa.Integer, nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("reproduces_run_id")
