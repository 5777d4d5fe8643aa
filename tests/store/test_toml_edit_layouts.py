"""An edit of a stored TOML text on layouts its TOML library does not keep (tables written
apart from their table): a value edit changes only the values' characters, whatever the
layout; an edit that adds or deletes keys or tables regroups the tables, or writes the
document anew, and says so in the head (:func:`~hashpivot.store.toml_edit.edited_text`).

The property test reuses the layouts of ``test_toml_literals``: each marked value is
edited, to a value of any kind, and the text must change only there.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot.store.toml_edit import NOTE_PREFIX, edited_text, head_lines
from hashpivot.store.toml_spans import tables_written_apart
from tests.store.toml_inputs import DAY, LAYOUTS, MARKED, layouts, leaves, plain, reads_as, set_at

#: A text of each layout tomlkit does not keep, with comments to keep: the header written
#: apart, and a value to edit (its location, new value and line before and after).
APART = {
    "an array of tables interrupted by another table": (
        '# head\n[[sites]]\nname = "A"  # A\nx = 1\n[financing]\ny = 2  # rate\n'
        '[[sites]]\nname = "B"\nx = 3\n', "[[sites]] after [financing]",
        ("sites", 1, "x"), 3.5, "x = 3\n", "x = 3.5\n"),
    "a sub-table of an entry written after another table": (
        '# head\n[[sites]]\nname = "A"\nx = 1\n[financing]\ny = 2  # rate\n'
        "[sites.hosting]\nz = 4  # lease\n", "[sites.hosting] after [financing]",
        ("sites", 0, "hosting", "z"), 5, "z = 4 ", "z = 5 "),
    "an array of tables, another table, then a sub-table of its entry": (
        "# head\n[[s.h]]\nx = 1  # c\n[a]\n[a.b]\nx = 2\n[s.h.k]\ny = 3\n",
        "[s.h.k] after [a.b]", ("s", "h", 0, "k", "y"), 4, "y = 3\n", "y = 4\n"),
}


@pytest.mark.parametrize("layout", APART.values(), ids=list(APART))
def test_a_value_edit_on_a_layout_written_apart_changes_only_that_value(
        layout: tuple[Any, ...]) -> None:
    text, _, loc, value, before, after = layout
    assert text.count(before) == 1
    doc = plain(tomllib.loads(text))
    set_at(doc, loc, value)
    assert edited_text(text, doc, reads_as(doc), DAY) == text.replace(before, after)


@pytest.mark.parametrize("layout", APART.values(), ids=list(APART))
def test_an_edit_adding_a_key_on_a_layout_written_apart_says_what_it_regrouped(
        layout: tuple[Any, ...], caplog: pytest.LogCaptureFixture) -> None:
    text, apart, *_ = layout
    assert [f"{h} after {b}" for h, b in tables_written_apart(text)] == [apart]
    doc = plain(tomllib.loads(text))
    doc["added"] = {"k": 1.0}
    with caplog.at_level(logging.WARNING, logger="hashpivot.store.toml_edit"):
        out = edited_text(text, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert tables_written_apart(out) == []
    notes = [line for line in head_lines(out) if line.startswith(NOTE_PREFIX)]
    assert head_lines(out)[0] == "# head"
    assert len(notes) == 1 and f"({apart})" in notes[0], notes
    if "[s.h.k]" in text:  # (tomlkit refuses it: "Key already exists")
        assert notes[0].startswith(f"{NOTE_PREFIX}an edit on 2026-12-06 wrote the document "
                                   "anew"), notes
        assert "the 1 comment(s) below this head" in notes[0]
    else:
        assert notes[0].startswith(f"{NOTE_PREFIX}an edit on 2026-12-06 regrouped the tables "
                                   f"this text wrote apart ({apart})"), notes
        for comment in ("# A", "# rate", "# lease"):
            assert (comment in out) is (comment in text), comment
    assert any(apart in r.getMessage() for r in caplog.records), caplog.records


def test_an_edit_on_a_layout_kept_in_place_adds_no_note() -> None:
    """Tables in their usual order, a key added: tomlkit keeps the layout, no note."""
    text = '# head\n[[sites]]\nname = "A"  # A\n[sites.hosting]\nz = 4\n[financing]\ny = 2\n'
    assert tables_written_apart(text) == []
    doc = plain(tomllib.loads(text))
    doc["financing"]["rate"] = 0.1
    out = edited_text(text, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert NOTE_PREFIX not in out and out.startswith(text.split("[financing]")[0])


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
def test_tables_written_apart_are_found_in_each_layout(layout: str) -> None:
    """Each header of the layouts that takes up a table (or array of tables) after
    another interrupted it is named, with the header before it."""
    text = layout.replace("⟨", "").replace("⟩", "")
    expected = {
        "a sub-table of an entry written after another table": [("[s.h]", "[a]")],
        "a sub-table of an entry after another table, nothing to write": [("[s.h]", "[a]")],
        "an array of tables, another table, then a sub-table under it": [
            ("[s.h.k]", "[a.b]")],
        "an array of tables interrupted by another table": [("[[sites]]", "[financing]")],
        "a table defined in two parts around another": [("[a.d]", "[c]")],
    }
    assert tables_written_apart(text) == expected.get(next(
        k for k, v in LAYOUTS.items() if v == layout), [])


#: A new value for a marked one, of each kind, and how TOML writes it.
NEW_VALUES = [
    (lambda n: n * 7, lambda n: str(n * 7)),
    (lambda n: n + 0.5, lambda n: f"{n}.5"),
    (lambda n: f"v{n} \"q\"", lambda n: f'"v{n} \\"q\\""'),
    (lambda n: True, lambda n: "true"),
    (lambda n: int(n), None),  # (the same number: a number for a text, written as one)
]


@settings(max_examples=300, deadline=None)
@given(layouts(), st.data())
def test_a_value_edit_changes_only_the_edited_values_in_any_layout(layout: str,
                                                                   data: st.DataObject) -> None:
    """Each marked value edited (or not) to a number, a text with quotes or a boolean:
    the text is the layout with those values' characters changed, every other byte
    kept, whatever the order of its tables."""
    text = layout.replace("⟨", "").replace("⟩", "")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    doc = plain(document)
    marked = dict.fromkeys(MARKED.findall(layout))
    for number in marked:
        new, literal = data.draw(st.sampled_from([*NEW_VALUES, (None, None)]))
        if new is None:
            continue
        n = int(number)
        (loc,) = [loc for loc, v in leaves(document) if v == number]
        set_at(doc, loc, new(n))
        marked[number] = literal(n) if literal else number
    expected = MARKED.sub(lambda m: marked[m[1]] or f'"{m[1]}"', layout)
    assert edited_text(text, doc, reads_as(doc), DAY) == expected


def test_a_date_literal_edited_stays_a_date_literal() -> None:
    """A date the document holds as ISO text is written as the text's date literal."""
    text = "[t]\nd = 2021-06-01  # c\ne = 07:32:00\nf = 1979-05-27T07:32:00Z\n"
    doc = plain(tomllib.loads(text))
    doc["t"] |= {"d": "2021-07-01", "e": "08:00:00", "f": "later"}

    def reads_as_doc(out: str) -> bool:  # (a time as its ISO text too)
        values = tomllib.loads(out)["t"]
        return plain(values | {"e": values["e"].isoformat()}) == doc["t"]

    out = edited_text(text, doc, reads_as_doc, DAY)
    assert out == '[t]\nd = 2021-07-01  # c\ne = 08:00:00\nf = "later"\n'
    assert isinstance(tomllib.loads(out)["t"]["d"], dt.date)


