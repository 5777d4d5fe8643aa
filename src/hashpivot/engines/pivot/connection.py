"""A site's grid connection: its machines mine only from the day the load is connected.

``[[sites]] connection_date`` is the day the site's load was (or will be) connected to
the grid. A site connected after the first month valued mines nothing before that day and
the share of the month's days from it on in its month of connection, in ``pivot``,
``simulate`` and ``optimize`` alike (its mining MW scaled by :func:`connected_share`: the
revenue, power, energy, BTC, mining costs and fleet replacement of those months; its cash
SG&A and, in ``simulate``, its machines' depreciation likewise); the machines it would
sell when a conversion displaces them keep their resale value. ``backtest`` and
``cost --date`` leave the site out on the days before it, machines, depreciation and
cost items (:meth:`hashpivot.models.Site.connected_on`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray

__all__ = ["connected_share"]


def connected_share(connection_date: str | None, periods: pd.PeriodIndex) -> FloatArray:
    """Share of each month's days on which the site is connected.

    Parameters
    ----------
    connection_date : str or None
        ``YYYY-MM-DD``, the first day connected; None: connected throughout.
    periods : pandas.PeriodIndex
        Monthly periods valued.

    Returns
    -------
    ndarray (T,)
        1 in the months from the connection on, 0 before it, and in the month of the
        connection its days from that day on over the month's days. [-]
    """
    n = len(periods)
    if connection_date is None or n == 0:
        return np.ones(n)
    day = pd.Timestamp(connection_date)
    first = periods.to_timestamp(how="start")
    days = np.asarray(periods.days_in_month, dtype=np.float64)
    after = np.asarray((first + pd.to_timedelta(days, unit="D") - day).days, dtype=np.float64)
    return np.asarray(np.clip(after / days, 0.0, 1.0), dtype=np.float64)
