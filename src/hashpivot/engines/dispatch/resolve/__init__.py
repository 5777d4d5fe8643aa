"""Resolve steps of a dispatch run: each turns one part of a site and its dispatch spec into
arrays over the price intervals and says where the values come from (REopt echoes its
inputs). No step reads a file: :mod:`hashpivot.engines.dispatch.sources` does.

One module per concept: :mod:`.load` (tranches, AI load, import limit), :mod:`.prices`
(hashprice, grid purchase price), :mod:`.renewable`, :mod:`.events` (demand response,
4CP) and :mod:`.emissions`.

Every step returns ``(values, provenance)`` where ``provenance`` holds the entries the
result's ``meta`` records (keys such as ``hashprice_source``, ``emissions_source``).
"""

from hashpivot.engines.dispatch.resolve.emissions import resolve_emissions
from hashpivot.engines.dispatch.resolve.events import resolve_demand_response, resolve_four_cp
from hashpivot.engines.dispatch.resolve.load import (
    AiLoad,
    entries_installed,
    resolve_ai_load,
    resolve_import_limit,
    resolve_tranches,
)
from hashpivot.engines.dispatch.resolve.prices import (
    GridPrice,
    resolve_grid_price,
    resolve_hashprice,
)
from hashpivot.engines.dispatch.resolve.provenance import Provenance
from hashpivot.engines.dispatch.resolve.renewable import resolve_renewable

__all__ = [
    "AiLoad",
    "GridPrice",
    "Provenance",
    "entries_installed",
    "resolve_ai_load",
    "resolve_demand_response",
    "resolve_emissions",
    "resolve_four_cp",
    "resolve_grid_price",
    "resolve_hashprice",
    "resolve_import_limit",
    "resolve_renewable",
    "resolve_tranches",
]
