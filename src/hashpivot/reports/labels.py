"""Sentences that a table and a chart must say the same way (cheap to import: no
matplotlib, no plotly)."""

from __future__ import annotations

REVERSE_MARGIN_SAME_NOTE = (
    "direct (cash cost per BTC above the price) and total (adding depreciation and "
    "stock-based compensation) are identical in every month: the non-cash costs are zero "
    "or never change a path's verdict"
)
"""Said by the simulate table and chart when the two reverse-margin series are identical."""
