"""Portfolios stored before numbers had to be numbers (``capacity_mw = "200"``, which
pydantic's lax mode read as 200 MW) are not lost: migration 0004 writes each text their
number fields hold as the number it was read as, in the document and in the stored TOML
(its comments kept), and says so at the head of the portfolio's TOML (its page shows it).

The databases are made as the code before the change left them: migrated to 0003, with
rows inserted as ``store.create`` stored them then (the document as given, its date
literals as text).
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from markupsafe import escape

from hashpivot.models import Portfolio
from hashpivot.store.portfolios import json_document
from hashpivot.store.text_numbers import NOTE_HEAD
from tests.web.conftest import add_key, make_client, wait_run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pivot-200mw.toml"

#: A value of the example, the same quoted and as the migration writes it, each on a line
#: of its own (a comment after some).
QUOTED = [
    ("capacity_mw = 200.0 ", 'capacity_mw = "200" ', "capacity_mw = 200 "),
    ("count = 52000 ", 'count = " 52000 " ', "count = 52000 "),
    ("usd_per_year = 10e6", 'usd_per_year = "1e7"', "usd_per_year = 1e7"),
    ("lease_usd_per_kw_month = 130.0 ", 'lease_usd_per_kw_month = "130.5" ',
     "lease_usd_per_kw_month = 130.5 "),
    ("horizon_years = 15", 'horizon_years = "15"', "horizon_years = 15"),
]

#: What the head note says of each: the text's own spelling where TOML reads it as the
#: number read.
CHANGES = [
    'sites[0].capacity_mw: "200" -> 200',
    'sites[0].fleet[0].count: " 52000 " -> 52000',
    'sites[0].cost_items[0].usd_per_year: "1e7" -> 1e7',
    'sites[0].hosting.lease_usd_per_kw_month: "130.5" -> 130.5',
    'pivot.horizon_years: "15" -> 15',
]


def _quoted_text() -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    for value, quoted, _ in QUOTED:
        assert text.count(f"\n{value}") + text.count(f" {value}") == 1, value
        text = text.replace(value, quoted)
    # a site named by digits: text, as are the months
    return text.replace('name = "West Texas 200"', 'name = "200"')


def _as_stored(text: str) -> dict[str, Any]:
    """The document ``store.create`` stored before the change: validated by pydantic's
    lax mode (``Portfolio.model_validate``), stored as given."""
    document = tomllib.loads(text)
    return dict(json_document(document, Portfolio.model_validate(document)))


PORTFOLIOS = sa.table(
    "portfolios", sa.column("id", sa.Integer), sa.column("name", sa.String),
    sa.column("document", sa.JSON), sa.column("toml_text", sa.Text),
    sa.column("revision", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)))


def _old_database(url: str, schema: str | None, rows: list[dict[str, Any]]) -> None:
    """A database at revision 0003 holding ``rows`` (document, toml_text)."""
    from alembic import command
    from alembic.config import Config

    from hashpivot.store.db import MIGRATIONS_DIR, make_engine

    engine = make_engine(url, schema)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    stamp = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
            for i, row in enumerate(rows, start=1):
                conn.execute(PORTFOLIOS.insert().values(
                    id=i, name=row["document"]["name"], revision=3, created_at=stamp,
                    updated_at=stamp, **row))
    finally:
        engine.dispose()


def _rows(url: str, schema: str | None) -> dict[int, dict[str, Any]]:
    from hashpivot.store.db import make_engine

    engine = make_engine(url, schema)
    try:
        with engine.connect() as conn:
            return {r.id: r._asdict() for r in conn.execute(sa.select(PORTFOLIOS))}
    finally:
        engine.dispose()


def test_a_portfolio_stored_with_quoted_numbers_runs_and_edits_after_the_upgrade(
        database: tuple[str, str | None]) -> None:
    """Stored by the code before the change, the portfolio was refused at its next run
    (422: ``sites[0].capacity_mw: expected a number, not text``) and at any edit that
    did not retype each quoted value. After the upgrade it runs and edits; its TOML is
    the one stored with only the quoted values written as numbers (their comments kept)
    and a head note naming each, which its page shows."""
    text = _quoted_text()
    _old_database(*database, [{"document": _as_stored(text), "toml_text": text}])
    with make_client(*database) as c:
        add_key(c)
        document = c.get("/api/portfolios/1").json()["document"]
        site = document["sites"][0]
        assert (site["capacity_mw"], site["fleet"][0]["count"],
                document["pivot"]["horizon_years"]) == (200, 52000, 15)
        assert site["name"] == "200"  # (a name is text, whatever it spells)
        exported = c.get("/api/portfolios/1/toml").text
        added = [line[1:] for line in difflib.unified_diff(
            text.splitlines(), exported.splitlines(), lineterm="", n=0)
            if line.startswith("+") and not line.startswith("+++")]
        assert added[:len(CHANGES) + 1] == [
            f"# hashpivot: {NOTE_HEAD}", *(f"# hashpivot:   {c}" for c in CHANGES)]
        assert added[len(CHANGES) + 1:] == [  # (each comment where it was written)
            line.replace(quoted, written) for line in text.splitlines()
            for _, quoted, written in QUOTED if quoted in line]
        page = c.get("/portfolios/1").text  # (the head shown open, however long)
        head = page.split('<details class="file-head-box" open>')[1].split("</details>")[0]
        assert all(str(escape(c)) in head for c in CHANGES), head
        run = c.post("/api/runs", json={"kind": "cost", "portfolio_id": 1})
        assert run.status_code == 202, run.text
        assert wait_run(c, run.json()["id"])["status"] == "succeeded"
        renamed = c.put("/api/portfolios/1?expected_revision=3",
                        json=dict(document, name="renamed"))
        assert renamed.status_code == 200, renamed.text


def test_a_json_portfolio_gets_its_numbers_and_a_note(database: tuple[str, str | None]
                                                      ) -> None:
    """A portfolio stored as JSON (no TOML): its document's numbers, and a TOML text that
    is its document under the note (the export wrote the document as TOML already)."""
    document = _as_stored(_quoted_text())
    _old_database(*database, [{"document": document, "toml_text": None}])
    with make_client(*database, run_jobs=False) as c:
        add_key(c)
        got = c.get("/api/portfolios/1").json()
        assert got["revision"] == 3  # (the same portfolio: its runs stay its current runs)
        exported = c.get("/api/portfolios/1/toml").text
        assert exported.splitlines()[:len(CHANGES) + 1] == [
            f"# hashpivot: {NOTE_HEAD}", *(f"# hashpivot:   {c}" for c in CHANGES)]
        assert tomllib.loads(exported) == got["document"]
        assert c.post("/api/runs", json={"kind": "cost", "portfolio_id": 1}
                      ).status_code == 202


def test_good_portfolios_and_values_never_read_as_numbers_are_left_byte_for_byte(
        database: tuple[str, str | None]) -> None:
    """A portfolio without quoted numbers is untouched (text and document); a text that
    pydantic refused too (``"1,000"``, ``"inf"``), and a boolean (refused since
    2026-12-05: ``count = true`` was one machine, a meaning no migration can tell) stay
    as stored, refused at their path as before."""
    good = EXAMPLE.read_text(encoding="utf-8")
    refused = _as_stored(good)
    refused["sites"][0]["capacity_mw"] = "1,000"
    refused["sites"][0]["fleet"][0]["count"] = True
    refused["sites"][0]["hosting"]["pue"] = "inf"
    rows = [{"document": _as_stored(good), "toml_text": good},
            {"document": refused, "toml_text": None}]
    _old_database(*database, rows)
    with make_client(*database, run_jobs=False):
        pass
    after = _rows(*database)
    for i, row in enumerate(rows, start=1):
        assert (after[i]["document"], after[i]["toml_text"]) == (row["document"],
                                                                row["toml_text"])


#: A decimal and an integer field of the example that no other field's check reads.
FIELDS = {"lease": ("hosting", "lease_usd_per_kw_month"), "count": ("fleet", 0, "count")}

#: What pydantic says of a text it does not read as a number.
NOT_NUMBERS = {"float_parsing", "int_parsing", "finite_number"}


@pytest.mark.parametrize("text", [
    "200", " 5 ", "\t7\n", "+5", "007", "1_000", "2e3", "5.", ".5", "5.0", "5.5", "1e400",
    "1,000", "0x10", "inf", "nan", "", "5%", "٣", "1__0"])
@pytest.mark.parametrize("field", FIELDS)
def test_a_text_becomes_the_number_pydantic_lax_read_or_stays(text: str, field: str) -> None:
    """The number written is the one the code before the change validated the text as
    (``Portfolio.model_validate``: pydantic's lax mode), for a decimal and an integer
    field; a text it did not read as a number stays."""
    from pydantic import ValidationError

    from hashpivot.store.text_numbers import numbers_for_text

    document = _as_stored(EXAMPLE.read_text(encoding="utf-8"))
    *keys, last = ("sites", 0, *FIELDS[field])
    holder: Any = document
    for key in keys:
        holder = holder[key]
    holder[last] = text
    changes = numbers_for_text(document)
    try:
        lax: Any = Portfolio.model_validate(document)
    except ValidationError as exc:
        assert {e["type"] for e in exc.errors()} <= NOT_NUMBERS, exc
        assert changes == []
        return
    for key in (*keys, last):
        lax = lax[key] if isinstance(key, int) else getattr(lax, key)
    ((loc, given, number),) = [(c.loc, c.text, c.number) for c in changes]
    assert (loc, given) == ((*keys, last), text)
    assert number == lax and type(number) in (int, float)


def _raw_rows(url: str, schema: str | None) -> dict[int, tuple[Any, ...]]:
    """Each stored portfolio's columns as the database holds them: its document as the
    JSON text stored (not read back as values), its TOML, name, revision and dates."""
    from hashpivot.store.db import make_engine

    engine = make_engine(url, schema)
    c = PORTFOLIOS.c
    try:
        with engine.connect() as conn:
            return {r[0]: tuple(r[1:]) for r in conn.execute(sa.select(
                c.id, sa.cast(c.document, sa.Text), c.toml_text, c.name, c.revision,
                c.created_at, c.updated_at))}
    finally:
        engine.dispose()


def test_a_portfolio_whose_text_cannot_take_the_numbers_is_left_byte_for_byte(
        database: tuple[str, str | None], caplog: pytest.LogCaptureFixture) -> None:
    """A stored TOML text that no longer reads as TOML (a header's bracket lost, by a
    tool other than hashpivot) under a document with quoted numbers: the migration
    cannot write the numbers in the text, so it leaves the portfolio as stored (document
    and text byte for byte, revision and dates), says so in a warning naming the
    portfolio and why, and writes the numbers of the next one all the same."""
    text = _quoted_text()
    broken = text.replace("[[sites.fleet]]", "[[sites.fleet]", 1)
    assert broken != text
    with pytest.raises(tomllib.TOMLDecodeError) as unreadable:
        tomllib.loads(broken)
    rows = [{"document": _as_stored(text), "toml_text": broken},
            {"document": _as_stored(text), "toml_text": text}]
    _old_database(*database, rows)
    before = _raw_rows(*database)
    with caplog.at_level("WARNING", logger="hashpivot.store.text_numbers"), \
            make_client(*database, run_jobs=False):
        pass
    after = _raw_rows(*database)
    assert after[1] == before[1]
    assert after[2] != before[2] and f"# hashpivot: {NOTE_HEAD}" in after[2][1]
    said = [r.getMessage() for r in caplog.records if r.name == "hashpivot.store.text_numbers"]
    assert f"portfolio 1: its texts given for numbers are left as they are " \
           f"({unreadable.value})" in said, said
    assert [m for m in said if m.startswith("portfolio 2: wrote as numbers ")], said
