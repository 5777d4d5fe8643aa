"""A stored portfolio's TOML kept through edits of its document: comments where they were,
values the document's, and what an edit could not keep said in the head."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hashpivot.store.toml_edit import NOTE_PREFIX, edited_text, head_lines
from tests.store.toml_inputs import DAY, plain, reads_as

TEXT = """\
# Caveats: not valued as the optimizer did.
# Second line of the head.
name = "p"   # the portfolio

# --- first site ---
[[sites]]
name = "A"
capacity_mw = 150.0   # [assumption] A's
connection_date = 2021-06-01

  [sites.power_contract]
  kind = "fixed"
  price_usd_per_mwh = 37.0   # [costs] A's price

# --- second site ---
[[sites]]
name = "B"
capacity_mw = 60.0   # B's capacity

[[sites]]
name = "C"   # C's name
capacity_mw = 10.0
"""
def _doc() -> dict[str, Any]:
    return plain(tomllib.loads(TEXT))  # type: ignore[no-any-return]


def test_an_unchanged_document_keeps_the_text_byte_for_byte() -> None:
    assert edited_text(TEXT, _doc(), reads_as(_doc()), DAY) == TEXT


def test_a_changed_value_keeps_every_comment_and_reads_back_as_the_document() -> None:
    doc = _doc()
    doc["sites"][0]["capacity_mw"] = 160
    doc["sites"][1]["power_contract"] = {"kind": "fixed", "price_usd_per_mwh": 40.0}
    doc["sites"][2]["capacity_mw"] = 12.5
    out = edited_text(TEXT, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert "capacity_mw = 160" in out and "# [assumption] A's" in out
    for comment in ("# Caveats", "# the portfolio", "# --- first site", "# [costs] A's price",
                    "# --- second site", "# B's capacity", "# C's name"):
        assert comment in out, comment
    assert "connection_date = 2021-06-01" in out  # the literal the document still says
    assert NOTE_PREFIX not in out


def test_a_moved_site_takes_its_comments_and_a_deleted_one_is_named_in_the_head() -> None:
    doc = _doc()
    doc["sites"] = [doc["sites"][2], doc["sites"][0]]  # B deleted, C moved first
    out = edited_text(TEXT, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert "# C's name" in out and "# [assumption] A's" in out and "# B's capacity" not in out
    head = head_lines(out)
    assert head[:2] == ["# Caveats: not valued as the optimizer did.",
                        "# Second line of the head."]
    assert head[2].startswith(f'{NOTE_PREFIX}an edit on 2026-12-06 deleted sites[1] "B"')
    assert "comment(s) written in it" in head[2]


def test_a_text_that_cannot_be_merged_keeps_its_head_and_says_so() -> None:
    doc = _doc()
    doc["sites"][0]["capacity_mw"] = 1.0
    out = edited_text(TEXT, doc, lambda text: False, DAY)  # (nothing merged reads back)
    assert plain(tomllib.loads(out)) == plain(doc)
    head = head_lines(out)
    assert head[:2] == head_lines(TEXT)
    assert head[2].startswith(f"{NOTE_PREFIX}an edit on 2026-12-06 could not keep the")


ARRAYS = """\
# head
[optimize]
equity_budget_usd_per_year = [
  250e6,   # 2026: board-approved
  300e6,   # 2027: pending
]

[[sites]]
name = "A"
fleet = [ {asic = "S21", count = 10}, # first
  {asic = "S19", count = 20} ]
