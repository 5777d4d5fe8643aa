"""Field types shared by the input models (``Annotated`` with their bounds), and their
model configs (:data:`STRICT_CONFIG`, :data:`FOUNDATION_CONFIG`).

A quantity that several inputs take (a BTC price, a power price, a lease rate, a discount
rate...) is bounded once, here: a field declared with one of these types gets the same
bounds, error messages and reference entry as the bounds written out on the field; its
default and description stay on the field. A field whose bounds differ on purpose keeps
them written out.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, Strict

from hashpivot.run_defaults import MAX_DISCOUNT_RATE, MIN_DISCOUNT_RATE
from hashpivot.units import SUBSIDY_END_HEIGHT

#: The model config of every input table (``[pivot]``, ``[scenario]``, ``[sites.hosting]``,
#: ``[sites.dispatch]``...; a run's parameters): an unknown key is an error at its path, and
#: so are ``inf`` and ``nan``, which TOML accepts (they would pass a one-sided bound,
#: ``ge=0``, and turn into infinite costs).
STRICT_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)

#: The model config of the foundation's inputs (:mod:`~hashpivot.models.portfolio`,
#: :mod:`~hashpivot.models.fleet`). ``allow_inf_nan=False``: TOML accepts ``inf`` and
#: ``nan``, which would pass a one-sided bound (``ge=0``) and turn into infinite costs;
#: they are reported at their field path.
FOUNDATION_CONFIG = ConfigDict(
    extra="forbid", validate_assignment=False, str_strip_whitespace=True, allow_inf_nan=False
)

#: A fraction of a whole, 0 to 1 inclusive. [-]
Fraction = Annotated[float, Field(ge=0, le=1)]
#: A correlation coefficient, -1 to 1 inclusive. [-]
Correlation = Annotated[float, Field(ge=-1, le=1)]
#: A probability that a party signs (a tenant, its lease): above 0, at most 1. [-]
ProbabilitySigning = Annotated[float, Field(gt=0, le=1)]
#: A share lost, gained or defaulting per year, 0 inclusive to 1 exclusive. [1/year]
FractionPerYear = Annotated[float, Field(ge=0, lt=1)]
#: A BTC price. [USD]
BtcPriceUsd = Annotated[float, Field(gt=0, le=1e8)]
#: Average transaction fees per block. [BTC]
FeesBtcPerBlock = Annotated[float, Field(ge=0, le=100)]
#: Compound annual growth of a market quantity (BTC price, network hashrate). [1/year]
GrowthPerYear = Annotated[float, Field(gt=-1, le=5)]
#: A yes/no field: ``true`` or ``false`` only (pydantic would read 0, 1, "yes" or "off"
#: as one: ``resale_allowed = 0`` was False without a word).
Flag = Annotated[bool, Strict()]
#: The bounds of a contract's power price or adder (negative prices happen). [USD/MWh]
POWER_PRICE_MIN_USD_PER_MWH, POWER_PRICE_MAX_USD_PER_MWH = -1000.0, 10_000.0
#: A power price, or an adder over one. [USD/MWh]
PowerPriceUsdPerMwh = Annotated[float, Field(ge=POWER_PRICE_MIN_USD_PER_MWH,
                                             le=POWER_PRICE_MAX_USD_PER_MWH)]
#: Gross (utility) or critical IT capacity of a site, a conversion or a lease. [MW]
SiteMw = Annotated[float, Field(gt=0, le=10_000)]
#: A power flow of a dispatch: a load, a contracted block, a plant; zero allowed. [MW]
LoadMw = Annotated[float, Field(ge=0.0, le=10_000.0)]
#: First-year rent per critical IT kW. [USD/kW/month]
LeaseUsdPerKwMonth = Annotated[float, Field(gt=0, le=2_000)]
#: Annual rent escalator. [1/year]
EscalatorPerYear = Annotated[float, Field(ge=-0.1, le=0.2)]
#: A span of years: a lease term, an amortization, a fleet's life. [year]
Years = Annotated[float, Field(gt=0, le=40)]
#: An annual discount rate, nominal and effective (:data:`hashpivot.run_defaults.
#: MIN_DISCOUNT_RATE`: none negative). [1/year]
DiscountRate = Annotated[float, Field(ge=MIN_DISCOUNT_RATE, le=MAX_DISCOUNT_RATE)]
#: An EV/EBITDA multiple. [-]
EbitdaMultiple = Annotated[float, Field(ge=0, le=50)]


def _names_a_file(name: str) -> str:
    if not name.strip():
        raise ValueError("an empty name names no file: leave the field out for none")
    return name


#: The name of a side file (``emissions_file``, ``profile_file``...): not empty nor blank
#: (``profile_file = ""`` was read as no file, and the synthetic profile used in silence).
FileName = Annotated[str, AfterValidator(_names_a_file)]
#: The longest name of a portfolio, a site, a fleet line or a cost item (the service stores
#: a portfolio's in a column of this width). [characters]
NAME_MAX_CHARS = 200
#: Unicode categories a name may not hold: control characters (NUL, tab, line feed) and
#: line and paragraph separators.
_NOT_IN_NAMES = frozenset({"Cc", "Zl", "Zp"})


def _one_line(name: str) -> str:
    bad = next((c for c in name if unicodedata.category(c) in _NOT_IN_NAMES), None)
    if bad is not None:
        raise ValueError(f"holds a control character (U+{ord(bad):04X}): a name is printed "
                         "on one line of tables and files")
    return name


#: A name: at most :data:`NAME_MAX_CHARS` characters on one line (a NUL, a tab or a line
#: break was taken as written and broke the tables and CSV files it is printed in).
Name = Annotated[str, Field(max_length=NAME_MAX_CHARS), AfterValidator(_one_line)]
#: An amount of cash or debt held; at most a trillion USD (ten times the largest miner). [USD]
AmountUsd = Annotated[float, Field(ge=0.0, le=1e12)]
#: A network hashrate: above 0, at most 1e12 TH/s (a thousand times the 2025 network). [TH/s]
NetworkHashrateThS = Annotated[float, Field(gt=0, le=1e12)]
#: A block height: at most the first height whose subsidy is 0 (6,930,000, about 2140;
#: a higher one means the same subsidy). [blocks]
BlockHeight = Annotated[int, Field(ge=0, le=SUBSIDY_END_HEIGHT)]

__all__ = [
    "NAME_MAX_CHARS",
    "POWER_PRICE_MAX_USD_PER_MWH",
    "POWER_PRICE_MIN_USD_PER_MWH",
    "AmountUsd",
    "BlockHeight",
    "BtcPriceUsd",
    "Correlation",
    "DiscountRate",
    "EbitdaMultiple",
    "EscalatorPerYear",
    "FeesBtcPerBlock",
    "FileName",
    "Flag",
    "Fraction",
    "FractionPerYear",
    "GrowthPerYear",
    "LeaseUsdPerKwMonth",
    "LoadMw",
    "Name",
    "NetworkHashrateThS",
    "PowerPriceUsdPerMwh",
    "SiteMw",
    "Years",
]
