"""What a run may write over in its ``--out`` folder: one run's files, nothing else.

An ``--out`` folder holds the files of one run and the record of it (``run.json``,
:mod:`hashpivot.cli.run_record`). Before any work, :func:`out_folder_problems` refuses a
folder a new run could spoil:

- a folder that holds files but no run record: the files are the user's;
- a folder holding another command's run (``pivot`` then ``simulate``): the two runs'
  files would mix under one record;
- a previous run's output that changed since that run wrote it (its SHA-256 differs from
  the record's, it is now a link or a folder): an edited table would be written over;
- a file or folder beside a run's outputs that the record does not name (a user's notes
  named like an output the new run writes would be written over).

A folder holding the same command's run, its outputs as written, is the common case of a
second run with other options. :func:`write_out_folder` writes the new files into a
hidden folder inside it first and moves them in only once every one is written, so a run
that fails or is interrupted while writing leaves the folder as it was; then
:func:`remove_stale_outputs` deletes the previous run's outputs this run did not write
again (a site since renamed, a chart no longer drawn), and the record is written, so the
folder and its record tell one run's story. Names starting with a dot (``.DS_Store``, an
editor's swap file, the hidden folder) are never counted nor touched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from hashpivot.exceptions import HashpivotError, InputError, Problem
from hashpivot.store.provenance import file_sha256

__all__ = ["out_folder_problems", "previous_outputs", "remove_stale_outputs",
           "write_out_folder"]

#: How many entries an error lists before "and N more".
LISTED_ENTRIES = 5


def _visible_entries(folder: Path) -> list[str]:
    """The names in ``folder`` not starting with a dot, sorted."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED_ENTRIES])
    more = len(names) - LISTED_ENTRIES
    return f"{shown} and {more} more" if more > 0 else shown


