"""The facts a simulate run records of its market and power paths, for its resolved
assumptions (:mod:`hashpivot.engines.simulate.assumptions`): the power model of each
index market and where each parameter comes from (:func:`power_facts`), and the centre
path's market start, growth, halvings and fleet terms (:func:`market_facts`)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from hashpivot.engines.pivot.model_assumptions import FLEET_TERMS, halving_facts
from hashpivot.engines.simulate.calibration import default_instead, power_calibration_market
from hashpivot.models import Portfolio
from hashpivot.models.pivot import PivotSpec
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import PowerFit
from hashpivot.scenarios.power_calibration import DEFAULT_POWER_FIT
from hashpivot.scenarios.power_parameters import POWER_PARAMETERS, power_model


def power_facts(spec: ScenarioSpec, fit: PowerFit | None, contract: Any,
                 sites: list[dict[str, Any]]) -> dict[str, Any]:
    """The power model the paths of an index-priced site are drawn with
    (:func:`~hashpivot.scenarios.power_parameters.power_model`, as the run's parameters),
    where each parameter comes from (the file, the calibration on ``[scenario]
    power_calibrate_on``, or the built-in default) and what each index site on these
    paths pays (``sites``: :func:`~hashpivot.engines.simulate.calibration.
    index_site_prices`' of this process; ``contract`` its first one's)."""
    model = power_model(spec, fit, None if contract is None
                        else float(contract.price_usd_per_mwh))
    given = spec.model_fields_set
    on = power_calibration_market(spec, contract)
    own = (" (the index site's market; [scenario] power_calibrate_on not given)"
           if on != spec.power_calibrate_on else "")
    fitted = (f"calibrated on the bundled {on} prices{own}{default_instead(spec, contract)}"
              if fit is not None else "default (not calibrated: [scenario] "
              "power_calibrate_on = none)")
    several = len({s["price_usd_per_mwh"] for s in sites}) > 1
    scaled = (" (each other index site's paths scaled to its own)"
              if contract is not None and contract.price_usd_per_mwh > 0.0
              else " (every other index site's paths as drawn: a centre of 0 or below "
              "scales nothing)") if several else ""
    mean = ("file" if spec.power_mean_usd_per_mwh is not None
            else f"{sites[0]['site']}'s contract price_usd_per_mwh{scaled}"
            if sites and contract is not None else fitted)
    from hashpivot.io.bundled_markets import BUNDLED_MARKETS

    factors = (spec.power_seasonal_factors if spec.power_seasonal_factors is not None
               else (fit or DEFAULT_POWER_FIT).seasonal_factors)
    mean_factor = sum(factors) / len(factors)
    return {
        **dataclasses.asdict(model),
        "sites": sites,
        # the bundled prices the model was fitted on, as their loader names them
        **({"prices_source": BUNDLED_MARKETS[on][2] if on in BUNDLED_MARKETS else str(on)}
           if fit is not None and on is not None else {}),
        "sources": {"mean_usd_per_mwh": mean, **{
            key: "file" if name in given and getattr(spec, name) is not None else fitted
            for key, name, _ in POWER_PARAMETERS}},
        "seasonal": ("file" if spec.power_seasonal_factors is not None else fitted),
        # one factor every month (a fit on under 24 months, or the default) is no season
        "seasonal_flat": len(set(factors)) == 1,
        # January to December, as the paths use them (normalized to a mean of 1)
        "seasonal_factors": [f / mean_factor for f in factors],
    }


def market_facts(pv: Any, portfolio: Portfolio, start: pd.Period | None,
                  months: int) -> dict[str, Any]:
    """The center path's market start and growth, where the start came from, the start
    height and the halvings in the ``months`` simulated, and the fleet's ageing and
    replacement (the rows of ``[pivot]`` that pivot's resolved assumptions have too)."""
    pspec = portfolio.pivot or PivotSpec()
    ms = pv.market_start(pspec, start)
    return {
        "halvings": halving_facts(ms.start, ms.height, months),
        **{f: getattr(pspec, f) for f, _ in FLEET_TERMS},
        "btc_price_usd": ms.btc_price_usd,
        "btc_price_growth_per_year": pspec.btc_price_growth_per_year,
        "network_hashrate_th_s": ms.network_hashrate_th_s,
        "network_hashrate_growth_per_year": pspec.network_hashrate_growth_per_year,
        "fees_btc_per_block": ms.fees_btc_per_block,
        "fleet_replacement_years": pspec.fleet_replacement_years,
        "source": ms.source,
        "fees_source": ms.fees_source,
        # the days of the daily history the market start was read from, by source
        "history_sources": list(ms.history_sources),
    }

