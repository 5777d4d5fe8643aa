"""A stored portfolio's TOML text kept through an edit of its document, comments included.

The service stores a portfolio as its document (JSON) and, when it was imported as TOML,
the text itself: its comments are the user's (the sources of each figure, an optimized
plan's caveats). An edit (a site form, ``PUT``) changes the document; :func:`edited_text`
writes the new document into the text:

- an edit that only changes values (a form's numbers and texts: no key, table or entry
  added, deleted or moved) replaces each changed value's characters where they are
  written (:func:`with_literals`): every other byte is kept, whatever the layout;
- any other edit applies the new document to the text's ``tomlkit`` document, so that
  each value the edit keeps keeps its line, its formatting and its comment, a changed
  value keeps its comment (an array of the same length is updated element by element,
  so the comments written inside it stay), and only what the edit deletes or rewrites
  whole (an array of another length) goes with the comments written in it. ``tomlkit``
  writes each table's parts together: tables the text wrote apart from their table
  (``[[sites]] [financing] [[sites]]``, a site's ``[sites.hosting]`` after
  ``[financing]``: :func:`~hashpivot.store.toml_spans.tables_written_apart`) are
  regrouped with the comments written in them (a comment line above a header stays
  with the table before it), which a head line names, and the log.

The text is checked to read back (``tomllib``) as the same validated portfolio as the
document; if it would not (or ``tomlkit`` refuses the layout: ``[[s.h]] [a] [a.b]
[s.h.k]``), it is the document written as TOML under the text's head comment. Either
way, what was lost or moved is said in a line added to the head.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from collections import Counter
from collections.abc import Callable
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.items import AbstractTable, AoT, Array, Comment, InlineTable, Item, Table, Whitespace

from hashpivot.models.loader import document_to_toml
from hashpivot.store.toml_spans import Loc, tables_written_apart, value_spans

LOG = logging.getLogger(__name__)
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
        ``text`` with the document's values. An edit of values only: their characters
        replaced, every other byte kept. Else comments where they were, except those
        written in what the edit deleted, which a head line names; tables the text wrote
        apart from their table regrouped, which a head line names. When the merged text
        would not read back as the document, the document as TOML under ``text``'s head
        comment and a line saying the other comments (and the layout) were lost.
    """
    in_place = _edited_in_place(text, document)
    if in_place is not None and same_model(in_place):
        return in_place
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    apart = _apart(text)
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
        return _written_anew(text, document, apart, f"{by} on {day}")
    moved = [a for a in apart if a not in _apart(merged)]
    if moved:
        LOG.warning("%s regrouped the tables a TOML text wrote apart (%s)", by,
                    "; ".join(moved))
        merged = with_head_note(merged, f"{by} on {day} regrouped the tables this text "
                                        f"wrote apart ({'; '.join(moved)}): each is now "
                                        "written with its table, with the comments written "
                                        "in it (a comment line above its header stays "
                                        "where it was)")
    lost = sum((Counter(_comments(text)) - Counter(_comments(merged))).values())
    if not lost:
        return merged
    what = "; ".join([*([f"deleted {', '.join(deleted)}"] if deleted else []),
                      *([f"rewrote {', '.join(rewritten)} as a whole"] if rewritten else [])])
    return with_head_note(merged, f"{by} on {day} {what or 'rewrote what it changed'} and "
                                  f"the {lost} comment(s) written in it")


