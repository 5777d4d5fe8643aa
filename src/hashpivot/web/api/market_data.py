"""The bundled market data of the REST API under ``/api/market``: BTC history, power
price series, hosting deals, the ASIC catalog, regulation rules (JSON built and cached
by :mod:`hashpivot.web.market`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hashpivot.web import market
from hashpivot.web.api.common import READ, Read, errors

router = APIRouter()


def _json(content: bytes) -> Response:
    return Response(content, media_type="application/json")


@router.get("/market/btc", tags=["market"], response_model=dict[str, Any],
             responses=errors(*READ))
def btc(_: Read, start: dt.date | None = None, end: dt.date | None = None) -> Response:
    """Bundled daily BTC history: price [USD], difficulty, fees [BTC/block]."""
    return _json(market.as_json("btc", start, end))


@router.get("/market/power/markets", tags=["market"], response_model=list[str],
             responses=errors(*READ))
async def power_market_keys(_: Read) -> Response:
    """Bundled power price series."""
    return _json(market.as_json("markets"))


@router.get("/market/power", tags=["market"], response_model=dict[str, Any],
             responses=errors(*READ))
def power(
    _: Read,
    market_key: Annotated[str, Query(alias="market", max_length=60)],
    hourly: bool = True,
) -> Response:
    """A bundled power price series [USD/MWh], hourly means by default."""
    return _json(market.as_json("power", market_key, hourly))


@router.get("/market/deals", tags=["market"], response_model=dict[str, Any],
             responses=errors(*READ))
async def hosting_deals(_: Read) -> Response:
    """Reference AI/HPC hosting deals and their implied rent [USD/kW/month]."""
    return _json(market.as_json("deals"))


@router.get("/market/asics", tags=["market"], response_model=dict[str, Any],
             responses=errors(*READ))
async def asic_catalog(_: Read) -> Response:
    """The bundled ASIC catalog: hashrate [TH/s], power [W], efficiency [J/TH]."""
    return _json(market.as_json("asics"))


@router.get("/market/regulation", tags=["market"], response_model=dict[str, Any],
             responses=errors(*READ))
async def regulation(_: Read) -> Response:
    """The bundled regulation rules applied by the optimizer (jurisdiction, effect, dates,
    source)."""
    return _json(market.as_json("regulation"))
