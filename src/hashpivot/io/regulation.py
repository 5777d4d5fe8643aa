"""Regulation rules as data: the bundled table and users' own rules files.

One row per rule (``data/regulation_rules.csv``, provenance in ``data/PROVENANCE.md``):

==================  =========================================================================
column              meaning
==================  =========================================================================
rule_id             unique identifier
jurisdiction        who made the rule (New York, Texas, ERCOT...)
state               site state or province code it applies to (blank: any)
iso                 grid operator it applies to (blank: any)
power_source        ``;``-separated power sources it applies to (blank: any)
behind_the_meter    ``true``/``false``: only behind-the-meter sites, or only grid sites
min_load_mw         only sites whose load (``capacity_mw``) is at least this [MW];
                    ``>75`` (a leading ``>``): only loads of more than this, as a
                    statute reading "more than 75 megawatts" or "exceeds" sets it
connected_after     only sites connected after this date (``connection_date``)
connected_before    only sites connected before this date
effect              ``forbid_new_mining``, ``forbid_conversion``, ``cap_mw``,
                    ``study_delay_quarters``, ``add_cost_usd`` or ``record_obligation``
value               the effect's number: MW cap [MW], delay [quarter], cost [USD]
effective_start     first day in force
effective_end       last day in force (blank: open)
source              statute, order or document
summary             one line
==================  =========================================================================

:func:`read_regulation_rules` reads a file, :func:`load_regulation_rules` the bundled
table; both hand the table to :func:`_parse_regulation_rules`, which reports every bad
cell at once (``rules[3].effect``, the message opened by the row's line in the file,
``line 5: ...``) and which tests call directly. The header holds these columns, each once,
and no other (an unknown one is named with the nearest known one); ``state`` and ``iso``
hold codes a site can have (:mod:`hashpivot.models.jurisdictions`, the lists the
portfolio's ``[[sites]] state`` shares): a rule naming another matched no site, without
a word.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, cast, get_args

import pandas as pd

from hashpivot.exceptions import InputError, Problem
from hashpivot.models.file_refs import missing_file
from hashpivot.models.jurisdictions import grid_operator_problem, state_code_problem
from hashpivot.models.portfolio import PowerSource

Effect = Literal[
    "forbid_new_mining",
    "forbid_conversion",
    "cap_mw",
    "study_delay_quarters",
    "add_cost_usd",
    "record_obligation",
]
EFFECTS: tuple[str, ...] = get_args(Effect)
#: The columns holding a day (YYYY-MM-DD).
_DATE_COLUMNS = ("connected_after", "connected_before", "effective_start", "effective_end")
#: The power sources a site can have (``sites.power_source``), all a rule can name.
POWER_SOURCES: tuple[str, ...] = get_args(PowerSource)
_NEEDS_VALUE = frozenset({"cap_mw", "study_delay_quarters", "add_cost_usd"})
COLUMNS: tuple[str, ...] = (
    "rule_id",
    "jurisdiction",
    "state",
    "iso",
    "power_source",
    "behind_the_meter",
    "min_load_mw",
    "connected_after",
    "connected_before",
    "effect",
    "value",
    "effective_start",
    "effective_end",
    "source",
    "summary",
)
RULES_FILE = "regulation_rules.csv"


@dataclass(frozen=True)
class RegulationRule:
    """One regulation rule: where it applies, what it does, when, and its source.

    Attributes
    ----------
    rule_id, jurisdiction, source, summary : str
        Identity and provenance.
    states, isos, power_sources : tuple of str
        Sites it applies to (empty: any).
    behind_the_meter : bool or None
        Only behind-the-meter (True) or grid (False) sites; None: both.
    min_load_mw : float
        Sites whose load is at least this (more than this with ``min_load_exclusive``). [MW]
    connected_after, connected_before : datetime.date or None
        Sites connected strictly after / before these dates.
    effect : str
        One of :data:`EFFECTS`.
    value : float
        Cap [MW], delay [quarter] or cost [USD]; NaN when the effect takes none.
    effective_start, effective_end : datetime.date or None
        Days in force (inclusive; None: open).
    min_load_exclusive : bool
        The threshold excludes a load equal to it (``>75`` in the file): "more than" in
        the statute, not "or more".
    """

    rule_id: str
    jurisdiction: str
    states: tuple[str, ...]
    isos: tuple[str, ...]
    power_sources: tuple[str, ...]
    behind_the_meter: bool | None
    min_load_mw: float
    connected_after: dt.date | None
    connected_before: dt.date | None
    effect: Effect
    value: float
    effective_start: dt.date | None
    effective_end: dt.date | None
    source: str
    summary: str
    min_load_exclusive: bool = False

    def in_force(self, start: dt.date, end: dt.date) -> bool:
        """True when the rule is in force on some day of ``[start, end]``."""
        if self.effective_start is not None and self.effective_start > end:
            return False
        return not (self.effective_end is not None and self.effective_end < start)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _order_problems(problems: list[Problem], where: str, source: str,
                    dates: dict[str, dt.date | None]) -> None:
    """Append the problems of a rule's ``dates`` (by column) that leave it no day in
    force, or no connection date to match (it applied to nothing, without a word)."""
    start, end = dates["effective_start"], dates["effective_end"]
    if start is not None and end is not None and end < start:
        problems.append(Problem(f"{where}.effective_end", f"{end} is before effective_start "
                                f"{start}: the rule is never in force", source))
    after, before = dates["connected_after"], dates["connected_before"]
    if after is not None and before is not None and before <= after + dt.timedelta(days=1):
        problems.append(Problem(
            f"{where}.connected_before", f"{before} is not after connected_after {after} by "
            "more than a day: no connection date lies between them (both exclusive)", source))


#: How close an unknown column must be to a known one to be suggested (difflib's ratio):
#: ``efect`` is 0.91 of ``effect``, ``stat`` 0.89 of ``state``, ``notes`` below 0.6. [-]
_CLOSE_COLUMN = 0.6


def _header_problems(table: pd.DataFrame, source: str) -> list[Problem]:
    """The problems of the header (line 1): missing columns, then each unknown one with
    the nearest known column where one is close, and each repeated one. A column with
    no name and no cell (a trailing comma) is none."""
    problems: list[Problem] = []
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        problems.append(Problem("rules", f"missing columns: {', '.join(missing)}", source))
    names = [str(c) for c in table.columns]
    for k, name in enumerate(names):
        if name in names[:k]:
            problems.append(Problem("rules", f"line 1: column {name!r} repeated", source))
        elif name not in COLUMNS and not name.strip():
            if any(map(_cell, table.iloc[:, k])):  # a trailing comma and no cell: none
                problems.append(Problem("rules", f"line 1: column {k + 1} has no name but "
                                        "holds cells", source))
        elif name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=_CLOSE_COLUMN)
            hint = (f"; did you mean {close[0]!r}?" if close
                    else f" (the columns: {', '.join(COLUMNS)})")
            problems.append(Problem("rules", f"line 1: unknown column {name!r}{hint}", source))
    return problems


def _code_problems(problems: list[Problem], where: str, source: str,
                   states: tuple[str, ...], isos: tuple[str, ...]) -> None:
    """Append a problem for each state and grid operator of a rule that no site can have
    (:mod:`hashpivot.models.jurisdictions`): the rule matched no site, without a word."""
    for col, codes, check in (("state", states, state_code_problem),
                              ("iso", isos, grid_operator_problem)):
        problems += [Problem(f"{where}.{col}", m, source)
                     for m in map(check, codes) if m is not None]


def _at_lines(problems: list[Problem], lines: Mapping[int, int]) -> list[Problem]:
    """``problems`` in row order, the message of each at a row (``rules[i]...``) opened
    by its line in the file (``line 5: ...``)."""
    def row(p: Problem) -> int:
        hit = re.match(r"rules\[(\d+)\]", p.path)
        return -1 if hit is None else int(hit.group(1))

    return [p if row(p) < 0 else Problem(p.path, f"line {lines[row(p)]}: {p.message}", p.source)
            for p in sorted(problems, key=row)]


def _parse_regulation_rules(table: pd.DataFrame, source: str = "",
                            lines: Mapping[int, int] | None = None,
                            found: list[Problem] | None = None) -> list[RegulationRule]:
    """Validate a rules table (every problem at once, ``rules[i].column``).

    Parameters
    ----------
    table : pandas.DataFrame
        The file's cells as text, one row per rule; its index is the rule's position in
        the file (``rules[i]``).
    source : str
        The file, as problems name it.
    lines : mapping of int to int, optional
        Each row's first line in the file (its quoted cells may span several); default:
        the row's position plus 2 (the header on line 1).
    found : list of Problem, optional
        Problems the reader found already (rows of the wrong length), listed with these.
    """
    problems = list(found or [])
    lines = lines if lines is not None else {int(i): int(i) + 2 for i in table.index}
    header = _header_problems(table, source)
    absent = {c for c in COLUMNS if c not in table.columns}
    table = table.loc[:, ~table.columns.duplicated()]
    out: list[RegulationRule] = []
    seen: set[str] = set()
    for i, row in zip(table.index, table.to_dict("records"), strict=True):
        cells = {c: _cell(row.get(c)) for c in COLUMNS}
        where = f"rules[{i}]"

        def date(col: str, cells: dict[str, str] = cells, where: str = where) -> dt.date | None:
            text = cells[col]
            if not text:
                return None
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                problems.append(Problem(f"{where}.{col}", f"{text!r} is not YYYY-MM-DD", source))
                return None

        rid = cells["rule_id"]
        if not rid:
            problems.append(Problem(f"{where}.rule_id", "empty", source))
        elif rid in seen:
            problems.append(Problem(f"{where}.rule_id", f"{rid!r} repeated", source))
        seen.add(rid)
        effect = cells["effect"]
        if effect not in EFFECTS:
            problems.append(
                Problem(f"{where}.effect", f"{effect!r} is not one of {', '.join(EFFECTS)}", source)
            )
        value = float("nan")
        if cells["value"]:
            try:
                value = float(cells["value"])
            except ValueError:
                problems.append(Problem(f"{where}.value", f"{cells['value']!r} is not a number",
                                        source))
        if effect in _NEEDS_VALUE and not (math.isfinite(value) and value >= 0):
            problems.append(Problem(f"{where}.value", f"{effect} needs a number >= 0", source))
        btm_text = cells["behind_the_meter"].lower()
        btm: bool | None = None
        if btm_text in ("true", "yes", "1"):
            btm = True
        elif btm_text in ("false", "no", "0"):
            btm = False
        elif btm_text:
            problems.append(Problem(f"{where}.behind_the_meter", "expected true or false", source))
        min_load = 0.0
        load_text = cells["min_load_mw"]
        exclusive = load_text.startswith(">")
        if exclusive:
            load_text = load_text[1:].strip()
        if load_text:
            try:
                min_load = float(load_text)
            except ValueError:
                problems.append(Problem(f"{where}.min_load_mw",
                                        "not a number (or >number: more than it)", source))
        if not cells["source"]:
            problems.append(Problem(f"{where}.source", "every rule needs its source", source))

        def listed(col: str, upper: bool | None, cells: dict[str, str] = cells
                   ) -> tuple[str, ...]:
            """The ``;``-separated entries of a cell, upper or lower case (None: as
            written: a state is upper case, as the portfolio's)."""
            parts = (p.strip() for p in cells[col].split(";"))
            return tuple(p if upper is None else p.upper() if upper else p.lower()
                         for p in parts if p)

        # a source no site can have matched no site: a typo left the rule unapplied
        unknown = [p for p in listed("power_source", False) if p not in POWER_SOURCES]
        if unknown:
            problems.append(Problem(f"{where}.power_source", f"{unknown[0]!r} is not one of "
                                    f"{', '.join(POWER_SOURCES)}", source))
        _code_problems(problems, where, source, listed("state", None), listed("iso", None))
        dates = {c: date(c) for c in _DATE_COLUMNS}
        _order_problems(problems, where, source, dates)

        out.append(
            RegulationRule(
                rule_id=rid,
                jurisdiction=cells["jurisdiction"],
                states=listed("state", None),
                isos=listed("iso", True),
                power_sources=listed("power_source", False),
                behind_the_meter=btm,
                min_load_mw=min_load,
                connected_after=dates["connected_after"],
                connected_before=dates["connected_before"],
                effect=cast(Effect, effect),
                value=value,
                effective_start=dates["effective_start"],
                effective_end=dates["effective_end"],
                source=cells["source"],
                summary=cells["summary"],
                min_load_exclusive=exclusive,
            )
        )
    # a cell of a column that is not there is no problem of the cell: the header's
    problems = [p for p in problems if p.path.rpartition(".")[2] not in absent]
    if header or problems:
        raise InputError(header + _at_lines(problems, lines))
    return out


def _csv_rows(text: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, the rows and each row's first line of a CSV text; blank lines are
    skipped (as pandas skips them)."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    end = 0  # the last line read so far
    for cells in reader:
        first, end = end + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append(cells)
            lines.append(first)
    if header is None:
        raise pd.errors.EmptyDataError
    return header, rows, lines


def read_regulation_rules(path_or_buffer: str | Path | IO[str]) -> list[RegulationRule]:
    """Read a rules CSV (the bundled table's columns).

    Raises
    ------
    InputError
        Missing file, missing columns or bad cells, each with its ``rules[i].column``.
    """
    source = str(path_or_buffer) if isinstance(path_or_buffer, (str, Path)) else "<buffer>"
    try:
        if isinstance(path_or_buffer, (str, Path)):  # utf-8-sig: Excel's UTF-8 CSV
            text = Path(path_or_buffer).read_text(encoding="utf-8-sig")
        else:
            text = path_or_buffer.read().removeprefix("\ufeff")
        header, rows, first_lines = _csv_rows(text)
    except FileNotFoundError:
        raise InputError(Problem("", "rules file not found", source)) from None
    except pd.errors.EmptyDataError:  # an empty file, /dev/null
        raise InputError(
            Problem("", "the rules file is empty: it needs the bundled table's header", source)
        ) from None
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise InputError(Problem("", f"cannot read rules file: {exc}", source)) from None
    # a row of more or fewer cells than the header: which cell is which column is not
    # known (pandas took a first cell too many as the index: every cell one column left)
    ragged = [Problem(f"rules[{i}]", f"{len(r)} cells, the header has {len(header)}", source)
              for i, r in enumerate(rows) if len(r) != len(header)]
    kept = [i for i, r in enumerate(rows) if len(r) == len(header)]
    table = pd.DataFrame([rows[i] for i in kept], columns=header, index=kept, dtype=str)
    return _parse_regulation_rules(table, source, dict(enumerate(first_lines)), ragged)


def load_regulation_rules() -> list[RegulationRule]:
    """The bundled rules table (``hashpivot/data/regulation_rules.csv``)."""
    from importlib import resources

    text = resources.files("hashpivot").joinpath("data", RULES_FILE).read_text("utf-8")
    return read_regulation_rules(io.StringIO(text))


def load_portfolio_rules(rules_file: str | None, source: str = "",
                         extra: str | Path | None = None) -> list[RegulationRule]:
    """The rules a portfolio runs under: the bundled ones plus its
    ``[optimize].rules_file`` (relative to the portfolio file ``source``) and ``extra``
    (a file named on the command line); a user rule with the id of a bundled one
    replaces it.

    Raises
    ------
    InputError
        A rules file that cannot be read, at ``optimize.rules_file`` when it is the
        portfolio's.
    """
    rules = {r.rule_id: r for r in load_regulation_rules()}
    files: list[tuple[Path, str]] = []  # each file and the field that names it
    if rules_file:
        p = Path(rules_file)
        if not p.is_absolute() and source and not source.startswith("<"):
            p = Path(source).parent / p
        files.append((p, "optimize.rules_file"))
    if extra is not None:
        files.append((Path(extra), ""))
    for f, field_path in files:
        # the portfolio's field is wrong (missing, a folder): as its other side files read
        if field_path and source and (
                wrong := missing_file(f, field_path, source, "rules file")) is not None:
            raise InputError(wrong)
        try:
            read = read_regulation_rules(f)
        except InputError as exc:  # the reader names the file; the field is ours
            raise exc.at_path(field_path) from None
        for r in read:
            rules[r.rule_id] = r
    return list(rules.values())
