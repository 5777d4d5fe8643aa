"""The LP/MILP dispatch on HiGHS (``highspy``) for constraints that link intervals.

Built PyPSA-style: a model container (:mod:`~.container`), one ``define_*`` function per
family of variables and constraints (:mod:`~.families`), a warm start for the MILP
(:mod:`~.warm_start`), the HiGHS adapter (:mod:`~.adapter`), the schedule read back from
the solution (:mod:`~.extract`) and :func:`solve_lp` (:mod:`~.solve`), which returns a
typed :class:`~hashpivot.power.report.SolveReport`.

Names. A variable is named after the :class:`~hashpivot.power.model.Schedule` field it
fills, without the unit (``grid`` fills ``grid_mw``); a constraint is named
``"{variable}-{rule}-{bound}"`` with bound ``eq``, ``upper``, ``lower`` or ``range``.
Every variable exists in every model; a variable the site does not use is an empty block.

Variables (``T`` intervals, ``S`` segments, ``K`` tranches):

=====================  ==========  ===============================  =====================
variable               shape       meaning [unit]                   bounds
=====================  ==========  ===============================  =====================
``segment``            (T, S)      mining power per segment [MW]    ``0 .. cap_s``
``mining``             (T,)        mining power of the site [MW]    ``C .. inf`` outside
                                                                    DR events (firm DR)
``grid``               (T,)        grid import [MW]                 ``0 .. import limit``
``ppa_used``           (T,) or 0   PPA energy used on site [MW]     ``0 .. volume``
``ppa_resold``         (T,) or 0   PPA energy resold [MW]           ``0 .. volume``
``renewable_used``     (T,) or 0   renewable used on site [MW]      ``0 .. available``
``renewable_resold``   (T,) or 0   renewable resold [MW]            ``0 .. available``
``ai_flexible``        (T,) or 0   flexible AI draw [MW]            ``0 .. max``
``dr_shortfall``       (events,)   load above the DR limit [MW]     ``0 ..``
``dr_available``       (others,)   DR commitment available [MW]     ``0 .. committed``
``tranche_on``         (T, K|0)    blocks committed (MILP) [-]      integer ``0 .. n_k``
``tranche_start``      (T, K|0)    blocks switched on [-]           ``0 .. n_k``
``tranche_stop``       (T, K|0)    blocks switched off [-]          ``0 .. n_k``
=====================  ==========  ===============================  =====================

Constraints (only those the site needs are built):

* ``mining-segments-eq``: mining = sum of segments;
* ``ppa_used-volume-upper``: PPA used + resold <= volume (``ppa_used-volume-eq``, = volume,
  where a physical PPA's unused energy settles at any price);
* ``mining-dr_available-lower``: mining >= DR commitment available (less the flexible AI
  load's part of it), outside events, where it may be withdrawn (``dr_available`` earns
  the readiness and the unavailability charge);
* ``renewable_used-available-upper``: renewable used + resold <= available;
* ``grid-import-upper``: grid + PPA used <= import limit (with a PPA);
* ``ai_flexible-energy-eq``: flexible AI energy per window = mean x window hours;
* ``site_load-balance-eq``: grid + PPA used + renewable used = AI firm + AI flexible +
  mining;
* ``site_load-event-upper``: mining + AI flexible - shortfall <= max load - committed -
  AI firm in DR events;
* ``site_load-ramp-range``: |load(t) - load(t-1)| <= ramp (``site_load-boundary-range``
  from the state before a rolling-horizon window); with on/off binaries, where the fleet
  installed changes, ``site_load-fleet-lower`` / ``-upper`` (and
  ``site_load-boundary-upper``) instead: the step without the power of the tranches
  leaving / joining;
* ``segment-on-upper``: segment power <= its width / n_k x on (each block on has its
  share of each segment); ``segment-on-lower``: tranche power >= f_min P_k / n_k x on
  (``n_k`` blocks of tranche k, :meth:`~hashpivot.power.model.
  DispatchProblem.tranche_blocks`; 1 by default, ``tranche_on`` then binary);
* ``tranche_on-transition-eq``: on(t) - on(t-1) = start(t) - stop(t);
* ``tranche_start-min_up-upper``, ``tranche_stop-min_down-upper``: min up/down times,
  blocks started over the last UT intervals <= on(t), stopped over the last DT <= n_k -
  on(t) (clustered unit commitment).

The objective (minimized) is minus the net margin of :mod:`hashpivot.power.results`
without its constants (PPA and renewable payments, DR readiness:
:func:`fixed_margin_usd`), which are added back for the report's ``objective``.
"""

from __future__ import annotations

from hashpivot.power.lp.container import LinearModel
from hashpivot.power.lp.solve import build_model, fixed_margin_usd, solve_lp
from hashpivot.power.lp.warm_start import enforce_min_up_down
from hashpivot.power.report import SolveReport

__all__ = [
    "LinearModel",
    "SolveReport",
    "build_model",
    "enforce_min_up_down",
    "fixed_margin_usd",
    "solve_lp",
]
