"""Numbers given as text in stored portfolios written as numbers.

Until 2026-12-07 a portfolio's ``capacity_mw = "200"`` was read as 200 MW (pydantic's lax
mode); it is refused since, so a portfolio stored before could no longer run nor be
edited. Each such text is written as the number it was read as, in the document and in
the stored TOML (its comments kept), and the TOML's head names each
(:mod:`hashpivot.store.text_numbers`). The numbers are read with the portfolio model of
the code that runs the migration: a field it no longer has is left as it is.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Each stored portfolio's texts given for numbers, written as numbers."""
    from hashpivot.store.text_numbers import upgrade_rows

    upgrade_rows(op.get_bind())


def downgrade() -> None:
    """Nothing: a number is read as the text it was written from was (the code before
    read both alike), and the head note stays a comment."""
