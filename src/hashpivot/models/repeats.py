"""A list that is a set of choices (``[pivot] strategies``, the 4CP ``peak_intervals``):
each entry once. A repeat was kept once without a word (``strategies = ["convert",
"convert"]`` valued ``convert`` once); it is a problem at the list's path naming the
repeat and the entry it repeats (:func:`each_once`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def _shown(value: Hashable) -> str:
    """A value as the file writes it (a date-time as ISO text, a text quoted)."""
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def each_once(values: Sequence[T], field: str, advice: str) -> Sequence[T]:
    """``values`` when no entry repeats an earlier one, else :class:`ValueError`.

    Parameters
    ----------
    values : sequence
        The list's entries as validated.
    field : str
        The list's field name (``strategies``), which each repeat's position is given in.
    advice : str
        What to do, closing the message (``"give each strategy once"``).

    Returns
    -------
    sequence
        ``values`` unchanged.

    Raises
    ------
    ValueError
        Naming every repeat: ``strategies[1] repeats strategies[0] ('convert')``.
    """
    first: dict[T, int] = {}
    repeats = []
    for j, value in enumerate(values):
        i = first.setdefault(value, j)
        if i != j:
            repeats.append(f"{field}[{j}] repeats {field}[{i}] ({_shown(value)})")
    if repeats:
        raise ValueError(f"{'; '.join(repeats)}: {advice}")
    return values


__all__ = ["each_once"]
