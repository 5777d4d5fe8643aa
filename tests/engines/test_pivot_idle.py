"""keep-mining's idle months: the note that prints what they cost (engines/pivot/idle.py).

On the 200 MW example (network +20 %/yr against BTC +10 %/yr) the fleet mines its last BTC
in 2028-11 and the site's fixed costs (10 M USD/year) run on for 142 months; their present
value, computed here from the monthly cash flows by hand, is in the note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.idle import idle_months
from hashpivot.models import load_portfolio

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"


def test_the_example_baseline_idles_from_2028_12_and_the_note_values_it() -> None:
    res = pv.run_pivot(load_portfolio(EXAMPLE))
    keep = res.strategies[0].cash_flows
    btc = np.asarray(keep.btc_mined)[0]
    assert btc[:38].min() > 0 and btc[38:].max() == 0.0  # 2025-10 + 38 months = 2028-12
    fcf = np.asarray(keep.unlevered_fcf_usd)[0]
    # idle months pay the site's fixed costs only: 10 M USD/year
    assert fcf[38:] == pytest.approx(-10e6 / 12, rel=1e-12)
    r = 1.1 ** (1 / 12) - 1
    pv_idle = sum(fcf[t] / (1 + r) ** (t + 1) for t in range(38, 180))
    assert pv_idle / 1e6 == pytest.approx(-52.3, abs=0.05)
    [note] = [w for w in res.warnings if "mines no BTC" in w]
    assert note.startswith("keep_mining mines no BTC from 2028-12 to the horizon (142 months)")
    assert f"cash flow is {pv_idle / 1e6:,.1f} M USD of its NPV" in note
    assert f"worth up to {-pv_idle / 1e6:,.1f} M USD more" in note


def test_a_baseline_that_mines_to_the_horizon_gets_no_note() -> None:
    pf = load_portfolio(EXAMPLE)
    short = pf.model_copy(update={"pivot": pf.pivot.model_copy(update={"horizon_years": 2})})
    res = pv.run_pivot(short)
    assert np.asarray(res.strategies[0].cash_flows.btc_mined)[0][-1] > 0
    assert not [w for w in res.warnings if "mines no BTC" in w]


@pytest.mark.parametrize(("btc", "want"), [
    ([1.0, 2.0, 0.0, 0.0], 2),   # mined, then idle to the end
    ([1.0, 0.0, 2.0, 0.0], 1),   # a pause is not the end
    ([1.0, 2.0, 3.0, 4.0], 0),   # mines to the horizon
    ([0.0, 0.0, 0.0, 0.0], 0),   # never mines: nothing to close
])
def test_idle_months_counts_the_trailing_run(btc: list[float], want: int) -> None:
    assert idle_months(np.array(btc)) == want
