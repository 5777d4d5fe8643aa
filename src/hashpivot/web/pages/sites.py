"""A portfolio's site in the dashboard: its form (every field with its unit), saved with
each error next to its field, or, when another edit deleted or renamed the site, the
form kept for the site the user chooses."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hashpivot.exceptions import InputError
from hashpivot.store.tables import PortfolioRow
from hashpivot.web import forms
from hashpivot.web.lookup import edit_portfolio, pinned_site, portfolio_or_404
from hashpivot.web.pages.common import form_fields, problems_of, readers_only, render, writer

router = APIRouter(include_in_schema=False)


def _site_doc(row: PortfolioRow, index: int) -> dict[str, Any]:
    sites = row.document.get("sites") or []
    if not 0 <= index < len(sites):
        raise HTTPException(404, f"portfolio {row.id} has no site {index}")
    return dict(sites[index])


@router.get("/portfolios/{portfolio_id}/sites/{index}/edit", response_class=HTMLResponse)
@readers_only
def edit_site(request: Request, portfolio_id: int, index: int) -> Response:
    """Form to edit a site: every field with its unit."""
    with request.app.state.factory() as s:
        row = portfolio_or_404(s, portfolio_id)
    site = _site_doc(row, index)
    fields = forms.site_form(site)
    return render(request, "site_form.html", {
        "p": row, "index": index, "fields": fields, "other": [],
        "site_read": str(site.get("name", ""))})


@router.post("/portfolios/{portfolio_id}/sites/{index}/edit", response_class=HTMLResponse)
async def save_site(request: Request, portfolio_id: int, index: int) -> Response:
    """Validate and save a site; on errors show each next to its field (422). The form
    is applied to the site as stored when it is saved (another edit is kept)."""
    form = await form_fields(request)
    return await run_in_threadpool(_save_site, request, portfolio_id, index, form)


def _save_site(request: Request, portfolio_id: int, index: int, form: dict[str, str]
               ) -> Response:
    writer(request, form)
    shown: dict[str, Any] = {}
    # the site the form was filled for (its name when the form was read), wherever it now
    # stands: a form read before another edit moved or deleted it saves no other site
    at = pinned_site(index, form.get("site_read") or None)

    def change(row: PortfolioRow) -> dict[str, Any]:
        position = at(row)
        site = _site_doc(row, position)
        # (what the form shows; the row itself expires when a refusal rolls back)
        shown.update(p={"id": row.id, "name": row.name}, fields=forms.site_form(site),
                     index=position, site_read=str(site.get("name", "")))
        # typed fleet values go to the entries they were typed for, or are refused
        problems, typed = forms.fleet_mismatches(site, form, f"sites[{position}]")
        if problems:
            shown["fields"] = forms.typed_site_form(form)[0]
            raise InputError(problems)
        edited = copy.deepcopy(site)
        forms.apply_form(edited, shown["fields"], typed, forms.SITE_FORM_KEYS)
        doc = copy.deepcopy(row.document)
        doc["sites"][position] = edited
        return doc

    try:
        edit_portfolio(request.app.state.factory, portfolio_id, change)
    except InputError as exc:
        other = forms.attach_errors(shown["fields"], problems_of(exc),
                                    f"sites[{shown['index']}]")
        return render(request, "site_form.html", {**shown, "other": other}, status_code=422)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        return _site_conflict(request, portfolio_id, index, form, str(exc.detail))
    return RedirectResponse(f"/portfolios/{portfolio_id}", status_code=303)


def _site_conflict(request: Request, portfolio_id: int, index: int, form: dict[str, str],
                   detail: str) -> Response:
    """The site form after its site was deleted or renamed by another edit (409): what
    changed, the portfolio's sites as they now stand, and the form holding what was typed,
    to be saved to the site the user chooses (nothing typed is lost)."""
    with request.app.state.factory() as s:
        row = portfolio_or_404(s, portfolio_id)
        names = [str(site.get("name", "")) for site in row.document.get("sites") or []]
        p, revision = {"id": row.id, "name": row.name}, row.revision
    listed = ", ".join(f"{i} {name!r}" for i, name in enumerate(names)) or "none"
    conflict = (f"{detail}. The portfolio is now at revision {revision}; its sites: "
                f"{listed}.")
    fields, other = forms.typed_site_form(form)
    return render(request, "site_form.html", {
        "p": p, "index": index, "fields": fields, "other": other,
        "site_read": form.get("site_read", ""), "conflict": conflict, "targets": names},
        status_code=409)
