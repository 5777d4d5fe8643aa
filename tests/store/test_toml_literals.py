"""Numbers written in a stored TOML text where it quoted them (migration 0004): only each
value's own characters change, whatever the layout of the text (tables in any order,
arrays of tables with their sub-tables after other tables, dotted keys, inline tables,
comments, CRLF, no final newline); every other byte is kept.

A layout marks each value to write as ``⟨"200"⟩``: the text is the layout without the
marks, and the text expected is the layout with each marked value replaced by its digits
(the exact span, nothing else), which must read back (``tomllib``) as the text's values
with those numbers.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot.store.toml_edit import with_literals

#: A marked value: a quoted number, spaces allowed inside the quotes.
MARKED = re.compile(r'⟨"\s*([0-9][0-9e.]*)\s*"⟩')


def _leaves(node: Any, loc: tuple[int | str, ...] = ()
            ) -> Iterator[tuple[tuple[int | str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*loc, i))
    else:
        yield loc, node


def _set(document: Any, loc: tuple[int | str, ...], value: Any) -> None:
    for key in loc[:-1]:
        document = document[key]
    document[loc[-1]] = value


def _check(layout: str) -> None:
    """``with_literals`` writes each marked value of ``layout`` as its number and keeps
    every other byte."""
    text = layout.replace("⟨", "").replace("⟩", "")
    expected = MARKED.sub(r"\1", layout)
    assert "⟨" not in expected, "a mark around no quoted number"
    document = tomllib.loads(text)
    marked = {m.strip() for m in MARKED.findall(layout)}
    literals = {loc: value.strip() for loc, value in _leaves(document)
                if isinstance(value, str) and value.strip() in marked}
    assert len(literals) == len(MARKED.findall(layout)), "each marked value found once"
    for loc, literal in literals.items():
        _set(document, loc, tomllib.loads(f"v = {literal}")["v"])
    out = with_literals(text, literals)
    assert out == expected
    assert tomllib.loads(out) == document


#: Layouts TOML allows, each with the values to write marked.
LAYOUTS = {
    "dotted keys, at the top and in a table, split by another key": (
        'a.b = ⟨"1"⟩\n[t]\nx.y = ⟨"2"⟩\nz = 3\nx.w = ⟨"4"⟩  # c\n'),
    "a sub-table of each entry of an array of tables": (
        '[[sites]]\nname = "A"\n[sites.hosting]\nx = ⟨"1"⟩\n'
        '[[sites]]\nname = "B"\n[sites.hosting]\nx = ⟨"2"⟩\n'),
    "a sub-table of an entry written after another table": (
        '[[s]]\nname = "A"\n[a]\nv = ⟨"1"⟩\n[s.h]\nx = ⟨"2"⟩\n'),
    "a sub-table of an entry after another table, nothing to write": "[[s]]\n[a]\n[s.h]",
    "an array of tables, another table, then a sub-table under it": (
        '[[s.h]]\nx = ⟨"1"⟩\n[a]\n[a.b]\nx = ⟨"2"⟩\n[s.h.k]\ny = ⟨"3"⟩\n'),
    "an array of tables interrupted by another table": (
        '[[sites]]\nx = ⟨"1"⟩\n[financing]\ny = ⟨"2"⟩\n[[sites]]\nx = ⟨"3"⟩\n'),
    "arrays of tables in arrays of tables": (
        '[[s]]\n[[s.f]]\nc = ⟨"1"⟩\n[[s.f]]\nc = ⟨"2"⟩\n[s.h]\nx = ⟨"3"⟩\n'
        '[[s]]\n[[s.f]]\nc = ⟨"4"⟩\n'),
    "an array of tables in a table, then a sibling table": (
        '[a]\n[[a.s]]\nx = ⟨"1"⟩\n[a.t]\ny = ⟨"2"⟩\n'),
    "super-tables defined implicitly, then explicitly after": (
        '[a.b.c]\nx = ⟨"1"⟩\n[a]\ny = ⟨"2"⟩\n'),
    "a table defined in two parts around another": (
        '[a.b]\nx = ⟨"1"⟩\n[c]\ny = 1\n[a.d]\nz = ⟨"3"⟩\n'),
    "inline tables, nested, arrays of them": (
        't = { a = { b = ⟨"1"⟩ }, c = [⟨"2"⟩, 3], d.e = ⟨"5"⟩ }\n'
        'u = [ { v = ⟨"6"⟩ }, {v = ⟨" 7 "⟩} ]\n'),
    "a multi-line array with comments and a trailing comma": (
        'b = [\n  1e8,  # "9" in a comment\n  ⟨" 2e8 "⟩,   # the second\n\n  ⟨"3"⟩,\n]\n'),
    "comments between tables, quoted numbers in comments and keys": (
        '# head "1"\n[a]  # "2"\n# between\n\n"3" = ⟨"4"⟩ # "4"\n'
        'name = "say \\"5\\""\n[b]\n#x = "6"\ny = ⟨"7"⟩\n'),
    "quoted keys with escapes and spaces in headers": (
        '[ a . "b c" ]\n"d\\u0065" = ⟨"1"⟩\n[a."b c".\'f\']\ng = ⟨"2"⟩\n'),
    "multi-line strings holding what looks like tables": (
        'notes = """\n[fake]\nx = "1"\n"""\nv = ⟨"2"⟩\n'
        "lit = '''\n[[s]]\n'''\nw = ⟨\"3\"⟩\nq = \"\"\"a\"\"\"\"\nr = ⟨\"4\"⟩\n"),
    "dates and times beside the values": (
        'd = 1979-05-27 07:32:00Z  # c\nv = ⟨"1"⟩\nt = 07:32:00\n'
        'e = [1979-05-27T00:32:00.999999-07:00, ⟨"2"⟩]\n'),
    "CRLF line endings": 'a = ⟨"1"⟩\r\n[t]\r\nb = ⟨"2"⟩  # c\r\n[[s]]\r\nc = ⟨"3"⟩\r\n',
    "trailing spaces and tabs": 'a = ⟨"1"⟩   \n[t]  \t\nb\t=\t⟨"2"⟩\t\n',
    "no newline at the end": '[t]\nb = ⟨"2"⟩',
    "no newline at the end after a comment": '[t]\nb = ⟨"2"⟩ # c',
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
def test_only_the_values_change_in_each_layout(layout: str) -> None:
    _check(layout)


#: Headers and keys a generated text draws from (sub-tables of arrays of tables among
#: them); a drawn text TOML refuses is skipped.
PATHS = ["a", "a.b", "s", "s.h", "s.h.k", "a.s"]
KEYS = ["x", "y", "h.x", "h.k.y", "b.w", "f", '"q r"']


@st.composite
def _layouts(draw: st.DrawFn) -> str:
    """A text of tables, each a header and a few lines: values, inline tables, arrays,
    comments and blank lines."""
    numbers = iter(range(1, 1000))
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        path = draw(st.sampled_from(PATHS))
        lines.append(draw(st.sampled_from([f"[{path}]", f"[[{path}]]"])))
        for _ in range(draw(st.integers(0, 2))):
            key = draw(st.sampled_from(KEYS))
            lines.append(draw(st.sampled_from([
                f'{key} = ⟨"{next(numbers)}"⟩  # "0"',
                f'{key} = {{ q = ⟨"{next(numbers)}"⟩, r = {{ u = ⟨"{next(numbers)}"⟩ }} }}',
                f'{key} = [⟨"{next(numbers)}"⟩, {{ v = ⟨"{next(numbers)}"⟩ }}, 5]',
                '# a = "0"', "", "  \t"])))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return eol.join(lines) + draw(st.sampled_from(["", eol]))


@settings(max_examples=300, deadline=None)
@given(_layouts())
def test_only_the_values_change_in_any_layout_toml_reads(layout: str) -> None:
    try:
        tomllib.loads(layout.replace("⟨", "").replace("⟩", ""))
    except tomllib.TOMLDecodeError:
        return
    _check(layout)


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pivot-200mw.toml"


def test_the_migration_keeps_a_sub_table_written_after_the_next_table_where_it_is() -> None:
    """A portfolio whose ``[sites.hosting]`` its user wrote after ``[financing]`` (valid
    TOML: it is the last site's): migration 0004 writes its quoted lease as a number and
    adds its head note; every other line stays where it was."""
    from hashpivot.models import Portfolio
    from hashpivot.store.portfolios import json_document
    from hashpivot.store.text_numbers import NOTE_HEAD, migrated

    example = EXAMPLE.read_text(encoding="utf-8")
    start, end = example.index("  [sites.hosting]"), example.index("[financing]")
    moved = example[:start] + example[end:] + "\n" + example[start:end]
    text = moved.replace("lease_usd_per_kw_month = 130.0 ", 'lease_usd_per_kw_month = "130" ')
    assert text.count('"130"') == 1
    document = tomllib.loads(text)
    result = migrated(dict(json_document(document, Portfolio.model_validate(document))), text)
    assert result is not None
    _, out, said = result
    assert [str(c) for c in said] == ['sites[0].hosting.lease_usd_per_kw_month: "130" -> 130']
    note = [f"# hashpivot: {NOTE_HEAD}", f"# hashpivot:   {said[0]}"]
    lines = text.replace('"130"', "130").splitlines()
    head = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    assert out.splitlines() == [*lines[:head], *note, *lines[head:]]


@pytest.mark.parametrize("literal", ["1\nx = 2", "[1]", "{ a = 1 }", "1 2", ""])
def test_a_literal_that_is_not_one_scalar_on_one_line_is_refused(literal: str) -> None:
    with pytest.raises(ValueError, match="cannot write"):
        with_literals('[t]\nb = "2"\n', {("t", "b"): literal})


def test_the_migration_writes_its_note_with_the_line_breaks_of_a_crlf_text() -> None:
    """A portfolio written with CRLF line breaks: the head note the migration adds ends
    its lines as the text does (no line of the text ends in a bare LF)."""
    from hashpivot.models import Portfolio
    from hashpivot.store.portfolios import json_document
    from hashpivot.store.text_numbers import migrated

    example = EXAMPLE.read_text(encoding="utf-8")
    text = example.replace("horizon_years = 15", 'horizon_years = "15"').replace("\n", "\r\n")
    document = tomllib.loads(text)
    result = migrated(dict(json_document(document, Portfolio.model_validate(document))), text)
    assert result is not None
    out = result[1]
    assert out.count("\n") == out.count("\r\n") == text.count("\r\n") + 2
    assert [line for line in out.split("\r\n") if not line.startswith("# hashpivot:")] \
        == text.replace('"15"', "15").split("\r\n")
