"""Portfolio TOML for the tests: sites, power contracts, fleet lines, cost items and the
top-level tables as keyword arguments, written by ``tomli_w`` (the TOML writer the store
exports with), so that a test states only its own numbers.

A keyword that is ``None`` is left out of the file (the model's default applies), so the
text parses to exactly the tables and fields given, in any order the writer chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tomli_w

__all__ = [
    "Table", "contract", "machines", "portfolio_toml", "site", "site_opex", "table", "toml_text",
]

#: one TOML table (a site, a fleet line, a cost item, ``[pivot]``...) as a dict
Table = dict[str, Any]


def table(**fields: Any) -> Table:
    """The fields of a table, those that are ``None`` left out."""
    return {key: value for key, value in fields.items() if value is not None}


def toml_text(**document: Any) -> str:
    """TOML text of a document (top-level fields and tables), ``None`` values left out."""
    return tomli_w.dumps(table(**document))


def contract(price_usd_per_mwh: float, kind: str | None = None, **fields: Any) -> Table:
    """A ``[sites.power_contract]``: a price [USD/MWh], a ``kind`` when not the default."""
    return table(kind=kind, price_usd_per_mwh=price_usd_per_mwh, **fields)


def machines(name: str, hashrate_th_s: float, power_w: float, count: int,
             **fields: Any) -> Table:
    """A ``[[sites.fleet]]`` line of ``count`` machines of ``hashrate_th_s`` [TH/s] and
    ``power_w`` [W] each."""
    return table(name=name, hashrate_th_s=hashrate_th_s, power_w=power_w, count=count,
                 **fields)


def site_opex(name: str, usd_per_year: float, **fields: Any) -> Table:
    """A ``[[sites.cost_items]]`` of category ``site_opex`` costing ``usd_per_year`` [USD]."""
    return table(name=name, category="site_opex", **fields, usd_per_year=usd_per_year)


def site(name: str, power_contract: Table, *fleet: Table, cost_items: Sequence[Table] = (),
         hosting: Table | None = None, dispatch: Table | None = None, **fields: Any) -> Table:
    """A ``[[sites]]`` table: its own ``fields``, power contract, fleet lines, cost items,
    and ``[sites.hosting]`` and ``[sites.dispatch]`` when given."""
    return table(name=name, **fields, power_contract=power_contract,
                 fleet=list(fleet) or None, cost_items=list(cost_items) or None,
                 hosting=hosting, dispatch=dispatch)


def portfolio_toml(name: str, *sites: Table, **tables: Any) -> str:
    """TOML text of a portfolio: its ``name``, its ``sites`` and the top-level ``tables``
    (``pivot``, ``financing``, ``treasury``...) given."""
    return toml_text(name=name, sites=list(sites) or None, **tables)