"""


def test_a_changed_element_of_an_array_keeps_the_comments_written_in_the_array() -> None:
    doc = plain(tomllib.loads(ARRAYS))
    doc["optimize"]["equity_budget_usd_per_year"][1] = 350e6
    doc["sites"][0]["fleet"][1]["count"] = 25
    out = edited_text(ARRAYS, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    for comment in ("# 2026: board-approved", "# 2027: pending", "# first"):
        assert comment in out, comment
    assert "fleet = [ {asic" in out and "[[sites.fleet]]" not in out  # (still inline)
    assert NOTE_PREFIX not in out


def test_an_array_rewritten_whole_names_the_comments_it_drops_in_the_head() -> None:
    doc = plain(tomllib.loads(ARRAYS))
    doc["optimize"]["equity_budget_usd_per_year"].append(400e6)  # (a new length)
    out = edited_text(ARRAYS, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert "# 2026: board-approved" not in out and "# first" in out
    note = head_lines(out)[1]
    assert note.startswith(f"{NOTE_PREFIX}an edit on 2026-12-06 rewrote "
                           "optimize.equity_budget_usd_per_year as a whole")
    assert "the 2 comment(s)" in note


EXAMPLE = (Path(__file__).parents[2] / "examples" / "portfolio.toml").read_text()


def _line_of(text: str, comment: str) -> str:
    return next(line for line in text.splitlines() if comment in line)


def test_a_deleted_fleet_entry_takes_its_comments_and_is_named_by_its_asic() -> None:
    doc = plain(tomllib.loads(EXAMPLE))
    del doc["sites"][0]["fleet"][0]  # the S21; the S19j Pro stays, unchanged
    out = edited_text(EXAMPLE, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert "# [catalog] 200 TH/s" not in out and "# 91.9 MW with the overhead" not in out
    assert 'asic = "Antminer S19j Pro"' in _line_of(out, "# [catalog] 100 TH/s, 30.5 J/TH")
    assert "count = 15000" in _line_of(out, "# 48.0 MW with the overhead")
    note = head_lines(out)[-1]
    assert note.startswith(f'{NOTE_PREFIX}an edit on 2026-12-06 deleted '
                           'sites[0] "Pecos PPA".fleet[0] "Antminer S21" and the 2 comment(s)')


def test_reordered_fleet_entries_and_tenants_keep_their_own_comments() -> None:
    doc = plain(tomllib.loads(EXAMPLE))
    fleet = doc["sites"][0]["fleet"]
    fleet[1]["count"] = 16000  # (no longer equal: found again by its asic)
    fleet.reverse()
    tenants = doc["optimize"]["tenants"]
    tenants[0]["it_mw"] = 140.0
    tenants.reverse()
    out = edited_text(EXAMPLE, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert 'asic = "Antminer S21"' in _line_of(out, "# [catalog] 200 TH/s")
    assert "count = 25000" in _line_of(out, "# 91.9 MW with the overhead")
    assert "count = 16000" in _line_of(out, "# 48.0 MW with the overhead")
    assert '"Hyperscaler A"' in _line_of(out, "# [deals] TeraWulf-Fluidstack")
    assert out.index("Enterprise C") < out.index("Hyperscaler A")
    assert NOTE_PREFIX not in out


def test_a_renamed_site_keeps_its_comments_and_no_note_says_it_was_deleted() -> None:
    doc = _doc()
    doc["sites"][0]["name"] = "A2"
    doc["sites"][0]["capacity_mw"] = 155.0
    doc["sites"].append({"name": "D", "capacity_mw": 5.0})  # (a new site too)
    out = edited_text(TEXT, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    for comment in ("# --- first site", "# [assumption] A's", "# [costs] A's price"):
        assert comment in out, comment
    assert NOTE_PREFIX not in out


def test_two_sites_renamed_at_once_are_not_guessed_and_are_named_as_deleted() -> None:
    doc = _doc()
    doc["sites"][1]["name"], doc["sites"][2]["name"] = "B2", "C2"
    out = edited_text(TEXT, doc, reads_as(doc), DAY)
    assert plain(tomllib.loads(out)) == plain(doc)
    assert "# B's capacity" not in out and "# C's name" not in out
    assert 'deleted sites[1] "B", sites[2] "C"' in head_lines(out)[-1]


def test_literals_replace_only_their_values_each_comment_and_byte_else_kept() -> None:
    """A quoted number written as a number (migration 0004): in a table of an array of
    tables, an element of an array, an inline table and a dotted key; the rest of the
    text is the text, and a location the text lacks is refused."""
    import pytest

    from hashpivot.store.toml_edit import with_literals

    text = TEXT.replace("capacity_mw = 60.0 ", 'capacity_mw = "60" ') + (
        '\n[optimize]\nbudgets = [1e8, " 2e8 ",  # in the array\n  3]\n'
        'limits = { mw = "5", days = 2 }  # inline\nrisk.capex = "0.1"   # dotted\n')
    out = with_literals(text, {("sites", 1, "capacity_mw"): "60",
                               ("optimize", "budgets", 1): "2e8",
                               ("optimize", "limits", "mw"): "5",
                               ("optimize", "risk", "capex"): "0.1"})
    assert out == text.replace('"60"', "60").replace('" 2e8 "', "2e8").replace(
        '"5"', "5").replace('"0.1"', "0.1")
    assert tomllib.loads(out)["optimize"] == {"budgets": [1e8, 2e8, 3], "limits": {
        "mw": 5, "days": 2}, "risk": {"capex": 0.1}}
    with pytest.raises(ValueError, match="cannot write"):
        with_literals(text, {("sites", 3, "capacity_mw"): "1"})
