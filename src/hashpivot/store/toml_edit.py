"""A stored portfolio's TOML text kept through an edit of its document, comments included.

The service stores a portfolio as its document (JSON) and, when it was imported as TOML,
the text itself: its comments are the user's (the sources of each figure, an optimized
plan's caveats). An edit (a site form, ``PUT``) changes the document; :func:`edited_text`
applies the new document to the stored text's ``tomlkit`` document, so that each value
the edit keeps keeps its line, its formatting and its comment, a changed value keeps its
comment (an array of the same length is updated element by element, so the comments
written inside it stay), and only what the edit deletes or rewrites whole (an array of
another length) goes with the comments written in it. The text
is checked to read back (``tomllib``) as the same validated portfolio as the document;
if it would not, it is the document written as TOML under the text's head comment.
Either way, what was lost is said in a line added to the head.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from collections.abc import Callable
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.items import AbstractTable, AoT, Array, Comment, InlineTable, Item, Table, Whitespace

from hashpivot.models.loader import document_to_toml
from hashpivot.store.toml_spans import Loc, value_spans

#: How the lines added to a text's head start: what hashpivot wrote, not the user.
NOTE_PREFIX = "# hashpivot: "

#: The field that names an entry of an array of tables by its key, where it is not
#: ``name``: a fleet entry by its ASIC, a hosting phase by its start month.
NATURAL_KEYS = {"fleet": "asic", "phases": "start"}


def head_lines(text: str) -> list[str]:
    """The comment lines at the head of a TOML text (each with its ``#``), before the
    first line that is not a comment."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def with_head_note(text: str, note: str) -> str:
    """``text`` with ``note`` as a comment line at the end of its head comment (a head of
    that line alone when it has none), ended as the text's first line is (CRLF or LF)."""
    lines = text.splitlines(keepends=True)
    n = len(head_lines(text))
    end = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    return "".join([*lines[:n], f"{NOTE_PREFIX}{note}{end}", *lines[n:]])


def edited_text(text: str, document: dict[str, Any], same_model: Callable[[str], bool],
                today: dt.date | None = None, by: str = "an edit") -> str:
    """The stored TOML ``text`` of a portfolio after an edit made its document ``document``.

    Parameters
    ----------
    text : str
        The stored text (valid TOML).
    document : dict
        The new document, validated (JSON-safe: dates as text; None values are absent
        from TOML).
    same_model : callable
        Text -> whether it reads back as the same validated portfolio as ``document``.
    today : datetime.date, optional
        The day the note of lost comments names; default today (UTC).
    by : str
        What made the change, as the note names it (``"an edit"``).

    Returns
    -------
    str
        ``text`` with the document's values: comments where they were, except those
        written in what the edit deleted, which a head line names. When the merged text
        would not read back as the document, the document as TOML under ``text``'s head
        comment and a line saying the other comments were lost.
    """
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    deleted: list[str] = []
    rewritten: list[str] = []
    try:
        doc = tomlkit.parse(text)
        _merge_table(doc, document, "", deleted, rewritten)
        merged = tomlkit.dumps(doc)
        ok = same_model(merged)
    except (ValueError, TypeError, KeyError, tomllib.TOMLDecodeError,
            tomlkit.exceptions.TOMLKitError):
        ok = False
    if not ok:
        head = "".join(f"{line}\n" for line in head_lines(text))
        rest = len(_comments(text)) - len(head_lines(text))
        out = head + ("\n" if head else "") + document_to_toml(document)
        if rest <= 0:
            return out
        return with_head_note(out, f"{by} on {day} could not keep the {rest} comment(s) "
                                   "below this head in place; they were dropped")
    lost = sum((Counter(_comments(text)) - Counter(_comments(merged))).values())
    if not lost:
        return merged
    what = "; ".join([*([f"deleted {', '.join(deleted)}"] if deleted else []),
                      *([f"rewrote {', '.join(rewritten)} as a whole"] if rewritten else [])])
    return with_head_note(merged, f"{by} on {day} {what or 'rewrote what it changed'} and "
                                  f"the {lost} comment(s) written in it")


def with_literals(text: str, literals: dict[Loc, str]) -> str:
    """``text`` with the value at each location of ``literals`` (keys, and positions in
    arrays and arrays of tables) written as the TOML literal given (``"200"`` as
    ``200``): each value's characters replaced where they are written
    (:func:`~hashpivot.store.toml_spans.value_spans`), every other byte kept (lines,
    comments, the order of the tables, line endings).

    Raises
    ------
    ValueError
        A location is not a value of the text, a literal is not one TOML value on a line,
        or the text would not read back as its values with those replaced.
    """
    try:
        expected = tomllib.loads(text)
        spans = value_spans(text)
        edits = []
        for loc, literal in literals.items():
            start, end = spans[loc]
            holder: Any = expected
            for key in loc[:-1]:
                holder = holder[key]
            if not _same_value(_one_value(text[start:end]), holder[loc[-1]]):
                raise ValueError(f"{loc} is not written where it was found")
            if "\n" in literal or "\r" in literal:
                raise ValueError(f"{literal!r} is not written on one line")
            holder[loc[-1]] = _one_value(literal)
            edits.append((start, end, literal))
        out = text
        for start, end, literal in sorted(edits, reverse=True):
            out = out[:start] + literal + out[end:]
        same = tomllib.loads(out) == expected
    except (ValueError, KeyError, IndexError, TypeError) as exc:  # (TOMLDecodeError too)
        raise ValueError(f"cannot write {literals} in the text: {exc}") from None
    if not same:
        raise ValueError(f"the text with {literals} does not read back as written")
    return out


def _one_value(literal: str) -> Any:
    """The value a TOML literal writes (a string, number, date or boolean)."""
    value = tomllib.loads(f"v = {literal}")
    if list(value) != ["v"] or isinstance(value["v"], dict | list):
        raise ValueError(f"{literal!r} is not one TOML value")
    return value["v"]


def _same_value(a: Any, b: Any) -> bool:
    """Whether two values TOML read are the same (NaN the same as NaN)."""
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _comments(text: str) -> list[str]:
    """Every comment of a TOML text (whole lines and ends of lines), in order."""
    return [c for _key, item in tomlkit.parse(text).body for c in _item_comments(item)]


def _item_comments(item: Item | OutOfOrderTableProxy) -> list[str]:
    """The comments of an item and of the items within it, inside arrays and inline tables
    too (none for a table defined in parts, which the text's own walk counts part by
    part)."""
    if isinstance(item, Comment):
        return [item.as_string().strip()]
    if isinstance(item, Whitespace):
        return []
    comment = getattr(getattr(item, "trivia", None), "comment", "")
    out = [comment.strip()] if comment else []
    if isinstance(item, Table | InlineTable):
        out += [c for _key, sub in item.value.body for c in _item_comments(sub)]
    elif isinstance(item, Array):
        for group in item._value:  # (an element with its comma and comment; tomlkit's own)
            out += [group.comment.as_string().strip()] if group.comment else []
            out += _item_comments(group.value) if group.value is not None else []
    elif isinstance(item, AoT):
        out += [c for table in item.body for c in _item_comments(table)]
    return out


def _same(old: Any, new: Any) -> bool:
    """Whether a TOML value and a document's value are the same input: numbers equal
    (``150.0`` and ``150``; a boolean is no number), a date literal and its ISO text,
    lists and tables item by item."""
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, dt.date | dt.time):
        return isinstance(new, str) and old.isoformat() == new
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return old == new
    return type(old) is type(new) and bool(old == new)


