"""Stored portfolios that give a number as text (``capacity_mw = "200"``), which
hashpivot read as that number until 2026-12-07 (pydantic's lax mode) and refuses since
(:mod:`hashpivot.models.lax_numbers`): the numbers written as numbers by migration 0004.

A text is written as the number the lax mode read it as (:func:`numbers_for_text`), in
the document and in the stored TOML (only the value itself: its line, comment and every
other byte kept, :func:`~hashpivot.store.toml_edit.with_literals`); the head of the TOML
names each (a portfolio stored as JSON gets its document as TOML under that head). What
the lax mode refused (``"1,000"``, ``"inf"``) was never stored and stays; a boolean given
for a number (refused since 2026-12-05: ``count = true`` was one machine) stays too, as
no migration can tell what it meant. Its revision is kept: it is the same portfolio, its
runs stay its runs of the revision.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import tomllib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hashpivot.models.error_paths import path_text
from hashpivot.models.lax_numbers import lax_number, refused_values
from hashpivot.models.loader import document_to_toml
from hashpivot.models.portfolio import Portfolio
from hashpivot.store.toml_edit import with_head_note, with_literals

LOG = logging.getLogger(__name__)

#: The first line of the note at the head of a migrated portfolio's TOML; a line
#: naming each value follows.
NOTE_HEAD = ("migration 0004 wrote as numbers the values given as text for numbers, "
             "which hashpivot read as these numbers until 2026-12-07 (the same portfolio):")

#: What a TOML number literal may hold (a text of other characters is not written as is).
_LITERAL = re.compile(r"[0-9eE+\-._]+")

#: The portfolios' columns the migration reads and writes (as migration 0001 made them).
PORTFOLIOS = sa.table("portfolios", sa.column("id", sa.Integer),
                      sa.column("document", sa.JSON), sa.column("toml_text", sa.Text))


@dataclass(frozen=True)
class TextNumber:
    """A text given for a number and the number written for it."""

    #: Its location in the document (keys and positions).
    loc: tuple[int | str, ...]
    #: The text stored.
    text: str
    #: The number the lax mode read it as (an integer where the text spells one).
    number: int | float
    #: The number as TOML writes it: the text's own spelling where TOML reads it so.
    literal: str

    def __str__(self) -> str:
        return f"{path_text(self.loc)}: {json.dumps(self.text, ensure_ascii=False)} -> " \
               f"{self.literal}"


def _written(text: str, number: int | float) -> tuple[int | float, str]:
    """``number`` (read from ``text``) as written: the text without its spaces where TOML
    reads that as the same number (``"1e7"`` as ``1e7``, ``"200"`` as the integer 200 in
    a field of decimals), else the number itself."""
    raw = text.strip()
    try:
        toml = tomllib.loads(f"v = {raw}")["v"] if _LITERAL.fullmatch(raw) else None
    except tomllib.TOMLDecodeError:
        toml = None
    if (isinstance(toml, int | float) and not isinstance(toml, bool) and toml == number
            and (isinstance(number, float) or isinstance(toml, int))):
        return toml, raw
    return number, repr(number)


def numbers_for_text(document: Any) -> list[TextNumber]:
    """Each text a portfolio ``document`` gives for a number that pydantic's lax mode read
    as a number (:func:`~hashpivot.models.lax_numbers.lax_number`), with that number."""
    out = []
    for loc, value, kinds in refused_values(Portfolio, document, ()):
        number = None if isinstance(value, bool) else lax_number(kinds, value)
        if number is not None and isinstance(value, str):
            out.append(TextNumber(loc, value, *_written(value, number)))
    return out


def _with_numbers(document: dict[str, Any], changes: list[TextNumber]) -> dict[str, Any]:
    out = copy.deepcopy(document)
    for change in changes:
        node: Any = out
        for key in change.loc[:-1]:
            node = node[key]
        node[change.loc[-1]] = change.number
    return out


def migrated(document: dict[str, Any], toml_text: str | None
             ) -> tuple[dict[str, Any], str, list[TextNumber]] | None:
    """A stored portfolio's document and TOML text with their texts for numbers written
    as numbers, and what was written; None when they hold none.

    Raises
    ------
    ValueError
        The text cannot take the numbers (:func:`with_literals`).
    """
    changes = numbers_for_text(document)
    in_text = [] if toml_text is None else numbers_for_text(tomllib.loads(toml_text))
    if not changes and not in_text:
        return None
    new = _with_numbers(document, changes)
    text = (document_to_toml(new) if toml_text is None else
            with_literals(toml_text, {c.loc: c.literal for c in in_text}))
    said = list({c.loc: c for c in [*changes, *in_text]}.values())
    for line in [NOTE_HEAD, *(f"  {c}" for c in said)]:
        text = with_head_note(text, line)
    return new, text, said


def upgrade_rows(conn: sa.Connection) -> int:
    """Migration 0004 on the database of ``conn``: each stored portfolio with texts for
    numbers gets them as numbers (:func:`migrated`), logged (a warning for each one that
    cannot be, left as it is); the number of portfolios changed."""
    done = 0
    for pid, document, toml_text in conn.execute(
            sa.select(PORTFOLIOS.c.id, PORTFOLIOS.c.document, PORTFOLIOS.c.toml_text)):
        try:
            result = migrated(document, toml_text)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError,
                tomllib.TOMLDecodeError) as exc:
            LOG.warning("portfolio %s: its texts given for numbers are left as they are "
                        "(%s)", pid, exc)
            continue
        if result is None:
            continue
        new, text, said = result
        conn.execute(sa.update(PORTFOLIOS).where(PORTFOLIOS.c.id == pid)
                     .values(document=new, toml_text=text))
        LOG.warning("portfolio %s: wrote as numbers %s", pid, "; ".join(map(str, said)))
        done += 1
    return done


__all__ = ["NOTE_HEAD", "TextNumber", "migrated", "numbers_for_text", "upgrade_rows"]
