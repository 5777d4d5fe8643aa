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

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings

from hashpivot.store.toml_edit import with_literals
from tests.store.toml_inputs import LAYOUTS, MARKED, layouts, leaves, set_at


def _check(layout: str) -> None:
    """``with_literals`` writes each marked value of ``layout`` as its number and keeps
    every other byte."""
    text = layout.replace("⟨", "").replace("⟩", "")
    expected = MARKED.sub(r"\1", layout)
    assert "⟨" not in expected, "a mark around no quoted number"
    document = tomllib.loads(text)
    marked = {m.strip() for m in MARKED.findall(layout)}
    literals = {loc: value.strip() for loc, value in leaves(document)
                if isinstance(value, str) and value.strip() in marked}
    assert len(literals) == len(MARKED.findall(layout)), "each marked value found once"
    for loc, literal in literals.items():
        set_at(document, loc, tomllib.loads(f"v = {literal}")["v"])
    out = with_literals(text, literals)
    assert out == expected
    assert tomllib.loads(out) == document


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
def test_only_the_values_change_in_each_layout(layout: str) -> None:
    _check(layout)


@settings(max_examples=300, deadline=None)
@given(layouts())
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
