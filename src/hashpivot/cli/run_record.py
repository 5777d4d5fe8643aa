"""The run record of an ``--out`` folder (``run.json``): what made its files.

Every command that writes an ``--out`` folder (``backtest``, ``pivot``, ``simulate``,
``dispatch``, ``optimize``) ends by writing ``run.json`` beside its files:

- ``command``: its arguments after ``hashpivot``, as given, and ``cwd``, where it ran;
- ``inputs``: SHA-256 (first 16 hex digits) of every input file: each argument that names
  an existing file and, in a TOML among them, each ``*_file`` value (resolved against the
  TOML's folder, as the engines resolve it);
- ``outputs``: SHA-256 of every file written, charts included;
- ``sources``: the data the run's numbers come from, with their attributions and days, as
  its charts name them (Coin Metrics Community Network Data's CC BY-NC 4.0 asks for it
  wherever the data is used; :func:`hashpivot.reports.labels.sources_text`), "" for none;
- ``provenance``: :func:`hashpivot.store.provenance.provenance` (package, code per folder,
  libraries, data), as a stored run of the service has.

``hashpivot reproduce FOLDER`` (:mod:`hashpivot.cli.reproduce`) runs the command again and
compares.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from hashpivot.store.provenance import file_sha256

#: The record's file name in an ``--out`` folder.
RUN_RECORD = "run.json"
#: Version of the record's layout.
RECORD_FORMAT = 1
#: Files recorded but not compared by ``reproduce``: chart encoders embed their versions,
#: plotly random ids. Their numbers are in the CSVs beside them.
CHART_SUFFIXES = frozenset({".png", ".svg", ".jpg", ".pdf", ".html"})

__all__ = ["CHART_SUFFIXES", "RECORD_FORMAT", "RUN_RECORD", "input_files",
           "write_run_record"]


def _referenced_files(value: Any) -> Iterator[str]:
    """The string values of every ``*_file`` key in a parsed TOML document."""
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).endswith("_file") and isinstance(v, str):
                yield v
            else:
                yield from _referenced_files(v)
    elif isinstance(value, list):
        for v in value:
            yield from _referenced_files(v)


def input_files(args: Iterable[str], cwd: Path) -> dict[str, str]:
    """SHA-256 of the files a command reads: its arguments that name an existing file and
    the ``*_file`` values of the TOML files among them.

    Parameters
    ----------
    args : iterable of str
        The command's arguments (``--name=value`` forms are split).
    cwd : pathlib.Path
        The folder the command runs in (relative arguments are resolved against it).

    Returns
    -------
    dict of str to str
        Path as the command or the TOML wrote it (a referenced file as
        ``<toml>:<value>``) -> first 16 hex digits of its SHA-256.
    """
    out: dict[str, str] = {}
    for arg in args:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if not value or value.startswith("-"):
            continue
        path = cwd / value
        try:
            if not path.is_file():
                continue
            out[value] = file_sha256(path)
        except OSError:  # a name too long for a path, say: not a file
            continue
        if path.suffix == ".toml":
            try:
                doc = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):  # (an invalid TOML: no refs)
                continue
            for ref in _referenced_files(doc):
                target = Path(ref) if Path(ref).is_absolute() else path.parent / ref
                try:
                    if target.is_file():
                        out[f"{value}:{ref}"] = file_sha256(target)
                except OSError:  # unreadable: the command itself reported it
                    continue
    return out


def write_run_record(out_dir: Path, written: Iterable[Path], sources: str = "") -> Path:
    """Write ``run.json`` into an ``--out`` folder after the command's files
    (:func:`hashpivot.cli.out_folder.write_out_folder` calls it last).

    Parameters
    ----------
    out_dir : pathlib.Path
        The ``--out`` folder.
    written : iterable of pathlib.Path
        The files the command wrote there.
    sources : str
        The data the run drew on, with their attributions (the record's ``sources``).

    Returns
    -------
    pathlib.Path
        The record's path.
    """
    from hashpivot.cli.app import INVOCATION
    from hashpivot.store.provenance import provenance

    cwd = Path.cwd()
    outputs = {}
    for p in written:
        path = Path(p)
        if path.is_file() and path.name != RUN_RECORD:
            rel = os.path.relpath(path, out_dir).replace(os.sep, "/")  # (links unresolved)
            outputs[rel] = file_sha256(path)
    record = {
        "format": RECORD_FORMAT,
        "command": list(INVOCATION),
        "cwd": str(cwd),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "inputs": input_files(INVOCATION, cwd),
        "outputs": dict(sorted(outputs.items())),
        "sources": sources,
        "provenance": provenance(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)  # (a run that wrote no file of its own)
    target = out_dir / RUN_RECORD
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target
