"""A quiet ``highspy.Highs`` for every optimization model of the package.

HiGHS prints a banner on file descriptor 1 when the first ``Highs`` object of a process is
built, before any option can turn its output off. That would break ``--json`` on stdout and
clutter library callers' output, so the first construction sends descriptor 1 to the null
device; every solver option that follows sets ``output_flag`` off.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_BANNER_SHOWN = False


def new_highs() -> Any:
    """A ``highspy.Highs`` whose construction prints nothing on standard output."""
    import ctypes

    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()
        libc = ctypes.CDLL(None)
        libc.fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    _BANNER_SHOWN = True
    return h


__all__ = ["new_highs"]
