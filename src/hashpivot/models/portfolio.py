"""Validated inputs of the foundation: portfolio, sites, power contracts.

Models only hold and check data; units are in every field name. A site's fleet and cost
items (dated entries) are in :mod:`hashpivot.models.fleet`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Literal, Self, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, Field, PrivateAttr, model_validator

from hashpivot.mining.slots import SwapUnit, swap_laying, swap_units
from hashpivot.models.dates import DayText
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.models.field_checks import field_problems
from hashpivot.models.fields import (
    FOUNDATION_CONFIG,
    Flag,
    Name,
    PowerPriceUsdPerMwh,
    SiteMw,
)
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.fleet import CostItem, FleetEntry, dated_days
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.jurisdictions import GridOperator, StateCode
from hashpivot.models.optimize import OptimizeSpec
from hashpivot.models.pivot import PivotSpec
from hashpivot.models.risk import ScenarioSpec, TreasurySpec

#: Main power source of a site (regulation rules match on it). "natural_gas", "coal",
#: "oil" and "diesel" are carbon fuels.
PowerSource = Literal[
    "grid", "natural_gas", "coal", "oil", "diesel", "hydro", "nuclear", "wind", "solar", "mixed"
]


class PowerContract(BaseModel):
    """How a site buys power."""

    model_config = FOUNDATION_CONFIG

    kind: Literal["fixed", "index"] = Field(
        "fixed", description="'fixed': a flat all-in price; 'index': a market index plus adder."
    )
    price_usd_per_mwh: PowerPriceUsdPerMwh = Field(
        ...,
        description="Fixed price, or the expected average index price for 'index'. [USD/MWh]",
    )
    adder_usd_per_mwh: PowerPriceUsdPerMwh = Field(
        0.0, description="Adder over the price (fees, TDSP). [USD/MWh]"
    )
    market: str | None = Field(
        None, description="Index market, e.g. 'ercot:HB_WEST' (used by dispatch and risk)."
    )

    @property
    def all_in_price_usd_per_mwh(self) -> float:
        """Price plus adder. [USD/MWh]"""
        return self.price_usd_per_mwh + self.adder_usd_per_mwh




class Site(BaseModel):
    """A site: its power, its fleet and its own cost items."""

    model_config = FOUNDATION_CONFIG

    name: Name = Field(..., min_length=1, description="Site name.")
    region: GridOperator = Field(
        "ERCOT",
        description="Grid region (ERCOT, NYISO, PJM, a zone: NYISO_J, ...; free text, any "
        "case, but not a near miss of a known operator or zone, ERCTO, nor a state).",
    )
    capacity_mw: SiteMw | None = Field(
        None, description="Energized grid capacity. [MW]"
    )
    power_overhead_factor: float = Field(
        1.05, ge=1.0, le=2.0, description="Site power over ASIC power (PUE-like). [-]"
    )
    pool_fee_fraction: float = Field(0.015, ge=0, lt=0.2, description="Pool fee. [-]")
    power_contract: PowerContract
    fleet: list[FleetEntry] = Field(default_factory=list, description="ASIC groups.")
    cost_items: list[CostItem] = Field(default_factory=list, description="Site cost items.")
    hosting: HostingProjectSpec | None = None
    dispatch: DispatchSpec | None = None
    fleet_replacement: Flag = Field(
        True,
        description="Whether [pivot] fleet_replacement_years may replace this site's "
        "fleet; false: the site keeps its machines (a site where a forbid_new_mining "
        "rule applies keeps them in pivot, simulate and optimize, whatever this says).",
    )
    # --- attributes regulation rules match on (optional; the optimizer reads them) -------
    state: StateCode | None = Field(
        None,
        description="State or province code, upper case: a US state's, DC's or a US "
        "territory's (USPS) or a Canadian province's or territory's: 'TX', 'NY', 'QC', "
        "'WA' (the codes a regulation rule's state may name).",
    )
    iso: GridOperator | None = Field(
        None,
        description="Grid operator (ERCOT, NYISO, PJM, HQ, BPA, TVA...; free text, any "
        "case, but not a near miss of a known operator or zone, ERCTO, nor a state); "
        "None: ``region``.",
    )
    power_source: PowerSource | None = Field(
        None, description="Main source of the site's power ('grid' when bought from the grid)."
    )
    behind_the_meter: Flag = Field(
        False, description="Power from a co-located plant behind the utility meter."
    )
    emissions_factor_tco2_per_mwh: float | None = Field(
        None,
        ge=0,
        le=5,
        description="CO2 of the site's power: a behind-the-meter plant's, or a grid the "
        "bundled eGRID2023 table does not cover; None: the region's bundled average "
        "(pivot's CO2 and dispatch's emissions; [sites.dispatch] "
        "emissions_factor_tco2_per_mwh wins in dispatch and pivot). [t CO2/MWh]",
    )
    connection_date: DayText | None = Field(
        None,
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="Date the site's load was (or will be) connected to the grid, YYYY-MM-DD: "
        "its machines mine from that day in every engine (regulation rules match on it too).",
    )

    def connected_on(self, dates: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """True on the days the site's load is connected (from ``connection_date``;
        always without one): its machines run only then (``backtest``, ``cost --date``)."""
        if self.connection_date is None:
            return np.ones(len(dates), dtype=bool)
        return np.asarray(dates >= pd.Timestamp(self.connection_date))

    def running_on(self, dates: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """Per fleet entry and day, whether its machines run: installed (the entry's
        ``start``/``end``) and the site connected; shape (entries, days) (``backtest``,
        ``cost --date`` and its ``--difficulty`` check)."""
        connected = self.connected_on(dates)
        return np.array([e.active_on(dates) & connected for e in self.fleet],
                        dtype=bool).reshape(len(self.fleet), len(dates))

    @property
    def grid_operator(self) -> str:
        """``iso`` when given, else ``region`` (ERCOT, NYISO...)."""
        return self.iso if self.iso is not None else self.region

    @property
    def fleet_power_mw(self) -> float:
        """Power drawn by the whole fleet running, overhead included. [MW]"""
        return (
            sum(e.total_hashrate_th_s * e.drawn_j_per_th for e in self.fleet)
            * self.power_overhead_factor
            / 1e6
        )

    @property
    def entry_power_mw(self) -> list[float]:
        """Each fleet entry's power, overhead included (file order): ``count x power_w``,
        as the engines count it. [MW]"""
        return [e.count * float(e.power_w if e.power_w is not None
                                else (e.hashrate_th_s or 0.0) * (e.efficiency_j_per_th or 0.0))
                * self.power_overhead_factor / 1e6 for e in self.fleet]

    @property
    def fleet_slots(self) -> list[list[int]] | None:
        """Where the fleet entries draw more together than ``capacity_mw``, the slots of
        the capacity they share in turn (a swap: :func:`hashpivot.mining.slots.
        swap_laying`, each slot's entries in the order they occupy it); None where they
        fit together, or where no slots fit the capacity (taken as they stand)."""
        if self.fleet_fits_capacity or self.capacity_mw is None:
            return None
        return swap_laying([dated_days(e.start, e.end) for e in self.fleet],
                           self.entry_power_mw, self.capacity_mw)

    @property
    def fleet_swap_units(self) -> list[SwapUnit] | None:
        """:attr:`fleet_slots` as units of their bands, in the order a conversion
        displaces them (:func:`hashpivot.mining.slots.swap_units`, on
        :attr:`entry_power_mw` and each entry's
        :attr:`~hashpivot.models.FleetEntry.drawn_j_per_th` [J/TH], 0 without hashrate):
        the blocks ``pivot``, ``simulate`` and ``optimize`` mine and the order a swapping
        site's flexibility layers follow; None where there is no swap."""
        slots = self.fleet_slots
        if slots is None:
            return None
        j_per_th = [e.drawn_j_per_th if e.hashrate_th_s else 0.0 for e in self.fleet]
        return swap_units(self.entry_power_mw, j_per_th, slots)

    @property
    def peak_fleet_power_mw(self) -> float:
        """Largest power of the entries installed at the same time (their ``start``/``end``),
        overhead included. [MW]"""
        entries = self.fleet
        if not entries:
            return 0.0
        power = np.array([e.total_hashrate_th_s * e.drawn_j_per_th for e in entries])
        # the concurrent load can only rise on a day an entry starts (or before any start)
        days = pd.DatetimeIndex(
            [pd.Timestamp("1900-01-01")] + [pd.Timestamp(e.start) for e in entries if e.start]
        )
        installed = np.vstack([e.active_on(days) for e in entries])
        peak = float((power[:, None] * installed).sum(axis=0).max())
        return peak * self.power_overhead_factor / 1e6

    @property
    def fleet_fits_capacity(self) -> bool:
        """Whether every fleet entry fits ``capacity_mw`` at once (no capacity: yes). Where
        they do, the forward engines run each entry between its dates, each on its own
        capacity; entries dated one after the other that draw more together share slots
        of it in turn (a swap: :mod:`hashpivot.mining.slots`), or where no slots fit, are
        taken as they stand (:mod:`hashpivot.engines.pivot.availability`)."""
        if self.capacity_mw is None:
            return True
        # the power two ways, equal but for float rounding: hashrate x the J/TH drawn,
        # and count x power_w as the engines count it (entry_power_mw)
        drawn = max(self.fleet_power_mw, float(sum(self.entry_power_mw)))
        return drawn <= self.capacity_mw * (1 + 1e-9)

    @model_validator(mode="after")
    def _fits_capacity(self) -> Self:
        """The fleet's peak power must fit ``capacity_mw`` (a problem at the site), and
        the halls in service with the firm AI load must leave the miners some of it (at
        the last hall's ``gross_mw``; no capacity given: the fleet's power, the halls
        beside it): one check, so that one problem does not hide the other (pydantic
        stops at a model's first failing check)."""
        problems: list[tuple[tuple[int | str, ...], str, Any]] = []
        peak = self.peak_fleet_power_mw
        if self.capacity_mw is not None and peak > self.capacity_mw * 1.0001:
            problems.append(((), f"the fleet draws {peak:.1f} MW with overhead (machines "
                                 "installed at the same time), more than capacity_mw = "
                                 f"{self.capacity_mw:g} MW",
                             # (the site's values: a table's problem quotes no one value)
                             self.model_dump(include={"name", "capacity_mw"})))
        halls = [float(h.gross_mw) for h in (self.hosting.in_service if self.hosting else [])]
        ai = float(self.dispatch.ai_load_mw) if self.dispatch is not None else 0.0
        if self.capacity_mw is not None and halls and sum(halls) + ai >= self.capacity_mw:
            problems.append((
                ("hosting", "in_service", len(halls) - 1, "gross_mw"),
                f"the halls in service ({sum(halls):g} MW)"
                + (f" and [sites.dispatch] ai_load_mw ({ai:g} MW)" if ai else "")
                + f" take {sum(halls) + ai:g} MW of capacity_mw = {self.capacity_mw:g} MW: "
                "none is left to mine or convert (their sum must be less than capacity_mw)",
                halls[-1]))
        if problems:
            raise field_problems("Site", problems)
        return self


class Portfolio(BaseModel):
    """A miner's portfolio: sites plus corporate cost items and optional studies."""

    model_config = FOUNDATION_CONFIG

    name: Name = Field("portfolio", description="Portfolio name.")
    currency: Literal["USD"] = Field("USD", description="Currency of every amount.")
    sites: list[Site] = Field(..., min_length=1, description="Sites.")
    cost_items: list[CostItem] = Field(
        default_factory=list, description="Corporate cost items (SG&A, SBC, interest...)."
    )
    financing: FinancingSpec | None = None
    pivot: PivotSpec | None = None
    scenario: ScenarioSpec | None = None
    treasury: TreasurySpec | None = None
    optimize: OptimizeSpec | None = None
    #: The file it was read from (:func:`~hashpivot.models.load_portfolio`), beside which
    #: its side files are read; ``""`` when built in code or parsed from text.
    _source_file: str = PrivateAttr(default="")

    @property
    def source_file(self) -> str:
        """The TOML file the portfolio was read from (``""`` if none): the engines read
        its relative side files beside it when no ``source`` is given."""
        return self._source_file

    def __eq__(self, other: object) -> bool:
        """Equal fields (the file a portfolio was read from is not part of its value)."""
        if isinstance(other, Portfolio) and other._source_file != self._source_file:
            other = other.model_copy()
            other._source_file = self._source_file
        return super().__eq__(other)

    @model_validator(mode="after")
    def _unique_site_names(self) -> Self:
        """Each site's name differs from the others', also ignoring case: a site is found
        by its name ignoring case (:func:`find_site`), so names that differ only by case
        would match every name given for either. Each repeat is reported at the later
        site's ``name``."""
        first: dict[str, int] = {}
        repeats: list[tuple[tuple[int | str, ...], str, Any]] = []
        for j, s in enumerate(self.sites):
            i = first.setdefault(name_key(s.name), j)
            if i == j:
                continue
            earlier = self.sites[i].name
            how = repeat_how(earlier, s.name)
            repeats.append((("sites", j, "name"), f"repeats the name of sites[{i}] "
                            f"({earlier!r}){how}: site names must be unique, also ignoring case "
                            "(a site is found by its name ignoring case)", s.name))
        if repeats:
            raise field_problems("Portfolio", repeats)
        return self

    def site(self, name: str | None = None) -> Site:
        """The site called ``name`` (the first site when ``None``); see :func:`find_site`."""
        return find_site(self.sites, name)[1]


SiteT = TypeVar("SiteT", bound=Any)


def repeat_how(earlier: str, name: str) -> str:
    """How ``name`` repeats ``earlier``, two names of one :func:`name_key`: ``""`` (the
    same), `` ignoring case`` or `` as printed (...)`` naming the unseen difference."""
    return ("" if earlier == name else " ignoring case"
            if earlier.casefold() == name.casefold() else
            f" as printed ({_unseen_difference(earlier, name)})")


def _invisible(c: str) -> bool:
    return unicodedata.category(c) == "Cf"  # a zero-width space or joiner, a BOM


def name_key(name: str) -> str:
    """What of a site's name tells it from another: its letters whatever their Unicode
    encoding (NFKC: "é" one character or "e" and an accent) and case, without the
    invisible characters (a zero-width space) and the spaces around it (a site's name is
    read from its file without them). Two names that print alike have one key."""
    return "".join(c for c in unicodedata.normalize("NFKC", name)
                   if not _invisible(c)).strip().casefold()


def _unseen_difference(a: str, b: str) -> str:
    """How two names of one :func:`name_key` that differ beyond case differ, in words."""
    if any(_invisible(c) for c in a + b):
        return "but for an invisible character"
    return "its letters encoded otherwise in Unicode"


def find_site(sites: Sequence[SiteT], name: str | None) -> tuple[int, SiteT]:
    """The one rule every command uses to find a site by name, and its position.

    The site whose name equals ``name``, else the only one equal to it ignoring case and
    how it is written (:func:`name_key`); the first site when ``name`` is ``None``.

    Parameters
    ----------
    sites : sequence of Site
    name : str or None

    Returns
    -------
    position : int
        Index in ``sites`` (for field paths such as ``sites[1].fleet``).
    site : Site

    Raises
    ------
    InputError
        At path ``site``: no such site, or two sites that differ only by case.
    """
    from hashpivot.exceptions import InputError, Problem

    if not sites:
        raise InputError(Problem("sites", "the portfolio has no site"))
    if name is None:
        return 0, sites[0]
    names = [str(s.name) for s in sites]
    if name in names:
        return names.index(name), sites[names.index(name)]
    folded = [i for i, n in enumerate(names) if name_key(n) == name_key(name)]
    if len(folded) == 1:
        return folded[0], sites[folded[0]]
    why = "several sites match ignoring case" if folded else "no site named"
    raise InputError(Problem("site", f"{why} {name!r}; sites: {', '.join(names)}"))
