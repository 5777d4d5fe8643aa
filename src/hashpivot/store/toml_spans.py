"""Where each value and table of a TOML text is written: the span of each value's
characters, by the value's location in the document (keys, and positions in arrays and
arrays of tables), and the tables' headers in the text's order.

A small scanner of TOML 1.0 for a text ``tomllib`` reads. It follows the text in its own
order (tables in any order, an array of tables interrupted by other tables, a sub-table
of an entry written after other tables, dotted keys, inline tables) and writes nothing,
so that a value can be replaced in place with every other byte kept
(:func:`hashpivot.store.toml_edit.with_literals`), and tells which tables a text writes
apart from their table (:func:`tables_written_apart`), which ``tomlkit`` moves when it
writes the text again. It checks the layout only as far as it
needs to find the values: ``tomllib`` is the judge of a text's validity.
"""

from __future__ import annotations

import re
import tomllib

#: A value's location in the document: its keys, and its positions in arrays and arrays
#: of tables.
Loc = tuple[int | str, ...]

#: A bare key.
_BARE = re.compile(r"[A-Za-z0-9_-]+")

#: A value that is neither a string, an array nor an inline table: a date, time or
#: date-time (its date and time may be parted by a space), else a number or a boolean.
_SCALAR = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?"
    r"|\d{2}:\d{2}:\d{2}(?:\.\d+)?"
    r"|[A-Za-z0-9_+.:-]+")


class _Scanner:
    """The text, the position reached [characters] and the spans found."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.spans: dict[Loc, tuple[int, int]] = {}
        #: Each header: the location of the table it opens and its text as written.
        self.headers: list[tuple[Loc, str]] = []

    def char(self) -> str:
        """The character at the position ("" at the end)."""
        return self.text[self.pos:self.pos + 1]

    def fail(self, what: str) -> ValueError:
        line = self.text.count("\n", 0, self.pos) + 1
        return ValueError(f"line {line}: {what}")

    def skip(self, lines: bool) -> None:
        """Past spaces and tabs, and with ``lines`` past line breaks and comments too."""
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t" or (lines and c in "\r\n"):
                self.pos += 1
            elif lines and c == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise self.fail(f"{token!r} expected")
        self.pos += len(token)

    def end_of_line(self) -> None:
        """Past the rest of a line that holds nothing but a comment."""
        self.skip(lines=False)
        if self.char() == "#":
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end
        if self.char() not in ("", "\r", "\n"):
            raise self.fail("a line break expected")

    def string_end(self) -> int:
        """Where the string starting at the position ends (one past its last quote)."""
        text, pos = self.text, self.pos
        for quotes, escapes in (('"""', True), ("'''", False)):
            if text.startswith(quotes, pos):
                i = pos + 3
                while i < len(text):
                    if escapes and text[i] == "\\":
                        i += 2
                    elif text.startswith(quotes, i):
                        end = i + 3  # (up to two quotes of the content just before)
                        while end < min(i + 5, len(text)) and text[end] == quotes[0]:
                            end += 1
                        return end
                    else:
                        i += 1
                raise self.fail("a multi-line string not closed")
        quote, i = text[pos], pos + 1
        while i < len(text) and text[i] not in (quote, "\n"):
            i += 2 if quote == '"' and text[i] == "\\" else 1
        if text[i:i + 1] != quote:
            raise self.fail("a string not closed")
        return i + 1

    def keys(self) -> list[str]:
        """A key (dotted or not), as its parts."""
        parts = []
        while True:
            self.skip(lines=False)
            if self.char() in ('"', "'"):
                end = self.string_end()
                parts.append(tomllib.loads(f"k = {self.text[self.pos:end]}")["k"])
                self.pos = end
            elif bare := _BARE.match(self.text, self.pos):
                parts.append(bare.group())
                self.pos = bare.end()
            else:
                raise self.fail("a key expected")
            self.skip(lines=False)
            if self.char() != ".":
                return parts
            self.pos += 1

    def key_value(self, table: Loc) -> None:
        loc = (*table, *self.keys())
        self.expect("=")
        self.skip(lines=False)
        self.value(loc)

    def value(self, loc: Loc) -> None:
        """Past the value at the position, noting the span of each string, number, date
        and boolean in it."""
        start, c = self.pos, self.char()
        if c in ('"', "'"):
            self.pos = self.string_end()
        elif c in ("[", "{"):
            self.pos += 1
            close, i = ("]" if c == "[" else "}"), 0
            while True:
                self.skip(lines=True)
                if self.char() == close:
                    self.pos += 1
                    return
                if c == "[":
                    self.value((*loc, i))
                    i += 1
                else:
                    self.key_value(loc)
                self.skip(lines=True)
                if self.char() == ",":
                    self.pos += 1
                elif self.char() != close:
                    raise self.fail(f"',' or {close!r} expected")
        elif scalar := _SCALAR.match(self.text, self.pos):
            self.pos = scalar.end()
        else:
            raise self.fail("a value expected")
        self.spans[loc] = (start, self.pos)


