"""Shared chart helpers: a headless matplotlib figure and a self-contained plotly page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import plotly.graph_objects as go


def new_figure(nrows: int = 1, height_in: float = 4.0) -> tuple[Any, Any]:
    """A matplotlib figure with ``nrows`` stacked axes sharing x."""
    fig, axes = plt.subplots(nrows, 1, figsize=(11, height_in * nrows), sharex=True, squeeze=False)
    return fig, axes[:, 0]


def save_png(fig: Any, path: Path) -> Path:
    """Save and close a matplotlib figure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def save_html(fig: go.Figure, path: Path) -> Path:
    """Write a plotly figure as a self-contained HTML page (works offline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
