"""``true``, ``false`` or text given for a number: a problem at its path, as pydantic's lax
mode reads them as numbers (``count = true`` was one machine, ``capacity_mw = "200"`` 200
MW, while ``"1,000"`` was refused). A number is a TOML or JSON number; a field that takes
booleans takes them, one that takes text (a date, a name) takes text. Nothing is judged
on the number pydantic read (:func:`without_judged`). What it read a text as
(:func:`lax_number`) is what a portfolio stored before keeps (migration 0004:
:mod:`hashpivot.store.text_numbers`)."""

from __future__ import annotations

import math
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from hashpivot.models.error_paths import error_at, is_key_error
from hashpivot.models.field_annotations import fields_by_key, inner_annotations
from hashpivot.models.hidden_checks import TABLE_CHECKS, by_prefix, check_loc, may_read

#: Containers: a value inside them is followed (:func:`lax_numbers`), none is text.
_CONTAINERS = (list, tuple, dict, set, frozenset)


def _takes_text(ann: Any) -> bool:
    """Whether a member ``ann`` of a field's annotation (no union, no ``Annotated``) may be
    given as text: a text, a choice of words, a date, and any kind not known here."""
    origin = get_origin(ann)
    if origin is Literal:
        return any(isinstance(a, str) for a in get_args(ann))
    if ann in (int, float, bool, type(None)) or origin in _CONTAINERS:
        return False
    return not (isinstance(ann, type) and issubclass(ann, BaseModel))


def _kinds(annotation: Any) -> tuple[bool, bool, bool]:
    """Whether a field of ``annotation`` takes a number, a boolean and text."""
    number = boolean = text = False
    todo = [annotation]
    while todo:
        ann = todo.pop()
        origin = get_origin(ann)
        if origin is Annotated:
            todo.append(get_args(ann)[0])
        elif origin in (Union, types.UnionType):
            todo.extend(get_args(ann))
        elif ann is bool:
            boolean = True
        elif ann in (int, float):
            number = True
        else:
            text = text or _takes_text(ann)
    return number, boolean, text


def _refused(annotation: Any, value: Any) -> bool:
    """Whether ``value`` is a boolean or a text that a field of ``annotation`` would read
    as a number only."""
    number, boolean, text = _kinds(annotation)
    return number and (not boolean if isinstance(value, bool) else not text)


def _not_a_number(loc: tuple[int | str, ...], value: bool | str) -> dict[str, Any]:
    """The error (pydantic's shape) of a boolean or a text given for a number."""
    if isinstance(value, bool):
        return error_at(loc, "bool_for_number",
                        f"expected a number, not a boolean (got {str(value).lower()})")
    try:
        reads = math.isfinite(float(value))
    except ValueError:
        reads = False
    how = ": write the number without quotes" if reads else ""
    return error_at(loc, "text_for_number", f"expected a number, not text (got {value!r}){how}")


def lax_numbers(annotation: Any, value: Any, loc: tuple[int | str, ...]
                ) -> list[dict[str, Any]]:
    """Errors where ``value`` holds ``true``, ``false`` or text for a number: pydantic
    reads them as 1, 0 and the number the text spells (``count = true`` was one
    machine, ``capacity_mw = "200"`` 200 MW). Where a table may be of several models, a
    field counts only where each of them takes a number alone there."""
    return [_not_a_number(at, item) for at, item, _ in refused_values(annotation, value, loc)]


def refused_values(annotation: Any, value: Any, loc: tuple[int | str, ...]
                   ) -> list[tuple[tuple[int | str, ...], bool | str, tuple[Any, ...]]]:
    """Each ``true``, ``false`` or text in ``value`` (of ``annotation``, at ``loc``) given
    for a number (:func:`lax_numbers`): its location, itself and the annotations of its
    field (one per model a table of several may be)."""
    if isinstance(value, bool | str):
        return [(loc, value, (annotation,))] if _refused(annotation, value) else []
    models, elements, values = inner_annotations(annotation)
    out: list[tuple[tuple[int | str, ...], bool | str, tuple[Any, ...]]] = []
    if isinstance(value, dict) and models:
        fields = [fields_by_key(m) for m in models]
        for key, item in value.items():
            if not all(key in f for f in fields):
                continue
            if len(fields) == 1:
                out += refused_values(fields[0][key], item, (*loc, key))
            elif isinstance(item, bool | str) and all(_refused(f[key], item) for f in fields):
                out.append(((*loc, key), item, tuple(f[key] for f in fields)))
    elif isinstance(value, dict) and values:
        for key, item in value.items():
            out += refused_values(values[0], item, (*loc, key))
    elif isinstance(value, list) and elements:
        for k, item in enumerate(value):
            out += refused_values(elements[min(k, len(elements) - 1)], item, (*loc, k))
    return out


#: How the input models read numbers (:data:`~hashpivot.models.fields.STRICT_CONFIG`):
#: ``inf`` and ``nan`` refused.
_NUMBER_CONFIG = ConfigDict(allow_inf_nan=False)


def lax_number(annotations: tuple[Any, ...], text: str) -> int | float | None:
    """The number pydantic's lax mode read ``text`` as in a field of each of
    ``annotations`` (:func:`refused_values`), as every input model reads numbers (no
    ``inf`` or ``nan``): ``"200"`` 200, ``" 5 "`` 5, ``"2e3"`` 2000.0 where a decimal is
    taken; None where it refused the text (``"1,000"``, ``"2e3"`` for an integer) or the
    fields read it as different numbers. A bound the field declares (``Field(ge=0)``) is
    left to the validation of the value read."""
    read: list[int | float] = []
    for annotation in annotations:
        try:
            number = TypeAdapter(annotation, config=_NUMBER_CONFIG).validate_python(text)
        except ValidationError:
            return None
        if isinstance(number, bool) or not isinstance(number, int | float):
            return None
        read.append(number)
    return read[0] if read and all(n == read[0] for n in read) else None


def without_judged(model: type[BaseModel], errors: list[Any], refused: list[dict[str, Any]]
                   ) -> list[Any]:
    """The ``errors`` of a value of ``model`` without those that judge the number one of
    the ``refused`` values (:func:`lax_numbers`) was read as, or say in pydantic's words
    that it is none: its own field's, the checks that may read it
    (:func:`~hashpivot.models.hidden_checks.may_read`)."""
    at = {b["loc"] for b in refused}
    inside = by_prefix(at)
    judged = {id(e) for e in errors for loc in [check_loc(e)]
              if not is_key_error(e) and (
                  loc in at or (e.get("type") in TABLE_CHECKS
                                and may_read(model, loc, inside)))
              }  # (a dictionary's key is no value read as a number)
    return [e for e in errors if id(e) not in judged]


__all__ = ["lax_number", "lax_numbers", "refused_values", "without_judged"]