def _resolved(keys: list[str], arrays: dict[Loc, int]) -> Loc:
    """The location a header's keys name: a key naming an array of tables names its last
    entry."""
    loc: Loc = ()
    for key in keys:
        loc = (*loc, key)
        if loc in arrays:
            loc = (*loc, arrays[loc] - 1)
    return loc


def value_spans(text: str) -> dict[Loc, tuple[int, int]]:
    """The span of each string, number, boolean, date and time of a TOML ``text`` (one
    ``tomllib`` reads), by its location: ``(start, end)`` such that ``text[start:end]``
    is the value as written (its quotes included). [characters]

    Raises
    ------
    ValueError
        The text is not laid out as TOML (the line named).
    """
    return _scanned(text).spans


def tables_written_apart(text: str) -> list[tuple[str, str]]:
    """The headers of a TOML ``text`` (one ``tomllib`` reads) that take up a table, or an
    array of tables, after a header of another table interrupted it, each with that
    header before it, as written: ``("[sites.hosting]", "[financing]")`` for a site's
    ``[sites.hosting]`` written after ``[financing]``, ``("[[sites]]", "[financing]")``
    for an array of tables interrupted by ``[financing]``. Empty when every table's
    headers are written together (the order ``tomlkit`` writes).

    Raises
    ------
    ValueError
        The text is not laid out as TOML (the line named).
    """
    out = []
    left: set[Loc] = set()  # the tables (and arrays of tables) a header has left
    before: tuple[set[Loc], str] = (set(), "")
    for loc, header in _scanned(text).headers:
        within = {loc[:n] for n in range(1, len(loc) + 1)}
        if within & left:
            out.append((header, before[1]))
            left -= within  # (taken up again: its next headers are not apart)
        left |= before[0] - within
        before = (within, header)
    return out


def _scanned(text: str) -> _Scanner:
    """The text scanned to its end: its values' spans and its headers."""
    s = _Scanner(text)
    table: Loc = ()
    arrays: dict[Loc, int] = {}  # each array of tables: its entries so far
    while True:
        s.skip(lines=True)
        if s.pos >= len(text):
            return s
        start = s.pos
        if text.startswith("[[", s.pos):
            s.pos += 2
            *outer, key = s.keys()
            s.expect("]]")
            array = (*_resolved(outer, arrays), key)
            arrays[array] = arrays.get(array, 0) + 1
            table = (*array, arrays[array] - 1)
            s.headers.append((table, text[start:s.pos]))
        elif s.char() == "[":
            s.pos += 1
            table = _resolved(s.keys(), arrays)
            s.expect("]")
            s.headers.append((table, text[start:s.pos]))
        else:
            s.key_value(table)
        s.end_of_line()


__all__ = ["Loc", "tables_written_apart", "value_spans"]
