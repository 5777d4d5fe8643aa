"""Shared chart helpers: a headless matplotlib figure and a self-contained plotly page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import plotly.graph_objects as go


def new_figure(
    nrows: int = 1, height_in: float = 4.0, width_in: float = 11.0
) -> tuple[Any, Any]:
    """A matplotlib figure with ``nrows`` stacked axes sharing x.

    Parameters
    ----------
    nrows : int
        Number of stacked axes.
    height_in : float
        Height of each axes row. [inch]
    width_in : float
        Width of the figure. [inch]

    Returns
    -------
    tuple
        The figure and a 1-D array of its ``nrows`` axes.
    """
    fig, axes = plt.subplots(
        nrows, 1, figsize=(width_in, height_in * nrows), sharex=True, squeeze=False
    )
    return fig, axes[:, 0]


def save_png(fig: Any, path: Path, dpi: int = 110) -> Path:
    """Save (tight layout, ``dpi`` [dots per inch]) and close a matplotlib figure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def save_html(fig: go.Figure, path: Path) -> Path:
    """Write a plotly figure as a self-contained HTML page (works offline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


def html_fragments(figs: Sequence[go.Figure]) -> list[str]:
    """``<div>`` fragments of several plotly figures for one page, plotly.js embedded once
    (in the first fragment) so the page works offline."""
    return [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
