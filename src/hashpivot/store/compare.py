"""How a run's results compare with another's: a stored run and its reproduction.

``hashpivot runs reproduce``, ``hashpivot reproduce`` (the JSON files of an ``--out``
folder) and the service's reproductions (``POST /api/runs/{id}/reproduce``) compare with
:func:`diff_json`: exactly, floats to the last bit, except wall-clock timings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hashpivot.store.tables import RunRow

__all__ = ["WALL_CLOCK_SUFFIXES", "JsonDiff", "Reproduction", "diff_json", "reproduction_of"]

#: How many differing (and added) values a :class:`Reproduction` lists.
SHOWN_DIFFERENCES = 50


#: Result keys that are wall-clock measurements, not numbers of the model.
WALL_CLOCK_SUFFIXES = ("_seconds", "timings_s")


@dataclass
class JsonDiff:
    """How a reproduced JSON value compares with the stored one (:func:`diff_json`).

    Attributes
    ----------
    differs : list of str
        ``path: what`` where a stored value is not reproduced: a different value, a list of
        another length, or a key the reproduced value lacks.
    added : list of str
        Paths only in the reproduced value: what a newer version computes beyond the
        stored run (every stored value can still be identical).
    """

    differs: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


def diff_json(a: Any, b: Any, path: str = "", out: JsonDiff | None = None) -> JsonDiff:
    """Compare a stored JSON value ``a`` with its reproduction ``b``, exactly (floats
    included); wall-clock timings (keys ending ``_seconds``, ``timings_s``) are not
    compared."""
    out = JsonDiff() if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if str(k).endswith(WALL_CLOCK_SUFFIXES):
                continue
            p = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.differs.append(f"{p}: only in stored")
            elif k not in a:
                out.added.append(p)
            else:
                diff_json(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.differs.append(f"{path}: {len(a)} items stored, {len(b)} reproduced")
        else:
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                diff_json(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.differs.append(f"{path}: stored {a!r}, reproduced {b!r}")
    return out


@dataclass(frozen=True)
class Reproduction:
    """How a run that reproduces another compares with it (:func:`reproduction_of`).

    Attributes
    ----------
    of_run_id : int
        The run reproduced.
    state : {"pending", "identical", "differs", "failed"}
        ``pending`` while the reproduction runs; ``failed`` when it did not finish (or the
        run reproduced is gone).
    n_differ : int
        Stored values not reproduced.
    differs : list of str
        The first :data:`SHOWN_DIFFERENCES` of them, ``path: stored ..., reproduced ...``.
    added : list of str
        Values the reproduction computes that the run reproduced did not store (a later
        version's; not differences), the first :data:`SHOWN_DIFFERENCES`.
    verdict : str
        One sentence: identical, or what the differences mean given what changed between
        the two runs' code, libraries and data
        (:meth:`hashpivot.store.provenance.ProvenanceChange.verdict`).
    """

    of_run_id: int
    state: Literal["pending", "identical", "differs", "failed"]
    n_differ: int
    differs: list[str]
    added: list[str]
    verdict: str


def reproduction_of(original: RunRow | None, again: RunRow) -> Reproduction | None:
    """Compare a run that reproduces another (``again.reproduces_run_id``) with it.

    Parameters
    ----------
    original : RunRow or None
        The run reproduced (None when it is gone).
    again : RunRow
        The reproduction.

    Returns
    -------
    Reproduction or None
        None when ``again`` reproduces no run.
    """
    from hashpivot.store.provenance import compare_provenance

    of = again.reproduces_run_id
    if of is None:
        return None
    if original is None or original.results is None:
        return Reproduction(of, "failed", 0, [], [], f"run {of} has no results to compare")
    if again.status in ("queued", "running"):
        return Reproduction(of, "pending", 0, [], [], f"reproducing run {of}")
    if again.status != "succeeded" or again.results is None:
        return Reproduction(of, "failed", 0, [], [],
                            f"the reproduction {again.status}: {again.message}")
    diff = diff_json(original.results, again.results)
    added = diff.added[:SHOWN_DIFFERENCES]
    if not diff.differs:
        extra = (f"; {len(diff.added)} value(s) added by a later version (not compared)"
                 if diff.added else "")
        return Reproduction(of, "identical", 0, [], added,
                            f"every value of run {of} reproduced identically{extra}")
    change = compare_provenance(original.provenance or {}, again.provenance or {})
    return Reproduction(of, "differs", len(diff.differs), diff.differs[:SHOWN_DIFFERENCES],
                        added, change.verdict(len(diff.differs)))