def test_a_site_moved_is_no_value_edit_its_comments_go_with_it() -> None:
    """Two entries swapped (same keys, values changed by position): they move with their
    comments, not their values into each other's lines."""
    text = '[[s]]\nname = "A"  # A\nx = 1\n[[s]]\nname = "B"  # B\nx = 2\n'
    doc: dict[str, Any] = plain(tomllib.loads(text))
    doc["s"].reverse()
    out = edited_text(text, doc, reads_as(doc), DAY)
    assert out.index('"B"  # B') < out.index('"A"  # A')


@settings(max_examples=200, deadline=None)
@given(layouts())
def test_an_edit_adding_a_key_in_any_layout_reads_back_and_names_what_moved(
        layout: str) -> None:
    """A key added (no edit in place): never an error, the text reads back as the
    document, and each table written apart is still so or named in the head; a text
    whose tables are written together gets no note (``tomlkit`` keeps its order)."""
    text = layout.replace("⟨", "").replace("⟩", "")
    try:
        doc = plain(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return
    doc["added"] = 1.0
    out = edited_text(text, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    apart = [f"{h} after {b}" for h, b in tables_written_apart(text)]
    notes = " ".join(line for line in head_lines(out) if line.startswith(NOTE_PREFIX))
    if not apart:
        assert notes == ""
        assert out.endswith(text)
    still = [f"{h} after {b}" for h, b in tables_written_apart(out)]
    assert [a for a in apart if a not in still and a not in notes] == []


def test_a_key_added_to_a_text_tomlkit_refuses_writes_it_anew_and_says_so() -> None:
    """``[[s.h]] [a] [s.h.k] [[s.h]]`` (TOML reads it): ``tomlkit`` refuses to parse it
    ("Key already exists"), so the edit is written anew; counting the comments it drops
    parsed the text with ``tomlkit`` again and raised (found by the property above on a
    random seed): now the note says the whole-line comments below the head were
    dropped."""
    text = '# head\n[[s.h]]\nx = 1\n# c\n[a]\n[s.h.k]\ny = 3  # d\n[[s.h]]\n'
    doc = plain(tomllib.loads(text))
    doc["added"] = 1.0
    out = edited_text(text, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert head_lines(out)[0] == "# head"
    notes = [line for line in head_lines(out) if line.startswith(NOTE_PREFIX)]
    assert len(notes) == 1 and "the 1 comment(s) below this head" in notes[0], notes