def previous_outputs(folder: Path) -> tuple[list[str], dict[str, str]] | None:
    """The command and the outputs of the run record in ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        An ``--out`` folder.

    Returns
    -------
    tuple of (list of str, dict of str to str) or None
        The recorded command (arguments after ``hashpivot``) and its outputs (path
        relative to the folder -> first 16 hex digits of its SHA-256); None when the
        folder has no readable record with both.
    """
    from hashpivot.cli.run_record import RUN_RECORD

    try:
        record = json.loads((folder / RUN_RECORD).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    command, outputs = record.get("command"), record.get("outputs")
    if not (isinstance(command, list) and command and all(isinstance(a, str) for a in command)
            and isinstance(outputs, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in outputs.items())):
        return None
    return command, outputs


def _inside(folder: Path, relative: str) -> Path | None:
    """``folder / relative`` when the name stays inside ``folder`` (a record is a file
    anyone can edit: ``../x``, an absolute path or a sub-folder linked elsewhere name
    nothing of the run's); the entry itself may be a link."""
    name = Path(relative)
    if name.is_absolute() or ".." in name.parts:
        return None
    path = folder / name
    try:
        path.parent.resolve().relative_to(folder.resolve())
    except (OSError, ValueError):
        return None
    return path


def _changed_outputs(folder: Path, outputs: dict[str, str]) -> list[str]:
    """The recorded outputs present in ``folder`` that are no longer what the run wrote:
    bytes that differ from the record's, a link (its target may be anyone's) or a
    folder in their place, unreadable."""
    changed = []
    for relative, digest in sorted(outputs.items()):
        path = _inside(folder, relative)
        if path is None:  # a record's name outside the folder: nothing of the run's
            continue
        try:
            if path.is_symlink() or (path.exists() and not path.is_file()) or (
                    path.is_file() and file_sha256(path) != digest):
                changed.append(relative)
        except OSError:  # unreadable: it cannot be compared, nor safely written over
            changed.append(relative)
    return changed


def _unrecorded(folder: Path, outputs: dict[str, str]) -> list[str]:
    """The files and folders in ``folder`` (dot names aside, at any depth) that the
    record neither names nor holds a named output in."""
    from hashpivot.cli.run_record import RUN_RECORD

    parents = {p.as_posix() for r in outputs for p in Path(r).parents}  # (sub-folders)
    out = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        name = relative.as_posix()
        if name == RUN_RECORD or name in outputs:
            continue
        if path.is_dir() and not path.is_symlink() and name in parents:
            continue
        out.append(name + ("/" if path.is_dir() and not path.is_symlink() else ""))
    return out


def out_folder_problems(out: Path, command: str, option: str = "--out") -> list[Problem]:
    """The reasons a ``command`` run must not write into ``out`` (none when it may).

    Parameters
    ----------
    out : pathlib.Path
        The ``--out`` folder (it may not exist yet).
    command : str
        The command about to run (``pivot``, ``simulate``...).
    option : str, optional
        The option that named the folder, the problems' field path.

    Returns
    -------
    list of hashpivot.exceptions.Problem
        Empty when ``out`` is missing, empty (but for dot files), or holds a ``command``
        run's record with its outputs unchanged; one problem naming the folder otherwise.
    """
    from hashpivot.cli.run_record import RUN_RECORD

    cli = "<command line>"
    try:
        entries = _visible_entries(out) if out.is_dir() else []
    except OSError:  # not listable: check_out_dir reports what it can of the folder
        return []
    if not entries:
        return []
    previous = previous_outputs(out)
    if previous is None:
        what = (f"its {RUN_RECORD} is not a readable run record" if RUN_RECORD in entries
                else f"it holds no {RUN_RECORD} of a hashpivot run")
        return [Problem(option, f"folder {out} is not empty ({_listing(entries)}) and {what}: "
                        "this run could write over those files; give an empty or new folder",
                        cli)]
    recorded, outputs = previous
    if recorded[0] != command:
        return [Problem(option, f"folder {out} holds the files of `hashpivot "
                        f"{' '.join(recorded)[:200]}` ({RUN_RECORD}): a {command} run would "
                        "mix its files with them; give another folder", cli)]
    problems = []
    changed = _changed_outputs(out, outputs)
    if changed:
        them = "it" if len(changed) == 1 else "them"
        problems.append(Problem(
            option, f"in folder {out}, {_listing(changed)} changed since the run that "
            f"wrote {them} ({RUN_RECORD}): this run would write over the changes; move "
            f"{them} or give another folder", cli))
    try:
        foreign = _unrecorded(out, outputs)
    except OSError:  # a sub-folder not listable: not safe to write beside
        foreign = ["(a sub-folder that cannot be listed)"]
    if foreign:
        problems.append(Problem(
            option, f"folder {out} holds {_listing(foreign)} beside the files of its run, "
            f"which its {RUN_RECORD} does not name: this run could write over them; move "
            "them or give another folder", cli))
    return problems


def write_out_folder(out: Path, command: str, write: Callable[[Path], list[Path]],
                     sources: str = "") -> list[Path]:
    """Write a run's files into ``out`` whole or not at all, then its record.

    Parameters
    ----------
    out : pathlib.Path
        The ``--out`` folder, checked by :func:`out_folder_problems` before the run.
    command : str
        The command that writes (``pivot``...): the folder is checked again once its
        files are written, before any is moved in (a file edited during a long run).
    write : callable
        Folder -> the files it wrote there (a report's writer).
    sources : str
        The data the run drew on, with their attributions, for the record
        (:func:`hashpivot.cli.run_record.write_run_record`).

    Returns
    -------
    list of pathlib.Path
        The files in ``out`` (each ``out / <name the writer gave>``), then ``run.json``.

    Raises
    ------
    InputError
        The folder changed during the run so that it may no longer be written over (its
        problems, at ``--out``): nothing is moved in and this run's files are kept in a
        new folder beside it, named in the last problem.
    HashpivotError
        A file that cannot be moved into ``out`` (a disk full, a permission): the files
        moved before it are named. A writer's own error propagates; either way the hidden
        folder is removed and ``out`` holds what it held before.
    """
    from hashpivot.cli.run_record import write_run_record

    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".hashpivot-writing-", dir=out))
    moved: list[Path] = []
    try:
        names = [Path(p).relative_to(staging) for p in write(staging)]
        if problems := out_folder_problems(out, command):
            raise InputError([*problems, _keep_elsewhere(out, staging)])
        for name in names:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)  # (a link in its place is replaced, not
            moved.append(target)                # written through)
    except OSError as exc:
        done = ", ".join(p.name for p in moved) or "none"
        raise HashpivotError(f"cannot write into {out}: {exc.strerror or exc} (files moved "
                             f"in before it: {done})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    previous = previous_outputs(out)  # (the record still that of the previous run)
    if previous is not None and previous[0][0] == command:
        remove_stale_outputs(out, previous[1], [name.as_posix() for name in names])
    return [*moved, write_run_record(out, moved, sources)]


def _keep_elsewhere(out: Path, staging: Path) -> Problem:
    """Move a run's written files (``staging``) to a new folder beside ``out`` (inside it
    when its parent is not writable) and say where."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    here = out.resolve()  # (`--out .` has no name of its own: `..new-...` was hidden)
    for kept in (here.parent / f"{here.name}.new-{stamp}", here / f"new-{stamp}"):
        try:
            os.replace(staging, kept)
        except OSError:
            continue
        return Problem("--out", f"the folder changed during the run: this run's files are "
                       f"in {kept}", "<command line>")
    return Problem("--out", "the folder changed during the run: this run's files could not "
                   "be kept", "<command line>")


def remove_stale_outputs(out: Path, previous: dict[str, str] | None,
                         written: Iterable[str]) -> list[str]:
    """Delete the previous run's outputs that this run did not write again.

    Parameters
    ----------
    out : pathlib.Path
        The ``--out`` folder.
    previous : dict of str to str or None
        The previous record's outputs (relative path -> SHA-256, first 16 hex digits), as
        read before this run wrote anything; None when there was no record.
    written : iterable of str
        This run's outputs, relative to ``out``.

    Returns
    -------
    list of str
        The relative paths removed. A file whose bytes differ from the previous record's
        (changed during the run) is kept, and so is every file the record does not name.
    """
    if not previous:
        return []
    keep = set(written)
    removed = []
    for relative, digest in sorted(previous.items()):
        path = _inside(out, relative)
        if relative in keep or path is None:
            continue
        try:
            if path.is_file() and file_sha256(path) == digest:
                path.unlink()
                removed.append(relative)
        except OSError:  # kept: a file it cannot read or remove is not lost
            continue
        for parent in path.parents:  # sub-folders the run made, once empty
            if parent.resolve() == out.resolve():
                break
            try:
                parent.rmdir()
            except OSError:
                break
    return removed
