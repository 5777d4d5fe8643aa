"""What the dashboard's figures share: their layout, the figure as plotly JSON and a
stored value read as a number."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

#: The layout of every dashboard figure (a figure may override a key). The legend sits at
#: the bottom of the figure (``yref`` container), below the x axis's labels and title
#: whatever their height: placed at a fraction of the plot (``y: -0.2``) it covered
#: tall (turned) labels and the axis title.
_LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "height": 380,
    "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
}


def _fig(fig: go.Figure, title: str, **layout: Any) -> dict[str, Any]:
    """The figure as plotly JSON with the dashboard's layout (``layout`` overrides it)."""
    fig.update_layout(title=title, **{**_LAYOUT, **layout})
    out: dict[str, Any] = fig.to_plotly_json()
    return out


def _with_sources(fig: dict[str, Any], sources: str) -> dict[str, Any]:
    """``fig`` (plotly JSON) with the data its numbers come from in its title: ``Source:
    <sources>`` ending its subtitle (a ``<sup>`` line, added when it has none), in the words
    of the ``--out`` charts (:func:`hashpivot.reports.labels.with_sources`); unchanged when
    ``sources`` is empty."""
    from hashpivot.reports.labels import with_sources

    title = fig.setdefault("layout", {}).setdefault("title", {})
    text = str(title.get("text") or "")
    head, sup, rest = text.partition("<br><sup>")
    subtitle = rest.removesuffix("</sup>") if sup else ""
    tail = with_sources(subtitle, sources).removeprefix("; ")
    if tail:
        title["text"] = f"{head}<br><sup>{tail}</sup>"
    return fig


def _num(x: Any) -> float:
    """A stored value as a number; NaN when it is none (None, text, a missing key)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v

