"""Accuracy of the monthly mapping of a dispatching site's flexibility, against the engine.

For a test site (44.1 MW of miners on ERCOT HB_WEST 2024 index prices, a grid adder) with
and without a take-or-pay PPA, ``DispatchUplift.breakdown`` maps months whose index prices
are ``level`` times the price year's and whose revenue per MW is ``k0`` times its own
(levels 0.5, 0.8, 1.5, 2, 3; multipliers 0.3, 0.6, 1, 1.5) onto the measured curve; the
reference is the dispatch engine run on that month directly (its net margin gain over
always-on per MW and month). Printed per case: the relative error's median of absolute
values and its worst point. The figures quoted in ``hashpivot/engines/pivot/
uplift/curve.py`` come from this script (seconds: the fast path).

Run: ``.venv/bin/python scripts/measure_uplift_accuracy.py``
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: (PPA block [MW], grid adder [USD/MWh]); the PPA at 35 USD/MWh
CASES = ((0.0, 10.0), (20.0, 10.0), (40.0, 10.0), (20.0, 3.0))
LEVELS = (0.5, 0.8, 1.5, 2.0, 3.0)
MULTIPLIERS = (0.3, 0.6, 1.0, 1.5)


def main() -> None:
    import numpy as np
    import pandas as pd
    from tests.optimize.optimize_inputs import portfolio, site_toml

    from hashpivot.engines.dispatch import load_prices, run_dispatch
    from hashpivot.engines.pivot.uplift.curve import MonthMargin
    from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift
    from hashpivot.units import HOURS_PER_MONTH

    base = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
            "market": "ercot:HB_WEST"}
    for ppa_mw, adder in CASES:
        dispatch: dict[str, object] = {"availability_fraction": 0.95}
        if ppa_mw:
            dispatch["ppa"] = {"volume_mw": ppa_mw, "price_usd_per_mwh": 35.0}
        site = portfolio(site_toml("A", **base, adder=adder, dispatch=dispatch),
                         years=5).sites[0]
        curve, note = measure_dispatch_uplift(site)
        assert curve is not None, note
        prices = load_prices(site)
        first = run_dispatch(site, prices)
        hp = pd.Series(first.problem.hashprice_usd_per_ph_day_series,
                       index=first.problem.index)
        per = HOURS_PER_MONTH / float(site.fleet_power_mw) / float(first.summary()["hours"])
        u = curve.for_fleet(2000.0)
        index = u.index_level_reference_usd_per_mwh
        errors = []
        for level in LEVELS:
            for k0 in MULTIPLIERS:
                b = u.breakdown(MonthMargin(
                    np.array([[k0 * u.reference_hashprice_usd_per_th_day * 2000.0]]),
                    np.array([[level * index + adder]]), np.array([[1e9]])))
                got = float(b["uplift_usd_per_mw_month"][0, 0])
                month = run_dispatch(site, prices * level, hashprice=hp * k0)
                engine = float(month.summary()["net_margin_gain_vs_always_on_usd"]) * per
                errors.append((level, k0, got, engine, (got - engine) / abs(engine)))
        worst = max(errors, key=lambda e: abs(e[4]))
        print(json.dumps({
            "ppa_mw": ppa_mw, "adder_usd_per_mwh": adder,
            "adder_in_reference_price_usd_per_mwh": round(curve.reference_adder_usd_per_mwh, 3),
            "median_abs_error_pct": round(100 * statistics.median(abs(e[4]) for e in errors), 2),
            "worst_error_pct": round(100 * worst[4], 2),
            "worst_at": {"level": worst[0], "k0": worst[1],
                         "mapped_usd_per_mw_month": round(worst[2]),
                         "engine_usd_per_mw_month": round(worst[3])},
        }))


if __name__ == "__main__":
    main()
