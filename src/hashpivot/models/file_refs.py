"""The side files a portfolio names (its ``*_file`` fields), and where a relative name is read.

A relative name is read beside the portfolio file that holds it (as a browser reads a
relative link beside its page), never against the working folder: the same file gives
the same figures wherever a command runs. The engines that read side files take the
portfolio file's name (``source``): pivot, simulate and optimize call
:func:`with_files_beside` first (a dispatching site's files, read where its flexibility
is measured), dispatch reads beside its ``base_dir``, the rules loader beside ``source``.
The web service takes no side files (:func:`file_fields` finds them in a request).

The fields: ``sites[i].dispatch.emissions_file``, ``sites[i].dispatch.renewable.
profile_file``, ``sites[i].dispatch.four_cp.peak_probability_file`` and
``optimize.rules_file``; any new field whose name ends in ``_file`` is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hashpivot.exceptions import Problem

if TYPE_CHECKING:
    from hashpivot.models.portfolio import Portfolio

#: How the name of a field that names a side file ends.
FILE_SUFFIX = "_file"


def is_file_source(source: str) -> bool:
    """Whether ``source`` names a file (not ``""`` nor a placeholder such as
    ``"<request>"``)."""
    return bool(source) and not source.startswith("<")


def file_fields(document: Any, path: str = "") -> list[str]:
    """Field paths of every ``*_file`` key of a document (nested tables and lists) whose
    value is not ``None``, in document order."""
    out: list[str] = []
    if isinstance(document, dict):
        for k, v in document.items():
            p = f"{path}.{k}" if path else str(k)
            if str(k).endswith(FILE_SUFFIX) and v is not None:
                out.append(p)
            out.extend(file_fields(v, p))
    elif isinstance(document, list):
        for i, v in enumerate(document):
            out.extend(file_fields(v, f"{path}[{i}]"))
    return out


def beside(name: str | Path, source: str) -> Path:
    """The file ``name`` as read from the portfolio file ``source``: itself when absolute
    or when ``source`` is no file, else in the folder of ``source`` (made absolute)."""
    p = Path(name)
    if p.is_absolute() or not is_file_source(source):
        return p
    return Path(source).resolve().parent / p


def missing_file(p: Path, field: str, source: str = "", kind: str = "file"
                 ) -> Problem | None:
    """The problem of the side file ``p`` named at ``field`` of ``source`` when it is not
    a file there (missing, a folder, a name that cannot be looked up); else ``None``.
    ``kind`` names it in the message (``"rules file"``)."""
    try:
        folder, there = p.is_dir(), p.exists()
    except OSError as exc:  # a name too long, a folder not searchable
        return Problem(field, f"cannot read {p}: {exc.strerror or exc}", source)
    except ValueError:  # a NUL byte in the name
        return Problem(field, f"cannot read {str(p)!r}: the name holds a NUL byte", source)
    if folder:
        return Problem(field, f"{p} is a folder, not a file", source)
    if not there:
        return Problem(field, f"{kind} not found: {p}", source)
    return None


def with_files_beside(portfolio: Portfolio, source: str) -> Portfolio:
    """``portfolio`` with every relative side-file name of its sites made absolute beside
    ``source`` (``[optimize].rules_file`` keeps its name as written, for the reports:
    :func:`hashpivot.io.regulation.load_portfolio_rules` reads it beside ``source``).

    Parameters
    ----------
    portfolio : Portfolio
        Not changed.
    source : str
        The portfolio file the names were written in.

    Returns
    -------
    Portfolio
        A copy with the names changed, or ``portfolio`` itself when none is relative or
        ``source`` names no file (``""``, ``"<request>"``).
    """
    if not is_file_source(source):
        return portfolio
    sites = _beside(portfolio.sites, source)
    return portfolio if sites is portfolio.sites else portfolio.model_copy(
        update={"sites": sites})


def _beside(value: Any, source: str) -> Any:
    if isinstance(value, BaseModel):
        update: dict[str, Any] = {}
        for name in type(value).model_fields:
            v = getattr(value, name)
            if name.endswith(FILE_SUFFIX) and isinstance(v, str):
                new: Any = str(beside(v, source))
            else:
                new = _beside(v, source)
            if new is not v:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, list | tuple):
        items = [_beside(v, source) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    return value


__all__ = [
    "FILE_SUFFIX",
    "beside",
    "file_fields",
    "is_file_source",
    "missing_file",
    "with_files_beside",
]
