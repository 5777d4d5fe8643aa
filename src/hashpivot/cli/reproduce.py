"""``hashpivot reproduce FOLDER``: run an ``--out`` folder's command again and compare.

The folder's ``run.json`` (:mod:`hashpivot.cli.run_record`) says what ran, in which
folder, on which inputs and with which code, libraries and data. The command runs again
in that folder, or in the tree's when the ``--out`` folder was moved with the tree it was
written in (:func:`run_folder`), in a fresh ``python -m hashpivot`` process with its
``--out`` a temporary folder, and every file it writes is compared with the record: byte
for byte, except JSON files, compared value by value without wall-clock timings, and
charts (recorded, not compared: their encoders embed versions and random ids; their
numbers are in the CSVs). A difference is reported with
what changed since the run (:class:`hashpivot.store.provenance.ProvenanceChange`).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from hashpivot.cli.errors import handle_errors
from hashpivot.cli.options import folder_path
from hashpivot.exceptions import InputError, Problem

__all__ = ["OUT_COMMANDS", "FileComparison", "compare_outputs", "register", "rerun_arguments",
           "run_folder"]

#: The commands that write a run record (``--out``): the only ones ``reproduce`` runs (a
#: record is a file anyone can edit: never ``serve``, ``keys`` or ``data update``).
OUT_COMMANDS = ("backtest", "pivot", "simulate", "dispatch", "optimize")


def _problem(folder: Path, field_path: str, message: str) -> InputError:
    return InputError([Problem(field_path, message, str(folder / "run.json"))])


def load_record(folder: Path) -> dict[str, Any]:
    """Read and check a folder's ``run.json`` (an :class:`InputError` naming the file and
    the field otherwise)."""
    from hashpivot.cli.run_record import RECORD_FORMAT, RUN_RECORD

    path = folder / RUN_RECORD
    if not path.is_file():
        raise InputError([Problem(
            "FOLDER", f"{folder} has no {RUN_RECORD}: only an --out folder of backtest, "
            "pivot, simulate, dispatch or optimize written by this version or later has one",
            "<command line>")])
    try:
        # (utf-8-sig: a BOM an editor saved the record with is no part of it)
        record = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _problem(folder, "", f"not a readable JSON run record ({exc})") from None
    if not isinstance(record, dict):
        raise _problem(folder, "", "not a JSON object")
    problems = []
    if record.get("format") != RECORD_FORMAT:
        problems.append(Problem("format", f"must be {RECORD_FORMAT} (got "
                                f"{record.get('format')!r})", str(path)))
    command = record.get("command")
    if not (isinstance(command, list) and command and all(isinstance(a, str) for a in command)):
        problems.append(Problem("command", "must be a non-empty list of strings", str(path)))
    elif command[0] not in OUT_COMMANDS or not any(
            a == "--out" or a.startswith("--out=") for a in command):
        problems.append(Problem("command", f"must be one of {', '.join(OUT_COMMANDS)} with "
                                f"--out (got {' '.join(command)[:200]!r})", str(path)))
    for key in ("inputs", "outputs", "provenance"):
        if not isinstance(record.get(key), dict):
            problems.append(Problem(key, "must be an object", str(path)))
    if not isinstance(record.get("cwd"), str):
        problems.append(Problem("cwd", "must be a string", str(path)))
    problems += _map_problems(record, str(path))
    if problems:
        raise InputError(problems)
    return record


def _map_problems(record: dict[str, Any], source: str) -> list[Problem]:
    """A problem at each part of a record read as names -> text (SHA-256 digests,
    versions) that is not one: ``inputs``, ``outputs`` and, where present (an older
    record lacks them), ``provenance.code``, ``.libraries``, ``.data`` and its
    ``bundled`` and ``updated`` files."""
    out: list[Problem] = []

    def check(value: Any, where: str) -> None:
        if not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
            out.append(Problem(where, "must be an object of names to text (SHA-256 digests, "
                               f"versions), got {json.dumps(value)[:80]}", source))

    for key in ("inputs", "outputs"):
        if isinstance(record.get(key), dict):
            check(record[key], key)
    if isinstance(record.get("outputs"), dict):  # (files of the run, compared in the folder)
        out += [Problem(f"outputs.{name}", "must name a file in the folder", source)
                for name in record["outputs"]
                if Path(name).is_absolute() or ".." in Path(name).parts]
    prov = record.get("provenance")
    if not isinstance(prov, dict):
        return out
    for key in ("code", "libraries"):
        if prov.get(key) is not None:
            check(prov[key], f"provenance.{key}")
    data = prov.get("data")
    if data is not None and not isinstance(data, dict):
        out.append(Problem("provenance.data", "must be an object (bundled, updated), got "
                           f"{json.dumps(data)[:80]}", source))
    elif data is not None:
        for group in ("bundled", "updated"):
            if data.get(group) is not None:
                check(data[group], f"provenance.data.{group}")
    return out


def rerun_arguments(command: list[str], out: Path) -> list[str]:
    """The recorded arguments with ``--out`` pointed at ``out`` (``--out X`` or
    ``--out=X``); the rest as recorded."""
    args: list[str] = []
    skip = False
    for a in command:
        if skip:
            skip = False
            continue
        if a == "--out":
            args += ["--out", str(out)]
            skip = True
        elif a.startswith("--out="):
            args.append(f"--out={out}")
        else:
            args.append(a)
    return args


@dataclass
class FileComparison:
    """How the files of a new run compare with a record's (:func:`compare_outputs`).

    Attributes
    ----------
    identical : list of str
        Files reproduced identically.
    differs : list of str
        ``name: what`` for each file that is not reproduced (or no longer written); a JSON
        file has a line per value that differs (20 at most).
    differing_files : list of str
        The names of those files.
    added : list of str
        Files the new run writes that the record does not have (a later version's).
    charts : list of str
        Charts, recorded and not compared.
    """

    identical: list[str] = field(default_factory=list)
    differs: list[str] = field(default_factory=list)
    differing_files: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)


def _text(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace").splitlines()


def _first_difference(old: Path, new: Path) -> str:
    """Where two text files first differ: ``line N: stored '...', reproduced '...'``."""
    a, b = _text(old), _text(new)
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {i + 1}: stored {x[:160]!r}, reproduced {y[:160]!r}"
    return f"{len(a)} lines stored, {len(b)} reproduced"


def compare_outputs(folder: Path, recorded: dict[str, str], fresh: Path) -> FileComparison:
    """Compare the files of a new run in ``fresh`` with a record's ``outputs``.

    Parameters
    ----------
    folder : pathlib.Path
        The recorded ``--out`` folder (its files, where unchanged since the run, show
        where a text file first differs and let JSON be compared by value).
    recorded : dict of str to str
        The record's ``outputs``: file name -> SHA-256 (16 hex digits).
    fresh : pathlib.Path
        The new run's ``--out`` folder.

    Returns
    -------
    FileComparison
    """
    from hashpivot.cli.run_record import CHART_SUFFIXES, RUN_RECORD
    from hashpivot.store.compare import diff_json
    from hashpivot.store.provenance import file_sha256

    out = FileComparison()
    written = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
    written.discard(RUN_RECORD)
    for name in sorted(set(recorded) | written):
        if Path(name).suffix.lower() in CHART_SUFFIXES:
            out.charts.append(name)
            continue
        if name not in written:
            out.differing_files.append(name)
            out.differs.append(f"{name}: no longer written")
            continue
        if name not in recorded:
            out.added.append(name)
            continue
        new = fresh / name
        if file_sha256(new) == recorded[name]:
            out.identical.append(name)
            continue
        old = folder / name
        kept = old.is_file() and file_sha256(old) == recorded[name]
        lines: list[str] = []
        if not kept:
            lines.append(f"{name}: differs (the file in the folder changed since the run: "
                         "compared by its recorded hash only)")
        elif name.endswith(".gz") and _text(old) == _text(new):
            pass  # the same table; a gzip header with the time it was written (older runs)
        elif name.endswith(".json"):
            diff = diff_json(json.loads(old.read_text(encoding="utf-8")),
                             json.loads(new.read_text(encoding="utf-8")))
            lines.extend(f"{name}: {d}" for d in diff.differs[:20])
        else:
            lines.append(f"{name}: {_first_difference(old, new)}")
        if lines:
            out.differing_files.append(name)
            out.differs.extend(lines)
        else:  # JSON that differs only in wall-clock timings or values a later version adds
            out.identical.append(name)
    return out


def _recorded_out(command: list[str]) -> str | None:
    """The ``--out`` value of a recorded command (``--out X`` or ``--out=X``)."""
    for i, a in enumerate(command):
        if a == "--out" and i + 1 < len(command):
            return command[i + 1]
        if a.startswith("--out="):
            return a.split("=", 1)[1]
    return None


def run_folder(record: dict[str, Any], folder: Path) -> tuple[Path, str | None]:
    """Where to run a record's command again: the recorded ``cwd``, or, when the ``--out``
    folder is no longer where the command put it but its path still ends with the recorded
    relative ``--out`` (the tree it ran in was moved or copied: a clone on another machine,
    say), the folder that ends there.

    Parameters
    ----------
    record : dict
        A checked ``run.json`` (:func:`load_record`).
    folder : pathlib.Path
        The ``--out`` folder as it is now.

    Returns
    -------
    tuple of (pathlib.Path, str or None)
        The folder to run in, and a note when it is not the recorded one.
    """
    recorded = Path(record["cwd"])
    out = _recorded_out(record["command"])
    if out is None or Path(out).is_absolute():
        return recorded, None
    here = folder.resolve()
    try:
        if (recorded / out).resolve() == here:
            return recorded, None
    except OSError:  # a recorded path this machine cannot resolve
        pass
    tail = Path(os.path.normpath(out)).parts
    if ".." in tail:
        return recorded, None
    tail = tuple(t for t in tail if t != ".")
    if tail and here.parts[-len(tail):] != tail:
        return recorded, None
    moved = here.parents[len(tail) - 1] if tail else here
    return moved, (f"{folder} is not where the command wrote it ({recorded / out}): running "
                   f"in {moved}, where --out {out} puts it")


def _check_inputs(record: dict[str, Any], cwd: Path) -> None:
    """Refuse to re-run on inputs that are not the recorded ones (exit 2, each named)."""
    from hashpivot.cli.run_record import input_files

    now = input_files(record["command"], cwd)
    problems = []
    for name, sha in record["inputs"].items():
        if name not in now:
            problems.append(Problem(f"inputs.{name}", "the input file is gone", str(cwd)))
        elif now[name] != sha:
            problems.append(Problem(f"inputs.{name}", f"changed since the run (SHA-256 "
                                    f"{sha} then, {now[name]} now)", str(cwd)))
    if problems:
        raise InputError(problems)


def register(app: typer.Typer) -> None:
    """Add ``reproduce`` to the app."""

    @app.command("reproduce")
    @handle_errors
    def reproduce(
        folder: Annotated[Path, typer.Argument(help="An --out folder with its run.json.")],
        keep: Annotated[
            Path | None,
            typer.Option("--keep", help="Write the new run's files here (default: a "
                         "temporary folder, removed).", parser=folder_path,
                         metavar="<path>"),
        ] = None,
        cwd_option: Annotated[
            Path | None,
            typer.Option("--cwd", help="Run in this folder instead of the recorded one (on "
                         "another machine, say): the input files must be there, with the "
                         "recorded contents."),
        ] = None,
    ) -> None:
        """Run an --out folder's command again and compare every file it wrote.

        The command runs in the folder it ran in, or, when FOLDER was moved with the tree
        it was written in (a copy or a clone elsewhere), in that tree's folder (--cwd to
        run it in another). Exit 0 when every recorded file is written again identically (JSON
        compared value by value without wall-clock timings; charts not compared), 1 when
        any differs, 2 when the folder has no valid run.json or an input file changed since
        the run. With differences, what changed since the run is listed (the package's code
        per folder, libraries, data); with none changed, a difference is a failure to
        reproduce.
        """
        from hashpivot.cli.options import check_out_dir, collect
        from hashpivot.store.provenance import compare_provenance, provenance

        problems: list[Problem] = []  # the options' and the record's, listed together
        if keep is not None and keep.resolve() == folder.resolve():
            problems.append(Problem("--keep", "must not be the folder being reproduced (its "
                                    "files and record would be overwritten)", "<command line>"))
        elif keep is not None and keep.is_dir() and any(keep.iterdir()):
            problems.append(Problem("--keep", f"{keep} is not empty: the new run's files "
                                    "would mix with what is there", "<command line>"))
        else:
            collect(problems, lambda: check_out_dir(keep, "--keep"))
        if cwd_option is not None and not cwd_option.is_dir():
            problems.append(Problem("--cwd", f"{cwd_option} is not a folder", "<command line>"))
        record = collect(problems, lambda: load_record(folder))
        if problems or record is None:
            raise InputError(problems)
        moved_note = None
        if cwd_option is None:
            cwd, moved_note = run_folder(record, folder)
        else:
            cwd = cwd_option
        if not cwd.is_dir():
            raise _problem(folder, "cwd", f"the folder the command ran in is gone: {cwd} "
                           "(--cwd runs it elsewhere)")
        if moved_note is not None:
            typer.echo(f"note: {moved_note}", err=True)
        _check_inputs(record, cwd)
        from hashpivot.cli.runs import exit_on_differences, provenance_notes

        now = provenance()
        change = compare_provenance(record["provenance"], now)
        for line in provenance_notes(record["provenance"], now, change):
            typer.echo(f"note: {line}", err=True)
        with tempfile.TemporaryDirectory(prefix="hashpivot-reproduce-") as tmp:
            target = keep if keep is not None else Path(tmp)
            args = rerun_arguments(record["command"], target.resolve())
            typer.echo(f"running: hashpivot {' '.join(args)} (in {cwd})", err=True)
            done = subprocess.run([sys.executable, "-m", "hashpivot", *args], cwd=cwd,
                                  capture_output=True, text=True, check=False)
            if done.returncode == 2:  # the command's input is refused: the record's
                raise InputError([Problem("command", "the recorded command is refused:\n"
                                          + done.stderr.rstrip(), str(folder / "run.json"))])
            if done.returncode != 0:
                typer.echo(done.stderr.rstrip(), err=True)
                since = change.causes() or "nothing recorded changed since the run"
                typer.echo(f"{folder}: the command failed (exit {done.returncode}); {since}",
                           err=True)
                raise typer.Exit(1)
            cmp = compare_outputs(folder, record["outputs"], target)
        if cmp.added:
            typer.echo(f"note: {len(cmp.added)} file(s) not in the record (written by a later "
                       f"version; nothing to compare): {', '.join(cmp.added)}", err=True)
        if cmp.charts:
            typer.echo(f"note: {len(cmp.charts)} chart(s) not compared (their encoders embed "
                       "versions and random ids; their numbers are in the CSVs)", err=True)
        exit_on_differences(str(folder), cmp.differs, len(cmp.differing_files), change,
                            "file(s)")
        typer.echo(f"{folder}: reproduced, {len(cmp.identical)} file(s) identical", err=True)
