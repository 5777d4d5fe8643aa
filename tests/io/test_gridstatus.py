"""The gridstatus fetchers, on recorded frames (no network)."""

from __future__ import annotations

import pandas as pd
import pytest

from hashpivot.exceptions import DataError, FetchError
from hashpivot.io import (
    read_ercot_rtm_spp,
)
from hashpivot.io.gridstatus_fetch import get_ercot_spp, get_nyiso_lmp, parse_gridstatus_prices
from tests.io.price_helpers import DATA


class _FakeErcot:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.calls: list[dict[str, object]] = []

    def get_spp(self, **kwargs: object) -> pd.DataFrame:
        self.calls.append(kwargs)
        return self.frame


class _FailingNyiso:
    def get_lmp(self, **kwargs: object) -> pd.DataFrame:
        raise ConnectionError("no network in tests")


def test_gridstatus_fetch_parses_recorded_frame() -> None:
    frame = pd.read_csv(DATA / "gridstatus_ercot_spp_hb_west_2024-07-01.csv")
    fake = _FakeErcot(frame)
    s = get_ercot_spp("2024-07-01", "2024-07-02", "HB_WEST", client=fake)
    assert fake.calls[0]["market"] == "REAL_TIME_15_MIN"
    assert fake.calls[0]["location_type"] == "Trading Hub"
    official = read_ercot_rtm_spp(DATA / "ercot_rtm_spp_2024-07-01.csv", "HB_WEST")
    pd.testing.assert_series_equal(s, official, check_names=False, check_freq=False,
                                   check_index_type=False, check_dtype=False)
    with pytest.raises(DataError, match="no rows"):
        parse_gridstatus_prices(frame, "HB_PAN", "SPP", "America/Chicago", "ercot")
    with pytest.raises(FetchError, match="no network"):
        get_nyiso_lmp("2024-07-01", client=_FailingNyiso())
