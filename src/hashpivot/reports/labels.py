"""Sentences and labels that a table and a chart must say the same way (cheap to import: no
matplotlib, no plotly)."""

from __future__ import annotations

REVERSE_MARGIN_SAME_NOTE = (
    "direct (cash cost per BTC above the price) and total (adding depreciation and "
    "stock-based compensation) are identical in every month: the non-cash costs are zero "
    "or never change a path's verdict"
)
"""Said by the simulate table and chart when the two reverse-margin series are identical."""

REVERSE_MARGIN_VIEWS_NOTE = (
    "direct = cash costs, total adds depreciation and stock-based compensation"
)
"""Said by the simulate charts when the two reverse-margin series differ."""


def format_tornado_input(x: float, unit: str) -> str:
    """A tornado input in a readable unit (table cells and chart labels).

    Parameters
    ----------
    x : float
        Input value, in ``unit``.
    unit : str
        The tornado's unit column (``USD/MW``, ``USD``, ``1/year``, ``month``,
        ``USD/kW/month``, ``x rent``: a factor on each hall's rent; anything else prints
        3 significant digits).

    Returns
    -------
    str
    """
    if unit == "USD/MW":
        return f"{x / 1e6:.2f} M USD/MW"
    if unit == "USD":
        return f"{x:,.0f} USD"
    if unit == "1/year":
        return f"{100 * x:.1f} %/yr"
    if unit == "month":
        return f"+{x:.0f} months"
    if unit == "USD/kW/month":
        return f"{x:,.1f} USD/kW-mo"
    if unit == "x rent":
        return f"{x:g} x rent"
    return f"{x:.3g}"
