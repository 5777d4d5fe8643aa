"""The version of a file: the first 16 hex digits of the SHA-256 of its bytes, as run
records (``run.json``), the data folder's metadata and ``data status`` give it.

Imports only the standard library: ``hashpivot --version`` and the data folder's reader
(:mod:`hashpivot.io.user_data`) use it at start-up, before numpy or pandas.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["file_sha256", "file_version"]


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, first 16 hex digits (read in 1 MiB blocks): the version
    of a data file, of an input or output file in a run record."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


@functools.lru_cache(maxsize=256)
def _file_version(path: str, mtime_ns: int, size_bytes: int) -> str:
    del mtime_ns, size_bytes  # the cache key
    return file_sha256(Path(path))


def file_version(path: Path) -> str:
    """:func:`file_sha256` of a file, read again only when its time or size changes (the
    service asks on every run page and ``GET /api/runs/{id}``)."""
    st = path.stat()
    return _file_version(str(path), st.st_mtime_ns, st.st_size)
