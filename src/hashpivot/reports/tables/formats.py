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


def unsigned_zero(x: float, fmt: str) -> str:
    """``format(x, fmt)``, without a minus sign when the figure rounds to zero: a float
    sum's -2e-12 h of curtailment or a negative zero prints "0.00", not "-0.00" (every
    number the tables print goes through here).

    Parameters
    ----------
    x : float
        A finite number. [any unit]
    fmt : str
        A format spec, e.g. ``",.2f"``.

    Returns
    -------
    str
        E.g. ``"0.00"`` for ``-1e-12`` and ``",.2f"``; ``"-0.01"`` for ``-0.006``.
    """
    text = format(x, fmt)
    if math.copysign(1.0, x) < 0 and not any(c in "123456789" for c in text):
        return format(-x, fmt)
    return text


def fmt_musd(x: float | None) -> str:
    """USD shown in millions with one decimal; ``-`` for missing or NaN. [M USD]"""
    return fmt_num(None if x is None else x / 1e6, ",.1f")


def fmt_pct(x: float | None) -> str:
    """A fraction shown in percent with one decimal; ``-`` for missing or NaN; ``<0.1``
    for one above zero that rounds to 0.0 (a share or its ± of 0.04 points is not a
    certainty: "0.0" is kept for zero and what rounds to it from below). [%]"""
    text = fmt_num(None if x is None else 100 * x, ".1f")
    return "<0.1" if text == "0.0" and x is not None and x > 0 else text


def fmt_num(x: float | None, fmt: str = ",.1f", missing: str = "-") -> str:
    """A number with a format spec (no minus sign on one that rounds to zero,
    :func:`unsigned_zero`); ``missing`` for missing or NaN."""
    return unsigned_zero(x, fmt) if _finite(x) else missing  # type: ignore[arg-type]


def fmt_amount(x: float | None, digits: int = 3) -> str:
    """An amount whole with thousands separators from ``10**(digits - 1)`` up (100 by
    default), else with ``digits`` significant digits, so a small one (a BTC price or
    cost per BTC of 2010 [USD]) is not shown as 0; "n/a" when missing or not finite.

    Parameters
    ----------
    x : float or None
        The amount. [any unit]
    digits : int
        Significant digits kept below ``10**(digits - 1)``. [-]

    Returns
    -------
    str
        E.g. ``"109,669"``, ``"12.3"``, ``"0.0858"``.
    """
    if not _finite(x):
        return "n/a"
    rounded = float(f"{x:.{digits}g}")  # (99.96 rounds to 100: whole)
    if rounded == 0 or abs(rounded) >= 10 ** (digits - 1):
        return unsigned_zero(x, ",.0f")  # type: ignore[arg-type]
    decimals = digits - 1 - math.floor(math.log10(abs(rounded)))
    return f"{rounded:.{decimals}f}"


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


_HASHRATE_UNITS: tuple[tuple[float, str], ...] = (
    (1e6, "EH/s"),
    (1e3, "PH/s"),
    (1.0, "TH/s"),
)


def hashrate_with_unit(th_s: float, digits: int = 2) -> tuple[str, str]:
    """A hashrate in the largest unit that keeps it at or above 1 (EH/s, PH/s, TH/s).

    Parameters
    ----------
    th_s : float
        Hashrate. [TH/s]
    digits : int
        Decimals.

    Returns
    -------
    tuple of str
        The formatted value and its unit, e.g. ``("200.00", "TH/s")`` for one S21.
    """
    if not math.isfinite(th_s):
        return "n/a", "TH/s"
    for scale, unit in _HASHRATE_UNITS:
        if abs(th_s) >= scale:
            return unsigned_zero(th_s / scale, f",.{digits}f"), unit
    return unsigned_zero(th_s, f",.{digits}f"), "TH/s"


def btc_with_unit(btc: float, per: str = "") -> tuple[str, str]:
    """A BTC amount in BTC (>= 1), mBTC (>= 0.001) or sats, with 3 significant figures or
    more.

    Parameters
    ----------
    btc : float
        Amount. [BTC]
    per : str
        Suffix of the unit, e.g. ``"/day"``.

    Returns
    -------
    tuple of str
        The formatted value and its unit, e.g. ``("8,826", "sats/day")`` for one S21.
    """
    if not math.isfinite(btc):
        return "n/a", f"BTC{per}"
    a = abs(btc)
    if a >= 1:
        return f"{btc:,.3f}", f"BTC{per}"
    if a >= 1e-3:
        return f"{btc * 1e3:,.3f}", f"mBTC{per}"
    return unsigned_zero(btc * 1e8, ",.0f"), f"sats{per}"


#: Compiling shorter than this is not mentioned. [s]
_COMPILE_SAID_S = 0.05


def compile_text(seconds: Any) -> str:
    """`` (3.91 s of it numba compiling its kernels ...)``: the kernels' compiling within a
    time a line gives (simulate's paths, optimize's coefficients), on a first run
    (:mod:`hashpivot.compile_time`); nothing once they are cached, or for a run stored
    before it was timed."""
    if not isinstance(seconds, int | float) or seconds < _COMPILE_SAID_S:
        return ""
    return (f" ({float(seconds):.2f} s of it numba compiling its kernels: a first run after "
            "installing or updating; later runs load them from its cache)")


__all__ = ["btc_with_unit", "compile_text", "fmt_amount", "fmt_assumption", "fmt_musd", "fmt_num",
           "fmt_number", "fmt_pct", "hashrate_with_unit", "is_number", "unsigned_zero"]
