"""Validated inputs of the foundation: portfolio, sites, power contracts, fleets, cost items.

Models only hold and check data; units are in every field name. ASIC names are resolved
against the bundled catalog (:func:`hashpivot.io.find_asic`) while validating, so an
unknown model is reported at its field path with close matches.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, Literal, Self, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from hashpivot.mining.costs import CostCategory
from hashpivot.mining.slots import swap_laying
from hashpivot.models.dates import DayOrMonthText, DayText
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.models.field_checks import field_problems
from hashpivot.models.fields import Fraction, PowerPriceUsdPerMwh, SiteMw
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.optimize import OptimizeSpec
from hashpivot.models.pivot import PivotSpec
from hashpivot.models.risk import ScenarioSpec, TreasurySpec

#: ``allow_inf_nan=False``: TOML accepts ``inf`` and ``nan``, which would pass a one-sided
#: bound (``ge=0``) and turn into infinite costs; they are reported at their field path.
_STRICT = ConfigDict(
    extra="forbid", validate_assignment=False, str_strip_whitespace=True, allow_inf_nan=False
)

#: Main power source of a site (regulation rules match on it). "natural_gas", "coal",
#: "oil" and "diesel" are carbon fuels.
PowerSource = Literal[
    "grid", "natural_gas", "coal", "oil", "diesel", "hydro", "nuclear", "wind", "solar", "mixed"
]

#: Largest relative mismatch accepted between efficiency and power / hashrate. [-]
SPEC_CONSISTENCY_TOLERANCE = 0.02


class PowerContract(BaseModel):
    """How a site buys power."""

    model_config = _STRICT

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


@functools.lru_cache(maxsize=1024)
def last_day(end: str | None) -> pd.Timestamp | None:
    """The last day an ``end`` covers: the day itself, or for ``YYYY-MM`` the last day of
    that month; None without one (every engine reads an ``end`` by this rule; cached:
    the engines read the same few ends for every block of a fleet)."""
    if not end:
        return None
    day = pd.Timestamp(end)
    return day + pd.offsets.MonthEnd(0) if len(end) == 7 else day


def dated_days(start: str | None, end: str | None
               ) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last day a ``start`` and an ``end`` cover (:func:`last_day`); None
    where unbounded."""
    return (pd.Timestamp(start) if start else None), last_day(end)


