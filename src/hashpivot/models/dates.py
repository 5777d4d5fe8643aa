"""Date fields of the portfolio file: text as ``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYYQn``, or
a TOML date literal.

TOML has date literals (``start = 2024-06-15``, no quotes), which ``tomllib`` reads as
:class:`datetime.date` (or :class:`datetime.datetime`). Each date field accepts them and
stores the ISO text the rest of the code reads; a day that does not exist
(``2024-02-30``) is an error at the field's path.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from hashpivot.run_defaults import MAX_HORIZON_YEARS


def _as_day_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _as_day_only_text(value: Any) -> Any:
    """A TOML date as ``YYYY-MM-DD``; text that is not of that form is refused here, with
    the form named (before the field's pattern would refuse it in its own words)."""
    value = _as_day_text(value)
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{value!r} is not a day YYYY-MM-DD, e.g. 2026-02-01")
    return value


def _real_day(value: str) -> str:
    """A ``YYYY-MM-DD`` that is in the calendar."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar day (YYYY-MM-DD)") from None
    return value


def _as_month_text(value: Any) -> Any:
    if isinstance(value, dt.date):  # datetime too
        return f"{value.year:04d}-{value.month:02d}"
    return value


def _as_quarter_text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return f"{value.year:04d}Q{(value.month - 1) // 3 + 1}"
    return value


def _real_day_or_month(value: str) -> str:
    """A ``YYYY-MM`` with a month 01-12, or a ``YYYY-MM-DD`` that is in the calendar."""
    try:
        if len(value) == 7:
            dt.date(int(value[:4]), int(value[5:7]), 1)
        else:
            dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date (YYYY-MM-DD or YYYY-MM)") from None
    return value


def _no_number_as_time(value: Any) -> Any:
    """pydantic reads a number as Unix seconds (``0`` -> 1970-01-01 UTC): refuse it."""
    if isinstance(value, bool | int | float):
        raise ValueError(f"expected a date-time such as 2024-08-20T16:00:00, got {value!r}")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _no_number_as_day(value: Any) -> Any:
    """pydantic reads a number, or text of digits, as Unix seconds (``0`` -> 1970-01-01):
    refuse it; a day is ``YYYY-MM-DD`` text or a TOML date literal."""
    if isinstance(value, bool | int | float):
        raise ValueError(f"expected a day YYYY-MM-DD such as 2022-01-01, got {value!r}")
    return _as_day_only_text(value)


_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(value: str) -> str:
    """``value`` when it is a month ``YYYY-MM`` (01-12), else :class:`ValueError`."""
    if not _MONTH_RE.match(value):
        raise ValueError(f"expected a month as 'YYYY-MM', got {value!r}")
    return value


#: First day of the bundled daily history (Coin Metrics: price, difficulty, fees), the
#: first day ``cost --date``, ``backtest`` and a model's start may read.
HISTORY_FIRST_DAY = dt.date(2010, 7, 18)
#: First and last month a model may start (``[pivot] start``, ``[scenario] start``): the
#: month of the history's first day (the engines start from the bundled state), and the
#: last month of 2140, when the block subsidy ends, leaving a 100-year horizon within the
#: calendar pandas holds (to 2262). The ``--start`` options of ``pivot`` and ``simulate``
#: (the convert strategy's) lie within the model's horizon, so within these too.
MODEL_START_MONTHS = (f"{HISTORY_FIRST_DAY:%Y-%m}", "2140-12")


def check_model_start(value: str) -> str:
    """``value`` (``YYYY-MM``) when a model may start on it
    (:data:`MODEL_START_MONTHS`), else :class:`ValueError`."""
    first, last = MODEL_START_MONTHS
    if value < first:
        raise ValueError(f"{value!r} is before {first}: the bundled history the engines "
                         f"start from begins on {HISTORY_FIRST_DAY}")
    if value > last:
        raise ValueError(f"{value!r} is after {last}: a model starts by {last} (the block "
                         "subsidy ends in 2140)")
    return value


#: Calendar years a model may value: from the year of the first month it may start to the
#: year of the last, plus the longest horizon (``simulate --years``,
#: :data:`~hashpivot.run_defaults.MAX_HORIZON_YEARS`; the other engines' are shorter):
#: 2010-2240. [year]
MODEL_YEARS = (int(MODEL_START_MONTHS[0][:4]),
               int(MODEL_START_MONTHS[1][:4]) + int(MAX_HORIZON_YEARS))


def check_model_year(value: int) -> int:
    """``value`` when a model may value that calendar year (:data:`MODEL_YEARS`), else
    :class:`ValueError` (the key of a by-year table: ``-5`` or ``99999`` was ignored)."""
    first, last = MODEL_YEARS
    if not first <= value <= last:
        raise ValueError(
            f"{value} is no calendar year a model values ({first}-{last}: a start from "
            f"{MODEL_START_MONTHS[0]} to {MODEL_START_MONTHS[1]}, at most "
            f"{MAX_HORIZON_YEARS:g} years on); the keys are calendar years, e.g. 2027")
    return value


#: Years a date-time field accepts (pandas holds 1677-2262). [year]
YEAR_RANGE = (1970, 2200)


def _plausible_year(value: dt.datetime) -> dt.datetime:
    lo, hi = YEAR_RANGE
    if not lo <= value.year <= hi:
        raise ValueError(f"year {value.year} is outside {lo}-{hi}")
    return value


def same_clock(times: list[dt.datetime]) -> None:
    """Raise :class:`ValueError` when ``times`` mix local (naive) times and times with a UTC
    offset: they cannot be ordered against each other."""
    aware = {t.tzinfo is not None and t.utcoffset() is not None for t in times}
    if len(aware) > 1:
        raise ValueError(
            "mixes local times (2024-08-20T16:00:00) and times with a UTC offset "
            "(2024-08-20T16:00:00Z): write them all one way"
        )


#: A date-time (TOML literal or ISO text), years 1970-2200; a TOML date is its midnight.
DateTimeValue = Annotated[
    dt.datetime, BeforeValidator(_no_number_as_time), AfterValidator(_plausible_year)
]
#: ``YYYY-MM-DD`` or ``YYYY-MM`` (the field adds the pattern), or a TOML date literal.
DayOrMonthText = Annotated[str, BeforeValidator(_as_day_text), AfterValidator(_real_day_or_month)]
#: ``YYYY-MM-DD`` (the field adds the pattern), or a TOML date literal.
DayText = Annotated[str, BeforeValidator(_as_day_only_text), AfterValidator(_real_day)]
#: A day as :class:`datetime.date`: ``YYYY-MM-DD`` text or a TOML date literal, never a
#: number (which pydantic would read as Unix seconds).
DayValue = Annotated[dt.date, BeforeValidator(_no_number_as_day)]
#: ``YYYY-MM`` (month 01-12), or a TOML date literal (its month is kept).
MonthText = Annotated[str, BeforeValidator(_as_month_text), AfterValidator(check_month)]
#: A month a model starts on: :data:`MonthText` within :data:`MODEL_START_MONTHS`.
StartMonthText = Annotated[MonthText, AfterValidator(check_model_start)]
#: A calendar year a model may value, the key of a by-year table (:data:`MODEL_YEARS`).
ModelYear = Annotated[int, AfterValidator(check_model_year)]
#: ``YYYYQn`` (checked by the model), or a TOML date literal (its quarter is kept).
QuarterText = Annotated[str, BeforeValidator(_as_quarter_text)]

def literal_text(literal: dt.date | dt.time, kept: Any) -> str:
    """The text that stands for the TOML date literal ``literal`` in a JSON document,
    given ``kept``, what its field made of it: ``kept`` when it is the literal's day,
    month or quarter text, the ISO text of ``kept`` when it is the literal as a
    date-time, else the literal's ISO text. A day, month or quarter field reads that
    text back as it read the literal (it refuses a date-time's ISO text)."""
    if isinstance(literal, dt.date):
        if isinstance(kept, str) and kept in (
            _as_day_text(literal), _as_month_text(literal), _as_quarter_text(literal)
        ):
            return kept
        if isinstance(kept, dt.datetime) and kept == _no_number_as_time(literal):
            return kept.isoformat()
    return literal.isoformat()


__all__ = [
    "HISTORY_FIRST_DAY",
    "MODEL_START_MONTHS",
    "MODEL_YEARS",
    "DateTimeValue",
    "DayOrMonthText",
    "DayText",
    "ModelYear",
    "MonthText",
    "QuarterText",
    "StartMonthText",
    "check_model_start",
    "check_model_year",
    "check_month",
    "literal_text",
    "same_clock",
]
