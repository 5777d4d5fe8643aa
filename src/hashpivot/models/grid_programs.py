"""The grid programs a site can enrol in: demand response and 4CP.

:class:`DemandResponseSpec` (capacity committed to curtail on call, ERCOT ERS/ancillary
style) and :class:`FourCPSpec` (the transmission charge on the import in system peak
intervals, ERCOT 4CP) are the ``[sites.dispatch.demand_response]`` and
``[sites.dispatch.four_cp]`` tables, optional fields of
:class:`hashpivot.models.dispatch.DispatchSpec`; the TOML example of the whole
``[sites.dispatch]`` table is in :mod:`hashpivot.models.dispatch`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from hashpivot.models.dates import DateTimeValue, same_clock
from hashpivot.models.fields import STRICT_CONFIG, FileName, Flag, LoadMw
from hashpivot.models.repeats import each_once

__all__ = ["DemandResponseSpec", "FourCPSpec"]




class DemandResponseSpec(BaseModel):
    """Capacity committed to curtail on call (ERCOT ERS/ancillary-style).

    Readiness is paid for every hour of the horizon. During an event the site's load must
    be at least ``committed_mw`` below its maximum load (all tranches at full power, AI at
    its maximum); each MWh short of that costs ``penalty_usd_per_mwh``. With
    ``keep_committed_load_online`` (the ERCOT rule for load resources that sell
    responsive reserve), mining must draw the committed MW outside events for them to be
    available, as there must be load to shed when called. With ``withdrawable`` (default)
    the site may draw less in an interval: the MW it could not curtail there are
    unavailable, earn no readiness and pay ``unavailable_usd_per_mw_hour`` (ERCOT
    ancillary services are awarded hour by hour, and a QSE that cannot provide one pays for
    its replacement), which the dispatch weighs against the power and 4CP costs of keeping
    them on; ``withdrawable = false`` makes the commitment firm: mining draws it outside
    every event whatever that costs. Either way mining carries the commitment up to the
    fleet installed; a part above it, carried by the flexible AI load, is available
    without a draw.
    """

    model_config = STRICT_CONFIG

    committed_mw: LoadMw = Field(
        0.0, description="Curtailable capacity offered. [MW]"
    )
    readiness_usd_per_mw_hour: float = Field(
        0.0,
        ge=0.0,
        le=10_000.0,
        description="Capacity payment per MW committed per hour. [USD/(MW h)]",
    )
    penalty_usd_per_mwh: float = Field(
        1000.0,
        ge=0.0,
        le=100_000.0,
        description="Penalty per MWh not curtailed during an event. [USD/MWh]",
    )
    events: list[tuple[DateTimeValue, DateTimeValue]] = Field(
        default_factory=list,
        description="Called events as [start, end) pairs; naive times are market-local. "
        "An interval is in an event when its start is.",
    )
    keep_committed_load_online: Flag = Field(
        True,
        description="Outside events, mining draws the committed MW for them to be available "
        "(capacity must be consuming to be curtailed).",
    )
    withdrawable: Flag = Field(
        True,
        description="With keep_committed_load_online: the site may draw less than the "
        "committed MW outside events, the MW short unavailable in that interval (no "
        "readiness, unavailable_usd_per_mw_hour charged); false: a firm commitment, kept "
        "online whatever the power or 4CP cost.",
    )
    unavailable_usd_per_mw_hour: float = Field(
        0.0,
        ge=0.0,
        le=10_000.0,
        description="Charge per MW of the commitment unavailable per hour, on top of the "
        "readiness forfeited (a replacement price or contract penalty). [USD/(MW h)]",
    )

    @field_validator("withdrawable")
    @classmethod
    def _withdrawable_applies(cls, v: bool, info: ValidationInfo) -> bool:
        # (given only: a default is not validated)
        if info.data.get("keep_committed_load_online") is False:
            raise ValueError("applies to a commitment kept online "
                             "(keep_committed_load_online = true); leave it out")
        return v

    @field_validator("unavailable_usd_per_mw_hour")
    @classmethod
    def _unavailable_charge_applies(cls, v: float, info: ValidationInfo) -> float:
        if "keep_committed_load_online" not in info.data:  # (itself invalid: said there)
            return v
        withdrawable = info.data.get("withdrawable", True)
        if v > 0 and not (info.data["keep_committed_load_online"] and withdrawable):
            raise ValueError("charged on a commitment kept online that may be withdrawn "
                             "(keep_committed_load_online = true, withdrawable = true); it "
                             "would never be charged here")
        return v

    @field_validator("events")
    @classmethod
    def _events_one_clock(
        cls, v: list[tuple[dt.datetime, dt.datetime]]
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        same_clock([t for pair in v for t in pair])
        return v

    @model_validator(mode="after")
    def _events_ordered(self) -> DemandResponseSpec:
        for i, (start, end) in enumerate(self.events):
            if end <= start:
                raise ValueError(f"events[{i}]: end {end} is not after start {start}")
        return self


class FourCPSpec(BaseModel):
    """Transmission charge on the site's grid import in system peak intervals (ERCOT 4CP).

    The charge is ``charge_usd_per_kw_year * 1000 * mean(import in peak intervals) [MW]``,
    applied once for the horizon (the peaks of a summer set a year of transmission
    charges). Peaks are either listed (``peak_intervals``, interval starts) or are the
    intervals whose probability in ``peak_probability_file`` is at least
    ``probability_threshold``.
    """

    model_config = STRICT_CONFIG

    charge_usd_per_kw_year: float = Field(
        0.0,
        ge=0.0,
        le=10_000.0,
        description="Transmission charge per kW of peak load. [USD/kW/year]",
    )
    peak_intervals: list[DateTimeValue] = Field(
        default_factory=list,
        description="STARTS of the 15-minute peak intervals; naive = market-local. ERCOT's 4CP "
        "report labels each interval by its END: enter the ending time minus 15 minutes.",
    )
    peak_probability_file: FileName | None = Field(
        None,
        description="CSV/Parquet with a timestamp and a probability column (0..1) of an "
        "interval being a coincident peak; relative to the TOML file.",
    )
    probability_threshold: float = Field(
        0.5, gt=0.0, le=1.0, description="Intervals at or above it count as peaks. [-]"
    )

    @field_validator("peak_intervals")
    @classmethod
    def _peaks_one_clock(cls, v: list[dt.datetime]) -> list[dt.datetime]:
        same_clock(v)
        # (a repeat counted once without a word: a peak meant to be another)
        return list(each_once(v, "peak_intervals", "list each peak interval once"))
