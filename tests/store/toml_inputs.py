"""TOML layouts and helpers shared by the tests of a stored portfolio's text
(``test_toml_literals``, ``test_toml_edit``, ``test_toml_edit_layouts``): layouts TOML
allows with the values to write marked ``⟨"200"⟩``, a hypothesis strategy of generated
layouts, a document's leaves by location, and a text's values as a stored document holds
them."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

#: A marked value: a quoted number, spaces allowed inside the quotes.
MARKED = re.compile(r'⟨"\s*([0-9][0-9e.]*)\s*"⟩')


def leaves(node: Any, loc: tuple[int | str, ...] = ()
            ) -> Iterator[tuple[tuple[int | str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaves(value, (*loc, i))
    else:
        yield loc, node


def set_at(document: Any, loc: tuple[int | str, ...], value: Any) -> None:
    for key in loc[:-1]:
        document = document[key]
    document[loc[-1]] = value


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


#: Headers and keys a generated text draws from (sub-tables of arrays of tables among
#: them); a drawn text TOML refuses is skipped.
PATHS = ["a", "a.b", "s", "s.h", "s.h.k", "a.s"]
KEYS = ["x", "y", "h.x", "h.k.y", "b.w", "f", '"q r"']


@st.composite
def layouts(draw: st.DrawFn) -> str:
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


DAY = dt.date(2026, 12, 6)


def reads_as(document: dict[str, Any]) -> Any:
    def same(text: str) -> bool:
        return plain(tomllib.loads(text)) == plain(document)
    return same


def plain(obj: Any) -> Any:
    """TOML values as the document holds them (dates as ISO text, numbers as floats)."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, int | float) and not isinstance(obj, bool):
        return float(obj)
    return obj
