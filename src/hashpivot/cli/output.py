"""Output helpers shared by the commands: the one-object ``--json``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import typer

from hashpivot.reports.serialize import dumps, jsonable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["dumps", "jsonable", "print_json"]


def print_json(obj: dict[str, Any], indent: int | None = 2) -> None:
    """Print one JSON object to stdout (the ``--json`` contract; NaN as null).

    Warnings about the command's input (:func:`hashpivot.cli.inputs.warn`) are added to
    its ``warnings`` list (created when the object has none).
    """
    from hashpivot.cli.inputs import with_input_warnings

    typer.echo(dumps(with_input_warnings(obj), indent=indent))


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as ``--json`` records: one dict per row, column names as keys,
    missing values (NaN, NaT) as None."""
    clean = df.astype(object).where(df.notna(), None)
    return [{str(k): v for k, v in r.items()} for r in clean.to_dict("records")]


def escape_brackets(text: str) -> str:
    """Escape every ``[`` so rich does not read ``[unit]`` as a markup tag (``--help``
    texts, table cells)."""
    return text.replace("[", "\\[")


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def fmt_musd(x: float | None) -> str:
    """USD shown in millions with one decimal; ``-`` for missing or NaN. [M USD]"""
    return f"{x / 1e6:,.1f}" if _finite(x) else "-"  # type: ignore[operator]


def fmt_pct(x: float | None) -> str:
    """A fraction shown in percent with one decimal; ``-`` for missing or NaN. [%]"""
    return f"{100 * x:.1f}" if _finite(x) else "-"  # type: ignore[operator]


def fmt_num(x: float | None, fmt: str = ",.1f") -> str:
    """A number with a format spec; ``-`` for missing or NaN."""
    return format(x, fmt) if _finite(x) else "-"
