"""What a generic price file's column names say: which column holds the timestamps and
whether they are the intervals' starts or ends (and UTC), which holds the price and which
the location, and a price column named in another unit than USD/MWh (refused).

The words of a column name are matched whole (:func:`_name_words`), so that ``CT`` (ISO-NE's
Connecticut zone) or ``recent_lmp`` are not read as units. Used by
:mod:`hashpivot.io.price_file`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from hashpivot.exceptions import DataError
from hashpivot.io._table import _pick

_TS_NAMES = (
    "interval_start", "interval_start_local", "interval start", "timestamp", "datetime",
    "date_time", "time", "start", "period", "date",
)
_PRICE_NAMES = (
    "price_usd_per_mwh", "price", "lmp", "spp", "lbmp", "settlement point price",
    "settlementpointprice", "usd_per_mwh", "value",
)


@dataclass(frozen=True)
class _Words:
    """How the messages about a file name what it holds: a price file's, or those of a
    file of another quantity (a capacity factor, an emissions factor), which have no
    price column to name nor ``price_column`` argument to pass."""

    quantity: str = "price"
    file: str = "price file"
    column: str = "price column"
    which: str = "; name it 'price_usd_per_mwh' or pass price_column"

    @classmethod
    def of(cls, quantity: str) -> _Words:
        """The words of a file holding ``quantity`` (singular)."""
        if quantity == "price":
            return cls()
        return cls(quantity, "file", "column", ": give a timestamp column and one numeric "
                   "column")


#: The words of a price file (the default of every reader's ``words``).
PRICE_WORDS = _Words()


#: Whole words of a column name that say it holds the interval's start, its end, a time,
#: and that its naive stamps are UTC (:func:`_timestamp_column`, :func:`_price_series`).
_START_WORDS = frozenset({"start", "starting", "begin", "beginning"})
_END_WORDS = frozenset({"end", "ending"})
_TIME_WORDS = frozenset({"timestamp", "datetime", "time", "date", "period", "interval"})
_UTC_WORDS = frozenset({"utc", "gmt"})

#: Names of the column of a generic table that says which location (settlement point,
#: node, zone) a row's price is of, as vendors' exports spell it.
_LOCATION_NAMES = (
    "location", "location_name", "settlement point", "settlement point name", "node",
    "pnode_name", "node_name", "zone", "zone_name", "hub",
)


def _timestamp_column(columns: pd.Index) -> tuple[str, bool]:
    """The timestamp column of a generic table chosen by its name, and whether that name
    says it holds the intervals' ends.

    A known name first (``interval_start``, ``timestamp``...), then a name whose words say
    a start (``interval_start_utc``, ``datetime_beginning_ept``), then one that says a
    time without an end (``timestamp_gmt``), then one that says an end
    (``interval_end_utc``, ``Hour Ending``: read as ends), else the first column. An
    export that gives both the start and the end of each interval (gridstatus:
    ``interval_end_utc`` may come first) is read by its start.
    """
    hit = _pick(pd.DataFrame(columns=columns), *_TS_NAMES, required=False)
    if hit is not None:
        return hit, False
    named = [(str(c), _name_words(str(c))) for c in columns]
    for rule in (lambda w: bool(w & _START_WORDS),
                 lambda w: bool(w & _TIME_WORDS) and not w & _END_WORDS):
        for column, words in named:
            if rule(words):
                return column, False
    for column, words in named:
        if words & _END_WORDS:
            return column, True
    return str(columns[0]), False


def _columns(
    columns: pd.Index, timestamp_column: str | None, price_column: str | None,
    words: _Words = PRICE_WORDS,
) -> tuple[str, str | None, bool]:
    """The timestamp column, the price column when its name tells, and whether the
    timestamps, by their column's name, are the intervals' ends (a column given by the
    caller is read as the caller's ``label`` says)."""
    frame = pd.DataFrame(columns=columns)
    ts_col, ends = (timestamp_column, False) if timestamp_column else _timestamp_column(columns)
    if ts_col not in columns:
        raise DataError(f"{words.file} has no column {ts_col!r}")
    return ts_col, price_column or _pick(frame, *_PRICE_NAMES, required=False), ends


#: Words of a column name that say its price is in cents or per kWh, not USD/MWh: each
#: unit's words, the words that must come with them (``ct`` says cents beside ``kwh``
#: only: ``CT`` alone is ISO-NE's Connecticut zone), the words that clear them (a name
#: that also says ``mwh``, ``kwh_to_mwh_lmp``, is in USD/MWh as its name says), and the
#: factor to USD/MWh of the commonest such unit. [USD/MWh per unit]
_OTHER_PRICE_UNITS: tuple[tuple[frozenset[str], frozenset[str], frozenset[str], str, float],
                          ...] = (
    (frozenset({"cent", "cents"}), frozenset(), frozenset(), "cents/kWh", 10.0),
    (frozenset({"ct"}), frozenset({"kwh"}), frozenset(), "cents/kWh", 10.0),
    (frozenset({"kwh"}), frozenset(), frozenset({"mwh"}), "USD/kWh", 1000.0),
)


def _name_words(column: str) -> set[str]:
    """The words of a column name, split at anything not a letter or a digit, with
    and without a split at case changes (``priceCentsPerKwh``, ``price_cents_per_kwh`` and
    ``Price ($/kWh)`` all give their unit's word)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(column))
    words = re.split(r"[^a-z0-9]+", spaced.lower()) + re.split(r"[^a-z0-9]+", str(column).lower())
    return set(words) - {""}


def _refuse_other_price_unit(column: str) -> None:
    """Raise a :class:`DataError` when the one numeric column taken as the price names
    another unit by a whole word (``price_usd_per_kwh``, ``cents_per_kwh``,
    ``ct_per_kwh``; not ``recent_lmp``, ``CT`` nor ``kwh_to_mwh_lmp``): read as USD/MWh,
    its prices would be 1000 (USD/kWh) or 10 (cents/kWh) times too low, with no other sign
    of it."""
    words = _name_words(column)
    for unit_words, with_words, clear_words, unit, factor in _OTHER_PRICE_UNITS:
        if words & unit_words and with_words <= words and not words & clear_words:
            raise DataError(
                f"price column {column!r} looks like {unit}; the price file holds USD/MWh: "
                f"multiply by {factor:g} and name the column 'price_usd_per_mwh'"
            )
