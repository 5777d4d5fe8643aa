"""Resampling a price series: means when coarser, forward fill when finer, across DST."""

from __future__ import annotations

import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.io import (
    read_ercot_sced_lmp,
)
from hashpivot.power.resample import resample_prices
from tests.io.price_helpers import DATA, per_day


def test_resample_mean_and_forward_fill_across_dst() -> None:
    s = read_ercot_sced_lmp(DATA / "ercot_sced_lmp_hb_west_excerpt.csv", freq="5min")
    q = resample_prices(s, "15min")
    h = resample_prices(q, "1h")
    assert per_day(h)["2024-11-03"] == 25 and per_day(h)["2024-03-10"] == 23
    # mean of the four quarter hours
    t0 = pd.Timestamp("2024-03-10 00:00", tz="America/Chicago")
    quarters = q[(q.index >= t0) & (q.index < t0 + pd.Timedelta("1h"))]
    assert len(quarters) == 4
    assert h[t0] == pytest.approx(quarters.mean())
    back = resample_prices(h, "15min")
    assert per_day(back)["2024-11-03"] == 100 and per_day(back)["2024-03-10"] == 92
    assert (back[(back.index >= t0) & (back.index < t0 + pd.Timedelta("1h"))] == h[t0]).all()
    day = resample_prices(q[q.index.strftime("%Y-%m-%d") == "2024-11-03"], "D")
    assert len(day) == 1
    assert day.iloc[0] == pytest.approx(q[q.index.strftime("%Y-%m-%d") == "2024-11-03"].mean())
    with pytest.raises(InputError):
        resample_prices(h, "25min")
