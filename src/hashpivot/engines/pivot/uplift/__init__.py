"""How a ``[sites.dispatch]`` site's interval-by-interval flexibility, and its contracted
supply (a ``[sites.dispatch.ppa]`` block, a ``[sites.dispatch.renewable]`` plant), enter
the monthly valuation of ``pivot``, ``simulate`` and ``optimize``.

The monthly model mines a whole month or none; a dispatching site also curtails interval
by interval. The flow, one module a step:

1. :mod:`~hashpivot.engines.pivot.uplift.measurement`: the dispatch engine run on the
   price year (the bundled prices of the site's market) at each hashprice multiplier:
   the curve of the site's gain over always-on, and its contracted supply's settlement
   (:mod:`~hashpivot.engines.pivot.uplift.supply_settlement`: worth always on and with no
   miners, ``P_on`` and ``P_idle``);
2. :mod:`~hashpivot.engines.pivot.uplift.cache`: each distinct site measured once per
   process, the curves handed to a Monte Carlo's workers;
3. :mod:`~hashpivot.engines.pivot.uplift.curve`: the curve
   (:class:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift`) mapped onto each
   month's margin and index level, with the curve in force that month
   (:mod:`~hashpivot.engines.pivot.uplift.ppa_term`: a PPA block's window, the curve
   measured without the block outside it;
   :mod:`~hashpivot.engines.pivot.uplift.installed_layers`: a dated fleet entry's layer
   of the entries installed in each period, each entry's own curve from
   :mod:`~hashpivot.engines.pivot.uplift.layered`);
4. the breakdown the cash flows use
   (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.breakdown`: the uplift, the
   dispatch's shares of energy, revenue and running costs, ``P_on - P_idle`` with the MW
   still mining) and the site's stream of ``P_idle``, the same in every strategy
   (:mod:`~hashpivot.engines.pivot.uplift.supply_stream`).

Only ``supply_stream``, a line of the cash flows, builds on pivot's own modules (the
resolved site inputs, the fleet's power price, the connection); the others import nothing
of ``engines.pivot`` outside this package at run time (the dispatch engine and the
solvers on first use), so that pivot's ``inputs`` and ``fleet`` build on them without a
cycle. This file imports none of its modules: import the names from each.
"""
