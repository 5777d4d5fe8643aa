"""The sites of a portfolio in the REST API (its TOML ``[[sites]]``): list, add, read,
replace, delete; each edit made from the stored document and validated whole."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request

from hashpivot.store.tables import PortfolioRow
from hashpivot.web.api.common import (
    BODY,
    READ,
    WRITE,
    ExpectedRevision,
    PortfolioId,
    Read,
    SiteIndex,
    Write,
    db,
    errors,
)
from hashpivot.web.lookup import edit_portfolio, pinned_site, portfolio_or_404
from hashpivot.web.schemas import PortfolioOut

router = APIRouter()


def _sites(row: PortfolioRow) -> list[Any]:
    sites = row.document.get("sites")
    return list(sites) if isinstance(sites, list) else []


def _edit(
    request: Request,
    portfolio_id: int,
    change: Callable[[PortfolioRow], dict[str, Any]],
    expected_revision: int | None,
) -> PortfolioOut:
    """A site edit made from the stored document, again if another edit was stored first
    (:func:`~hashpivot.web.lookup.edit_portfolio`)."""
    factory = request.app.state.factory
    return PortfolioOut.of(edit_portfolio(factory, portfolio_id, change, expected_revision))


def _site_index(row: PortfolioRow, index: SiteIndex) -> int:
    if not 0 <= index < len(_sites(row)):
        raise HTTPException(404, f"portfolio {row.id} has no site {index}")
    return index


@router.get("/portfolios/{portfolio_id}/sites", tags=["sites"], responses=errors(*READ, 404))
def list_sites(
    request: Request, _: Read, portfolio_id: PortfolioId
) -> list[dict[str, Any]]:
    """The sites of a portfolio (as in its TOML ``[[sites]]``)."""
    with db(request) as s:
        return _sites(portfolio_or_404(s, portfolio_id))


@router.post("/portfolios/{portfolio_id}/sites", status_code=201, tags=["sites"],
             responses=errors(*BODY, 404, 409))
def add_site(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    site: Annotated[dict[str, Any], Body()],
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Append a site (the whole portfolio is validated again)."""

    def change(row: PortfolioRow) -> dict[str, Any]:
        doc = copy.deepcopy(row.document)
        doc["sites"] = [*_sites(row), site]
        return doc

    return _edit(request, portfolio_id, change, expected_revision)


@router.get("/portfolios/{portfolio_id}/sites/{index}", tags=["sites"],
             responses=errors(*READ, 404))
def get_site(
    request: Request, _: Read, portfolio_id: PortfolioId, index: SiteIndex
) -> dict[str, Any]:
    """One site by its position (0-based)."""
    with db(request) as s:
        row = portfolio_or_404(s, portfolio_id)
        return dict(_sites(row)[_site_index(row, index)])


@router.put("/portfolios/{portfolio_id}/sites/{index}", tags=["sites"],
             responses=errors(*BODY, 404, 409))
def replace_site(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    index: SiteIndex,
    site: Annotated[dict[str, Any], Body()],
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Replace one site (the whole portfolio is validated again)."""
    at = pinned_site(index)

    def change(row: PortfolioRow) -> dict[str, Any]:
        doc = copy.deepcopy(row.document)
        doc["sites"][at(row)] = site
        return doc

    return _edit(request, portfolio_id, change, expected_revision)


@router.delete("/portfolios/{portfolio_id}/sites/{index}", tags=["sites"],
             responses=errors(*WRITE, 404, 409))
def delete_site(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    index: SiteIndex,
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Remove one site (a portfolio keeps at least one)."""
    at = pinned_site(index)

    def change(row: PortfolioRow) -> dict[str, Any]:
        doc = copy.deepcopy(row.document)
        del doc["sites"][at(row)]
        return doc

    return _edit(request, portfolio_id, change, expected_revision)
