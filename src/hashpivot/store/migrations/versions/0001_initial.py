"""Initial schema: portfolios, runs, api_keys, login_tokens.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four tables."""
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "portfolios",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("toml_text", sa.Text, nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column(
            "portfolio_id",
            sa.Integer,
            sa.ForeignKey("portfolios.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("portfolio_revision", sa.Integer, nullable=True),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("inputs", sa.JSON, nullable=True),
        sa.Column("provenance", sa.JSON, nullable=True),
        sa.Column("progress_fraction", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("problems", sa.JSON, nullable=True),
        sa.Column("results", sa.JSON, nullable=True),
        sa.Column("charts", sa.JSON, nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("server_id", sa.String(64), nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("started_at", ts, nullable=True),
        sa.Column("finished_at", ts, nullable=True),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("revoked_at", ts, nullable=True),
    )
    op.create_table(
        "login_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("used_at", ts, nullable=True),
    )


def downgrade() -> None:
    """Drop the four tables."""
    for name in ("login_tokens", "api_keys", "runs", "portfolios"):
        op.drop_table(name)
