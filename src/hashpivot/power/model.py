"""The dispatch problem of one hybrid site: every input resolved to arrays over the intervals.

Plain dataclasses over numpy arrays (no pydantic, no files), with
:mod:`~hashpivot.power.tranches` (tranches and their segments),
:mod:`~hashpivot.power.schedule` (what a solver returns) and
:mod:`~hashpivot.power.intervals` (array types, constant series, blocks): the
engine (:mod:`hashpivot.engines.dispatch`) fills a :class:`DispatchProblem` from a site and
a price series; the solvers (:mod:`hashpivot.power.fast`, :mod:`hashpivot.power.lp`) turn
it into a :class:`~hashpivot.power.schedule.Schedule`;
:func:`hashpivot.power.results.evaluate_accounts` prices the schedule.

Conventions
-----------
* ``T`` intervals of length ``interval_hours_series[t]`` [h]; powers are interval means [MW];
  energy = power x hours [MWh].
* Mining is in tranches (:class:`~hashpivot.power.tranches.Tranche`), each one or two
  concave power segments.
* Site load = AI load + mining load. Supply: grid import (index price + adder), PPA energy
  used, renewable energy used. Unused PPA / renewable energy is resold at the index price
  (when allowed and the price is positive) or spilled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot.exceptions import InputError
from hashpivot.power.intervals import ALL, BoolArray, FloatArray
from hashpivot.power.problem_checks import problem_checks
from hashpivot.power.tranches import Segments, Tranche, tranche_segments

__all__ = ["DispatchProblem"]


@dataclass(frozen=True)
class DispatchProblem:
    """Every input of one dispatch run, resolved to arrays over the ``T`` intervals.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts (tz-aware, market local time).
    interval_hours_series : numpy.ndarray, shape (T,)
        Length of each interval. [h]
    price_usd_per_mwh_series : numpy.ndarray, shape (T,)
        Index (real-time) price. [USD/MWh]
    hashprice_usd_per_ph_day_series : numpy.ndarray, shape (T,)
        Hashprice in each interval, before the pool fee. [USD/(PH/s)/day]
    tranches : tuple of Tranche
        Mining tranches.
    pool_fee_fraction : float
        Pool fee. [-]
    ai_firm_mw : float
        AI load that must be served in every interval. [MW]
    ai_flexible_mw : float
        Mean flexible AI load, kept as energy within each window. [MW]
    ai_flexible_max_mw : float
        Largest flexible AI draw in an interval. [MW]
    ai_window_series : numpy.ndarray of int, shape (T,)
        Window number of each interval (flexible energy is conserved per window).
    grid_price_usd_per_mwh_series : numpy.ndarray, shape (T,), optional
        What grid energy costs the site before the adder when it differs from the market
        price (a fixed-price retail contract: the fixed price in every interval); None =
        ``price_usd_per_mwh_series``. Resale (PPA, renewables) is always at the market price.
        [USD/MWh]
    grid_adder_usd_per_mwh : float
        Adder over the index price on grid imports. [USD/MWh]
    ppa_volume_mw, ppa_price_usd_per_mwh : float
        Take-or-pay PPA block and price. [MW], [USD/MWh]
    ppa_resale_allowed, ppa_is_renewable : bool
        Unused PPA energy may be resold; PPA energy is zero-emission.
    ppa_curtail_at_negative_price : bool
        A physical PPA's unused energy is spilled at no cost where the index price is at or
        below zero (the contract lets the generator curtail there, the block still paid);
        False: it settles at the index price in every interval, a negative one included
        (ERCOT settles a delivered block the load does not take at the real-time price).
    ppa_financial : bool
        The PPA is settled financially (a contract for differences): it delivers no
        energy, and its whole volume settles at the index price in every interval, a
        negative one included (``ppa_resold_mw`` is the volume, ``ppa_used_mw`` zero).
    renewable_mw_series : numpy.ndarray, shape (T,)
        Renewable generation available. [MW]
    renewable_price_usd_per_mwh : float
        Price paid per MWh generated. [USD/MWh]
    renewable_resale_allowed : bool
        Surplus generation may be resold.
    dr_committed_mw, dr_readiness_usd_per_mw_hour, dr_penalty_usd_per_mwh : float
        Demand response: capacity [MW], readiness payment [USD/(MW h)], penalty [USD/MWh].
    dr_event_series : numpy.ndarray of bool, shape (T,)
        Intervals in a called event.
    dr_keep_online : bool
        Outside events, mining must draw at least the committed MW to be available.
    dr_withdrawable : bool
        With ``dr_keep_online``: outside events the site may draw less than the committed
        MW in an interval; the MW it could not then curtail are unavailable there, earn no
        readiness and pay ``dr_unavailable_usd_per_mw_hour`` (:meth:`dr_available_mw`).
        False: the commitment is firm, mining draws it outside every event
        (:meth:`mining_floor_mw`).
    dr_unavailable_usd_per_mw_hour : float
        Charge per MW of the commitment unavailable, per hour, on top of the readiness
        forfeited. [USD/(MW h)]
    fourcp_usd_per_kw_year : float
        4CP charge. [USD/kW/year]
    fourcp_peak_series : numpy.ndarray of bool, shape (T,)
        Peak intervals; the charge applies to the mean grid withdrawal over them.
    import_limit_mw : float
        Maximum grid withdrawal (grid import + PPA energy used); ``inf`` = none. [MW]
    ramp_mw_per_interval : float
        Maximum change of site load between consecutive intervals; ``inf`` = none. [MW]
    min_up_intervals, min_down_intervals : int
        Minimum on / off times of each tranche (MILP when > 1). [intervals]
    commitment_block_mw : float
        Largest group of machines switched on or off together in the MILP (a container, a
        hall's row): each tranche is committed in :meth:`tranche_blocks` equal blocks, its
        on/off variable a count of blocks on; ``inf`` = each tranche as one block. [MW]
    emissions_tco2_per_mwh_series : numpy.ndarray, shape (T,)
        Grid emissions factor (average or marginal series). [t CO2/MWh]
    tranche_installed_series : numpy.ndarray of bool, shape (T, K), optional
        Tranche k's machines are installed in interval t (a fleet entry's ``start`` and
        ``end``); outside those intervals it draws nothing, and each is installed over
        one span at most (one entry's dates). None: every tranche, always.
    mining_floor_mw_series : numpy.ndarray, shape (T,), optional
        The least mining in each interval where given (:meth:`mining_floor_mw`: a
        rolling-horizon window takes its horizon's, so the windows hold the floor the whole
        problem does). [MW]
    meta : dict
        Free-form provenance (price source, hashprice source, factor source...).
    """

    index: pd.DatetimeIndex
    interval_hours_series: FloatArray
    price_usd_per_mwh_series: FloatArray
    hashprice_usd_per_ph_day_series: FloatArray
    tranches: tuple[Tranche, ...]
    pool_fee_fraction: float = 0.0
    ai_firm_mw: float = 0.0
    ai_flexible_mw: float = 0.0
    ai_flexible_max_mw: float = 0.0
    ai_window_series: npt.NDArray[np.int64] | None = None
    grid_adder_usd_per_mwh: float = 0.0
    ppa_volume_mw: float = 0.0
    ppa_price_usd_per_mwh: float = 0.0
    ppa_resale_allowed: bool = True
    ppa_is_renewable: bool = False
    ppa_financial: bool = False
    ppa_curtail_at_negative_price: bool = False
    renewable_mw_series: FloatArray | None = None
    renewable_price_usd_per_mwh: float = 0.0
    renewable_resale_allowed: bool = True
    dr_committed_mw: float = 0.0
    dr_readiness_usd_per_mw_hour: float = 0.0
    dr_penalty_usd_per_mwh: float = 0.0
    dr_event_series: BoolArray | None = None
    dr_keep_online: bool = False
    dr_withdrawable: bool = True
    dr_unavailable_usd_per_mw_hour: float = 0.0
    fourcp_usd_per_kw_year: float = 0.0
    fourcp_peak_series: BoolArray | None = None
    import_limit_mw: float = math.inf
    ramp_mw_per_interval: float = math.inf
    min_up_intervals: int = 1
    min_down_intervals: int = 1
    commitment_block_mw: float = math.inf
    emissions_tco2_per_mwh_series: FloatArray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    grid_price_usd_per_mwh_series: FloatArray | None = None
    tranche_installed_series: BoolArray | None = None
    mining_floor_mw_series: FloatArray | None = None

    def grid_purchase_price_usd_per_mwh(self, rows: slice = ALL) -> FloatArray:
        """Price paid for grid energy before the adder, per interval (of ``rows``). [USD/MWh]"""
        if self.grid_price_usd_per_mwh_series is None:
            return np.asarray(self.price_usd_per_mwh_series, dtype=float)[rows]
        return np.asarray(self.grid_price_usd_per_mwh_series, dtype=float)[rows]

    def __post_init__(self) -> None:
        found = problem_checks(self)
        if found:
            raise InputError(found)

    # ---- derived -----------------------------------------------------------------------
    @property
    def n_intervals(self) -> int:
        """Number of intervals ``T``."""
        return len(self.index)

    @property
    def segments(self) -> Segments:
        """Concave power segments of the tranches."""
        return tranche_segments(self.tranches)

    @property
    def mining_capacity_mw(self) -> float:
        """Total mining power at rated clock, every tranche installed. [MW]"""
        return float(sum(t.power_mw for t in self.tranches))

    def installed(self, rows: slice = ALL) -> BoolArray:
        """Tranches installed in each interval (of ``rows``), shape (rows, K)."""
        if self.tranche_installed_series is None:
            return np.ones((self._count(rows), len(self.tranches)), dtype=bool)
        return np.asarray(self.tranche_installed_series, dtype=bool)[rows]

    def tranche_blocks(self) -> npt.NDArray[np.int64]:
        """Blocks each tranche is committed in, shape (K,): its power over
        ``commitment_block_mw`` rounded up (at least 1), so no block exceeds it."""
        power = np.array([t.power_mw for t in self.tranches], dtype=float)
        if not math.isfinite(self.commitment_block_mw):
            return np.ones(len(power), dtype=np.int64)
        blocks = np.ceil(power / self.commitment_block_mw - 1e-9)
        return np.maximum(blocks, 1).astype(np.int64)

    def segment_cap_mw(self, rows: slice = ALL) -> FloatArray:
        """Width of each segment in each interval (of ``rows``): zero where its tranche is
        not installed, shape (rows, S). [MW]"""
        seg = self.segments
        cap = np.broadcast_to(seg.cap_mw[None, :], (self._count(rows), seg.n))
        if self.tranche_installed_series is None:
            return cap
        return np.where(self.installed(rows)[:, seg.tranche], cap, 0.0)

    def mining_capacity_series_mw(self, rows: slice = ALL) -> FloatArray:
        """Mining power at rated clock of the tranches installed in each interval (of
        ``rows``). [MW]"""
        if self.tranche_installed_series is None:
            return np.full(self._count(rows), self.mining_capacity_mw)
        power = np.array([t.power_mw for t in self.tranches], dtype=float)
        return np.asarray(self.installed(rows) @ power, dtype=float)

    @property
    def max_site_load_mw(self) -> float:
        """AI firm + flexible maximum + all mining at rated clock. [MW]"""
        flex = self.ai_flexible_max_mw if self.ai_flexible_mw > 0 else 0.0
        return self.ai_firm_mw + flex + self.mining_capacity_mw

    def dr_committed_series_mw(self, rows: slice = ALL) -> FloatArray:
        """The DR commitment the site can honour in each interval (of ``rows``): the
        committed MW, at most the load it can curtail there (the mining installed at rated
        clock and the flexible AI's maximum); readiness is paid on it and an event takes it
        from the site's load. [MW]"""
        n = self._count(rows)
        if self.tranche_installed_series is None or self.dr_committed_mw <= 0:
            return np.full(n, self.dr_committed_mw)
        flex = self.ai_flexible_max_mw if self.ai_flexible_mw > 0 else 0.0
        return np.minimum(self.dr_committed_mw, self.mining_capacity_series_mw(rows) + flex)

    @property
    def dr_availability_priced(self) -> bool:
        """True when the DR commitment may be withdrawn interval by interval
        (``dr_keep_online`` and ``dr_withdrawable`` with MW committed): its availability
        is then priced, not enforced."""
        return self.dr_keep_online and self.dr_withdrawable and self.dr_committed_mw > 0

    def dr_availability_usd_per_mwh(self, rows: slice = ALL) -> FloatArray:
        """What a MWh of mining within the DR commitment earns besides its hashrate,
        outside events (of ``rows``), where availability is priced
        (:attr:`dr_availability_priced`): the readiness it keeps plus the unavailability
        charge it avoids; zero elsewhere. [USD/MWh]"""
        if not self.dr_availability_priced:
            return np.zeros(self._count(rows))
        rate = self.dr_readiness_usd_per_mw_hour + self.dr_unavailable_usd_per_mw_hour
        return np.where(self.event(rows), 0.0, rate)

    def dr_mining_commitment_mw(self, rows: slice = ALL) -> FloatArray:
        """The part of the honoured DR commitment (:meth:`dr_committed_series_mw`) that
        mining carries in each interval (of ``rows``): at most the mining installed at
        rated clock, the rest the flexible AI load's. Kept online, mining draws it outside
        events (:meth:`mining_floor_mw`, or priced where it may be withdrawn:
        :meth:`dr_available_mw`). [MW]"""
        return np.minimum(self.dr_committed_series_mw(rows), self.mining_capacity_series_mw(rows))

    def dr_available_mw(self, mining_mw: FloatArray, rows: slice = ALL) -> FloatArray:
        """The DR commitment available in each interval (of ``rows``) given the mining
        drawn there: the honoured commitment (:meth:`dr_committed_series_mw`), outside
        events less what mining draws short of its part of it
        (:meth:`dr_mining_commitment_mw`) where availability is priced
        (:attr:`dr_availability_priced`; a load resource must be consuming what it
        offers to curtail; the flexible AI load's part is available as in a firm
        commitment). [MW]"""
        committed = self.dr_committed_series_mw(rows)
        if not self.dr_availability_priced:
            return committed
        short = np.maximum(self.dr_mining_commitment_mw(rows) - np.maximum(mining_mw, 0.0), 0.0)
        return np.where(self.event(rows), committed, committed - short)

    def mining_floor_mw(self, milp: bool = False) -> FloatArray:
        """Least mining in each interval: outside DR events with ``dr_keep_online`` and a
        firm commitment (``dr_withdrawable`` false), the
        commitment honoured (:meth:`dr_committed_series_mw`) up to the mining installed,
        rising no faster than the ramp limit (after an event, or once machines are
        installed mid-horizon, mining is brought back up to it at that rate); without
        on/off binaries (``milp`` false) also falling at that rate ahead of a retirement
        that leaves less installed than the commitment, as mining must ramp down to what
        will be left (with binaries a leaving tranche's draw is let go at its retirement:
        :func:`~hashpivot.power.lp.families.define_ramp`). ``mining_floor_mw_series``
        where given (a rolling-horizon window takes its horizon's). Zeros otherwise. [MW]"""
        t = self.n_intervals
        if self.mining_floor_mw_series is not None:
            return np.asarray(self.mining_floor_mw_series, dtype=np.float64)
        if not (self.dr_keep_online and self.dr_committed_mw > 0) or self.dr_withdrawable:
            return np.zeros(t)
        floor = np.where(self.event(), 0.0, self.dr_mining_commitment_mw())
        ramp = self.ramp_mw_per_interval
        if math.isfinite(ramp):
            # floor(i) = min over j <= i of floor(j) + (i - j) ramp: a running minimum
            step = ramp * np.arange(t)
            floor = np.minimum.accumulate(floor - step) + step
            if not milp and self.tranche_installed_series is not None:
                # the most mining can be by then: min over j >= i of cap(j) + (j - i) ramp
                most = self.mining_capacity_series_mw() + step
                floor = np.minimum(floor, np.minimum.accumulate(most[::-1])[::-1] - step)
        return np.asarray(floor, dtype=np.float64)

    def max_site_load_series_mw(self, rows: slice = ALL) -> FloatArray:
        """AI firm + flexible maximum + the mining installed at rated clock, per interval
        (of ``rows``): what a DR event's committed MW are taken from. [MW]"""
        flex = self.ai_flexible_max_mw if self.ai_flexible_mw > 0 else 0.0
        return self.ai_firm_mw + flex + self.mining_capacity_series_mw(rows)

    def _count(self, rows: slice) -> int:
        """Number of intervals in ``rows``."""
        return len(range(*rows.indices(self.n_intervals)))

    def renewable(self, rows: slice = ALL) -> FloatArray:
        """Renewable generation available (in ``rows``), zeros when none. [MW]"""
        if self.renewable_mw_series is None:
            return np.zeros(self._count(rows))
        return np.asarray(self.renewable_mw_series, dtype=float)[rows]

    def event(self, rows: slice = ALL) -> BoolArray:
        """DR event mask (of ``rows``), all False when none."""
        if self.dr_event_series is None or self.dr_committed_mw <= 0:
            return np.zeros(self._count(rows), dtype=bool)
        return np.asarray(self.dr_event_series, dtype=bool)[rows]

    def peak(self, rows: slice = ALL) -> BoolArray:
        """4CP peak mask (of ``rows``), all False when none."""
        if self.fourcp_peak_series is None or self.fourcp_usd_per_kw_year <= 0:
            return np.zeros(self._count(rows), dtype=bool)
        return np.asarray(self.fourcp_peak_series, dtype=bool)[rows]

    @cached_property
    def n_peak_intervals(self) -> int:
        """Number of 4CP peak intervals in the horizon."""
        return int(self.peak().sum())

    def fourcp_usd_per_mw(self, rows: slice = ALL) -> FloatArray:
        """4CP charge per MW of withdrawal in each interval (of ``rows``; 0 outside peaks).
        [USD/MW]

        ``charge = rate [USD/kW/year] * 1000 * mean(withdrawal over the n peaks) [MW]``, so a
        peak interval costs ``rate * 1000 / n`` per MW withdrawn (``n`` over the horizon).
        """
        n = self.n_peak_intervals
        if n == 0:
            return np.zeros(self._count(rows))
        return np.where(self.peak(rows), self.fourcp_usd_per_kw_year * 1000.0 / n, 0.0)

    def windows(self) -> npt.NDArray[np.int64]:
        """Flexible-AI window of each interval (all zeros when none given)."""
        if self.ai_window_series is None:
            return np.zeros(self.n_intervals, dtype=np.int64)
        return np.asarray(self.ai_window_series, dtype=np.int64)

    def emissions_factor(self, rows: slice = ALL) -> FloatArray:
        """Grid emissions factor per interval (of ``rows``), zeros when unknown. [t CO2/MWh]"""
        if self.emissions_tco2_per_mwh_series is None:
            return np.zeros(self._count(rows))
        return np.asarray(self.emissions_tco2_per_mwh_series, dtype=float)[rows]

    def segment_value_usd_per_mwh(self, rows: slice = ALL) -> FloatArray:
        """Mining value of a MWh in each segment and interval (of ``rows``), after pool fee.
        [USD/MWh]

        ``hashprice [USD/PH/day] * hashrate per MW [PH/s/MW] / 24 h * (1 - fee)``;
        shape (T, S).
        """
        seg = self.segments
        hp = np.asarray(self.hashprice_usd_per_ph_day_series, dtype=float)[rows]
        return (hp[:, None] * seg.ph_s_per_mw[None, :]) * (1.0 - self.pool_fee_fraction) / 24.0

    @property
    def links_intervals(self) -> bool:
        """True when a constraint couples intervals (flexible AI, ramps, min up/down)."""
        return (
            self.ai_flexible_mw > 0
            or math.isfinite(self.ramp_mw_per_interval)
            or self.min_up_intervals > 1
            or self.min_down_intervals > 1
        )

    @property
    def needs_milp(self) -> bool:
        """True when min up/down times need on/off binaries."""
        return self.min_up_intervals > 1 or self.min_down_intervals > 1

    def replace(self, **changes: Any) -> DispatchProblem:
        """A copy with some fields changed."""
        from dataclasses import replace as _replace

        return _replace(self, **changes)

    def window(self, start: int, stop: int) -> DispatchProblem:
        """The problem over intervals ``start:stop`` (a rolling-horizon window).

        Every ``_series`` array is sliced. The 4CP charge is spread over the peaks of the
        whole horizon, so the window's rate is scaled by its share of the peaks: a peak
        interval costs the same per MW in the window as in the whole problem.
        """
        sl = slice(start, stop)
        changes: dict[str, Any] = {"index": self.index[sl]}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_series") and value is not None:
                changes[f.name] = np.asarray(value)[sl]
        n_peaks = int(self.peak().sum())
        if n_peaks:
            changes["fourcp_usd_per_kw_year"] = (
                self.fourcp_usd_per_kw_year * int(self.peak()[sl].sum()) / n_peaks
            )
        return self.replace(**changes)
