"""Shared parsing helpers of the price readers (private): tables, columns, numbers."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.io._timestamps import _first_bad
from hashpivot.units import INDEX_NAME, PRICE_NAME

PathOrBuffer = str | os.PathLike[str] | IO[str] | IO[bytes]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _pick(df: pd.DataFrame, *candidates: str, required: bool = True) -> str | None:
    """The column of ``df`` whose normalized name matches one of ``candidates``."""
    lookup = {_norm(c): c for c in df.columns}
    for cand in candidates:
        hit = lookup.get(_norm(cand))
        if hit is not None:
            return str(hit)
    if required:
        raise DataError(
            f"price file lacks a column named like {candidates[0]!r} "
            f"(columns: {', '.join(map(str, df.columns))})"
        )
    return None


def _source_name(path_or_buffer: PathOrBuffer) -> str:
    """The file name a user knows the input by (``"<price file>"`` for an anonymous buffer)."""
    if isinstance(path_or_buffer, str | os.PathLike):
        return str(path_or_buffer)
    return str(getattr(path_or_buffer, "name", "") or "<price file>")


def _read_table(path_or_buffer: PathOrBuffer) -> pd.DataFrame:
    """Read a CSV (optionally gzip) or Parquet file from a path or buffer."""
    try:
        if isinstance(path_or_buffer, str | os.PathLike):
            path = Path(path_or_buffer)
            if path.is_dir():
                raise DataError("is a folder, not a price file")
            if not path.exists():
                raise DataError("file not found")
            if path.suffix.lower() in {".parquet", ".pq"}:
                return pd.read_parquet(path)
            return pd.read_csv(path)
        buf: Any = path_or_buffer
        data = buf.read()
        if isinstance(data, str):
            return pd.read_csv(io.StringIO(data))
        if data[:4] == b"PAR1":
            return pd.read_parquet(io.BytesIO(data))
        return pd.read_csv(io.BytesIO(data), compression="infer")
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(
            f"cannot be read as CSV or Parquet ({type(exc).__name__}: {str(exc)[:120]})"
        ) from None


def read_and_parse(
    path_or_buffer: PathOrBuffer, parse: Callable[[pd.DataFrame], pd.Series]
) -> pd.Series:
    """Read a price file and parse its table; any problem is an :class:`InputError` naming it.

    Parameters
    ----------
    path_or_buffer : path or file-like
        The user's file.
    parse : callable
        A ``_parse_*`` function of one layout, applied to the table.

    Returns
    -------
    pandas.Series
        Price per interval start. [USD/MWh]

    Raises
    ------
    InputError
        The file is missing, a folder, empty, unreadable or malformed; each problem names
        the file (its ``source``) and, where the parser knows it, the column.
    """
    return parse_named(_source_name(path_or_buffer), lambda: parse(_read_table(path_or_buffer)))


def parse_named(source: str, parse: Callable[[], pd.Series]) -> pd.Series:
    """Run ``parse``; a :class:`DataError` or :class:`InputError` it raises names ``source``.

    Parameters
    ----------
    source : str
        The file the user knows the input by.
    parse : callable
        Reads and parses the file.

    Returns
    -------
    pandas.Series
        What ``parse`` returns.
    """
    try:
        return parse()
    except DataError as exc:
        raise InputError(Problem(path="", message=str(exc), source=source)) from None
    except InputError as exc:
        raise exc.with_source(source) from None


#: The path of a problem with the point asked of a price file (not there, or several in
#: the file and none asked): the argument that names the point, which the caller that
#: knows where its point comes from rewords (:func:`hashpivot.engines.dispatch.load_prices`).
POINT_PATH = "point"


def _select_point(
    df: pd.DataFrame, column: str | None, point: str | None, what: str
) -> pd.DataFrame:
    """Rows of one settlement point / zone; error (at :data:`POINT_PATH`) if the file holds
    several and none given, or not the one given."""
    if column is None:
        return df
    names = df[column].astype(str).str.strip()
    available = sorted(names.unique())
    if point is None:
        if len(available) == 1:
            return df
        raise InputError(
            Problem(
                path=POINT_PATH,
                message=f"the file holds {len(available)} {what}s; choose one of "
                f"{', '.join(available)}",
            )
        )
    mask = names.str.upper() == point.strip().upper()
    if not mask.any():
        raise InputError(
            Problem(
                path=POINT_PATH,
                message=f"{point!r} not in the file; available: {', '.join(available)}",
            )
        )
    return df.loc[mask]


def _to_number(raw: pd.Series, column: str, allow_missing: bool = False) -> pd.Series:
    """Parse a numeric column; a :class:`DataError` naming the column for any text entry.

    With ``allow_missing``, empty cells stay NaN (the caller decides); text never passes.
    """
    out = pd.to_numeric(raw, errors="coerce")
    bad = out.isna() & (raw.notna() if allow_missing else True)
    ok = ~np.asarray(bad, dtype=bool)
    if not ok.all():
        raise DataError(
            f"price file: column {column!r} has {int((~ok).sum())} missing or non-numeric "
            f"value(s), first {_first_bad(raw, ok)}"
        )
    return out.astype(float)


def _finish(s: pd.Series, market: str, point: str | None, kind: str, source: str) -> pd.Series:
    """The price series named and described: its ``source`` names the point (settlement
    point, zone, location) read, where the file has one."""
    if point and point not in source:
        source = f"{source} at {point}"
    s = s.astype(float)
    s.name = PRICE_NAME
    s.index.name = INDEX_NAME
    s.attrs = {"market": market, "point": point or "", "kind": kind, "source": source}
    return s