def _label(value: Any, path: str, index: int) -> str:
    """An entry of an array of tables as a note names it: its path and index, with its
    name (else its natural key: :data:`NATURAL_KEYS`) in quotes when it has one."""
    keys = ("name", NATURAL_KEYS.get(path.rsplit(".", 1)[-1], "name"))
    name = next((v for k in keys if isinstance(v := value.get(k), str)), None) \
        if isinstance(value, dict) else None
    return f'{path}[{index}] "{name}"' if isinstance(name, str) else f"{path}[{index}]"


def _merge_table(table: Container | AbstractTable | OutOfOrderTableProxy, new: dict[str, Any],
                 path: str, deleted: list[str], rewritten: list[str]) -> None:
    """Make ``table`` (in place) hold ``new``: keys it lacks are deleted (each named in
    ``deleted``), kept values keep their item, changed ones take the new value (and keep
    their comment), tables, arrays of tables and arrays of the same length are merged item
    by item; an array whose comments go with it as it is replaced whole is named in
    ``rewritten``."""
    for key in [k for k in table if new.get(k) is None]:
        if _item_comments(_item(table, key)):
            deleted.append(f"{path}{key}")
        del table[key]
    for key, value in new.items():
        if value is None:
            continue
        if key not in table:
            table[key] = value
            continue
        _merge_value(table, key, _item(table, key), value, f"{path}{key}", deleted, rewritten)


