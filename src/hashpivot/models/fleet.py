"""A site's dated entries: its fleet and its cost items.

:class:`Dated` is what applies between an optional first and last day (``start``,
``end``; :func:`last_day` and :func:`dated_days` read them as every engine does);
:class:`FleetEntry` (a group of identical ASICs) and :class:`CostItem` (a tagged cost)
are dated. Models only hold and check data; units are in every field name. ASIC names are
resolved against the bundled catalog (:func:`hashpivot.io.find_asic`) while validating, so
an unknown model is reported at its field path with close matches.
"""

from __future__ import annotations

import functools
import math
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from hashpivot.mining.costs import CostCategory
from hashpivot.models.dates import DayOrMonthText
from hashpivot.models.fields import FOUNDATION_CONFIG, Fraction, Name

#: Largest relative mismatch accepted between efficiency and power / hashrate. [-]
SPEC_CONSISTENCY_TOLERANCE = 0.02


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

    model_config = FOUNDATION_CONFIG

    start: DayOrMonthText | None = Field(
        None, pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="First day it applies."
    )
    end: DayOrMonthText | None = Field(
        None,
        pattern=r"^\d{4}-\d{2}(-\d{2})?$",
        description="Last day it applies (a YYYY-MM end runs through that month).",
    )

    def with_dates(self, label: str) -> str:
        """``label (start 2024-01, end 2025-06)``: the label with the dates it has, as
        notes and rows name a dated entry or item."""
        dates = [f"{k} {v}" for k, v in (("start", self.start), ("end", self.end)) if v]
        return f"{label} ({', '.join(dates)})"

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

    model_config = FOUNDATION_CONFIG

    asic: str | None = Field(None, description="Model name from the bundled ASIC catalog.")
    name: Name | None = Field(None, description="Label of this group (defaults to the model).")
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

    model_config = FOUNDATION_CONFIG

    name: Name = Field(..., min_length=1, description="Label of the item.")
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
