"""Stored portfolios: validation, TOML import/export (exactly what the CLI reads), seeding.

A portfolio is stored as its input document (the TOML file as a JSON object). Imported
TOML text is kept verbatim, so an export returns the very file that was imported; an edit
applies the new document to that text, its comments kept where they were
(:mod:`hashpivot.store.toml_edit`): the export is then that text, which
``hashpivot.models.load_portfolio`` reads back to the same validated model. A portfolio
stored as JSON exports the document written as TOML.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from hashpivot.exceptions import InputError, Problem, RevisionConflictError
from hashpivot.models import Portfolio, validate_data
from hashpivot.models.dates import literal_text
from hashpivot.models.error_paths import loc_to_path
from hashpivot.models.fields import NAME_MAX_CHARS
from hashpivot.models.file_refs import FILE_SUFFIX, file_fields
from hashpivot.models.loader import document_to_toml, loads_toml
from hashpivot.store.tables import PortfolioRow, RunRow, utcnow

#: Examples seeded into an empty database (files of the repository's ``examples/``).
SEED_EXAMPLES = (
    "reverse-margin.toml",
    "pivot-200mw.toml",
    "dispatch-west-texas.toml",
    "portfolio.toml",
)


def json_document(obj: Any, kept: Any = None) -> Any:
    """A TOML document made JSON-safe: each date, time or date-time literal becomes text
    that its field reads back as it read the literal.

    Parameters
    ----------
    obj : Any
        The document (or a value in it).
    kept : Any, optional
        What validating ``obj`` gave (the :class:`Portfolio` of the document): a literal
        becomes the text its field keeps (``2026-01-15`` in a month field: ``"2026-01"``;
        a date-time in a day field: its day), which the field accepts. None: each
        literal's ISO text.
    """
    if isinstance(obj, dict):
        return {str(k): json_document(v, _kept_at(kept, k)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_document(v, _kept_at(kept, i)) for i, v in enumerate(obj)]
    if isinstance(obj, dt.date | dt.time):
        return literal_text(obj, kept)
    return obj


def _kept_at(kept: Any, key: Any) -> Any:
    """The validated value under the document's ``key`` of the validated ``kept``
    (a model's field by its name or alias, a position, a dictionary's key); None when
    there is none."""
    if isinstance(kept, BaseModel) and isinstance(key, str):
        for name, f in type(kept).model_fields.items():
            if key in (name, f.alias, f.validation_alias):
                return getattr(kept, name, None)
        return None
    if isinstance(kept, list | tuple) and isinstance(key, int) and key < len(kept):
        return kept[key]
    if isinstance(kept, dict):
        return kept.get(key)
    return None


#: What a stored text may not hold: PostgreSQL refuses it in every text column.
NUL = "\x00"


def nul_character_problems(value: Any, source: str, loc: tuple[int | str, ...] = ()
                           ) -> list[Problem]:
    """A problem at the field path of each string (value or key) of a JSON value that
    holds a NUL character, which no stored text may (PostgreSQL refuses it)."""
    out: list[Problem] = []
    if isinstance(value, str) and NUL in value:
        out.append(Problem(loc_to_path(loc, Any), "a NUL character (\\u0000) is not allowed "
                           "in text", source))
    elif isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            if NUL in key:
                out.append(Problem(loc_to_path((*loc, key.replace(NUL, "\\u0000")), Any),
                                   "a NUL character (\\u0000) is not allowed in a key",
                                   source))
            out += nul_character_problems(v, source, (*loc, key))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += nul_character_problems(v, source, (*loc, i))
    return out


def _without_file_fields(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_file_fields(v) for k, v in obj.items()
                if not str(k).endswith(FILE_SUFFIX)}
    if isinstance(obj, list):
        return [_without_file_fields(v) for v in obj]
    return obj


def validate_document(document: Any, source: str = "<request>") -> Portfolio:
    """Validate a portfolio document; every problem carries its field path.

    Raises
    ------
    InputError
        Pydantic problems, a ``*_file`` field (the service reads no files named by a
        request), or a NUL character in a text (no stored text may hold one).
    """
    if not isinstance(document, dict):
        raise InputError([Problem("", "a portfolio must be a JSON object", source)])
    files = [Problem(p, "file references are not accepted by the service", source)
             for p in file_fields(document)]
    refused = [*files, *nul_character_problems(document, source)]
    try:  # the document's other problems too, checked without its file references
        portfolio = validate_data(Portfolio, _without_file_fields(document) if files
                                  else document, source)
    except InputError as exc:
        # (a name's NUL is also a control character to the models: said once, as above)
        said = {p.path for p in refused}
        raise InputError(list(dict.fromkeys([*refused, *(
            p for p in exc.problems if p.path not in said)]))) from None
    if refused:
        raise InputError(refused)
    return portfolio


def parse_toml(text: str, source: str = "<upload>") -> tuple[dict[str, Any], Portfolio]:
    """TOML text -> (document as stored, validated portfolio): the document's date
    literals are the text the portfolio's fields keep (:func:`json_document`)."""
    document = loads_toml(text, source)
    portfolio = validate_document(document, source)
    return json_document(document, portfolio), portfolio


