"""Rows by id for the API and the pages: a missing row is an HTTP 404, a run with no
results yet an HTTP 409; and the edits of a portfolio made from what is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException
from sqlalchemy.orm import Session, sessionmaker

from hashpivot.exceptions import RevisionConflictError
from hashpivot.store import portfolios as store
from hashpivot.store.tables import PortfolioRow, RunRow

__all__ = [
    "EDIT_ATTEMPTS",
    "MAX_ID",
    "edit_portfolio",
    "finished_run_or_409",
    "pinned_site",
    "portfolio_or_404",
    "run_or_404",
]

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


#: Times an edit is made from the stored document when other edits keep being stored
#: first; the last attempt holds the portfolio from its read to its update, so it is
#: stored.
EDIT_ATTEMPTS = 4


def edit_portfolio(
    factory: sessionmaker[Session],
    portfolio_id: int,
    change: Callable[[PortfolioRow], dict[str, Any]],
    expected_revision: int | None = None,
) -> PortfolioRow:
    """Store ``change(row)``, a new document made from the stored portfolio, as its next
    revision, losing no edit stored meanwhile.

    An edit stored between the read and the update (compare-and-set on the revision)
    makes it read the portfolio again and apply ``change`` to the document that now
    stands, so each edit is kept: an added site is added to the list as it stands, and
    an edit of a site by its position finds that site again by its name
    (:func:`pinned_site`), not the position another edit may have given to another.

    Parameters
    ----------
    factory : sessionmaker
        Sessions of the store.
    portfolio_id : int
    change : callable
        The stored row -> its new document (not the row's own, which it must not alter);
        may raise an HTTP 404 for a part the document lacks.
    expected_revision : int, optional
        Make the edit only from this revision: no second attempt, HTTP 409 when another
        is stored.

    Raises
    ------
    HTTPException
        404: no such portfolio (or ``change`` found no such part).
    RevisionConflictError
        Not at ``expected_revision``.
    InputError
        The new document is invalid.
    """
    for attempt in range(1, EDIT_ATTEMPTS + 1):
        with factory() as s, s.begin():
            if attempt == EDIT_ATTEMPTS:
                store.lock(s, portfolio_id)
            row = portfolio_or_404(s, portfolio_id)
            if expected_revision not in (None, row.revision):
                raise RevisionConflictError(portfolio_id, expected_revision, row.revision)
            try:
                return store.update(s, row, change(row), row.revision)
            except RevisionConflictError:
                if expected_revision is not None or attempt == EDIT_ATTEMPTS:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


def pinned_site(index: int, name: str | None = None) -> Callable[[PortfolioRow], int]:
    """The position, in the document as stored, of the site an edit is for: the one
    called ``name`` (a form's site, as read when the form was shown), else the one that
    stood at ``index`` when the edit first read the portfolio, found again by its name on
    a later attempt of :func:`edit_portfolio` (an edit stored meanwhile may have moved it,
    and an index applied again to the list as it then stands would edit another site:
    two deletions of site 0 deleted two sites).

    Raises
    ------
    HTTPException
        404: no site ``index`` at the first read; 409: the site was deleted or renamed by
        an edit stored meanwhile.
    """
    first: list[str] = [] if name is None else [name]

    def position(row: PortfolioRow) -> int:
        sites = row.document.get("sites")
        sites = sites if isinstance(sites, list) else []
        if not first:
            if not 0 <= index < len(sites):
                raise HTTPException(404, f"portfolio {row.id} has no site {index}")
            first.append(str(sites[index].get("name")))
            return index
        for i, site in enumerate(sites):
            if isinstance(site, dict) and str(site.get("name")) == first[0]:
                return i
        raise HTTPException(409, f"site {index} ({first[0]!r}) of portfolio {row.id} was "
                            "deleted or renamed by another edit: read it again")

    return position
