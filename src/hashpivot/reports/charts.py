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
    nrows: int = 1, height_in: float = 4.0, width_in: float = 11.0, sharex: bool = True
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
    sharex : bool
        Whether the axes share their x axis.

    Returns
    -------
    tuple
        The figure and a 1-D array of its ``nrows`` axes.
    """
    fig, axes = plt.subplots(
        nrows, 1, figsize=(width_in, height_in * nrows), sharex=sharex, squeeze=False
    )
    return fig, axes[:, 0]


def set_titles(fig: Any, title: str, subtitle: str, width_chars: int = 110) -> None:
    """The figure's title and, under it, a subtitle stating what is shown, its units and
    its assumptions (horizon, discounted or not, data source), wrapped at ``width_chars``.

    Both go in the figure's suptitle (one text, two or more lines), which ``tight_layout``
    keeps clear of the axes.
    """
    import textwrap

    fig.suptitle(f"{title}\n{textwrap.fill(subtitle, width_chars)}", fontsize=9.5)


def plotly_title(title: str, subtitle: str) -> dict[str, Any]:
    """A plotly ``layout.title``: the title with the subtitle under it in small type."""
    return {"text": f"{title}<br><sup>{subtitle}</sup>"}


def thousands(ax_axis: Any, decimals: int = 0) -> None:
    """Tick labels of a matplotlib axis (``ax.yaxis``) with thousands separators."""
    from matplotlib.ticker import StrMethodFormatter

    ax_axis.set_major_formatter(StrMethodFormatter(f"{{x:,.{decimals}f}}"))


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


def write_page(path: Path, title: str, figs: Sequence[go.Figure]) -> Path:
    """Write several plotly figures as one HTML page titled ``title`` (plotly.js embedded
    once, so the page works offline)."""
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        "</head><body>" + "\n".join(html_fragments(figs)) + "</body></html>",
        encoding="utf-8",
    )
    return path

