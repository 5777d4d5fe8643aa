"""Helpers shared by the price-reader tests (reference files in ``tests/data/power``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA = Path(__file__).parents[1] / "data" / "power"


def per_day(s: pd.Series) -> pd.Series:
    """Number of intervals per local calendar day."""
    return s.groupby(s.index.strftime("%Y-%m-%d")).size()


def steps_regular(s: pd.Series, step: str) -> bool:
    """Every step is ``step`` of absolute time, except the jumps between excerpts (> 1 day)."""
    d = pd.Series(s.index).diff().dropna()
    return bool(((d == pd.Timedelta(step)) | (d > pd.Timedelta("1D"))).all())
