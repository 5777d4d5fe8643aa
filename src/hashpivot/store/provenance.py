"""Provenance stored with every run: what its numbers depend on besides its inputs.

- ``package_version``: :data:`hashpivot.__version__`;
- ``code``: SHA-256 (first 16 hex digits) of the package's Python source, per folder
  (``engines/pivot``, ``io``, ... and ``.`` for the top level) and in all (``all``), so that
  ``hashpivot runs reproduce`` can tell a model change since the run (and where it lies)
  from a failure to reproduce, without anyone having to bump a version;
- ``libraries``: the versions of Python and of the libraries the numbers go through
  (numpy, pandas, scipy, numba, highspy, ...): a new release can move a float's last digits;
- ``data``: SHA-256 of every bundled data file and of the files of the user data
  directory the engines read (:data:`hashpivot.io.user_data.ENGINE_FILES`; no other file
  there, such as a SQLite database and its ``-wal``/``-shm`` files, which change on every
  write).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hashpivot.file_hash import file_sha256

#: Distributions whose versions the numbers of a run depend on (``libraries``).
NUMERIC_LIBRARIES = ("numpy", "pandas", "scipy", "numpy-financial", "numba", "highspy",
                     "pydantic", "dask")


@lru_cache(maxsize=1)
def bundled_data_versions() -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of every bundled data file."""
    out: dict[str, str] = {}
    root = importlib.resources.files("hashpivot") / "data"
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file() and not entry.name.endswith(".md"):
            out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest()[:16]
    return out


def source_versions(root: Path) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of the Python source below ``root``, per folder.

    Parameters
    ----------
    root : pathlib.Path
        A package's folder.

    Returns
    -------
    dict of str to str
        ``{"all": ..., ".": ..., "engines/pivot": ...}``: each folder's ``*.py`` files (not
        its subfolders'), names and contents, in name order; ``all`` covers every file.
        Folders are named with ``/`` on every platform; ``__pycache__`` is skipped.
    """
    folders: dict[str, hashlib._Hash] = {}
    every = hashlib.sha256()
    for path in sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts:
            continue
        record = rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0"
        folders.setdefault(rel.parent.as_posix(), hashlib.sha256()).update(record)
        every.update(record)
    return {"all": every.hexdigest()[:16],
            **{name: h.hexdigest()[:16] for name, h in sorted(folders.items())}}


@lru_cache(maxsize=1)
def code_versions() -> dict[str, str]:
    """:func:`source_versions` of the installed ``hashpivot`` package."""
    import hashpivot

    return source_versions(Path(hashpivot.__file__).parent)


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    """Python's version and those of :data:`NUMERIC_LIBRARIES` (``"absent"`` when not
    installed)."""
    out = {"python": platform.python_version()}
    for name in NUMERIC_LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def provenance() -> dict[str, Any]:
    """Package version, code and library versions, data versions (bundled; the updated
    files the engines read, :data:`~hashpivot.io.user_data.ENGINE_FILES`, in the user
    data directory: absent ones are not listed)."""
    import hashpivot

    return {
        "package_version": hashpivot.__version__,
        "code": code_versions(),
        "libraries": library_versions(),
        "data": {"bundled": bundled_data_versions(), "updated": updated_data_versions(),
                 "updated_sources": updated_data_sources()},
    }


def updated_data_versions() -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of each file of the user data directory that the
    engines read (:data:`~hashpivot.io.user_data.ENGINE_FILES`), by name; a file that is
    absent is not listed."""
    from hashpivot.file_hash import file_version
    from hashpivot.io.user_data import ENGINE_FILES, data_dir

    folder = data_dir()  # where the engines read updated days ($HASHPIVOT_DATA_DIR...)
    out: dict[str, str] = {}
    for name in sorted(ENGINE_FILES):
        try:
            out[name] = file_version(folder / name)
        except OSError:
            continue
    return out


def updated_data_sources() -> dict[str, str]:
    """Who wrote each file of :func:`updated_data_versions`, by name: ``hashpivot data
    update`` (its mempool.space attribution) or the user (``your file <path> (sha256
    ...``: :func:`hashpivot.io.user_data.file_origin`)."""
    from hashpivot.io.user_data import ENGINE_FILES, data_dir, file_origin

    folder = data_dir()
    origins = {name: file_origin(folder, name) for name in sorted(ENGINE_FILES)}
    return {name: origin.describe() for name, origin in origins.items() if origin is not None}


