"""Number formats of the tables that the CLI prints and the dashboard shows: a missing or
non-finite value is a dash (``-``) or ``n/a``, never ``nan``."""

from __future__ import annotations

import math
from typing import Any


def is_number(x: Any) -> bool:
    """Whether a result's value is a finite number (not missing, NaN, or text)."""
    return isinstance(x, float | int) and not isinstance(x, bool) and math.isfinite(x)


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def fmt_musd(x: float | None) -> str:
    """USD shown in millions with one decimal; ``-`` for missing or NaN. [M USD]"""
    return f"{x / 1e6:,.1f}" if _finite(x) else "-"  # type: ignore[operator]


def fmt_pct(x: float | None) -> str:
    """A fraction shown in percent with one decimal; ``-`` for missing or NaN. [%]"""
    return f"{100 * x:.1f}" if _finite(x) else "-"  # type: ignore[operator]


def fmt_num(x: float | None, fmt: str = ",.1f", missing: str = "-") -> str:
    """A number with a format spec; ``missing`` for missing or NaN."""
    return format(x, fmt) if _finite(x) else missing


def fmt_assumption(value: Any) -> str:
    """A resolved assumption's value as a cell: floats with 4 significant digits below
    10,000, else whole with thousands separators; ``-`` for missing or NaN; anything else
    as its text."""
    if value is None or isinstance(value, float):
        return fmt_num(value, ",.4g" if value is None or abs(value) < 1e4 else ",.0f")
    return str(value)


def fmt_number(v: float | None, digits: int = 0) -> str:
    """``v`` with thousands separators and ``digits`` decimals; "n/a" when missing or not
    finite."""
    return fmt_num(v, f",.{digits}f", missing="n/a")


__all__ = ["fmt_assumption", "fmt_musd", "fmt_num", "fmt_number", "fmt_pct", "is_number"]
