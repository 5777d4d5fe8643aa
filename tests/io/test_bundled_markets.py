"""The bundled power-market years: coverage, DST, known values (a dispatch run on one is in
tests/cli/test_dispatch.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.io import (
    bundled_market_keys,
    load_market_prices,
    parse_market,
)
from tests.io.price_helpers import per_day


def test_bundled_hb_west_2024_and_lz_west_2023() -> None:
    hb = load_market_prices("ercot:HB_WEST:2024")
    assert len(hb) == 366 * 96
    days = per_day(hb)
    assert days["2024-03-10"] == 92 and days["2024-11-03"] == 100
    assert hb.index[0] == pd.Timestamp("2024-01-01 00:00", tz="America/Chicago")
    # 2024 HB_WEST mean of the SCED LMPs (build log): 27.03 USD/MWh
    assert hb.mean() == pytest.approx(27.03, abs=0.01)
    lz = load_market_prices("ercot:LZ_WEST:2023")
    assert len(lz) == 8760
    assert per_day(lz)["2023-03-12"] == 23 and per_day(lz)["2023-11-05"] == 25
    # raw file: LZ_WEST 2023 min -30.36, max 5,260.9, mean 59.8 (the doubled fall hour
    # adds one value, so the mean moves by < 0.01)
    assert lz.min() == pytest.approx(-30.36) and lz.max() == pytest.approx(5260.935)
    assert lz.mean() == pytest.approx(59.8, abs=0.01)
    da = load_market_prices("ercot:HB_WEST:2024:da")
    assert len(da) == 8784
    assert "ercot:HB_WEST:2024" in bundled_market_keys()
    with pytest.raises(InputError, match="no bundled prices"):
        load_market_prices("ercot:HB_WEST:2019")
    with pytest.raises(InputError, match="iso:point:year"):
        parse_market("HB_WEST-2024")


def test_bundled_nyiso_2019_coverage_dst_and_known_value() -> None:
    west = load_market_prices("nyiso:WEST:2019")
    assert str(west.index.tz) == "America/New_York"
    # the source starts on 2019-01-02 (Jan 1 missing): 364 days, the 23- and 25-hour DST
    # days cancel out
    assert west.index[0] == pd.Timestamp("2019-01-02 00:00", tz="America/New_York")
    assert west.index[-1] == pd.Timestamp("2019-12-31 23:00", tz="America/New_York")
    assert len(west) == 364 * 24
    assert (pd.Series(west.index).diff().dropna() == pd.Timedelta("1h")).all()
    days = per_day(west)
    assert days["2019-03-10"] == 23 and days["2019-11-03"] == 25 and days["2019-07-15"] == 24
    # raw row "2019-07-15,NYISO,WEST,...": he15 = 89.59 (14:00-15:00 EDT), he01 = 23.23
    assert west[pd.Timestamp("2019-07-15 14:00-04:00")] == 89.59
    assert west[pd.Timestamp("2019-07-15 00:00-04:00")] == 23.23
    # raw row "2019-11-03,NYISO,WEST": he02 = 12.93 (the kept daylight-time 01:00 copy) fills
    # both 01:00 hours, he03 = 12.78 starts at 02:00 EST
    assert west[pd.Timestamp("2019-11-03 01:00-04:00")] == 12.93
    assert west[pd.Timestamp("2019-11-03 01:00-05:00")] == 12.93
    assert west[pd.Timestamp("2019-11-03 02:00-05:00")] == 12.78
    # raw row "2019-03-10,NYISO,WEST": he02 = he03 = 13.54 (filler), he04 = 17.21 at 03:00 EDT
    assert west[pd.Timestamp("2019-03-10 01:00-05:00")] == 13.54
    assert west[pd.Timestamp("2019-03-10 03:00-04:00")] == 17.21
    assert west.attrs["key"] == "nyiso:WEST:2019"
    nyc = load_market_prices("nyiso:nyc:2019")
    assert nyc.index.equals(west.index) and not nyc.equals(west)
    keys = bundled_market_keys()
    assert "nyiso:HUD_VL:2019" in keys and "nyiso:NPX:2019" not in keys  # zones only
    with pytest.raises(InputError, match="nyiso:WEST:2019"):
        load_market_prices("nyiso:PJM:2019")




def test_a_market_reference_is_read_in_any_case() -> None:
    """``ERCOT:HB_WEST:2024:DA`` names the bundled ``ercot:HB_WEST:2024:da``: the point's
    case was free and the ISO's lower-casing there, but an upper-case ISO or kind was
    refused as "not iso:point:year[:da]" (dispatch exit 2 and, since pivot refuses a
    malformed contract market, pivot too)."""
    from hashpivot.io import MarketKey, market_with_year

    assert parse_market("ERCOT:HB_West:2024:DA") == MarketKey("ercot", "HB_WEST", 2024, "da")
    assert market_with_year("NYISO:west", "power_contract.market") == MarketKey(
        "nyiso", "WEST", 2019)
    da = load_market_prices("ERCOT:HB_WEST:2024:DA")
    assert da.attrs["key"] == "ercot:HB_WEST:2024:da"
    assert da.equals(load_market_prices("ercot:HB_WEST:2024:da"))
    with pytest.raises(InputError, match="iso:point:year"):
        parse_market("ercot:HB_WEST:2024:dam")


@pytest.mark.parametrize(("market", "hint"), [
    ("ercot:LZ_WST", "; did you mean ercot:LZ_WEST?; "),  # a typo of a bundled point
    ("ercot:hb_wst:2024", "; did you mean ercot:HB_WEST:2024?; "),
    ("ercot:LZ_WEST:2019", "; did you mean ercot:LZ_WEST:2023?; "),  # a year not bundled
    ("ercot:NOWHERE", None),  # nothing close: no guess
    ("pjm:WEST", None),  # an ISO not bundled
])
def test_a_market_with_no_bundled_prices_suggests_a_close_one(market: str,
                                                              hint: str | None) -> None:
    """A reference no bundled prices answer listed every bundled key (40) and nothing
    closer; a typo of a bundled point (``LZ_WST``), or a year of a bundled node that is
    not bundled, now names the bundled one it is close to (before the list)."""
    from hashpivot.io.bundled_markets import bundled_market_key

    with pytest.raises(InputError) as err:
        bundled_market_key(market, remedy="give `prices_file`")
    message = err.value.problems[0].message
    assert message.startswith("no bundled prices for ")
    assert "; bundled: ercot:HB_HOUSTON:2024" in message
    if hint is None:
        assert "did you mean" not in message
        assert "; give `prices_file`; bundled: " in message
    else:
        assert hint + "give `prices_file`; bundled: " in message