@dataclass(frozen=True)
class ProvenanceChange:
    """What changed between a stored run's provenance and today's
    (:func:`compare_provenance`).

    Attributes
    ----------
    recorded : bool
        Whether the stored run recorded its code and library versions (runs stored before
        they were recorded did not: a difference then cannot be attributed).
    code : tuple of str
        Folders of the package whose source changed (added or removed included).
    libraries : tuple of str
        ``name old -> new`` for Python and the numeric libraries.
    data : tuple of str
        Data files whose contents changed, appeared or disappeared.
    """

    recorded: bool
    code: tuple[str, ...]
    libraries: tuple[str, ...]
    data: tuple[str, ...]

    @property
    def unchanged(self) -> bool:
        """Same code, libraries and data (and they were recorded)."""
        return self.recorded and not (self.code or self.libraries or self.data)

    def causes(self) -> str:
        """What changed since the run, in one phrase (``""`` when nothing did or it was
        not recorded)."""
        causes = []
        if self.code:
            causes.append("the code of " + ", ".join(self.code))
        if self.libraries:
            causes.append("libraries (" + ", ".join(self.libraries) + ")")
        if self.data:
            causes.append("data (" + ", ".join(self.data) + ")")
        return "; ".join(causes)

    def verdict(self, n_differ: int, what: str = "value(s)") -> str:
        """One sentence on what ``n_differ`` values (or files: ``what``) that differ mean
        under this change."""
        head = f"{n_differ} {what} differ"
        if not self.recorded:
            return (f"{head}; the run was stored before code and library versions were "
                    "recorded, so a model change cannot be told from a failure to reproduce")
        if self.unchanged:
            return (f"{head} with the same code, libraries and data: a failure to reproduce "
                    "(please report it)")
        return f"{head}; changed since the run: {self.causes()}"


def provenance_line(stored: dict[str, Any], change: ProvenanceChange) -> str:
    """One line on what a run ran with and how it compares with this installation (the
    run page's).

    Parameters
    ----------
    stored : dict
        The run's :func:`provenance`.
    change : ProvenanceChange
        :func:`compare_provenance` of ``stored`` with this installation's.

    Returns
    -------
    str
        E.g. ``hashpivot 0.1.0, code d4c4c81d5bb6e8e9, numpy 2.4.6, highspy 1.16.0: the
        code, libraries and data of this server`` or ``...: changed since: the code of
        engines/pivot``.
    """
    libs = stored.get("libraries") or {}
    parts = [f"hashpivot {stored.get('package_version', '?')}"]
    if isinstance(stored.get("code"), dict):
        parts.append(f"code {stored['code'].get('all', '?')}")
    parts += [f"{name} {libs[name]}" for name in ("numpy", "scipy", "highspy") if name in libs]
    if not change.recorded:
        tail = "recorded before code and library versions were (a difference on a re-run " \
               "cannot be attributed)"
    elif change.unchanged:
        tail = "the code, libraries and data of this server (a re-run must give the same numbers)"
    else:
        tail = f"changed since: {change.causes()}"
    return ", ".join(parts) + ": " + tail


def _changed(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    return tuple(k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))


def compare_provenance(stored: dict[str, Any], now: dict[str, Any]) -> ProvenanceChange:
    """Compare a stored run's :func:`provenance` with today's.

    Parameters
    ----------
    stored, now : dict
        Two :func:`provenance` values (``stored`` may come from an older version, without
        ``code`` and ``libraries``).

    Returns
    -------
    ProvenanceChange
        The folders, libraries and data files that changed.
    """
    code_old, code_new = stored.get("code"), now.get("code") or {}
    libs_old, libs_new = stored.get("libraries"), now.get("libraries") or {}
    recorded = isinstance(code_old, dict) and isinstance(libs_old, dict)
    code = tuple(k for k in _changed(code_old or {}, code_new) if k != "all")
    libs = tuple(f"{k} {(libs_old or {}).get(k, 'absent')} -> {libs_new.get(k, 'absent')}"
                 for k in _changed(libs_old or {}, libs_new))
    from hashpivot.io.user_data import ENGINE_FILES

    data_old, data_new = stored.get("data") or {}, now.get("data") or {}
    # (runs stored before this fix hashed every file of the folder: only those the engines
    # read are compared, or a database or a note beside them was "other data" forever)
    data = tuple(f"{group}/{name}"
                 for group in ("bundled", "updated")
                 for name in _changed(data_old.get(group) or {}, data_new.get(group) or {})
                 if group == "bundled" or name in ENGINE_FILES)
    return ProvenanceChange(recorded, code if recorded else (), libs if recorded else (), data)


__all__ = ["NUMERIC_LIBRARIES", "ProvenanceChange", "bundled_data_versions", "code_versions",
           "compare_provenance", "file_sha256", "library_versions", "provenance", "provenance_line",
           "source_versions", "updated_data_sources", "updated_data_versions"]
