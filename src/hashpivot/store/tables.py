"""The database tables (SQLAlchemy 2 declarative models).

The schema itself is created by the Alembic migrations in ``store/migrations``; these
classes must match them (``tests/web/test_store.py`` compares the two).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hashpivot.models.fields import NAME_MAX_CHARS

#: Longest API key name [characters] (``keys create`` checks it).
KEY_NAME_MAX_CHARS = 200


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A ``DateTime(timezone=True)`` column read back as timezone-aware UTC on every
    database: SQLite keeps no offset (a naive value read back is the UTC one stored),
    PostgreSQL answers in its session's time zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect
                           ) -> dt.datetime | None:
        """Aware values stored as UTC (a naive value is taken as UTC)."""
        return None if value is None else _as_utc(value)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect
                             ) -> dt.datetime | None:
        """Aware UTC."""
        return None if value is None else _as_utc(value)


def _as_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class PortfolioRow(Base):
    """A stored portfolio: the TOML document as validated input (JSON)."""

    __tablename__ = "portfolios"
    # SQLite gives a deleted row's id to the next one without it: an edit from a copy of
    # a deleted portfolio (at its revision) replaced another (migration 0003)
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_CHARS))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    toml_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class RunRow(Base):
    """A run of an engine: resolved inputs, provenance, status, progress and results."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="queued")
    portfolio_id: Mapped[int | None] = mapped_column(
        ForeignKey("portfolios.id", ondelete="SET NULL"), nullable=True, index=True
    )
    portfolio_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    progress_fraction: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    charts: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The run this one runs again (same stored inputs), to compare their results.
    reproduces_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    server_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ApiKeyRow(Base):
    """An API key: only the SHA-256 of the token is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(KEY_NAME_MAX_CHARS))
    prefix: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LoginTokenRow(Base):
    """A one-time login token printed by ``hashpivot serve`` (SHA-256 stored)."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
