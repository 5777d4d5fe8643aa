"""JSON-safe values, shared by the ``--json`` output and the files reports write."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def jsonable(obj: Any) -> Any:
    """A JSON-safe copy: NaN and infinities become ``None``, numpy scalars Python numbers,
    dict keys strings, tuples lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    return obj


def dumps(obj: Any, indent: int | None = None) -> str:
    """Serialize with :func:`jsonable` (dates and other objects as strings)."""
    return json.dumps(jsonable(obj), indent=indent, ensure_ascii=False, default=str)
