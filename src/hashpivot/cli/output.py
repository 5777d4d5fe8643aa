"""Output helpers shared by the commands: the one-object ``--json``."""

from __future__ import annotations

from typing import Any

import typer

from hashpivot.reports.serialize import dumps, jsonable

__all__ = ["dumps", "jsonable", "print_json"]


def print_json(obj: dict[str, Any], indent: int | None = 2) -> None:
    """Print one JSON object to stdout (the ``--json`` contract; NaN as null)."""
    typer.echo(dumps(obj, indent=indent))
