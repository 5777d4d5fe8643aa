"""The value of a site's interval-by-interval flexibility, per MW of miners and month, at
each month's margin.

The pivot model decides month by month: a site mines a whole month when its revenue beats
the month's mean power price, else it is off. A site with ``[sites.dispatch]`` also
curtails interval by interval against power prices, resells PPA power, answers demand
response and avoids 4CP peaks; what that adds depends on the margin. When hashprice is
high only the price spikes are worth curtailing; after a halving many more hours are, and
in a month whose mean price loses money the cheap hours are still worth mining.

:func:`~hashpivot.engines.pivot.uplift.measurement.measure_dispatch_uplift` runs the
dispatch engine on the bundled prices of the site's market with its hashprice scaled by
each multiplier ``k`` of :data:`~hashpivot.engines.pivot.uplift.measurement.MULTIPLIERS`
(``k = 1``: the price year's own hashprice) and keeps ``G(k)``, its net margin gain over
always-on operation as the monthly model counts it, per MW of the fleet and month
(:meth:`DispatchUplift.gain` between and beyond the multipliers). The monthly model's
always-on site pays no 4CP transmission charge (its power price is the contract's), so
``G`` is the engine's gain over its always-on schedule less that schedule's 4CP charge:
a 4CP tariff in ``[sites.dispatch]`` is a cost of the dispatching site (what it still pays
after avoiding peaks), never a credit. A month of ``pivot``, ``simulate`` or
``optimize`` is mapped onto the price year with the same margin
(:meth:`DispatchUplift.usd_per_mw_month`):

    ``lambda_t = (power price_t - a) / i_ref`` (the price year's index prices scaled to
    the month's level; the adders are paid at their rate; 1 on a fixed contract),
    ``k0_t = (hashprice_t x TH/s per MW_t) / (hp_ref x TH/s per MW_ref)``,
    ``k_t = (k0_t - alpha) / lambda_t + alpha``,
    ``gain_t = (lambda_t (G(k_t) - D(k_t)) + D(k_t)
    + (1 - lambda_t) (A(k_t) - c (1 - rho(k_t)))) h_t / 730.5``,
    ``month_t = max(0, margin_t + gain_t - v phi(k_t))``, the month's mining worth,

``i_ref`` the price year's mean index price (hours-weighted: the level the month's index
price, its contract price less the adder, is a multiple of; on a fixed contract its fixed
price, so ``lambda = 1``: a fixed price follows no index and the price year's index prices,
which then value only PPA and renewable resale and settlement, are taken as they are),
``p_ref`` the price year's mean energy price as the site pays it always on (its power cost
net of resale, without 4CP charges, over its energy), ``s_ref`` the grid adder's part of
it, ``a`` the adder in the monthly model's power price (the contract's), ``hp_ref`` the
price year's mean hashprice, ``h_t`` the month's hours, ``margin_t`` the month's revenue
less power cost always on in the monthly model (per MW), ``v`` the site's variable costs
per MW and month (paid in months mined: the monthly model mines when ``margin_t > v``),
``phi(k)`` and ``rho(k)`` the dispatch's energy and revenue shares (it pays ``phi`` of
the variable costs). ``D(k)`` is the part of ``G(k)`` paid at set rates, not at the power
price: demand-response income (readiness payments less penalties) less the 4CP
transmission charge the miners still pay (the dispatch's less the firm AI load's own, which
is the AI load's in every strategy). The grid adder (``[sites.dispatch]
grid_adder_usd_per_mwh``, else the contract's: transmission and delivery charges, fees)
is paid at its rate too: ``alpha = c / R`` is the adder over always-on's mining revenue
per MWh (``c`` the adder on always-on's mining energy, ``R`` that energy's revenue, per
MW and month of the price year) and ``A(k)`` the adder the dispatch does not pay. Then
the price year's intervals that lose money at ``k_t`` are those that lose money in the
month, and ``gain_t`` is exactly what the price year's dispatch at ``k_t`` earns at the
month's index prices and revenue, its adder paid at its rate (scaling the adder with the
level instead was off by 3-15 % at an adder of 3 USD/MWh and up to 40 % at 10, measured
against the engine on the bundled ERCOT prices). So a month's mining is worth
always-on plus what dispatching gains, less the variable costs of the energy mined, never
below off. The uplift (:meth:`DispatchUplift.usd_per_mw_month`) is what dispatching adds
to the monthly model's revenue less power cost; with ``v = 0`` it is ``max(0, margin_t +
gain_t) - max(0, margin_t)``, which is ``max(0, gain_t - max(0, -margin_t))`` for ``gain_t
>= 0``: where the month loses money, whole-month curtailment already saves the loss.
``hashprice x TH/s per MW`` is the revenue of one MW (decay, replacements and, in the
optimizer, each fleet tranche's own efficiency move it); the intra-month shape of prices
is the price year's, its spread proportional to the index level. Without set-rate items
and adders the engine is homogeneous of degree 1 in prices and revenue, and ``lambda
G(k)`` is its gain at the month's level exactly; with them, ``gain_t`` is what the price
year's dispatch at ``k_t`` earns at the month's level (a lower bound of the engine's own
optimum there: that schedule stays feasible). With a PPA block the adder is paid on
grid imports only (``s_ref`` is that part of ``p_ref``) and the PPA's price is fixed, so
the index-level mapping is approximate: against the engine, on levels 0.5-3 and
multipliers 0.3-1.5 with a 40 MW PPA for 44 MW of miners, 0.3 % off at the median and
4.3 % at worst (a month where mining barely pays; a test holds 5 %;
``scripts/measure_uplift_accuracy.py`` prints these figures). Until 2026-12-07 the level
was taken over ``p_ref - s_ref``, what the site pays on balance, not over the index: the
same on a site the grid alone supplies, but with a PPA or renewables priced away from the
index the month's prices were scaled by the wrong factor (a fixed contract with a
financial PPA netting 5.7 USD/MWh was scaled 8.9-fold and curtailed the mining the engine
runs every hour). ``G`` is a gain over the engine's always-on, which already takes the
energy of a PPA block and of a renewable plant and pays their prices: this contracted
supply's own settlement is counted on its own
(:mod:`~hashpivot.engines.pivot.uplift.supply_settlement`): ``P_on - P_idle``, what the miners' use
of it adds at the month's index level, is added to ``gain_t`` (floored with mining); its
worth with no miners, ``P_idle``, is no part of the uplift: the site's in every strategy,
from its whole fleet's MW (:meth:`DispatchUplift.supply_idle_usd_per_mw_month`,
:mod:`~hashpivot.engines.pivot.uplift.supply_stream`; a conversion ends no contract). Until
2026-12-07 the supply was left out (a 40 MW PPA at 20 USD/MWh on an index averaging 59.8,
worth 13.9 M USD a year to 44.1 MW of miners, moved keep-mining by nothing), then the PPA
briefly went whole with the MW still mining, the renewable plant still left out. The uplift
is
added to each month's mining of the MW still mining, its terminal value too; the
month's revenue, BTC and energy follow the dispatch's shares of always-on's at ``k_t``
(:func:`hashpivot.engines.pivot.mining._dispatched`), and so do its variable site costs
(``running_share`` of :meth:`DispatchUplift.breakdown`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.uplift.installed_layers import InstalledLayers, layers_breakdown
from hashpivot.engines.pivot.uplift.ppa_term import PpaTerm, term_breakdown
from hashpivot.engines.pivot.uplift.supply_settlement import SupplySettlement
from hashpivot.units import HOURS_PER_MONTH

if TYPE_CHECKING:
    import pandas as pd

#: Smallest power-price level ``lambda`` used (a month whose mean price is at or below
#: zero): the uplift then tends to 0 (every interval mines). [-]
_MIN_PRICE_LEVEL = 1e-3


@dataclass(frozen=True)
class MonthMargin:
    """What a dispatching site's uplift depends on in each path and month
    (:func:`hashpivot.engines.pivot.fleet.uplift_arguments` builds it from a market).

    Attributes
    ----------
    revenue_usd_per_mw_day : ndarray (P, T)
        Gross hashprice times the installed TH/s per MW. [USD/MW/day]
    power_price_usd_per_mwh : ndarray (P, T) or (1, T)
        The site's power price that month. [USD/MWh]
    margin_usd_per_mw_month : ndarray (P, T)
        The month's revenue less power cost of one MW running all month, in the monthly
        model (negative: the month is curtailed). [USD/MW/month]
    hours : ndarray (T,) or float
        Hours in each month; ``G`` is per month of 730.5 h and is scaled to them. [h]
    variable_opex_usd_per_mw_month : ndarray (T,) or float
        The site's variable costs of one MW in a month it runs all month (paid in
        proportion to the energy mined; curtailing saves them; each item between its
        dates). [USD/MW/month]
    months : pandas.PeriodIndex or None
        The months of the last axis: a curve with a PPA term takes each from the curve in
        force then (:mod:`~hashpivot.engines.pivot.uplift.ppa_term`); None: not dated (the
        curve with the block in every month).
    """

    revenue_usd_per_mw_day: FloatArray
    power_price_usd_per_mwh: FloatArray
    margin_usd_per_mw_month: FloatArray
    hours: FloatArray | float = HOURS_PER_MONTH
    variable_opex_usd_per_mw_month: FloatArray | float = 0.0
    months: pd.PeriodIndex | None = None


@dataclass(frozen=True)
class DispatchUplift:
    """A site's dispatch gain per MW and month at each margin (module docstring).

    Attributes
    ----------
    multipliers : tuple of float
        Hashprice multipliers ``k`` measured, increasing. [-]
    gain_usd_per_mw_month : tuple of float
        ``G(k)``: the engine's net margin gain over always-on at each multiplier, always-on
        without its 4CP charge (as the monthly model counts it; negative where the charge
        the dispatch still pays exceeds what it gains), per MW of the fleet and month of
        the price year. [USD/MW/month]
    reference_hashprice_usd_per_th_day : float
        Mean hashprice of the price year, gross of the pool fee. [USD/(TH/s)/day]
    reference_power_price_usd_per_mwh : float
        ``p_ref``: the price year's mean power price as the site pays it always on (its
        power cost net of resale over its energy; printed in the note). [USD/MWh]
    reference_th_s_per_mw : float
        The site's fleet hashrate per MW at the start (the fleet the engine dispatched);
        0 until :meth:`for_fleet` sets it. [TH/s/MW]
    note : str
        How it was measured (for the resolved assumptions).
    revenue_share, energy_share : tuple of float
        At each multiplier, the dispatch's mining revenue (so its BTC: the hashprice is one
        figure a day) and mining energy over always-on's. [-]
    set_rate_gain_usd_per_mw_month : tuple of float
        ``D(k)``: the part of ``G(k)`` paid at set rates, which does not scale with the
        power price level: demand-response income less the 4CP charge the miners still
        pay (the dispatch's less the firm AI load's own), per MW of the fleet and month
        (empty: none). [USD/MW/month]
    reference_adder_usd_per_mwh : float
        ``s_ref``: the grid adder's part of ``reference_power_price_usd_per_mwh`` (the
        adder the site pays always on over its energy; the adder itself on a site supplied
        by the grid alone). [USD/MWh]
    contract_adder_usd_per_mwh : float
        ``a``: the adder in the monthly model's power price (the site contract's). [USD/MWh]
    mining_revenue_usd_per_mw_month : float
        ``R``: always-on's mining revenue at the price year's hashprice, per MW of the
        fleet and month. [USD/MW/month]
    mining_adder_usd_per_mw_month : float
        ``c``: the grid adder on always-on's mining energy, per MW of the fleet and month
        (0: no adder, and the month's mapping is the price level alone). [USD/MW/month]
    mining_energy_mwh_per_mw_month : float
        ``E``: always-on's mining energy per MW of the fleet and month (0: not known, a
        curve built by hand); :func:`layered` weighs the energy shares by it. [MWh/MW/month]
    adder_saving_usd_per_mw_month : tuple of float
        ``A(k)``: the part of ``G(k)`` that is grid adder not paid (the adder on always-on's
        grid energy less the dispatch's), per MW of the fleet and month (empty: none).
        [USD/MW/month]
    reference_index_price_usd_per_mwh : float or None
        ``i_ref``: the price year's mean index price (hours-weighted), or on a fixed
        contract its fixed price; the month's price less the contract adder over it is the
        level ``lambda``; at or below 0 the level is not scaled (``lambda = 1``). None (a
        curve built by hand): ``p_ref - s_ref``, the same on a site the grid alone
        supplies. [USD/MWh]
    supply : SupplySettlement or None
        What the site's contracted supply (its PPA block, its renewable plant) is worth
        always on and with no miners, per MW of the fleet and month of the price year
        (:mod:`~hashpivot.engines.pivot.uplift.supply_settlement`; None: neither, or a curve built
        by hand).
    ppa_term : PpaTerm or None
        The PPA block's window and the curve measured without it, in force outside the
        window (:mod:`~hashpivot.engines.pivot.uplift.ppa_term`); None: no term (this curve in
        every month).
    prices_source : str
        The prices the curve was measured on, as their loader names them (``ERCOT HB_WEST
        2024, 15-min time-weighted SCED LMP ...``); "" for a curve built by hand.
    installed_layers : InstalledLayers or None
        A fleet entry's curve in each period of its site's dated fleet, its layer of the
        entries installed then
        (:mod:`~hashpivot.engines.pivot.uplift.installed_layers`); None: this curve in
        every month (an undated fleet, or a site's own curve).
    """

    multipliers: tuple[float, ...]
    gain_usd_per_mw_month: tuple[float, ...]
    reference_hashprice_usd_per_th_day: float
    reference_power_price_usd_per_mwh: float
    reference_th_s_per_mw: float = 0.0
    note: str = ""
    revenue_share: tuple[float, ...] = ()
    energy_share: tuple[float, ...] = ()
    set_rate_gain_usd_per_mw_month: tuple[float, ...] = ()
    reference_adder_usd_per_mwh: float = 0.0
    contract_adder_usd_per_mwh: float = 0.0
    mining_revenue_usd_per_mw_month: float = 0.0
    mining_adder_usd_per_mw_month: float = 0.0
    mining_energy_mwh_per_mw_month: float = 0.0
    adder_saving_usd_per_mw_month: tuple[float, ...] = ()
    reference_index_price_usd_per_mwh: float | None = None
    supply: SupplySettlement | None = None
    ppa_term: PpaTerm | None = None
    prices_source: str = ""
    installed_layers: InstalledLayers | None = None

    @property
    def index_level_reference_usd_per_mwh(self) -> float:
        """``i_ref``, the price a month's level is a multiple of (``lambda = (power price -
        a) / i_ref``; the field, else ``p_ref - s_ref``). [USD/MWh]"""
        if self.reference_index_price_usd_per_mwh is not None:
            return self.reference_index_price_usd_per_mwh
        return self.reference_power_price_usd_per_mwh - self.reference_adder_usd_per_mwh

    def for_fleet(self, th_s_per_mw: float) -> DispatchUplift:
        """This curve (and the one after its PPA term) with the fleet's TH/s per MW as the
        reference revenue's. [TH/s/MW]"""
        term = self.ppa_term
        if term is not None and term.without is not None:
            term = replace(term, without=term.without.for_fleet(th_s_per_mw))
        layers = self.installed_layers
        return replace(self, reference_th_s_per_mw=float(th_s_per_mw), ppa_term=term,
                       installed_layers=None if layers is None
                       else layers.for_fleet(th_s_per_mw))

    @property
    def at_reference_usd_per_mw_month(self) -> float:
        """``G(1)``: the gain at the price year's hashprice and prices. [USD/MW/month]"""
        return float(self.gain(np.array(1.0)))

    def share(self, k: FloatArray, which: Literal["revenue_share", "energy_share"]
              ) -> FloatArray:
        """``revenue_share`` or ``energy_share`` at ``k``: linear in ``log k`` between the
        measured multipliers, the end values beyond them (1 where not measured). [-]"""
        values = self.revenue_share if which == "revenue_share" else self.energy_share
        return self._held(k, values, 1.0)

    def gain(self, k: FloatArray) -> FloatArray:
        """``G(k)``, linear in ``log k`` between the measured multipliers; below the first,
        linear in ``k`` through the first two (as ``k -> 0`` always-on's loss, which the
        gain then mostly is, is linear in ``k``); above the last, its value. [USD/MW/month]
        """
        k = np.asarray(k, dtype=np.float64)
        m, g = self.multipliers, self.gain_usd_per_mw_month
        out = np.interp(np.log(np.maximum(k, 1e-300)), np.log(m), g)
        low = k < m[0]
        if np.any(low):
            slope = (g[1] - g[0]) / (m[1] - m[0])
            out = np.where(low, g[0] + slope * (np.maximum(k, 0.0) - m[0]), out)
        return out

    def set_rate_gain(self, k: FloatArray) -> FloatArray:
        """``D(k)``, linear in ``log k`` between the measured multipliers and held beyond
        them (0 where not measured). [USD/MW/month]"""
        return self._held(k, self.set_rate_gain_usd_per_mw_month)

    def adder_saving(self, k: FloatArray) -> FloatArray:
        """``A(k)``, as :meth:`set_rate_gain`. [USD/MW/month]"""
        return self._held(k, self.adder_saving_usd_per_mw_month)

    @property
    def adder_over_revenue(self) -> float:
        """``alpha = c / R``: the grid adder over always-on's mining revenue per MWh at the
        price year's hashprice (0 without an adder). [-]"""
        r = self.mining_revenue_usd_per_mw_month
        return self.mining_adder_usd_per_mw_month / r if r > 0 else 0.0

    def _held(self, k: FloatArray, values: tuple[float, ...], default: float = 0.0
              ) -> FloatArray:
        """``values`` at ``k``: linear in ``log k`` between the measured multipliers, held
        beyond them, ``default`` where not measured."""
        k = np.asarray(k, dtype=np.float64)
        if not values:
            return np.full(k.shape, default)
        return np.interp(np.log(np.maximum(k, 1e-300)), np.log(self.multipliers), values)

    def price_level(self, power_price_usd_per_mwh: FloatArray) -> FloatArray:
        """``lambda``, each month's index level: its index price (its power price less
        the contract adder) over the price year's mean index price ``i_ref``, at least
        :data:`_MIN_PRICE_LEVEL`; 1 where ``i_ref`` is at or below zero (no scaling). [-]
        """
        i_ref = self.index_level_reference_usd_per_mwh
        price = (np.asarray(power_price_usd_per_mwh, dtype=np.float64)
                 - self.contract_adder_usd_per_mwh)
        return (np.maximum(price / i_ref, _MIN_PRICE_LEVEL) if i_ref > 0
                else np.ones(price.shape))

    def supply_idle_usd_per_mw_month(self, power_price_usd_per_mwh: FloatArray,
                                     hours: FloatArray | float,
                                     months: pd.PeriodIndex | None = None
                                     ) -> FloatArray | None:
        """``P_idle``: what the site's contracted supply (PPA block, renewable plant) is
        worth with no miners in each month
        (at its index level, over its ``hours`` [h]), per MW of the fleet; a stream of
        the site, counted in every strategy from its whole fleet's MW
        (:func:`~hashpivot.engines.pivot.uplift.supply_stream.site_supply_usd`); None without
        either. With a PPA term and ``months`` (those of the last axis), the months outside
        the block's window are those of the curve without it (0 without a renewable
        plant). [USD/MW/month]"""
        term = self.ppa_term
        outside = term.outside(months) if term is not None and months is not None else None
        within = (None if self.supply is None else self.supply.usd_per_mw_month(
            self.price_level(power_price_usd_per_mwh), hours)[1])
        if outside is None or not outside.any():
            return within
        assert term is not None
        without = (None if term.without is None
                   else term.without.supply_idle_usd_per_mw_month(power_price_usd_per_mwh,
                                                                  hours))
        if within is None and without is None:
            return None
        return np.where(outside, 0.0 if without is None else without,
                        0.0 if within is None else within)

    def usd_per_mw_month(self, month: MonthMargin) -> FloatArray:
        """The uplift of each path and month: what the dispatch adds to the monthly
        model's revenue less power cost (``margin`` where it mines the month, ``margin >
        v``), such that the month is worth ``1[margin > v] margin + uplift - v r =
        max(0, margin + gain - v phi)``: ``gain`` the month's gain of the module
        docstring, ``v`` the variable costs, ``phi`` the energy share at ``k`` and ``r``
        the running share (:meth:`breakdown`). With ``v = 0``, ``max(0, margin + gain) -
        max(0, margin)``. With a PPA block or a renewable plant ``gain`` has ``P_on -
        P_idle``, what the
        miners' use of it adds (:mod:`~hashpivot.engines.pivot.uplift.supply_settlement`); its
        worth with no miners, ``P_idle``, is the site's, not here
        (:meth:`supply_idle_usd_per_mw_month`). [USD/MW/month]"""
        return self.breakdown(month)["uplift_usd_per_mw_month"]

    def breakdown(self, month: MonthMargin) -> dict[str, FloatArray]:
        """:meth:`usd_per_mw_month` and the figures it is made of.

        Returns
        -------
        dict of ndarray (P, T)
            ``price_level`` (``lambda``, the index level [-]), ``hashprice_multiplier``
            (``k`` [-]), ``revenue_share`` and ``energy_share`` at ``k`` [-],
            ``gain_usd_per_mw_month`` (``lambda (G(k) - D(k)) + D(k)``, plus ``(1 -
            lambda) (A(k) - c (1 - rho(k)))`` with a grid adder, plus ``P_on - P_idle``
            with a PPA block or a renewable plant, over the month's hours),
            ``whole_month_saving_usd_per_mw_month`` (``max(0, v - margin)``, what the
            monthly model's whole-month curtailment saves) and
            ``uplift_usd_per_mw_month`` [USD/MW/month]; ``running_share``, the share of
            a full month's always-on energy the site mines [-]: ``energy_share`` in a
            month it mines some intervals (``margin + gain - v energy_share > 0``: with a
            positive gain, the monthly model runs it or the cheap hours of a curtailed
            month pay), else 0. The variable site costs follow it. With a PPA block or a
            renewable plant,
            ``supply_settlement_usd_per_mw_month``: what it counts in the month, ``P_on``
            (always on at the month's index level) where the site mines, else ``P_idle``
            [USD/MW/month]; of which ``P_idle`` is the site's stream, counted apart from
            the uplift (:meth:`supply_idle_usd_per_mw_month`), and the rest in the uplift.
            With a PPA term and dated months (``month.months``), each month's figures
            are those of the curve in force then
            (:mod:`~hashpivot.engines.pivot.uplift.ppa_term`); with installed layers,
            those of the periods in the month, weighted by their days
            (:mod:`~hashpivot.engines.pivot.uplift.installed_layers`).
        """
        if self.installed_layers is not None and month.months is not None:
            return layers_breakdown(replace(self, installed_layers=None),
                                    self.installed_layers, month)
        if self.ppa_term is not None and month.months is not None:
            outside = self.ppa_term.outside(month.months)
            if outside.any():
                return term_breakdown(replace(self, ppa_term=None), self.ppa_term, month,
                                      outside)
        lam = self.price_level(month.power_price_usd_per_mwh)
        ref = self.reference_hashprice_usd_per_th_day * self.reference_th_s_per_mw
        k = np.asarray(month.revenue_usd_per_mw_day, dtype=np.float64) / ref
        alpha = self.adder_over_revenue
        # the price year's intervals that lose money at k are the month's (the adder is not
        # scaled): k R - a = (k0 R - a) / lambda
        k = (k - alpha) / lam + alpha if alpha else k / lam
        gain = self.gain(k)
        if self.set_rate_gain_usd_per_mw_month:
            set_rate = self.set_rate_gain(k)
            gain = lam * (gain - set_rate) + set_rate
        else:
            gain = lam * gain
        revenue_share = self.share(k, "revenue_share")
        if alpha:  # the adder paid at its rate: what that schedule earns in the month
            c = self.mining_adder_usd_per_mw_month
            gain = gain + (1.0 - lam) * (self.adder_saving(k) - c * (1.0 - revenue_share))
        gain *= np.asarray(month.hours, dtype=np.float64) / HOURS_PER_MONTH
        # the contracted supply's own settlement (G is over an always-on that already has
        # it): what the
        # miners' use adds is mining's; the rest, P_idle, the site's in every strategy
        # (supply_stream.py), not in the uplift
        supply_on, supply_idle = (self.supply.usd_per_mw_month(lam, month.hours)
                                  if self.supply is not None else (0.0, 0.0))
        gain = gain + (supply_on - supply_idle)
        margin = np.asarray(month.margin_usd_per_mw_month, dtype=np.float64)
        v = np.asarray(month.variable_opex_usd_per_mw_month, dtype=np.float64)
        energy_share = self.share(k, "energy_share")
        on = margin > v  # the monthly model mines the month
        # mined: worth more than off, the variable costs paid on the energy mined
        mined = gain - v * energy_share > -margin
        # what the dispatch adds to the monthly model's revenue less power cost, so that
        # 1[on] margin + uplift - v running = max(0, margin + gain - v phi); (with v = 0,
        # max(0, margin + gain) - max(0, margin) in the form exact for gain >= 0)
        uplift = np.where(mined, np.where(on, gain, gain + margin),
                          np.where(on, -margin, 0.0))
        saved = np.maximum(v - margin, 0.0)
        return {"price_level": lam, "hashprice_multiplier": k,
                "revenue_share": revenue_share,
                "energy_share": energy_share,
                "gain_usd_per_mw_month": gain,
                "whole_month_saving_usd_per_mw_month": saved,
                "uplift_usd_per_mw_month": uplift,
                "running_share": np.where(mined, energy_share, 0.0),
                **({"supply_settlement_usd_per_mw_month": np.where(mined, supply_on, supply_idle)
                    + np.zeros(uplift.shape)} if self.supply is not None else {})}

    def points_text(self, multipliers: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)) -> str:
        """A few points of ``G`` in words ("k = 0.5: 3,628; 1: 2,371 USD/MW-month")."""
        parts = [f"{k:g}: {float(self.gain(np.array(k))):,.0f}" for k in multipliers]
        return "k = " + "; ".join(parts) + " USD/MW-month"


__all__ = [
    "DispatchUplift",
    "MonthMargin",
]