def _merge_value(holder: Any, key: str | int, item: Item | OutOfOrderTableProxy, value: Any,
                 path: str, deleted: list[str], rewritten: list[str]) -> None:
    """Make ``holder[key]``, now ``item`` (at ``path``), hold ``value``: a table, an array
    of tables or an array of the same length merged item by item, a changed value set
    (an array or inline table set whole with comments in it is named in ``rewritten``)."""
    if isinstance(item, AbstractTable | OutOfOrderTableProxy) and isinstance(value, dict):
        _merge_table(item, value, f"{path}.", deleted, rewritten)
    elif isinstance(item, AoT) and _tables(value):
        _merge_aot(item, value, path, deleted, rewritten)
    elif isinstance(item, Array) and isinstance(value, list) and len(item) == len(value):
        _merge_array(item, value, path, deleted, rewritten)
    elif not _same(item.unwrap(), value):
        if isinstance(item, Array | InlineTable) and _item_comments(item):
            rewritten.append(path)
        holder[key] = value


def _merge_array(array: Array, new: list[Any], path: str, deleted: list[str],
                 rewritten: list[str]) -> None:
    """Make ``array`` (in place) hold ``new``, a list of its length, element by element:
    each element keeps its place, comma and comment; an inline table is merged key by key
    and an array within it the same way."""
    for i, value in enumerate(new):
        _merge_value(array, i, array[i], value, f"{path}[{i}]", deleted, rewritten)


def _item(table: Container | AbstractTable | OutOfOrderTableProxy, key: str
          ) -> Item | OutOfOrderTableProxy:
    """The item under ``key`` (a proxy's lookup gives the item itself)."""
    return table[key] if isinstance(table, OutOfOrderTableProxy) else table.item(key)


def _tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _pairs(old: list[Any], new: list[Any], kind: str) -> list[int | None]:
    """For each entry of ``new``, the index of the entry of ``old`` it is (None: a new
    entry), each old entry used once: first an entry equal to it (:func:`_same`), then
    one of the same natural key where that key is unique among the entries left on both
    sides (``name`` when every entry has a distinct one, then the key of ``kind``:
    :data:`NATURAL_KEYS`), then the entries left by position among themselves; but when
    every entry has a distinct name, an entry of a name no stored entry has is a new
    one, unless the one stored entry left stands at its position (renamed)."""
    pairs: list[int | None] = [None] * len(new)
    free = list(range(len(old)))

    def take(j: int, i: int) -> None:
        pairs[j] = i
        free.remove(i)

    for j, value in enumerate(new):
        i = next((i for i in free if _same(old[i], value)), None)
        if i is not None:
            take(j, i)
    names = [v.get("name") if isinstance(v, dict) else None for v in [*old, *new]]
    named = all(isinstance(n, str) for n in names) and (
        len({n for n in names[:len(old)]}) == len(old)
        and len({n for n in names[len(old):]}) == len(new))
    for field in dict.fromkeys(["name"] * named + [NATURAL_KEYS.get(kind, "name")]):
        def key(v: Any, field: str = field) -> Any:
            k = v.get(field) if isinstance(v, dict) else None
            return k if isinstance(k, str) else None
        left = [j for j in range(len(new)) if pairs[j] is None]
        old_keys = Counter(key(old[i]) for i in free)
        new_keys = Counter(key(new[j]) for j in left)
        for j in left:
            k = key(new[j])
            if k is not None and old_keys[k] == 1 and new_keys[k] == 1:
                take(j, next(i for i in free if key(old[i]) == k))
    left = [j for j in range(len(new)) if pairs[j] is None]
    if not named:
        for j, i in zip(left, list(free), strict=False):
            take(j, i)
    elif len(free) == 1 and free[0] in left:  # the one stored entry left, renamed in place
        take(free[0], free[0])
    return pairs


def _merge_aot(aot: AoT, new: list[dict[str, Any]], path: str, deleted: list[str],
               rewritten: list[str]) -> None:
    """Make the array of tables ``aot`` hold ``new``: each entry is the stored entry
    :func:`_pairs` finds for it (an edit may delete or move one), merged into; stored
    entries left over are deleted, each named in ``deleted``."""
    old = list(aot.body)
    pairs = _pairs([t.unwrap() for t in old], new, path.rsplit(".", 1)[-1])
    kept = set(pairs)
    deleted += [_label(t.unwrap(), path, i) for i, t in enumerate(old)
                if i not in kept and _item_comments(t)]
    while len(aot):
        del aot[0]
    for j, (i, value) in enumerate(zip(pairs, new, strict=True)):
        if i is None:
            aot.append(tomlkit.item(value))
        else:
            _merge_table(old[i], value, f"{_label(value, path, j)}.", deleted, rewritten)
            aot.append(old[i])


__all__ = ["NOTE_PREFIX", "edited_text", "head_lines", "with_head_note", "with_literals"]
