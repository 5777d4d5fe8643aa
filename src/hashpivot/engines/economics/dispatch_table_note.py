"""What ``cost`` and ``backtest`` leave out of a site's ``[sites.dispatch]`` table.

Both price every MWh a fleet draws at its site's ``power_contract`` (price plus adder, a
flat price every day); a dispatch table's PPA, renewable supply, availability, demand
response, 4CP charge and curtailment against interval prices are valued by ``hashpivot
dispatch`` only (and by ``pivot``, which takes the gain the dispatch engine measures).
:func:`dispatch_table_notes` says so beside their result, so a cost per BTC at the
contract price is not read as the site's dispatched cost.
"""

from __future__ import annotations

from collections.abc import Collection

from hashpivot.models import Portfolio
from hashpivot.models.dispatch import DispatchSpec

__all__ = ["dispatch_table_notes"]


def _parts(spec: DispatchSpec) -> list[str]:
    """What a dispatch table holds that a flat contract price leaves out."""
    parts = []
    if spec.ppa is not None and spec.ppa.volume_mw > 0:
        parts.append(f"a {spec.ppa.volume_mw:g} MW PPA at {spec.ppa.price_usd_per_mwh:g} "
                     "USD/MWh")
    if spec.renewable is not None and spec.renewable.capacity_mw > 0:
        parts.append(f"{spec.renewable.capacity_mw:g} MW of {spec.renewable.kind} at "
                     f"{spec.renewable.price_usd_per_mwh:g} USD/MWh")
    if spec.availability_fraction < 1:
        parts.append(f"availability {spec.availability_fraction:g}")
    if spec.demand_response is not None and spec.demand_response.committed_mw > 0:
        parts.append(f"{spec.demand_response.committed_mw:g} MW of demand response")
    if spec.four_cp is not None:
        parts.append("the 4CP charge")
    return parts


def dispatch_table_notes(portfolio: Portfolio, site_names: Collection[str] | None = None
                         ) -> list[str]:
    """A note per site with a ``[sites.dispatch]`` table: the contract price its power is
    priced at here, what the table holds, and the command that values it.

    Parameters
    ----------
    portfolio : Portfolio
        The portfolio.
    site_names : collection of str, optional
        The sites the result counts (the others, not connected, are left out of it: no
        note); default every site.

    Returns
    -------
    list of str
        E.g. ``West Texas: power priced at its power_contract, 38 USD/MWh (index
        ercot:HB_WEST 35 + adder 3) on every MWh drawn; its [sites.dispatch] table (a 150
        MW PPA at 32 USD/MWh, ...) is not counted here: ...``.
    """
    notes = []
    for i, site in enumerate(portfolio.sites):
        spec = site.dispatch
        if spec is None or (site_names is not None and site.name not in site_names):
            continue
        pc = site.power_contract
        basis = (f"index {pc.market} " if pc.kind == "index" and pc.market
                 else f"{pc.kind} ")
        basis += (f"{pc.price_usd_per_mwh:g} + adder {pc.adder_usd_per_mwh:g}"
                  if pc.adder_usd_per_mwh else f"{pc.price_usd_per_mwh:g}")
        parts = _parts(spec)
        holds = f" ({', '.join(parts)})" if parts else ""
        notes.append(
            f"{site.name}: power priced at its power_contract (sites[{i}]), "
            f"{pc.all_in_price_usd_per_mwh:g} USD/MWh ({basis}) on every MWh the machines "
            f"draw, every day; its [sites.dispatch] table{holds} and curtailment against "
            f"interval prices are not counted here: a dispatch of this file (site "
            f"\"{site.name}\") values them"
        )
    return notes
