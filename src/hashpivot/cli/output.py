"""Output helpers shared by the commands: the one-object ``--json``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from hashpivot.reports.serialize import dumps, jsonable
from hashpivot.reports.tables.formats import fmt_musd, fmt_num, fmt_pct

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["dumps", "fmt_musd", "fmt_num", "fmt_pct", "jsonable", "print_json"]


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
    """Escape every ``[`` so rich does not read ``[unit]`` as a markup tag (table cells;
    ``--help`` texts are escaped where the app builds its commands, ``cli.app._literal``)."""
    return text.replace("[", "\\[")