def resolved_document(portfolio: Portfolio) -> dict[str, Any]:
    """The validated portfolio as a document with every default filled in (JSON-safe)."""
    return dict(portfolio.model_dump(mode="json", exclude_none=True))


def export_toml(row: PortfolioRow) -> str:
    """The portfolio as TOML: its stored text (imported, edited with its comments kept),
    else the document."""
    return row.toml_text if row.toml_text is not None else document_to_toml(row.document)


def edited_toml(text: str, document: dict[str, Any], portfolio: Portfolio,
                by: str = "an edit") -> str:
    """A portfolio's stored TOML ``text`` after an edit (``by``) made its document
    ``document`` (validated: ``portfolio``): the user's comments kept, and the text read
    back as ``portfolio`` (:func:`hashpivot.store.toml_edit.edited_text`)."""
    from hashpivot.store.toml_edit import edited_text

    def same_model(candidate: str) -> bool:
        try:
            return validate_document(tomllib.loads(candidate)) == portfolio
        except (InputError, tomllib.TOMLDecodeError):
            return False

    return edited_text(text, document, same_model, by=by)


def create(
    session: Session, document: dict[str, Any], toml_text: str | None = None,
    source: str = "<request>",
) -> PortfolioRow:
    """Validate and store a new portfolio (its problems named by ``source``); a TOML
    document's date literals are stored as the text its fields keep."""
    portfolio = validate_document(document, source)
    row = PortfolioRow(
        name=portfolio.name, document=json_document(document, portfolio),
        toml_text=toml_text, revision=1,
    )
    session.add(row)
    session.flush()
    return row


def create_plan_portfolio(session: Session, run: RunRow) -> PortfolioRow:
    """Store the plan of a finished optimize run as a new portfolio: the run's portfolio
    with the plan as its ``phased`` strategy, each hall at its tenant's lease, its TOML
    headed by what pivot and simulate do not value as the optimizer did
    (:func:`hashpivot.optimize.plan_portfolio.plan_portfolio_toml`).

    Raises
    ------
    InputError
        The run is not an optimize run with results.
    """
    from hashpivot.optimize.plan_portfolio import plan_portfolio_toml
    from hashpivot.store.runs import stored_portfolio

    if run.kind != "optimize" or not run.results or run.inputs is None:
        raise InputError([Problem("kind", f"run {run.id} is a {run.kind} run with no plan; "
                                  "a finished optimize run has one", "<request>")])
    portfolio = stored_portfolio(run.inputs)
    suffix = f" (plan of run {run.id})"
    text = plan_portfolio_toml(portfolio, run.results,
                               name=portfolio.name[:NAME_MAX_CHARS - len(suffix)] + suffix,
                               origin=f"optimize run {run.id}")
    return create(session, tomllib.loads(text), toml_text=text)


