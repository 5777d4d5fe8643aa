"""Rows by id for the API and the pages: a missing row is an HTTP 404, a run with no
results yet an HTTP 409."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy.orm import Session

from hashpivot.store.tables import PortfolioRow, RunRow

__all__ = ["MAX_ID", "finished_run_or_409", "portfolio_or_404", "run_or_404"]

MAX_ID = 2**31 - 1
"""The largest id a row can have (PostgreSQL ``integer``; SQLite would overflow at 2**63)."""


def _stored(row_id: int) -> bool:
    """Whether ``row_id`` could be a row's id (an id no row can have is a 404, not a
    database error)."""
    return 1 <= row_id <= MAX_ID


def portfolio_or_404(s: Session, portfolio_id: int) -> PortfolioRow:
    """The portfolio ``portfolio_id``; HTTP 404 ``no portfolio <id>`` when there is none."""
    row = s.get(PortfolioRow, portfolio_id) if _stored(portfolio_id) else None
    if row is None:
        raise HTTPException(404, f"no portfolio {portfolio_id}")
    return row


def run_or_404(s: Session, run_id: int) -> RunRow:
    """The run ``run_id``; HTTP 404 ``no run <id>`` when there is none."""
    row = s.get(RunRow, run_id) if _stored(run_id) else None
    if row is None:
        raise HTTPException(404, f"no run {run_id}")
    return row


def finished_run_or_409(s: Session, run_id: int, what: str = "results") -> RunRow:
    """The run ``run_id`` with its results; HTTP 404 when there is no such run, 409
    ``run <id> is <status>; no <what>`` while it has none."""
    row = run_or_404(s, run_id)
    if row.status != "succeeded" or row.results is None:
        raise HTTPException(409, f"run {run_id} is {row.status}; no {what}")
    return row
