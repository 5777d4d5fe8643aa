"""Physical and protocol constants, each with its unit in its name, and the standard names
of the series that carry a unit (``docs/nomenclature.md``)."""

from __future__ import annotations

SECONDS_PER_DAY: float = 86_400.0
HOURS_PER_DAY: float = 24.0
DAYS_PER_YEAR: float = 365.25
MONTHS_PER_YEAR: int = 12
MONTHS_PER_QUARTER: int = 3
HOURS_PER_MONTH: float = DAYS_PER_YEAR * HOURS_PER_DAY / MONTHS_PER_YEAR
SATOSHI_PER_BTC: int = 100_000_000
HASHES_PER_DIFFICULTY: float = float(2**32)
TARGET_BLOCK_INTERVAL_S: float = 600.0
HALVING_INTERVAL_BLOCKS: int = 210_000
RETARGET_INTERVAL_BLOCKS: int = 2016
INITIAL_SUBSIDY_SAT: int = 50 * SATOSHI_PER_BTC
#: First block height whose subsidy is 0: 50 BTC (5e9 satoshi) >> 33 halvings = 0, about
#: 2140. A height given to a model or a calculation is at most this: a higher one means
#: the same subsidy. [blocks]
SUBSIDY_END_HEIGHT: int = (INITIAL_SUBSIDY_SAT.bit_length()) * HALVING_INTERVAL_BLOCKS
TH_PER_PH: float = 1_000.0
H_PER_TH: float = 1e12
H_PER_PH: float = 1e15
W_PER_MW: float = 1e6
KW_PER_MW: float = 1_000.0

#: Name of a power-price series [USD/MWh] (every price reader and transform returns it).
PRICE_NAME = "price_usd_per_mwh"
#: Name of a price series' index of tz-aware interval starts.
INDEX_NAME = "interval_start"
