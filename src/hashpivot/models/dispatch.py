"""Inputs of the interval-by-interval dispatch of a hybrid site: the ``[sites.dispatch]`` table.

:class:`DispatchSpec` is an optional field of :class:`hashpivot.models.Site` (``dispatch``).
Every field has a default, so ``DispatchSpec()`` is valid and means "a mining-only site, no
AI load, no PPA, no renewables, no demand response, no 4CP charge, no limits, hashprice
from the bundled network state at the start of the horizon".

Mining tranches are not declared here: they come from the site's fleet (one tranche per
fleet entry; see :func:`hashpivot.engines.dispatch.resolve_tranches`). The grid programs a
site can enrol in, ``demand_response`` and ``four_cp``, are modelled in
:mod:`hashpivot.models.grid_programs`; the example below shows the whole table.

Example
-------
.. code-block:: toml

    [sites.dispatch]
    ai_load_mw = 50.0                    # AI/HPC load [MW]
    ai_flexible_fraction = 0.2           # share of it that may move within a window [-]
    ai_flexible_window_hours = 24.0
    grid_adder_usd_per_mwh = 3.0         # adder over the index price on grid imports
    hashprice_usd_per_ph_day = 50.0      # constant hashprice (else: network conditions)
    underclock_min_power_fraction = 0.7  # machines may run down to 70 % of rated power
    underclock_hashrate_fraction = 0.8   # ... where they still give 80 % of rated hashrate

      [sites.dispatch.ppa]
      volume_mw = 100.0
      price_usd_per_mwh = 35.0
      resale_allowed = true
      start = "2027-07"                  # first month the block settles (none: from the first)
      end = "2030-12"                    # last month the block settles (none: no term)

      [sites.dispatch.renewable]
      kind = "solar"
      capacity_mw = 50.0
      price_usd_per_mwh = 25.0

      [sites.dispatch.demand_response]
      committed_mw = 40.0
      readiness_usd_per_mw_hour = 6.0
      penalty_usd_per_mwh = 1000.0
      events = [["2024-08-20T17:00:00", "2024-08-20T19:00:00"]]

      [sites.dispatch.four_cp]
      charge_usd_per_kw_year = 60.0
      peak_intervals = [2024-06-20T17:00:00, 2024-07-30T16:45:00]

      [sites.dispatch.limits]
      import_mw = 300.0
      ramp_mw_per_interval = 50.0
      min_up_intervals = 4
      min_down_intervals = 4
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hashpivot.models.dates import MonthText
from hashpivot.models.field_checks import field_problems
from hashpivot.models.fields import (
    STRICT_CONFIG,
    BtcPriceUsd,
    FeesBtcPerBlock,
    FileName,
    Flag,
    LoadMw,
    PowerPriceUsdPerMwh,
)
from hashpivot.models.grid_programs import DemandResponseSpec, FourCPSpec

__all__ = [
    "DispatchLimitsSpec",
    "DispatchSpec",
    "PPASpec",
    "RenewableSpec",
]


#: Largest power of any dispatch quantity, as ``capacity_mw`` of a site. [MW]
_MAX_MW = 10_000.0


class PPASpec(BaseModel):
    """A fixed-price, fixed-volume power purchase agreement (take-or-pay block).

    The site pays ``volume_mw * price_usd_per_mwh`` for every hour of the horizon whether or
    not it uses the energy. ``settlement = "physical"`` (default): the block is delivered
    to the site; energy it does not use settles at the index price (power credits) when
    ``resale_allowed``, a negative price included (a debit: ERCOT settles a delivered
    block the load does not consume at the real-time price), unless
    ``curtail_at_negative_price`` (the contract lets the generator curtail at or below
    zero: the energy is then spilled at no cost, still paid for); without resale it is
    forfeited. ``settlement = "financial"`` (a contract for
    differences, the usual Texas hedge): no energy is delivered, the site buys its load
    from the grid, and the whole volume settles at the index price in every interval, a
    negative one included (``resale_allowed`` does not apply; the hedge does not move the
    dispatch).
    """

    model_config = STRICT_CONFIG

    volume_mw: LoadMw = Field(0.0, description="Contracted block. [MW]")
    price_usd_per_mwh: PowerPriceUsdPerMwh = Field(
        0.0, description="Fixed contract price. [USD/MWh]"
    )
    resale_allowed: Flag = Field(
        True, description="Unused PPA energy may be resold at the index price."
    )
    settlement: Literal["physical", "financial"] = Field(
        "physical",
        description="physical: the block is delivered, unused energy settled at the index "
        "price (negative prices included unless curtail_at_negative_price); financial: a "
        "contract for differences, the whole volume settled at the index price, negative "
        "prices included.",
    )
    curtail_at_negative_price: Flag = Field(
        False,
        description="A physical block's generator may curtail where the index price is at "
        "or below zero (a curtailment clause; the block is still paid for): energy the site "
        "does not use there is spilled at no cost. false: it settles at the negative price, "
        "a cost to the site.",
    )
    is_renewable: Flag = Field(
        False,
        description="Energy carries zero emissions (a renewable PPA); otherwise it is "
        "counted at the grid emissions factor.",
    )
    start: MonthText | None = Field(
        None,
        description="First month the block settles (YYYY-MM) in pivot, simulate and "
        "optimize (a plant commissioned later): before it the site has no PPA and buys all "
        "its power under its power contract. None: in force from the first month valued. "
        "The dispatch command values its price year with the block regardless.",
    )
    end: MonthText | None = Field(
        None,
        description="Last month the block settles (YYYY-MM) in pivot, simulate and optimize: "
        "from the month after it the site has no PPA and buys all its power under its "
        "power contract; an end after the horizon counts the block's stream after it "
        "through that month only (at most the terminal value's mining factor). None: no "
        "term (the block settles through the horizon and after it). The dispatch command "
        "values its price year with the block regardless.",
    )

    @field_validator("curtail_at_negative_price")
    @classmethod
    def _curtailment_applies(cls, v: bool, info: ValidationInfo) -> bool:
        # (fields validate in order: settlement and resale_allowed are read before it)
        if v and info.data.get("settlement") == "financial":
            raise ValueError("a financial block delivers no energy to curtail: "
                             "curtail_at_negative_price applies to settlement = \"physical\"")
        if v and info.data.get("resale_allowed") is False:
            raise ValueError("without resale_allowed the unused energy is forfeited at any "
                             "price: curtail_at_negative_price does not apply")
        return v

    @model_validator(mode="after")
    def _start_not_after_end(self) -> PPASpec:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise field_problems("PPASpec", [(
                ("start",), f"start {self.start!r} is after end {self.end!r}: the block would "
                "settle in no month", self.start)])
        return self


class RenewableSpec(BaseModel):
    """An on-site or contracted renewable plant paid per MWh generated (as-generated PPA).

    The hourly shape is a normalized profile (capacity factor per hour, 0..1). When
    ``profile_file`` is not given, a synthetic profile is used: for solar a clear-sky
    model (solar elevation from the date and ``latitude_deg``, no clouds, so it overstates
    yield by roughly 15-25 %), for wind a deterministic seeded diurnal/seasonal pattern
    with the given ``capacity_factor``. Both are labelled synthetic in the results.
    """

    model_config = STRICT_CONFIG

    kind: Literal["solar", "wind"] = Field("solar", description="Technology.")
    capacity_mw: LoadMw = Field(0.0, description="Nameplate capacity (AC). [MW]")
    price_usd_per_mwh: PowerPriceUsdPerMwh = Field(
        0.0, description="Price paid per MWh generated. [USD/MWh]"
    )
    profile_file: FileName | None = Field(
        None,
        description="CSV/Parquet with a timestamp and a capacity-factor column (0..1), "
        "resampled to the dispatch intervals; relative to the TOML file.",
    )
    latitude_deg: float = Field(
        31.9, ge=-66.0, le=66.0, description="Latitude of the synthetic solar profile. [deg]"
    )
    longitude_deg: float = Field(
        -102.1,
        ge=-180.0,
        le=180.0,
        description="Longitude (east positive) of the synthetic solar profile. [deg]",
    )
    capacity_factor: float = Field(
        0.35, gt=0.0, lt=1.0, description="Mean capacity factor of the synthetic wind profile. [-]"
    )
    resale_allowed: Flag = Field(
        True, description="Surplus generation may be resold at the index price."
    )


class DispatchLimitsSpec(BaseModel):
    """Physical and operating limits of the site."""

    model_config = STRICT_CONFIG

    import_mw: float | None = Field(
        None, gt=0.0, le=_MAX_MW, description="Maximum grid import (interconnection). [MW]"
    )
    ramp_mw_per_interval: float | None = Field(
        None,
        gt=0.0,
        le=_MAX_MW,
        description="Maximum change of site load between intervals. [MW]",
    )
    min_up_intervals: int = Field(
        1, ge=1, le=10000, description="A tranche switched on stays on at least this long."
    )
    min_down_intervals: int = Field(
        1, ge=1, le=10000, description="A tranche switched off stays off at least this long."
    )
    commitment_block_mw: float | None = Field(
        None,
        gt=0.0,
        le=_MAX_MW,
        description="Largest group of machines switched on or off together under the min "
        "up/down times (a container, a hall's row: 300 S21s at 3.5 kW draw 1.1 MW with a "
        "5 % overhead): each fleet entry is committed in its power over this, rounded "
        "up, equal blocks, each with the min up/down times. None: each entry as one block "
        "(all its machines on or off together). [MW]",
    )


class DispatchSpec(BaseModel):
    """Everything the dispatch of one site needs beyond its fleet and power contract.

    See the module docstring for a TOML example. All fields are optional.
    """

    model_config = STRICT_CONFIG

    # --- AI / HPC load --------------------------------------------------------------
    ai_load_mw: LoadMw = Field(
        0.0, description="Mean AI/HPC load (IT + overhead) to serve. pivot, simulate and "
        "optimize keep these MW of capacity_mw from the miners and a conversion (the load "
        "is in every strategy alike and not valued there). [MW]"
    )
    ai_flexible_fraction: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Share of the AI load (training) that may move within its window. [-]",
    )
    ai_flexible_window_hours: float = Field(
        24.0, gt=0.0, le=8784.0, description="Window over which flexible energy is kept. [h]"
    )
    ai_flexible_max_mw: LoadMw | None = Field(
        None,
        description="Maximum flexible AI draw in an interval; default twice the mean "
        "flexible load. [MW]",
    )

    # --- supply ------------------------------------------------------------------------
    grid_adder_usd_per_mwh: PowerPriceUsdPerMwh | None = Field(
        None,
        description="Adder over the index price on grid imports; default the site power "
        "contract's adder. [USD/MWh]",
    )
    ppa: PPASpec | None = Field(None, description="Fixed-price PPA with resale rights.")
    renewable: RenewableSpec | None = Field(None, description="Renewable supply profile.")

    # --- programs and charges ------------------------------------------------------------
    demand_response: DemandResponseSpec | None = Field(
        None, description="Demand-response commitment."
    )
    four_cp: FourCPSpec | None = Field(None, description="4CP transmission charge.")
    limits: DispatchLimitsSpec = Field(
        default_factory=DispatchLimitsSpec, description="Import, ramp and min up/down limits."
    )

    # --- mining ------------------------------------------------------------------------
    availability_fraction: float = Field(
        1.0,
        gt=0.0,
        le=1.0,
        description="Share of the machines available (not failed or in repair); scales the "
        "power and hashrate of every tranche. The fleet's uptime_fraction is not used: "
        "dispatch decides curtailment itself (pivot, simulate and optimize take this "
        "share as the site's uptime too). [-]",
    )
    underclock_min_power_fraction: float = Field(
        1.0,
        gt=0.0,
        le=1.0,
        description="Lowest power a running machine may be clocked down to, as a fraction of "
        "rated power; 1 disables underclocking. [-]",
    )
    underclock_hashrate_fraction: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="Hashrate at the lowest power, as a fraction of rated hashrate; default "
        "equal to the power fraction (no efficiency gain). [-]",
    )
    hashprice_usd_per_ph_day: float | None = Field(
        None,
        ge=0.0,
        le=1e6,
        description="Constant hashprice; default computed from network conditions. "
        "[USD/(PH/s)/day]",
    )
    btc_price_usd: BtcPriceUsd | None = Field(
        None, description="BTC price for the network-conditions hashprice. [USD]"
    )
    network_difficulty: float | None = Field(
        None,
        ge=1.0,
        le=1e18,
        description="Difficulty for the network-conditions hashprice. [-]",
    )
    fees_btc_per_block: FeesBtcPerBlock | None = Field(
        None,
        description="Fees per block for the network-conditions hashprice. [BTC]",
    )

    # --- emissions and solver --------------------------------------------------------------
    emissions_factor_tco2_per_mwh: float | None = Field(
        None,
        ge=0.0,
        le=2.0,
        description="Grid emissions factor; default the bundled average of the site's "
        "region. [t CO2/MWh]",
    )
    emissions_file: FileName | None = Field(
        None,
        description="CSV/Parquet of a timestamp and an emissions-factor column (e.g. marginal "
        "emissions from WattTime or a grid operator), relative to the TOML file; wins over "
        "emissions_factor_tco2_per_mwh. [t CO2/MWh]",
    )
    solver: Literal["auto", "fast", "lp"] = Field(
        "auto", description="auto: the exact fast path when nothing links intervals, else HiGHS."
    )
    mip_gap: float = Field(1e-3, gt=0.0, lt=1.0, description="Relative MIP gap target. [-]")
    time_limit_seconds: float = Field(60.0, gt=0.0, le=86400.0, description="HiGHS time limit. [s]")

    @model_validator(mode="after")
    def _underclock_consistent(self) -> DispatchSpec:
        h = self.underclock_hashrate_fraction
        f = self.underclock_min_power_fraction
        if h is not None and h < f:
            raise ValueError(
                "underclock_hashrate_fraction must be >= underclock_min_power_fraction "
                "(an underclocked machine is not less efficient than at rated power)"
            )
        return self