def update(
    session: Session,
    row: PortfolioRow,
    document: dict[str, Any],
    expected_revision: int | None = None,
) -> PortfolioRow:
    """Validate a portfolio's new document and store it as its next revision.

    One ``UPDATE`` stores the document and adds 1 to the revision stored, so two edits
    never share a revision, whatever runs at the same time.

    Parameters
    ----------
    session : Session
        In a transaction.
    row : PortfolioRow
        The portfolio as read; refreshed to what is stored.
    document : dict
        Its new document.
    expected_revision : int, optional
        Store only if the portfolio is still at this revision (compare-and-set: an edit
        made from what was read). None: whatever revision is stored (the last writer
        wins).

    Raises
    ------
    InputError
        The document is invalid.
    RevisionConflictError
        The portfolio is not at ``expected_revision``, or was deleted.
    """
    if expected_revision is not None and row.revision != expected_revision:
        raise RevisionConflictError(row.id, expected_revision, row.revision)
    portfolio = validate_document(document)
    stored = json_document(document, portfolio)
    text = None if row.toml_text is None else edited_toml(row.toml_text, stored, portfolio)
    stmt = (
        sql_update(PortfolioRow)
        .where(PortfolioRow.id == row.id)
        .values(document=stored, name=portfolio.name, toml_text=text,
                revision=PortfolioRow.revision + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if expected_revision is not None:
        stmt = stmt.where(PortfolioRow.revision == expected_revision)
    if not getattr(session.execute(stmt), "rowcount", 0):
        stored = session.scalar(select(PortfolioRow.revision).where(PortfolioRow.id == row.id))
        raise RevisionConflictError(row.id, expected_revision, stored)
    session.refresh(row)
    return row


def lock(session: Session, portfolio_id: int) -> None:
    """Hold the portfolio until the transaction ends: no other edit of it can be stored
    between a read that follows and the update made from it (PostgreSQL locks its row,
    SQLite the database for writing)."""
    session.execute(
        sql_update(PortfolioRow)
        .where(PortfolioRow.id == portfolio_id)
        .values(revision=PortfolioRow.revision)
        .execution_options(synchronize_session=False)
    )


def list_all(session: Session) -> list[PortfolioRow]:
    """Every portfolio, by id."""
    return list(session.scalars(select(PortfolioRow).order_by(PortfolioRow.id)))


def run_portfolio_names(session: Session, runs: Iterable[RunRow]) -> dict[int, str]:
    """The name of the portfolio each of ``runs`` ran on, by run id: what the run pages,
    the runs lists, the API's runs (``portfolio_name``) and ``hashpivot runs list`` show
    beside its ``#id``.

    Its name at the run's revision, stored with the run's inputs (the document's
    ``name``, the portfolio's name at that revision), kept when the portfolio is deleted
    since (the run's ``portfolio_id`` is then None: :func:`deleted_portfolio_label`);
    for a run stored without it, the portfolio's name now; a run with neither (no
    inputs, its portfolio deleted) is left out.
    """
    runs = list(runs)
    names = {run.id: name for run in runs
             if isinstance(name := _document_name((run.inputs or {}).get("portfolio")), str)}
    missing = {run.portfolio_id for run in runs
               if run.id not in names and run.portfolio_id is not None}
    now: dict[int, str] = {} if not missing else {
        pid: name for pid, name in session.execute(
            select(PortfolioRow.id, PortfolioRow.name).where(PortfolioRow.id.in_(missing)))}
    return names | {run.id: now[pid] for run in runs
                    if run.id not in names and (pid := run.portfolio_id) in now}


def deleted_portfolio_label(name: str | None) -> str:
    """A run's portfolio deleted since, as the run page, the runs lists and ``hashpivot
    runs list`` show it: the name it ran under (:func:`run_portfolio_names`, which the
    API gives as ``portfolio_name`` beside a null ``portfolio_id``) and that it is
    deleted, ``<name> (deleted)``; ``deleted`` when no name was kept."""
    return f"{name} (deleted)" if name else "deleted"


def _document_name(document: Any) -> str | None:
    """The ``name`` of a stored portfolio document, None when it has none."""
    name = document.get("name") if isinstance(document, dict) else None
    return name if isinstance(name, str) else None


def examples_dir() -> Path | None:
    """The repository's ``examples/`` folder next to the source tree, if present."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples"
        if (candidate / SEED_EXAMPLES[0]).is_file():
            return candidate
    return None


def seed_examples(session: Session) -> list[PortfolioRow]:
    """Store the bundled examples when the database has no portfolio yet."""
    if session.scalar(select(func.count()).select_from(PortfolioRow)):
        return []
    folder = examples_dir()
    if folder is None:
        return []
    rows = []
    for name in SEED_EXAMPLES:
        path = folder / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if file_fields(tomllib.loads(text)):
            rows.append(_seed_without_files(session, path, text))
            continue
        document, _ = parse_toml(text, str(path))
        rows.append(create(session, document, toml_text=text))
    return rows


def _seed_without_files(session: Session, path: Path, text: str) -> PortfolioRow:
    """Store an example that names side files (the optimizer example's extra regulation
    rules), which the service does not read: without them, named so (``(without
    regulation-extra.csv)``), its file's comments kept and its head saying what is left
    out and what that changes (:func:`side_file_notes`)."""
    from hashpivot.store.toml_edit import with_head_note

    document = tomllib.loads(text)
    refs = {ref: _value_at(document, ref) for ref in file_fields(document)}
    document = _without_file_fields(document)
    suffix = " (without " + ", ".join(Path(str(v)).name for v in refs.values()) + ")"
    name = str(document.get("name", "portfolio"))
    document["name"] = name[:max(1, NAME_MAX_CHARS - len(suffix))] + suffix
    portfolio = validate_document(document, str(path))
    stored = json_document(document, portfolio)
    seeded = edited_toml(text, stored, portfolio, by=f"seeding from examples/{path.name}")
    for line in side_file_notes(path, refs):
        seeded = with_head_note(seeded, line)
    return create(session, stored, toml_text=seeded, source=str(path))


def side_file_notes(path: Path, refs: dict[str, Any]) -> list[str]:
    """What a portfolio seeded from the example ``path`` without its side files leaves
    out and what that changes, in comment lines of its head.

    Parameters
    ----------
    path : pathlib.Path
        The example file.
    refs : dict
        Each ``*_file`` field path of the example and the file it names (relative to
        ``path``).

    Returns
    -------
    list of str
        Lines: the example and the fields left out (the service reads no files), then
        for ``optimize.rules_file`` each of its rules (id and summary, read from the
        file) that this portfolio's optimize runs do not apply.
    """
    from hashpivot.io.regulation import read_regulation_rules

    fields = ", ".join(f"{ref} = {str(v)!r}" for ref, v in refs.items())
    lines = [f"seeded from examples/{path.name} without {fields}: the service reads no "
             "files, so its runs can differ from the CLI's on that file"]
    rules_file = refs.get("optimize.rules_file")
    if rules_file is not None:
        try:
            rules = read_regulation_rules(path.parent / str(rules_file))
        except (InputError, OSError):
            rules = []
        lines.append(f"optimize runs here apply the bundled regulation rules only; "
                     f"`hashpivot optimize examples/{path.name}` also applies those of "
                     f"{rules_file}, so its plan can differ" + (":" if rules else ""))
        lines += [f"  - {r.rule_id}: {r.summary}" for r in rules]
    return lines


def _value_at(document: Any, path: str) -> Any:
    """The value at a field path (``sites[0].dispatch.emissions_file``) of a document."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        document = document[int(part[1:-1])] if part.startswith("[") else document[part]
    return document
