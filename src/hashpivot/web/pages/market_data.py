"""The market data page: BTC history, hosting deals, ASIC catalog, power markets."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hashpivot.exceptions import InputError
from hashpivot.web import charts
from hashpivot.web.pages.common import readers_only, render

router = APIRouter(include_in_schema=False)


@router.get("/market", response_class=HTMLResponse)
@readers_only
def market_page(request: Request) -> Response:
    """Market data: BTC history, hosting deals, ASIC catalog (without the BTC chart when a
    user data file cannot be read: the page's warning names it)."""
    from hashpivot.web import market

    try:
        btc = market.btc_history(None, None)
    except InputError:
        figures, attribution = [], "BTC history: not shown, a user data file cannot be read"
    else:
        figures, attribution = [charts.btc_price(btc["rows"], btc["sources"])], btc["attribution"]
    return render(
        request,
        "market.html",
        {
            "figures": figures,
            "attribution": attribution,
            "tables": market.deals_tables(),
            "asics": market.asics(),
            "markets": market.power_markets(),
        },
    )
