"""Dispatch engine: site + prices -> resolved :class:`DispatchProblem` -> solve -> result.

Stages (REopt-style pipeline, one module each):

* :mod:`~hashpivot.engines.dispatch.sources`: the site of a portfolio
  (:func:`select_site`), its price series (:func:`load_prices`) and the auxiliary files its
  ``[sites.dispatch]`` table names; the only module that reads files;
* :mod:`~hashpivot.engines.dispatch.resolve`: resolve steps, each returning arrays over the
  price intervals and their provenance, one module per concept (``load``: tranches, AI
  load, import limit; ``prices``: hashprice, grid price and contract; ``renewable``;
  ``events``: demand response, 4CP; ``emissions``);
* :mod:`~hashpivot.engines.dispatch.build`: :func:`build_dispatch_problem` runs the steps
  and records every provenance in ``problem.meta``;
* :mod:`~hashpivot.engines.dispatch.run`: :func:`run_dispatch` solves it with
  :func:`hashpivot.power.solve` (fast path or HiGHS); the
  :class:`~hashpivot.power.results.DispatchResult` echoes the resolved inputs and compares
  with always-on operation.

Defaults filled (each one recorded in ``problem.meta``):

* grid adder: ``dispatch.grid_adder_usd_per_mwh``, else the site power contract's adder;
* import limit: ``dispatch.limits.import_mw``, else the site's ``capacity_mw`` less its
  halls in service (``[[sites.hosting.in_service]]`` gross_mw), else none;
* hashprice: the ``hashprice`` argument, else ``dispatch.hashprice_usd_per_ph_day``, else
  from ``btc_price_usd`` / ``network_difficulty`` / ``fees_btc_per_block`` (missing ones
  from the bundled network state on the first day), else the **daily** hashprice of the
  bundled Coin Metrics data over the horizon;
* emissions factor: a series argument (marginal factors), else
  ``dispatch.emissions_factor_tco2_per_mwh``, else the bundled eGRID average of the
  site's region (NaN, with a note, for an unknown region);
* renewable shape: ``renewable.profile_file``, else a synthetic profile (clear-sky solar
  or seeded synthetic wind, flagged in ``meta``).

Errors name input paths (``sites[0].dispatch.emissions_file``) or argument names
(``prices_file``, ``market``, ``site``); only the CLI speaks of options.
"""

from hashpivot.engines.dispatch.alignment import align_to_index, interval_hours_of
from hashpivot.engines.dispatch.build import build_dispatch_problem
from hashpivot.engines.dispatch.resolve import resolve_hashprice, resolve_tranches
from hashpivot.engines.dispatch.run import run_dispatch, run_dispatch_file
from hashpivot.engines.dispatch.sources import load_prices, select_site

__all__ = [
    "align_to_index",
    "build_dispatch_problem",
    "interval_hours_of",
    "load_prices",
    "resolve_hashprice",
    "resolve_tranches",
    "run_dispatch",
    "run_dispatch_file",
    "select_site",
]
