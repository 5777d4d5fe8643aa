"""The portfolios' pages: the index (portfolios and recent runs) and a portfolio's
overview (charts of its current runs, MW split, sites, runs, run forms)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hashpivot.exceptions import InputError
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.store import portfolios as store
from hashpivot.store.provenance import compare_provenance, provenance
from hashpivot.store.runs import RUN_KINDS, has_default_params, mw_split
from hashpivot.store.tables import PortfolioRow, RunRow
from hashpivot.store.toml_edit import NOTE_PREFIX, head_lines
from hashpivot.web import charts, forms
from hashpivot.web.lookup import portfolio_or_404
from hashpivot.web.pages.common import readers_only, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
@readers_only
def index(request: Request) -> Response:
    """Portfolios and recent runs."""
    with request.app.state.factory() as s:
        rows = store.list_all(s)
        runs = list(s.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(20)))
        run_names = store.run_portfolio_names(s, runs)
    return render(request, "index.html", {"portfolios": rows, "runs": runs,
                                          "revisions": {p.id: p.revision for p in rows},
                                          "run_names": run_names})


def _current(s: Session, portfolio: PortfolioRow, kind: str) -> RunRow | None:
    """The newest succeeded ``kind`` run of the portfolio's current revision with the
    default parameters (what ``hashpivot KIND FILE`` prints of the file as it is now), or
    None: a what-if (another day, window or setting) or a run of an earlier revision is
    not the portfolio's."""
    candidates = s.execute(
        select(RunRow.id, RunRow.params)
        .where(RunRow.portfolio_id == portfolio.id, RunRow.kind == kind,
               RunRow.status == "succeeded", RunRow.portfolio_revision == portfolio.revision)
        .order_by(RunRow.id.desc())
    )
    run_id = next((i for i, params in candidates if has_default_params(kind, params)), None)
    return None if run_id is None else s.get(RunRow, run_id)


@router.get("/portfolios/{portfolio_id}", response_class=HTMLResponse)
@readers_only
def portfolio_page(request: Request, portfolio_id: int) -> Response:
    """Overview: cost against BTC price, backtest history and plan (each from a run of the
    current revision with the default parameters), MW split, sites, runs, run forms."""
    with request.app.state.factory() as s:
        row = portfolio_or_404(s, portfolio_id)
        runs = list(
            s.scalars(
                select(RunRow)
                .where(RunRow.portfolio_id == portfolio_id)
                .order_by(RunRow.id.desc())
                .limit(30)
            )
        )
        run_names = store.run_portfolio_names(s, runs)
        cost = _current(s, row, "cost")
        backtest = _current(s, row, "backtest")
        plan = _current(s, row, "optimize")
    now = provenance()
    # a default run reads the latest data day: one from before ``data update`` is the
    # portfolio's as the data then stood, said beside the numbers it shows
    stale = [(kind, run.id, ", ".join(change.data))
             for kind, run in (("cost", cost), ("backtest", backtest), ("optimize", plan))
             if run is not None
             and (change := compare_provenance(run.provenance or {}, now)).data]
    figures = []  # (each naming its run's sources; the backtest's names its days' itself)
    if cost is not None and cost.results:
        figures.append(charts.with_run_sources(charts.cost_vs_price(cost.results), "cost",
                                               cost.results))
    if backtest is not None and backtest.charts:
        figures.append(charts.backtest_history(backtest.charts))
    if plan is not None and plan.charts:
        figures.append(charts.with_run_sources(charts.optimize_plan(plan.charts), "optimize",
                                               plan.results or {}))
    try:
        portfolio = store.validate_document(row.document)
        figures.append(charts.mw_split(mw_split(portfolio)))
    except InputError:
        pass
    run_forms = {k.name: forms.params_form(k.params, {}) for k in RUN_KINDS.values()}
    sites = row.document.get("sites") or []
    return render(
        request,
        "portfolio.html",
        {
            "p": row,
            "sites": sites,
            "file_head": file_head(row.toml_text),
            # (open however long: hashpivot's notes say what it changed in the file)
            "file_notes": any(line.startswith(NOTE_PREFIX)
                              for line in head_lines(row.toml_text or "")),
            "halls": [dict(h, site=site.get("name", ""))
                      for site in sites for h in (site.get("hosting") or {}).get("phases", [])],
            "halls_in_service": halls_in_service(sites),
            "runs": runs,
            "revisions": {row.id: row.revision},
            "run_names": run_names,
            "figures": figures,
            "cost": cost,
            "stale": stale,
            "kinds": RUN_KINDS,
            "run_forms": run_forms,
            "run_errors": [],
        },
    )


def halls_in_service(sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The halls already in service of the sites' documents
    (``[[sites.hosting.in_service]]``), as the overview lists them.

    Parameters
    ----------
    sites : list of dict
        The portfolio document's sites.

    Returns
    -------
    list of dict
        Per hall, in file order: its keys as written, ``site`` (the site's name),
        ``it_mw`` (gross MW / the PUE in force) [MW], and ``pue_site`` and
        ``escalator_site`` (the site's ``[sites.hosting]`` values, or the model's
        defaults, that a hall without its own follows) [-] and [1/year].
    """
    terms = HostingProjectSpec.model_fields
    out = []
    for site in sites:
        hosting = site.get("hosting") or {}
        pue_site = hosting.get("pue", terms["pue"].default)
        escalator_site = hosting.get("lease_escalator_per_year",
                                     terms["lease_escalator_per_year"].default)
        for hall in hosting.get("in_service") or []:
            pue = hall.get("pue") if hall.get("pue") is not None else pue_site
            gross = hall.get("gross_mw")
            out.append(dict(hall, site=site.get("name", ""), pue_site=pue_site,
                            escalator_site=escalator_site,
                            it_mw=gross / pue if _numbers(gross, pue) else None))
    return out


def _numbers(*values: Any) -> bool:
    """Whether every value is a number (not a flag), a PUE above 0. [-]"""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) \
        and values[-1] > 0


def file_head(toml_text: str | None) -> str:
    """The comment lines at the head of a portfolio's TOML (an optimized plan's says where
    it comes from and what pivot and simulate do not value as the optimizer did), without
    their ``#``; empty when there are none."""
    lines = []
    for line in (toml_text or "").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines)
