"""Input/output: bundled data loaders, file readers (``read_*``) and fetchers (``get_*``).

Like pvlib's ``iotools``, one source per module: :mod:`~hashpivot.io.ercot`,
:mod:`~hashpivot.io.nyiso`, :mod:`~hashpivot.io.price_file` (generic files and layout
detection), :mod:`~hashpivot.io.bundled` and :mod:`~hashpivot.io.bundled_markets` (bundled
chain history and power-market years), :mod:`~hashpivot.io.regulation` (rules by state and
ISO), :mod:`~hashpivot.io.mempool` and :mod:`~hashpivot.io.chain_history` (live chain data),
:mod:`~hashpivot.io.gridstatus_fetch` (live prices, optional ``gridstatus``). Every
reader or fetcher hands its buffer or payload to a ``_parse_*`` function that tests call
directly. The package reads only its own bundled data (:mod:`importlib.resources`) and the
user data directory of ``hashpivot data update`` (:mod:`hashpivot.io.user_data`); the
network is touched only by the ``get_*`` fetchers, :func:`fetch_daily_history` and
:func:`hashpivot.io.update.update_history`, which nothing calls implicitly.

Bundled BTC data: Source: Coin Metrics Community Network Data (CC BY-NC 4.0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hashpivot.exceptions import UnknownAsicError
from hashpivot.io._timestamps import ERCOT_TZ, NYISO_TZ, region_timezone
from hashpivot.io.asics import (
    AsicSpec,
    asic_suggestions,
    find_asic,
    load_asic_catalog,
    model_key,
)
from hashpivot.io.bundled import (
    COINMETRICS_ATTRIBUTION,
    NetworkState,
    btc_daily_range,
    btc_daily_sources,
    load_btc_daily,
    load_hosting_deals,
    load_miner_unit_costs,
    network_state_on,
    sources_text,
)
from hashpivot.io.bundled_markets import (
    BUNDLED_MARKETS,
    NYISO_ZONES,
    MarketKey,
    bundled_market_key,
    bundled_market_keys,
    load_market_prices,
    market_with_year,
    parse_market,
)
from hashpivot.io.coinmetrics import read_coinmetrics_csv
from hashpivot.io.emission_factors import load_emission_factors
from hashpivot.io.ercot import (
    read_ercot_dam_spp,
    read_ercot_hourly_lz,
    read_ercot_rtm_spp,
    read_ercot_sced_lmp,
)
from hashpivot.io.gridstatus_fetch import get_ercot_spp, get_nyiso_lmp
from hashpivot.io.nyiso import read_nyiso_zonal
from hashpivot.io.price_file import read_price_file, read_prices_auto, read_series_file
from hashpivot.io.regulation import (
    load_portfolio_rules,
    load_regulation_rules,
    read_regulation_rules,
)

if TYPE_CHECKING:
    from hashpivot.io.chain_history import fetch_daily_history
    from hashpivot.io.mempool import get_network_state

__all__ = [
    "BUNDLED_MARKETS",
    "COINMETRICS_ATTRIBUTION",
    "ERCOT_TZ",
    "NYISO_TZ",
    "NYISO_ZONES",
    "AsicSpec",
    "MarketKey",
    "NetworkState",
    "UnknownAsicError",
    "asic_suggestions",
    "btc_daily_range",
    "btc_daily_sources",
    "bundled_market_key",
    "bundled_market_keys",
    "fetch_daily_history",
    "find_asic",
    "get_ercot_spp",
    "get_network_state",
    "get_nyiso_lmp",
    "load_asic_catalog",
    "load_btc_daily",
    "load_emission_factors",
    "load_hosting_deals",
    "load_market_prices",
    "load_miner_unit_costs",
    "load_portfolio_rules",
    "load_regulation_rules",
    "market_with_year",
    "model_key",
    "network_state_on",
    "parse_market",
    "read_coinmetrics_csv",
    "read_ercot_dam_spp",
    "read_ercot_hourly_lz",
    "read_ercot_rtm_spp",
    "read_ercot_sced_lmp",
    "read_nyiso_zonal",
    "read_price_file",
    "read_prices_auto",
    "read_regulation_rules",
    "read_series_file",
    "region_timezone",
    "sources_text",
]


#: The live chain-data fetchers import httpx: loaded only when asked for.
_LAZY = {
    "get_network_state": "hashpivot.io.mempool",
    "fetch_daily_history": "hashpivot.io.chain_history",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hashpivot.io' has no attribute {name!r}")
