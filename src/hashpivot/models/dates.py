"""Date fields of the portfolio file: text as ``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYYQn``, or
a TOML date literal.

TOML has date literals (``start = 2024-06-15``, no quotes), which ``tomllib`` reads as
:class:`datetime.date` (or :class:`datetime.datetime`). Each date field accepts them and
stores the ISO text the rest of the code reads; a day that does not exist
(``2024-02-30``) is an error at the field's path.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator


def _as_day_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
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


#: ``YYYY-MM-DD`` or ``YYYY-MM`` (the field adds the pattern), or a TOML date literal.
DayOrMonthText = Annotated[str, BeforeValidator(_as_day_text), AfterValidator(_real_day_or_month)]
#: ``YYYY-MM-DD`` (the field adds the pattern), or a TOML date literal.
DayText = Annotated[str, BeforeValidator(_as_day_text), AfterValidator(_real_day_or_month)]
#: ``YYYY-MM`` (checked by the model), or a TOML date literal (its month is kept).
MonthText = Annotated[str, BeforeValidator(_as_month_text)]
#: ``YYYYQn`` (checked by the model), or a TOML date literal (its quarter is kept).
QuarterText = Annotated[str, BeforeValidator(_as_quarter_text)]

__all__ = ["DayOrMonthText", "DayText", "MonthText", "QuarterText"]
