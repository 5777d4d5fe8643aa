"""Provenance stored with every run: the package version and the versions (SHA-256) of
the bundled data files and of the updated ones in the user data directory."""

from __future__ import annotations

import hashlib
import importlib.resources
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def bundled_data_versions() -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of every bundled data file."""
    out: dict[str, str] = {}
    root = importlib.resources.files("hashpivot") / "data"
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file() and not entry.name.endswith(".md"):
            out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest()[:16]
    return out


def provenance() -> dict[str, Any]:
    """Package version and data versions (bundled; updated files in the user data dir)."""
    import hashpivot
    from hashpivot.store.settings import default_data_dir

    updated: dict[str, str] = {}
    folder = default_data_dir() / "data"
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            if f.is_file():
                updated[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
    return {
        "package_version": hashpivot.__version__,
        "data": {"bundled": bundled_data_versions(), "updated": updated},
    }


__all__ = ["bundled_data_versions", "provenance"]
