"""JSON-safe values, shared by the ``--json`` output and the files reports write, and the
writing of report tables as CSV files (among them the resolved assumptions)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI's --json output must start without pandas (nor numpy)
    import pandas as pd


def jsonable(obj: Any) -> Any:
    """A JSON-safe copy: NaN and infinities become ``None``, a negative zero ``0.0`` (as
    the tables print it, without a sign), numpy scalars Python numbers, dict keys strings,
    tuples lists."""
    if isinstance(obj, float):
        return obj + 0.0 if math.isfinite(obj) else None  # (-0.0 + 0.0 is 0.0)
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    numpy = sys.modules.get("numpy")  # a numpy scalar exists only once numpy is imported
    if numpy is not None and isinstance(obj, numpy.generic):
        return jsonable(obj.item())
    return obj


def dumps(obj: Any, indent: int | None = None) -> str:
    """Serialize with :func:`jsonable` (dates and other objects as strings)."""
    return json.dumps(jsonable(obj), indent=indent, ensure_ascii=False, default=str)


#: ``to_csv``'s ``compression`` for ``.csv.gz`` files: no modification time in the gzip
#: header, so the same table gives the same bytes (``hashpivot reproduce`` compares them).
GZIP_REPRODUCIBLE: dict[str, Any] = {"method": "gzip", "mtime": 0}


def write_csvs(out_dir: Path, frames: Iterable[tuple[pd.DataFrame, str]]) -> list[Path]:
    """Write each ``(frame, file name)`` into ``out_dir`` as a CSV file without the index.

    Parameters
    ----------
    out_dir : pathlib.Path
        An existing directory.
    frames : iterable of (pandas.DataFrame, str)
        The tables and their file names.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``frames``.
    """
    written: list[Path] = []
    for frame, name in frames:
        frame.to_csv(out_dir / name, index=False)
        written.append(out_dir / name)
    return written


def assumptions_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The resolved assumptions of a run as a table (``assumptions.csv``): ``name``,
    ``value`` (numbers as numbers, descriptions as text), ``unit``, ``source``."""
    import pandas as pd

    return pd.DataFrame(rows, columns=["name", "value", "unit", "source"])
