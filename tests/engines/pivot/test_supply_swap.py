"""A swapping site's contracted supply stream is counted from the MW it was measured per.

The dispatch engine measures a swap's flexibility, and its contracted supply's worth per
MW, on the fleet at the start, each slot's first entry (the 52,000 S21s, 191.1 MW, of
``tests/engines/pivot/swap_inputs.py``'s site); the site's ``fleet_power_mw`` is its slots'
power (199.0 MW: the S21 XPs that follow draw more). Until 2026-12-07 the stream of the
site's worth with no miners multiplied the per-MW figure by the slots' power, so a 40 MW
financial PPA at 20 USD/MWh was counted 199.0 / 191.1 = 1.041 times over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.models import Portfolio
from tests.engines.pivot.swap_inputs import swap_site_portfolio


def _with_ppa(swap: bool) -> Portfolio:
    """The swap site (or the S21s alone) with a 40 MW financial PPA at 20 USD/MWh."""
    pf = swap_site_portfolio(swap)
    site = pf.sites[0]
    assert site.dispatch is not None
    ppa = {"volume_mw": 40.0, "price_usd_per_mwh": 20.0, "resale_allowed": True,
           "settlement": "financial"}
    dispatch = site.dispatch.model_validate({**site.dispatch.model_dump(), "ppa": ppa})
    data = pf.model_dump()
    data["sites"][0]["dispatch"] = dispatch.model_dump()
    return Portfolio.model_validate(data)


@pytest.mark.parametrize("swap", [False, True], ids=["S21s alone", "swap"])
def test_the_stream_is_the_blocks_settlement_whatever_the_slots(swap: bool) -> None:
    """The deterministic path's first year, while the S21s run: the site's stream is the
    financial block's settlement at the contract's index, 40 MW x (40 - 20) USD/MWh x
    8,760 h = 7.008 M USD, swap or not (1e-9: the per-MW figure times the MW it was
    measured per); it was 7.30 M with the swap."""
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.engines.pivot.uplift.supply_stream import site_supply_usd

    pf = _with_ppa(swap)
    if swap:
        assert pf.sites[0].fleet_slots == [[0, 1]]  # teeth: a swap
    market = pivot.deterministic_market(pf, pd.Period("2026-01", "M"), 12)
    [site] = resolve_sites(pf)
    stream = site_supply_usd(site, market)
    assert stream is not None
    hours = np.asarray(market.periods.days_in_month, dtype=float) * 24.0
    np.testing.assert_allclose(stream[0], 40.0 * (40.0 - 20.0) * hours, rtol=1e-9)
