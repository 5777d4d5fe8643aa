"""The server-rendered dashboard (Jinja2 + plain forms; Plotly charts served locally),
one module a resource: :mod:`.session` (sign-in), :mod:`.portfolios` (index and a
portfolio's overview), :mod:`.sites` (a site's form), :mod:`.runs` (launch, a run's
page and its buttons), :mod:`.market_data`; what their pages share (templates, who reads
or writes, rendering, the error page) in :mod:`.common`.

The routers are included in this order, the order FastAPI matches the pages' paths in.
"""

from __future__ import annotations

from fastapi import APIRouter

from hashpivot.web.pages import market_data, portfolios, runs, session, sites
from hashpivot.web.pages.common import NOT_PAGES, error_page, templates
from hashpivot.web.pages.runs import _in_form_words  # (tests read the run tables' notes)

__all__ = ["NOT_PAGES", "_in_form_words", "error_page", "router", "templates"]

router = APIRouter(include_in_schema=False)
for _resource in (session, portfolios, sites, runs, market_data):
    router.include_router(_resource.router)
