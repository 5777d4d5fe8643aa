"""The value of a site's interval-by-interval flexibility, per MW of miners and month.

The pivot model curtails whole months only. A site with ``[sites.dispatch]`` also
curtails interval by interval against power prices, resells PPA power, answers demand
response and avoids 4CP peaks: :func:`dispatch_uplift_usd_per_mw_month` measures that with
the dispatch engine once, on the bundled prices of the site's market, as its net margin
gain over always-on operation spread over the fleet's MW and the price year. ``pivot``,
``simulate`` and ``optimize`` add it to each month's mining of the MW still mining (its
terminal value too), so the three value a dispatching site alike.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from hashpivot.units import HOURS_PER_MONTH

if TYPE_CHECKING:
    from hashpivot.models import Site


def dispatch_uplift_usd_per_mw_month(site: Site) -> tuple[float, str]:
    """Flexibility value of a site with ``[sites.dispatch]``, per MW of miners and month.

    The dispatch engine (:func:`hashpivot.engines.dispatch.run_dispatch`) runs once on the
    bundled prices of the site's market (curtailment, PPA resale, demand response, 4CP) and
    its net margin gain over always-on operation is spread over the fleet's MW and the
    hours of the price year. The pivot model curtails whole months only, so this is the
    value of interval-by-interval flexibility it misses; it is measured on one historical
    year and hashprice, not per scenario, and counted in every month the MW still mine,
    as in the optimizer. [USD/MW/month]

    Returns
    -------
    uplift : float
        0.0 when the site has no ``[sites.dispatch]`` or its prices cannot be loaded.
    note : str
        How the figure was obtained (for the resolved assumptions).
    """
    if site.dispatch is None:
        return 0.0, ""
    from hashpivot.engines.dispatch import load_prices, run_dispatch
    from hashpivot.exceptions import HashpivotError

    try:
        prices = load_prices(site)
        summary = run_dispatch(site, prices).summary()
    except (HashpivotError, OSError, ValueError) as exc:
        return 0.0, f"dispatch uplift not measured ({exc}); flat mining value used"
    fleet_mw = float(site.fleet_power_mw)
    hours = float(summary["hours"])
    if fleet_mw <= 0 or hours <= 0:
        return 0.0, "dispatch uplift not measured (no fleet)"
    gain = float(summary["net_margin_gain_vs_always_on_usd"])
    uplift = gain / fleet_mw / hours * HOURS_PER_MONTH
    return uplift, (
        f"dispatch {summary.get('solver', '')} on {len(prices):,} intervals of the bundled "
        f"prices: {gain / 1e6:,.1f} M USD over always-on = {uplift:,.0f} USD/MW-month"
    )


def site_dispatch_uplift(site: Site) -> tuple[float, str]:
    """:func:`dispatch_uplift_usd_per_mw_month`, computed once per distinct site (a run
    resolves its sites several times: tornado, break-even, per-site values)."""
    if site.dispatch is None:
        return 0.0, ""
    return _uplift_of(site.model_dump_json())


@lru_cache(maxsize=64)
def _uplift_of(site_json: str) -> tuple[float, str]:
    from hashpivot.models import Site

    return dispatch_uplift_usd_per_mw_month(Site.model_validate_json(site_json))


__all__ = ["dispatch_uplift_usd_per_mw_month", "site_dispatch_uplift"]
