"""A table's check of several fields together that reports each problem at the field it
is about (``sites[1].name``), not at the table (:func:`field_problems`).

The second pass of a validation (:mod:`hashpivot.models.hidden_checks`) reads such an
error as the check of the table that raised it: the number of location parts below the
table is in the error's context (:data:`CHECK_DEPTH`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

#: Key of an error's context: how many parts of its location lie below the table whose
#: check raised it (0 or absent: the error is at the table). [-]
CHECK_DEPTH = "check_depth"


def field_problems(model: str, problems: Sequence[tuple[tuple[int | str, ...], str, Any]]
                   ) -> ValidationError:
    """The error a model's check raises to report ``problems``, each at its field.

    Parameters
    ----------
    model : str
        Name of the model whose check raises it.
    problems : sequence of (location, message, value)
        Each problem's location relative to the table (``("sites", 1, "name")``), its
        message and the value it is about.

    Returns
    -------
    pydantic.ValidationError
        To raise from a ``model_validator``: pydantic puts the table's own location
        before each problem's.
    """
    return ValidationError.from_exception_data(model, [
        InitErrorDetails(
            # (pydantic fills in only ``{check_depth}`` of the message, no other braces)
            type=PydanticCustomError("value_error", message, {CHECK_DEPTH: len(loc)}),
            loc=loc, input=value)
        for loc, message, value in problems
    ])


def check_depth(error: Any) -> int:
    """How many parts of a pydantic error's location lie below the table whose check
    raised it (0 for any other error). [-]"""
    return int((error.get("ctx") or {}).get(CHECK_DEPTH, 0))


__all__ = ["CHECK_DEPTH", "check_depth", "field_problems"]
