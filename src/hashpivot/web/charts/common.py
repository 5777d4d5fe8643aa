"""What the dashboard's figures share: their layout, the figure as plotly JSON and a
stored value read as a number."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

#: The layout of every dashboard figure (a figure may override a key).
_LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "height": 380,
    "legend": {"orientation": "h", "y": -0.2},
}


def _fig(fig: go.Figure, title: str, **layout: Any) -> dict[str, Any]:
    """The figure as plotly JSON with the dashboard's layout (``layout`` overrides it)."""
    fig.update_layout(title=title, **{**_LAYOUT, **layout})
    out: dict[str, Any] = fig.to_plotly_json()
    return out


def _num(x: Any) -> float:
    """A stored value as a number; NaN when it is none (None, text, a missing key)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v

