"""Where a run executes and what it stores: :class:`RunContext` (its progress report and
memory limit, not part of its inputs) and :class:`RunOutput` (the CLI's ``--json`` object
and compact chart data), shared by the execute step of every run kind."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

ProgressFn = Callable[[float, str], None]
"""``progress(fraction_done, message)``."""


def _no_progress(fraction: float, message: str) -> None:
    """Report nothing."""


@dataclasses.dataclass(frozen=True)
class RunContext:
    """Where a run executes: how it reports progress and how much memory it may use.

    Not part of a run's inputs: the same inputs give the same results on any machine.

    Attributes
    ----------
    progress : ProgressFn
        ``progress(fraction_done, message)``.
    max_memory_mib : float or None
        A simulation whose memory estimate exceeds this is refused before it starts;
        None: the memory available when it starts (``MemAvailable``). [MiB]
    """

    progress: ProgressFn = _no_progress
    max_memory_mib: float | None = None


@dataclasses.dataclass(frozen=True)
class RunOutput:
    """What a run stores: the CLI's ``--json`` object and compact chart data."""

    results: dict[str, Any]
    charts: dict[str, Any]


__all__ = ["ProgressFn", "RunContext", "RunOutput"]
