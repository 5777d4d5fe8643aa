"""An edit through the API or the site form keeps the stored TOML's layout: tables its user
wrote apart (valid TOML) stay where they were.

Until 2026-12-08 an edit re-serialised the text through tomlkit, which writes each table's
parts together: an array of tables interrupted by another table (``[[sites]] ...
[financing] ... [[sites]]``) and a sub-table of an entry written after another table
(``[[sites]] ... [financing] ... [sites.hosting]``) had their tables moved by an edit of one
number, without a word. A value edit now replaces the values' characters where they are
written; an edit that adds or deletes keys or tables, which cannot be made in place,
regroups the tables and says so in the head.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hashpivot.models import load_portfolio
from hashpivot.store.portfolios import validate_document
from tests.web.conftest import add_key, login, make_client

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "pivot-200mw.toml").read_text()


def _sub_table_after_another() -> str:
    """The example with its site's ``[sites.hosting]`` written after ``[financing]``, at
    the end (still the site's: the last entry of ``sites``)."""
    start, end = EXAMPLE.index("  [sites.hosting]"), EXAMPLE.index("[financing]")
    return EXAMPLE[:start] + EXAMPLE[end:] + "\n" + EXAMPLE[start:end]


SECOND_SITE = """\
# --- a second site, written after the financing ---
[[sites]]
name = "Pecos 20"
region = "ERCOT"
capacity_mw = 20.0       # a small second site [MW]

  [sites.power_contract]
  kind = "fixed"
  price_usd_per_mwh = 45.0   # its own contract [USD/MWh]

"""


def _array_interrupted() -> str:
    """The example with a second ``[[sites]]`` entry written after ``[financing]``."""
    at = EXAMPLE.index("[pivot]")
    return EXAMPLE[:at] + SECOND_SITE + EXAMPLE[at:]


#: Each layout, a value of a table its user wrote apart (its location, the text of its
#: line before and after the edit) and the header written apart from its table.
LAYOUTS = {
    "a sub-table after another table": (
        _sub_table_after_another(), ("sites", 0, "hosting", "lease_usd_per_kw_month"), 135.0,
        ("lease_usd_per_kw_month = 130.0 ", "lease_usd_per_kw_month = 135.0 "),
        "[sites.hosting] after [[treasury.debt]]"),
    "an array of tables interrupted by another table": (
        _array_interrupted(), ("sites", 1, "capacity_mw"), 25.0,
        ("capacity_mw = 20.0 ", "capacity_mw = 25.0 "), "[[sites]] after [financing]"),
}


def _import(client: Any, text: str) -> tuple[int, dict[str, Any]]:
    r = client.post("/api/portfolios/import", content=text.encode(),
                    headers={"Content-Type": "application/toml"})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["document"]


def _set(document: Any, loc: tuple[int | str, ...], value: Any) -> None:
    for key in loc[:-1]:
        document = document[key]
    document[loc[-1]] = value


def _stored(client: Any, pid: int, tmp_path: Path) -> str:
    """The exported TOML, checked to read (as the CLI reads it) as the stored document."""
    out: str = client.get(f"/api/portfolios/{pid}/toml").text
    path = tmp_path / "exported.toml"
    path.write_text(out, encoding="utf-8")
    stored = client.get(f"/api/portfolios/{pid}").json()["document"]
    assert load_portfolio(path) == validate_document(stored)
    return out


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
def test_a_value_edit_changes_only_the_values_it_edits(client: Any, tmp_path: Path,
                                                       layout: tuple[Any, ...]) -> None:
    """A whole document PUT and a site's PUT that change values: the stored text is the
    imported one with those values' characters changed, every other byte kept."""
    text, loc, value, (before, after), _ = layout
    assert text.count(before) == 1 and "capacity_mw = 200.0 " in text
    tomllib.loads(text)  # (valid TOML)
    pid, doc = _import(client, text)
    doc["sites"][0]["capacity_mw"] = 210.0
    _set(doc, loc, value)
    r = client.put(f"/api/portfolios/{pid}", json=doc)
    assert r.status_code == 200, r.text
    expected = text.replace("capacity_mw = 200.0 ", "capacity_mw = 210.0 ").replace(
        before, after)
    assert _stored(client, pid, tmp_path) == expected
    site = doc["sites"][loc[1]]
    _set(site, loc[2:], value + 1)
    r = client.put(f"/api/portfolios/{pid}/sites/{loc[1]}", json=site)
    assert r.status_code == 200, r.text
    assert _stored(client, pid, tmp_path) == expected.replace(after, after.replace(
        str(value), str(value + 1)))


def test_the_site_form_changes_only_the_value_it_edits(sqlite_db: tuple[str, None]) -> None:
    """The site form, posted with every field the page shows (as a browser does), one of
    them changed: the stored text is the imported one with that value changed."""
    text = _sub_table_after_another()
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        pid, _ = _import(c, text)
        del c.headers["Authorization"]  # (the form is a signed-in user's)
        csrf = login(c)
        page = c.get(f"/portfolios/{pid}/sites/0/edit").text
        form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
        form |= {name: value for name, value in re.findall(
            r'<select[^>]*name="([^"]+)"[^>]*>.*?<option[^>]*value="([^"]*)"[^>]*selected',
            page, re.S)}
        assert form["capacity_mw"] == "200.0" and form["csrf_token"] == csrf
        form["capacity_mw"] = "220"
        r = c.post(f"/portfolios/{pid}/sites/0/edit", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        out = c.get(f"/api/portfolios/{pid}/toml").text
    assert out == text.replace("capacity_mw = 200.0 ", "capacity_mw = 220 ")


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
def test_an_edit_that_adds_a_site_regroups_the_tables_and_says_so(
        client: Any, tmp_path: Path, layout: tuple[Any, ...]) -> None:
    """A site added (a table the text lacks: not an edit in place): the tables the text
    wrote apart are regrouped, every comment kept, and the head says which; never a 500
    nor a file reordered without a word."""
    text, *_, apart = layout
    pid, _ = _import(client, text)
    site = {"name": "Third", "capacity_mw": 5.0,
            "power_contract": {"kind": "fixed", "price_usd_per_mwh": 50.0}}
    r = client.post(f"/api/portfolios/{pid}/sites", json=site)
    assert r.status_code == 201, r.text
    out = _stored(client, pid, tmp_path)
    comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
    assert [c for c in comments if c not in out] == []
    notes = [line for line in out.splitlines() if line.startswith("# hashpivot: ")]
    assert len(notes) == 1, notes
    assert re.fullmatch(r"# hashpivot: an edit on \d{4}-\d\d-\d\d regrouped the tables this "
                        rf"text wrote apart \({re.escape(apart)}\).*", notes[0]), notes
    assert out.index("# hashpivot: ") < out.index("name = ")  # (in the head)
