"""A fleet that never runs (every entry at ``uptime_fraction = 0``): one story in every engine.

Such a portfolio mines no BTC. ``cost`` and ``backtest`` report per BTC mined (cost per
BTC, margins, breakevens), which is then undefined: they refuse the file, one problem per
idle entry (:func:`~hashpivot.engines.economics.unit_economics.idle_fleet_problems`).
``pivot``, ``simulate`` and ``optimize`` value the site in cash: keep-mining is its costs
without revenue, and converting it is valued against that idle baseline, which is what an
owner of stopped machines asks. They value it, with :func:`idle_fleet_note` at the same
field paths, in the same words. A site with ``[sites.dispatch]`` is not idle in them: they
run its machines at its ``availability_fraction`` (the fleet's uptime counts curtailment,
which the dispatch decides itself); ``dispatch`` says so in its own note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashpivot.models import Site

__all__ = ["IDLE_WHY", "WHOLE_PORTFOLIO_IDLE", "idle_fleet_note"]

#: Who is idle when every machine of the portfolio is.
WHOLE_PORTFOLIO_IDLE = "every machine of the portfolio is idle"
#: Why a fleet that never runs has no cost per BTC (after who is idle).
IDLE_WHY = ("(uptime_fraction 0): no BTC is mined, so cost per BTC and margins are "
            "undefined")


def idle_fleet_note(sites: Iterable[tuple[int, Site, Sequence[int]]],
                    whole: bool) -> str | None:
    """The note of a forward engine whose valued sites mine nothing: every fleet entry at
    ``uptime_fraction`` 0 and no site with ``[sites.dispatch]``.

    Parameters
    ----------
    sites : iterable of (int, Site, sequence of int)
        The sites valued, each with its position in the file and those of the fleet
        entries that stand on the first month (the ones that ended before it left out).
    whole : bool
        Whether they are every site of the portfolio (else ``--site`` named one).

    Returns
    -------
    str or None
        ``"sites[i].fleet[j].uptime_fraction, ...: every machine ... is idle ..."``; None
        when one entry runs, a site dispatches, or there is no fleet.
    """
    paths = []
    for i, site, kept in sites:
        if site.dispatch is not None:
            return None  # its machines run at the availability
        for j in kept:
            if site.fleet[j].uptime_fraction > 0:
                return None
            paths.append(f"sites[{i}].fleet[{j}].uptime_fraction")
    if not paths:
        return None
    who = WHOLE_PORTFOLIO_IDLE if whole else "every machine of the site valued is idle"
    return (f"{', '.join(paths)}: {who} {IDLE_WHY} (cost and backtest refuse the file); "
            "valued anyway: keep_mining is the sites' costs without revenue, and each "
            "conversion is valued against that idle baseline")
