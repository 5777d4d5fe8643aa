"""The portfolios of the REST API: list, create (from JSON or TOML), read, export as
TOML, replace, delete."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from hashpivot.store import portfolios as store
from hashpivot.web.api.common import (
    BODY,
    READ,
    WRITE,
    ExpectedRevision,
    PortfolioId,
    Read,
    Write,
    db,
    errors,
)
from hashpivot.web.lookup import portfolio_or_404
from hashpivot.web.schemas import PortfolioOut, PortfolioSummary

router = APIRouter()


@router.get("/portfolios", tags=["portfolios"], responses=errors(*READ))
def list_portfolios(request: Request, _: Read) -> list[PortfolioSummary]:
    """Every stored portfolio."""
    with db(request) as s:
        return [PortfolioSummary.of(r) for r in store.list_all(s)]


@router.post("/portfolios", status_code=201, tags=["portfolios"], responses=errors(*BODY))
def create_portfolio(
    request: Request, _: Write, document: Annotated[dict[str, Any], Body()]
) -> PortfolioOut:
    """Store a portfolio given as its document (the TOML file as a JSON object)."""
    with db(request) as s, s.begin():
        return PortfolioOut.of(store.create(s, document))


@router.post(
    "/portfolios/import",
    status_code=201,
    tags=["portfolios"],
    responses=errors(*BODY),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/toml": {"schema": {"type": "string"}}},
        }
    },
)
async def import_portfolio(request: Request, _: Write) -> PortfolioOut:
    """Store a portfolio from TOML text, exactly as ``hashpivot`` reads a file."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")  # (a byte order mark is no part of the text)
    except UnicodeDecodeError as exc:  # (the app's handler lists it: unreadable_body)
        raise HTTPException(400, "the TOML must be UTF-8") from exc

    def store_it() -> PortfolioOut:  # (in the thread pool: parsing and the database wait)
        document, _p = store.parse_toml(text, "<upload>")
        with db(request) as s, s.begin():
            return PortfolioOut.of(store.create(s, document, toml_text=text, source="<upload>"))

    return await run_in_threadpool(store_it)


@router.get("/portfolios/{portfolio_id}", tags=["portfolios"], responses=errors(*READ, 404))
def get_portfolio(request: Request, _: Read, portfolio_id: PortfolioId) -> PortfolioOut:
    """One portfolio with its document."""
    with db(request) as s:
        return PortfolioOut.of(portfolio_or_404(s, portfolio_id))


@router.get(
    "/portfolios/{portfolio_id}/toml",
    tags=["portfolios"],
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/toml": {"schema": {"type": "string"}}}},
               **errors(*READ, 404)},
)
def export_portfolio(request: Request, _: Read, portfolio_id: PortfolioId) -> Response:
    """The portfolio as a TOML file that ``hashpivot cost|pivot|... FILE`` reads, saved
    under its name (:func:`_toml_file_name`)."""
    with db(request) as s:
        row = portfolio_or_404(s, portfolio_id)
        name = _toml_file_name(row.name, portfolio_id)
        return Response(store.export_toml(row), media_type="application/toml",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _toml_file_name(name: str, portfolio_id: int) -> str:
    """The portfolio's name as a file name: its runs of letters and digits (ASCII), in
    lower case, joined by '-', then ``.toml``; ``portfolio-<id>.toml`` when it has none."""
    stem = "-".join(re.findall(r"[a-z0-9]+", name.lower()))[:80].strip("-")
    return f"{stem or f'portfolio-{portfolio_id}'}.toml"


@router.put("/portfolios/{portfolio_id}", tags=["portfolios"], responses=errors(*BODY, 404, 409))
def replace_portfolio(
    request: Request,
    _: Write,
    portfolio_id: PortfolioId,
    document: Annotated[dict[str, Any], Body()],
    expected_revision: ExpectedRevision = None,
) -> PortfolioOut:
    """Replace a portfolio's document (validated), stored as its next revision: the last
    writer wins, unless ``expected_revision`` names the revision it replaces."""
    with db(request) as s, s.begin():
        row = portfolio_or_404(s, portfolio_id)
        return PortfolioOut.of(store.update(s, row, document, expected_revision))


@router.delete("/portfolios/{portfolio_id}", status_code=204, tags=["portfolios"],
             responses=errors(*WRITE, 404))
def delete_portfolio(request: Request, _: Write, portfolio_id: PortfolioId) -> Response:
    """Delete a portfolio (its runs are kept, detached)."""
    with db(request) as s, s.begin():
        s.delete(portfolio_or_404(s, portfolio_id))
    return Response(status_code=204)
