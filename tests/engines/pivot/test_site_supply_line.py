"""The site's contracted supply stream is a cash-flow line of its own, ``site_supply_usd``.

Until 2026-12-07 a ``[sites.dispatch.ppa]`` block's worth with no miners (and, since the
renewable plant is counted, the contracted supply's) was netted into the mining power
cost: a site converted whole showed a mining power cost credit with no mining revenue,
and the mining line's EBITDA by business line carried the contract. The stream now has
its own line; the totals do not move.

The site: 44.1 MW of miners on LZ_WEST, an index contract at 45 + 10 USD/MWh, a 40 MW
physical PPA at 20 USD/MWh (resale allowed), three years from 2026-01, halls of 0, 25 and
50 MW (the whole site) from 2026-04.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.engines.pivot.ppa_inputs import ppa_site_portfolio
from tests.optimize.optimize_inputs import NO_TV, pivot_plan_npv_usd

_START, _FROM, _MONTHS = "2026-01", "2026-04", 36

#: Each plan's NPV before the line was split out (the code of ad69247: the stream netted
#: into the power cost), without and with the terminal value. [USD]
_BEFORE = {
    (NO_TV, 0.0): 41280208.312036544, (NO_TV, 25.0): -49869551.76373883,
    (NO_TV, 50.0): -142355884.49141684,
    ("", 0.0): 97466833.00920208, ("", 25.0): 219074819.29885802,
    ("", 50.0): 338892664.6157851,
}


def _phases(mw: float) -> tuple[Any, ...]:
    from hashpivot.engines import pivot

    return (pivot.ConversionPhase("A", pd.Period(_FROM, "M"), mw),) if mw else ()


@pytest.mark.parametrize(("tail", "mw"), list(_BEFORE), ids=[
    f"{'no TV' if t else 'TV'}-{mw:g}MW" for t, mw in _BEFORE])
def test_every_plans_npv_is_as_before(tail: str, mw: float) -> None:
    """Keep-mining, a 25 MW hall and the whole site converted: the NPV, the terminal
    value included or not, as before the split (1e-9: the same flows, the power cost and
    the stream apart and summed in EBITDA)."""
    got = pivot_plan_npv_usd(ppa_site_portfolio(20.0, "physical", tail, adder=10.0), _phases(mw),
                             pd.Period(_START, "M"), _MONTHS)
    assert got == pytest.approx(_BEFORE[(tail, mw)], rel=1e-9)


def _flows(mw: float) -> tuple[Any, Any]:
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.engines.pivot.uplift.supply_stream import site_supply_usd

    pf = ppa_site_portfolio(20.0, "physical", NO_TV, adder=10.0)
    market = pivot.deterministic_market(pf, pd.Period(_START, "M"), _MONTHS)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("s", _phases(mw)), market)
    [site] = resolve_sites(pf)
    return cf, site_supply_usd(site, market)


def test_a_site_converted_whole_shows_no_mining_power_credit() -> None:
    """Converted whole from 2026-04, the site mines nothing: its mining power cost (the
    power cost less the halls') is 0, not the stream's credit; the stream is its own
    line, exactly ``site_supply_usd``, in every month (the block's worth with no miners:
    all of it resold at the index, 45 USD/MWh here, 40 MW x (45 - 20) x 744 h = 744,000
    USD in a month of 31 days; 1e-12), and EBITDA is the mining line's, the hosting
    line's and the stream's (1e-9 of the month's largest flow: sums in another order)."""
    cf, stream = _flows(50.0)
    assert stream is not None
    np.testing.assert_array_equal(cf.site_supply_usd, stream)
    hours = np.asarray(cf.periods.days_in_month, dtype=float) * 24.0
    np.testing.assert_allclose(stream[0], 40.0 * (45.0 - 20.0) * hours, rtol=1e-12)
    after = np.asarray(cf.periods >= pd.Period(_FROM, "M"))
    assert not np.any(cf.mining_revenue_usd[:, after])
    mining_power = cf.power_cost_usd - cf.hosting_power_cost_usd
    np.testing.assert_allclose(mining_power[:, after], 0.0, atol=1e-6)
    total = cf.mining_ebitda_usd + cf.hosting_ebitda_usd + cf.site_supply_usd
    scale = float(np.max(np.abs(cf.ebitda_usd)))
    np.testing.assert_allclose(total, cf.ebitda_usd, rtol=0.0, atol=1e-9 * scale)
    # the mining line's EBITDA does not carry the stream: once converted, only the
    # site's own costs (its SG&A and fixed items), never a credit (up to the same 1e-9 of
    # the largest flow: the line is EBITDA less the other two, and a month with no cost
    # item is 0 up to that subtraction's rounding, 4.7e-10 USD on numpy 2.4.6 here)
    assert np.all(cf.mining_ebitda_usd[:, after] <= 1e-9 * scale)


def test_keep_minings_power_cost_is_the_power_it_pays() -> None:
    """Keep-mining's power cost is its power, the stream apart: with it added back the
    month's net power cost is the one before the split (1e-9 of the month's power)."""
    cf, stream = _flows(0.0)
    assert stream is not None
    assert np.all(cf.power_cost_usd > 0.0)
    net = cf.power_cost_usd - cf.site_supply_usd
    assert np.all(net < cf.power_cost_usd)
    annual = cf.annual()
    assert "site_supply_usd" in annual.columns
    assert float(annual["site_supply_usd"].sum()) == pytest.approx(float(stream.sum()),
                                                                   rel=1e-12)
