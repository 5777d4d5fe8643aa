"""The REST API under ``/api``, one module a resource: :mod:`.service` (health),
:mod:`.portfolios`, :mod:`.sites` (of a portfolio), :mod:`.runs`, :mod:`.market_data`;
what their routes share in :mod:`.common`.

The routers are included in this order, which is the order of the paths in the OpenAPI
document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from hashpivot.exceptions import Problem
from hashpivot.web.api import market_data, portfolios, runs, service, sites

__all__ = ["ALSO_CHECKED", "router"]

router = APIRouter(prefix="/api")
for _resource in (service, portfolios, sites, runs, market_data):
    router.include_router(_resource.router)

#: Routes whose body, when its own fields fail FastAPI's validation, has further checks
#: listed with them (the app's handler of ``RequestValidationError`` adds their problems).
ALSO_CHECKED: dict[Callable[..., Any], Callable[[Any], list[Problem]]] = {
    runs.submit_run: runs.run_params_problems,
}
