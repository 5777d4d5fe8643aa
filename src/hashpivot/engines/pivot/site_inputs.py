"""A site reduced to what the pivot model needs, every default filled in
(:class:`SiteInputs`), as :func:`~hashpivot.engines.pivot.inputs.resolve_sites` builds it
from a validated portfolio."""

from __future__ import annotations

from dataclasses import dataclass

from hashpivot.engines.pivot.uplift.curve import DispatchUplift
from hashpivot.models.hosting import HostingProjectSpec


@dataclass(frozen=True)
class SiteInputs:
    """A site reduced to what the pivot model needs, every default filled in.

    Attributes
    ----------
    name : str
        Site name.
    fleet_hashrate_th_s : float
        Installed hashrate at start. [TH/s]
    fleet_power_mw : float
        Fleet power at the meter, site overhead included. [MW]
    uptime_fraction : float
        Hashrate-weighted uptime; a site with ``[sites.dispatch]``: its
        ``availability_fraction`` (the dispatch curtails). [-]
    pool_fee_fraction : float
        Pool fee. [-]
    power_overhead_factor : float
        Site overhead (PUE-like) of the mining fleet. [-]
    capacity_mw : float
        Energized grid capacity (fleet power when not given) less the firm AI load of
        ``[sites.dispatch]`` and the halls in service (``in_service_mw``): what the miners
        and a conversion share. [MW]
    convertible_gross_mw : float
        Gross MW the hosting project may convert. [MW]
    power_price_usd_per_mwh : float
        Contract price plus adder (the expected index price for index contracts). [USD/MWh]
    power_adder_usd_per_mwh : float
        Adder over the index (index contracts). [USD/MWh]
    power_is_index : bool
        True for index-priced contracts.
    scaled_opex_usd_per_month : float
        Variable site cost items: paid in proportion to the MW still mining, only in
        months the site mines (a dispatching site's in proportion to the share of the
        month's always-on energy it mines). [USD/month]
    fixed_opex_usd_per_month : float
        Site cash SG&A: paid every month the site is connected, whatever it does (each
        item between its dates: :mod:`~hashpivot.engines.pivot.cost_dates`, as the two
        amounts above). [USD/month]
    fixed_mining_opex_usd_per_month : float
        Fixed site cost items (staff, insurance; ``CostItem.is_fixed``): paid in proportion
        to the MW still mining, curtailed or not (converted MW stop them). [USD/month]
    hosting : HostingProjectSpec
        Hosting terms (defaults when the site has no ``[sites.hosting]``).
    hosting_is_default : bool
        True when ``hosting`` holds defaults only.
    index : int
        Position of the site in ``portfolio.sites`` (for field paths).
    ai_load_mw : float
        The firm AI load of ``[sites.dispatch]`` the site serves in every strategy, kept
        from ``capacity_mw`` (the file's capacity is their sum). [MW]
    in_service_mw : float
        Gross MW of the halls already in service (``[[sites.hosting.in_service]]``) kept
        from ``capacity_mw`` (the file's capacity: the sum of the three; 0 when the file
        gives none). [MW]
    dispatch_uplift : DispatchUplift or None
        Value of the site's interval-by-interval flexibility (``[sites.dispatch]``) at each
        month's margin, added to each month's mining of the MW still mining
        (:mod:`hashpivot.engines.pivot.uplift.curve`); None without
        ``[sites.dispatch]``.
    dispatch_uplift_note : str
        How it was measured (empty without ``[sites.dispatch]``).
    fleet_uplifts : tuple of (DispatchUplift or None)
        A dispatching site of several fleet entries: each entry's own curve, per MW of it
        (the fleet left with it less the fleet left without it:
        :func:`~hashpivot.engines.pivot.uplift.layered.layered`), in the order of
        ``fleet_entries``, its tranche's (:func:`~hashpivot.engines.pivot.tranches.
        tranche_site`; a swap's units, each its entry's layers); empty: one entry, or not
        measured (each tranche takes ``dispatch_uplift``).
    fleet_replacement : bool
        Whether ``[pivot] fleet_replacement_years`` may replace the fleet
        (``[[sites]] fleet_replacement``).
    fleet_entries : tuple of (str, float, float, float)
        Each ``[[sites.fleet]]`` entry, in file order: label, hashrate [TH/s], ASIC power
        without the site overhead [W] and uptime [-] (count included); a site of several
        entries mines them as tranches (:mod:`hashpivot.engines.pivot.tranches`).
    connection_date : str or None
        ``[[sites]] connection_date`` (``YYYY-MM-DD``): the machines mine from that day
        (:mod:`hashpivot.engines.pivot.connection`); None: connected throughout.
    fleet_windows : tuple of (str or None, str or None)
        Each entry's ``start`` and ``end``, in the order of ``fleet_entries``: the days its
        machines are installed (:mod:`hashpivot.engines.pivot.availability`); all
        ``(None, None)`` where the entries drawing more together than the capacity are no
        swap (:mod:`~hashpivot.mining.slots`) and are taken as they stand (each
        over the whole horizon).
    fleet_purchase_usd_per_th : tuple of float
        Each entry's ``capex_usd_per_th`` (0 without, and where the dates do not count),
        in the order of ``fleet_entries``: a planned entry's purchase price. [USD/TH]
    installed : (str or None, str or None)
        The dates of the block this object mines when it is one entry (a site of one
        entry, or a tranche: :func:`~hashpivot.engines.pivot.tranches.tranche_site`).
    purchase_usd_per_th : float
        That entry's purchase price, paid when it is planned
        (:func:`~hashpivot.engines.pivot.availability.purchase_month`). [USD/TH]
    cost_windows : tuple of (str, float, str or None, str or None)
        Each cash cost item of the site, in file order: its kind (``"variable"``,
        ``"fixed_mining"``, ``"sga"``), its share of that kind's ``..._usd_per_month``
        [-] and its ``start`` and ``end``: the months it is paid
        (:mod:`~hashpivot.engines.pivot.cost_dates`).
    fleet_bands : tuple of int
        Where the entries replace one another on the same power (a swap:
        :mod:`~hashpivot.mining.slots`), ``fleet_entries``, ``fleet_windows`` and
        ``fleet_purchase_usd_per_th`` are the units of the slots' bands in the order a
        conversion displaces them, and this is each unit's band (the site's
        ``fleet_power_mw`` is then its slots' power, and its ``fleet_hashrate_th_s`` and
        ``uptime_fraction`` those of the fleet at the start, each slot's first entry, on
        which the dispatch uplift is measured); empty otherwise.
    fleet_unit_entries : tuple of int
        For a swap, each unit's fleet entry (its position in the fleet as it stands on
        the first month valued); empty otherwise.
    band : int or None
        The band of a tranche that shares its MW with other units in turn (a swap); None:
        a block of its own.
    fleet_blocks : tuple of (float, str or None, str or None)
        The whole site's blocks of machines (its entries, or a swap's units, as its
        tranches mine them): each one's power at the meter [MW] and dates; a tranche keeps
        its site's. Empty for a site of one entry. With
        ``fleet_blocks_power_mw`` (the site's ``fleet_power_mw``, by which its tranches'
        shares of the cost items are divided), they scale the site's items to the
        machines installed each month
        (:func:`~hashpivot.engines.pivot.cost_dates.fleet_scale`).
    fleet_blocks_power_mw : float
        See ``fleet_blocks``. [MW]
    power_index_price_usd_per_mwh : float or None
        An index contract's expected index price, its ``price_usd_per_mwh`` (before the
        adder); None: ``power_price_usd_per_mwh - power_adder_usd_per_mwh``. [USD/MWh]
    power_market_node : str or None
        An index contract's market node, ``iso:point`` (:func:`~hashpivot.io.
        bundled_markets.market_node`): which index paths it pays in ``simulate`` and
        ``optimize`` (:meth:`hashpivot.market.MarketPaths.index_power`); None: none given.
    """

    name: str
    fleet_hashrate_th_s: float
    fleet_power_mw: float
    uptime_fraction: float
    pool_fee_fraction: float
    power_overhead_factor: float
    capacity_mw: float
    convertible_gross_mw: float
    power_price_usd_per_mwh: float
    power_adder_usd_per_mwh: float
    power_is_index: bool
    scaled_opex_usd_per_month: float
    fixed_opex_usd_per_month: float
    hosting: HostingProjectSpec
    hosting_is_default: bool
    index: int = 0
    fixed_mining_opex_usd_per_month: float = 0.0
    ai_load_mw: float = 0.0
    in_service_mw: float = 0.0
    dispatch_uplift: DispatchUplift | None = None
    dispatch_uplift_note: str = ""
    fleet_uplifts: tuple[DispatchUplift | None, ...] = ()
    fleet_replacement: bool = True
    fleet_entries: tuple[tuple[str, float, float, float], ...] = ()
    connection_date: str | None = None
    fleet_windows: tuple[tuple[str | None, str | None], ...] = ()
    fleet_purchase_usd_per_th: tuple[float, ...] = ()
    installed: tuple[str | None, str | None] = (None, None)
    purchase_usd_per_th: float = 0.0
    cost_windows: tuple[tuple[str, float, str | None, str | None], ...] = ()
    fleet_bands: tuple[int, ...] = ()
    fleet_unit_entries: tuple[int, ...] = ()
    band: int | None = None
    fleet_blocks: tuple[tuple[float, str | None, str | None], ...] = ()
    fleet_blocks_power_mw: float = 0.0
    power_index_price_usd_per_mwh: float | None = None
    power_market_node: str | None = None

    @property
    def variable_opex_usd_per_mw_month(self) -> float:
        """Variable site costs of one mining MW in a month it mines (curtailing the month
        saves them), every item applying: a month's are this times
        :func:`~hashpivot.engines.pivot.cost_dates.cost_profile` (``"variable"``).
        [USD/MW/month]"""
        return self.scaled_opex_usd_per_month / self.fleet_power_mw

    @property
    def dispatch_uplift_usd_per_mw_month(self) -> float:
        """The gain at the price year's hashprice and prices (``G(1)``); 0 without
        ``[sites.dispatch]``. [USD/MW/month]"""
        u = self.dispatch_uplift
        return u.at_reference_usd_per_mw_month if u is not None else 0.0


__all__ = ["SiteInputs"]