class Dated(BaseModel):
    """Something that applies between an optional first and last day (``start``, ``end``).

    Dates count in backtests and in ``cost --date``. In ``pivot``, ``simulate`` and
    ``optimize`` (:func:`hashpivot.engines.standing.standing_portfolio`) an entry that ends
    before their first month is left out, a fleet entry runs between its dates
    (:mod:`hashpivot.engines.pivot.availability`; where a site's entries draw more
    together than its capacity, those that replace one another in turn in a slot of it,
    :mod:`hashpivot.mining.slots`, else each over the whole horizon) and a cost item is
    paid between its dates (:mod:`hashpivot.engines.pivot.cost_dates`); a note names
    each; ``dispatch`` of a price file runs each entry on the intervals it is installed.
    """

    model_config = _STRICT

    start: DayOrMonthText | None = Field(
        None, pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="First day it applies."
    )
    end: DayOrMonthText | None = Field(
        None,
        pattern=r"^\d{4}-\d{2}(-\d{2})?$",
        description="Last day it applies (a YYYY-MM end runs through that month).",
    )

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Self:
        end = last_day(self.end)
        if self.start and end is not None and end < pd.Timestamp(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}: the entry "
                             "would apply on no day")
        return self

    def active_on(self, dates: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """True on the days between ``start`` and ``end`` (a ``YYYY-MM`` end runs through
        the end of that month); always True when neither is set."""
        mask = np.ones(len(dates), dtype=bool)
        if self.start:
            mask &= np.asarray(dates >= pd.Timestamp(self.start))
        end = last_day(self.end)
        if end is not None:
            mask &= np.asarray(dates <= end)
        return mask


class FleetEntry(Dated):
    """A group of identical ASICs at a site: from the catalog by name, or custom specs."""

    model_config = _STRICT

    asic: str | None = Field(None, description="Model name from the bundled ASIC catalog.")
    name: str | None = Field(None, description="Label of this group (defaults to the model).")
    count: int = Field(..., gt=0, le=10_000_000, description="Number of machines. [-]")
    hashrate_th_s: float | None = Field(
        None, gt=0, le=100_000, description="Hashrate of one machine. [TH/s]"
    )
    efficiency_j_per_th: float | None = Field(
        None, gt=0, le=1_000, description="Efficiency of one machine. [J/TH]"
    )
    power_w: float | None = Field(
        None, gt=0, le=1_000_000, description="Power of one machine at the wall. [W]"
    )
    uptime_fraction: Fraction = Field(
        0.95, description="Share of time running (curtailment, failures). [-]"
    )
    capex_usd_per_th: float | None = Field(
        None, ge=0, le=1_000, description="Purchase price, for straight-line depreciation. [USD/TH]"
    )
    depreciation_years: float | None = Field(
        None, ge=0.25, le=20, description="Useful life for straight-line depreciation. [year]"
    )

    @field_validator("asic")
    @classmethod
    def _asic_in_catalog(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from hashpivot.exceptions import UnknownAsicError
        from hashpivot.io import find_asic

        try:
            return find_asic(value).model
        except UnknownAsicError as exc:
            hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
            raise ValueError(
                f"unknown ASIC model {value!r} (see `hashpivot asics`){hint}"
            ) from None

    @model_validator(mode="after")
    def _resolve_specs(self) -> Self:
        if self.asic is not None:
            from hashpivot.io import find_asic

            spec = find_asic(self.asic)
            if self.hashrate_th_s is None:
                self.hashrate_th_s = spec.hashrate_th_s
            if self.power_w is None and self.efficiency_j_per_th is None:
                self.power_w = spec.power_w
        if self.hashrate_th_s is None:
            raise ValueError("give 'asic' (a catalog model) or 'hashrate_th_s'")
        if self.efficiency_j_per_th is None and self.power_w is None:
            raise ValueError("give 'efficiency_j_per_th' or 'power_w' (or a catalog 'asic')")
        if self.efficiency_j_per_th is None:
            assert self.power_w is not None
            self.efficiency_j_per_th = self.power_w / self.hashrate_th_s
        elif self.power_w is None:
            self.power_w = self.efficiency_j_per_th * self.hashrate_th_s
        else:
            implied = self.power_w / self.hashrate_th_s
            if abs(implied / self.efficiency_j_per_th - 1) > SPEC_CONSISTENCY_TOLERANCE:
                raise ValueError(
                    f"power_w / hashrate_th_s = {implied:.2f} J/TH disagrees with "
                    f"efficiency_j_per_th = {self.efficiency_j_per_th:.2f} by more than 2%"
                )
        if (self.capex_usd_per_th is None) != (self.depreciation_years is None):
            raise ValueError("give both 'capex_usd_per_th' and 'depreciation_years', or neither")
        if self.name is None:
            self.name = self.asic or f"custom {self.hashrate_th_s:g} TH/s"
        return self

    @property
    def label(self) -> str:
        """Display label of the group."""
        return self.name or self.asic or "custom"

    @property
    def depreciation_end(self) -> pd.Timestamp | None:
        """First day without depreciation: ``start`` plus ``depreciation_years`` (in whole
        months, as the monthly engines count them); None without a ``start`` or a
        purchase price (depreciated on every day it is installed)."""
        if self.start is None or self.depreciation_years is None:
            return None
        months = round(float(self.depreciation_years) * 12)
        try:
            return pd.Timestamp(self.start) + pd.DateOffset(months=months)
        except (ValueError, OverflowError):  # past the calendar's year 9999: never
            return pd.Timestamp("9999-12-31")

    def depreciating_on(self, dates: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
        """True on the days the entry is installed (:meth:`active_on`) and within
        ``depreciation_years`` of its ``start`` (every installed day without a ``start``);
        False everywhere without a purchase price. Straight-line depreciation stops once
        the machines are written off."""
        if self.capex_usd_per_th is None or self.depreciation_years is None:
            return np.zeros(len(dates), dtype=bool)
        mask = self.active_on(dates)
        end = self.depreciation_end
        if end is not None:
            mask &= np.asarray(dates < end)
        return mask

    @property
    def total_hashrate_th_s(self) -> float:
        """Installed hashrate of the group. [TH/s]"""
        assert self.hashrate_th_s is not None
        return self.count * self.hashrate_th_s

    @property
    def drawn_j_per_th(self) -> float:
        """Energy per TH the machines draw, as every engine counts it: ``power_w /
        hashrate_th_s`` where a file gives both and they differ (within the 2 % the file
        check allows), else ``efficiency_j_per_th``. [J/TH]

        Until 2026-12-06 ``cost``, ``backtest`` and the capacity check read the
        efficiency where the forward engines read ``power_w``: 1.7 % apart on a review's
        file."""
        eff = float(self.efficiency_j_per_th or 0.0)
        if self.power_w is None or not self.hashrate_th_s:
            return eff
        implied = float(self.power_w) / float(self.hashrate_th_s)
        return eff if math.isclose(implied, eff, rel_tol=1e-9) else implied


#: Cost categories that are variable by default (paid only while mining). [-]
VARIABLE_COST_CATEGORIES: frozenset[str] = frozenset({"power", "other"})


class CostItem(Dated):
    """A cost item, tagged so it lands in the right cost views."""

    model_config = _STRICT

    name: str = Field(..., min_length=1, description="Label of the item.")
    category: CostCategory = Field(..., description="power, site_opex, sga_cash, ... ")
    usd_per_year: float | None = Field(
        None, ge=0, le=1e11, description="Amount per year. [USD/year]"
    )
    usd_per_month: float | None = Field(
        None, ge=0, le=1e10, description="Amount per month. [USD/month]"
    )
    description: str | None = Field(None, description="Where the figure comes from.")
    behavior: Literal["fixed", "variable"] | None = Field(
        None,
        description="How the item behaves in the forward models (pivot, simulate): 'fixed' "
        "is paid whether the machines run or are curtailed or idle (site staff, insurance, "
        "leases); 'variable' only in months the site mines (a site with [sites.dispatch] "
        "in proportion to the share of the month's energy it mines), so curtailing saves "
        "them: a month is mined only when its revenue covers power and these. Both stop for MW "
        "converted to "
        "AI hosting (the hall has its own opex). None: by category ('power' and 'other' "
        "variable, 'site_opex' and the rest fixed).",
    )

    @property
    def is_fixed(self) -> bool:
        """Whether the item is paid while the site is curtailed or idle (see ``behavior``)."""
        if self.behavior is not None:
            return self.behavior == "fixed"
        return self.category not in VARIABLE_COST_CATEGORIES

    @model_validator(mode="after")
    def _one_amount(self) -> Self:
        if (self.usd_per_year is None) == (self.usd_per_month is None):
            raise ValueError("give exactly one of 'usd_per_year' or 'usd_per_month'")
        return self

    @property
    def annual_usd(self) -> float:
        """Amount per year. [USD/year]"""
        if self.usd_per_year is not None:
            return self.usd_per_year
        assert self.usd_per_month is not None
        return self.usd_per_month * 12.0


class Site(BaseModel):
    """A site: its power, its fleet and its own cost items."""

    model_config = _STRICT

    name: str = Field(..., min_length=1, description="Site name.")
    region: str = Field("ERCOT", description="Grid region (ERCOT, NYISO, PJM, ...).")
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
    fleet_replacement: bool = Field(
        True,
        description="Whether [pivot] fleet_replacement_years may replace this site's "
        "fleet; false: the site keeps its machines (a site where a forbid_new_mining "
        "rule applies keeps them in pivot, simulate and optimize, whatever this says).",
    )
    # --- attributes regulation rules match on (optional; the optimizer reads them) -------
    state: str | None = Field(
        None,
        pattern=r"^[A-Z]{2}$",
        description="State or province code (ISO 3166-2 suffix): 'TX', 'NY', 'QC', 'WA'.",
    )
    iso: str | None = Field(
        None,
        description="Grid operator (ERCOT, NYISO, PJM, HQ, BPA...); None: ``region``.",
    )
    power_source: PowerSource | None = Field(
        None, description="Main source of the site's power ('grid' when bought from the grid)."
    )
    behind_the_meter: bool = Field(
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
        peak = self.peak_fleet_power_mw
        if self.capacity_mw is not None and peak > self.capacity_mw * 1.0001:
            raise ValueError(
                f"the fleet draws {peak:.1f} MW with overhead (machines installed at the same "
                f"time), more than capacity_mw = {self.capacity_mw:g} MW"
            )
        return self


#: Longest portfolio name, in characters (the service stores it in a column this long).
NAME_MAX_CHARS = 200


class Portfolio(BaseModel):
    """A miner's portfolio: sites plus corporate cost items and optional studies."""

    model_config = _STRICT

    name: str = Field("portfolio", max_length=NAME_MAX_CHARS, description="Portfolio name.")
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
            i = first.setdefault(s.name.casefold(), j)
            if i == j:
                continue
            earlier = self.sites[i].name
            how = "" if earlier == s.name else " ignoring case"
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


def find_site(sites: Sequence[SiteT], name: str | None) -> tuple[int, SiteT]:
    """The one rule every command uses to find a site by name, and its position.

    The site whose name equals ``name``, else the only one equal to it ignoring case; the
    first site when ``name`` is ``None``.

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
    folded = [i for i, n in enumerate(names) if n.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0], sites[folded[0]]
    why = "several sites match ignoring case" if folded else "no site named"
    raise InputError(Problem("site", f"{why} {name!r}; sites: {', '.join(names)}"))