def _written_anew(text: str, document: dict[str, Any], apart: list[str], edit: str) -> str:
    """The document as TOML under ``text``'s head comment, with a head line saying what
    of the text was lost (``edit``: what made the change, and when): the comments below
    the head, the tables it wrote ``apart`` from their table (logged)."""
    head = "".join(f"{line}\n" for line in head_lines(text))
    rest = _comment_count(text) - len(head_lines(text))
    out = head + ("\n" if head else "") + document_to_toml(document)
    comments = f"the {rest} comment(s) below this head" if rest > 0 else ""
    if apart:
        LOG.warning("%s wrote a TOML text anew: its tables written apart (%s) could not be "
                    "kept", edit, "; ".join(apart))
        return with_head_note(out, f"{edit} wrote the document anew, its tables in the usual "
                                   f"order: this text wrote tables apart ({'; '.join(apart)})"
                                   + (f", and {comments}, could not be kept; they were "
                                      "dropped" if comments else ", which could not be kept"))
    if not comments:
        return out
    return with_head_note(out, f"{edit} could not keep {comments} in place; they were dropped")


def _apart(text: str) -> list[str]:
    """Each header ``text`` writes apart from its table, after the header before it
    (``"[sites.hosting] after [financing]"``)."""
    try:
        return [f"{header} after {before}" for header, before in tables_written_apart(text)]
    except ValueError:
        return []


def _edited_in_place(text: str, document: dict[str, Any]) -> str | None:
    """``text`` with the values of ``document`` that differ written where they are
    (:func:`with_literals`), when the edit changes values only: each a scalar the text
    writes changed to a scalar, no key, table or entry added, deleted or moved (an array
    of tables' entries are paired as :func:`_merge_aot` pairs them); None when it changes
    more, or the text cannot take them."""
    try:
        changed = _changed_values(tomllib.loads(text), document, ())
        if changed is None:
            return None
        return with_literals(text, {loc: _literal(old, new)
                                    for loc, (old, new) in changed.items()})
    except (ValueError, TypeError):  # (TOMLDecodeError too)
        return None


def _changed_values(old: Any, new: Any, loc: Loc) -> dict[Loc, tuple[Any, Any]] | None:
    """Each scalar of ``old`` (a value TOML read) that ``new`` (a document's value at the
    same location ``loc``) changes, by its location, with its new value; None when
    ``new`` adds, deletes or moves a key, an element or an entry, or gives a table or
    an array for a scalar or the other way round."""
    if isinstance(old, dict) and isinstance(new, dict):
        kept = {k: v for k, v in new.items() if v is not None}  # (None: absent from TOML)
        if kept.keys() != old.keys():
            return None
        parts = [_changed_values(old[k], kept[k], (*loc, k)) for k in old]
    elif isinstance(old, list) and isinstance(new, list):
        kind = str(loc[-1]) if loc else ""
        if len(old) != len(new) or (_tables(old) and _tables(new) and
                                    _pairs(old, new, kind) != list(range(len(new)))):
            return None
        parts = [_changed_values(a, b, (*loc, i))
                 for i, (a, b) in enumerate(zip(old, new, strict=True))]
    elif isinstance(old, dict | list) or isinstance(new, dict | list):
        return None
    else:
        return {} if _same(old, new) else {loc: (old, new)}
    if any(part is None for part in parts):
        return None
    return {k: v for part in parts if part is not None for k, v in part.items()}


def _literal(old: Any, new: Any) -> str:
    """A document's value ``new`` as a TOML literal (``tomlkit``'s), where the text wrote
    ``old``: a date, time or date-time of the text's given as its ISO text is written
    as a literal of that kind again (``2021-07-01``, not ``"2021-07-01"``)."""
    if isinstance(old, dt.date | dt.time) and isinstance(new, str):
        try:
            parsed = type(old).fromisoformat(new)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.isoformat() == new:
            new = parsed
    return str(tomlkit.item(new).as_string())


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


def _comment_count(text: str) -> int:
    """How many comments ``text`` holds (:func:`_comments`); where ``tomlkit`` refuses the
    text (``[[s.h]] [a] [a.b] [s.h.k]``: Key already exists), its whole-line comments, a
    count that cannot raise (the note that says they were dropped must be written)."""
    try:
        return len(_comments(text))
    except tomlkit.exceptions.TOMLKitError:
        return sum(1 for line in text.splitlines() if line.lstrip().startswith("#"))


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
