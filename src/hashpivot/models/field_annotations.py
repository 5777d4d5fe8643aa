"""What a model's field annotations say a table of a document holds: its fields by the key
the document uses, and what a field may hold inside it (tables, list elements, dictionary
values).

Read along a document by the checks that follow its values through the models: the
second pass of the checks an invalid field hides (:mod:`hashpivot.models.hidden_checks`),
``true``, ``false`` or text given for a number (:mod:`hashpivot.models.lax_numbers`)
and the field paths of pydantic's errors (:mod:`hashpivot.models.error_paths`)."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


def fields_by_key(model: type[BaseModel]) -> dict[str, Any]:
    """A model's field annotations by the key a document uses (alias or name)."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def inner_annotations(annotation: Any) -> tuple[list[type[BaseModel]], list[Any], list[Any]]:
    """What a field of ``annotation`` may hold inside it: the models of its tables (in
    the order of the annotation), the annotations of its lists' elements (one per
    position of a fixed tuple) and of its dictionaries' values."""
    models: list[type[BaseModel]] = []
    elements: list[Any] = []
    values: list[Any] = []
    todo = [annotation]
    while todo:
        ann = todo.pop(0)
        origin = get_origin(ann)
        args = get_args(ann)
        if origin is Annotated:
            todo.insert(0, args[0])
        elif origin in (Union, types.UnionType):
            todo[:0] = list(args)
        elif origin is list and args:
            elements.append(args[0])
        elif origin is tuple and args:
            elements.extend([args[0]] if len(args) == 2 and args[1] is Ellipsis else args)
        elif origin is dict and len(args) == 2:
            values.append(args[1])
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            models.append(ann)
    return models, elements, values


__all__ = ["fields_by_key", "inner_annotations"]
