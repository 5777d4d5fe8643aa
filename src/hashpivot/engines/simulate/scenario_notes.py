"""What a simulate (or optimize) run's warnings say of the ``[scenario]`` table beyond its
rows: the values its paths do not read (a block height under the deterministic anchor, a
market correlation with no second market, by-year keys outside the simulated years) and
the index sites whose market no bundled prices answer (:func:`scenario_notes`)."""

from __future__ import annotations

import pandas as pd

from hashpivot.engines.simulate.calibration import (
    IndexNode,
    default_market_notes,
    index_nodes,
)
from hashpivot.models import Portfolio
from hashpivot.models.risk import ScenarioSpec


def scenario_notes(portfolio: Portfolio, site_name: str | None = None,
                   months: tuple[pd.Period, pd.Period] | None = None) -> list[str]:
    """What a run's warnings say of the ``[scenario]`` table beyond its rows: the values
    its paths do not read, the index sites whose market no bundled prices answer
    (:func:`~hashpivot.engines.simulate.calibration.default_market_notes`). The notes of
    ``simulate`` (of the run's sites, all or the one ``site_name`` names) and of
    ``optimize``, whose scenarios are the same paths (until 2026-12-07 optimize said none
    of them). With ``months``, the first and last month whose BTC drift and volatility the
    paths read, also the by-year keys outside them (:func:`_unused_years`)."""
    spec = portfolio.scenario or ScenarioSpec()
    return [*_unused_height(spec),
            *_unused_correlation(spec, index_nodes(portfolio, site_name)),
            *([] if months is None else _unused_years(spec, *months)),
            *default_market_notes(portfolio, site_name)]


def _unused_years(spec: ScenarioSpec, first: pd.Period, last: pd.Period) -> list[str]:
    """The notes of ``[scenario] btc_drift_by_year`` and ``btc_volatility_by_year`` keys
    (calendar years) outside ``first``..``last``, the months the paths read: kept (a file
    may serve a longer horizon or another start) but unused, which was said nowhere."""
    out = []
    for name in ("btc_drift_by_year", "btc_volatility_by_year"):
        unused = [y for y in getattr(spec, name) if not first.year <= y <= last.year]
        if unused:
            out.append(f"[scenario] {name}: {', '.join(str(y) for y in sorted(unused))} not "
                       f"used: the run's paths read the years {first.year}-{last.year} (a "
                       "start or horizon that reaches them would)")
    return out


def _unused_height(spec: ScenarioSpec) -> list[str]:
    """The note of a ``[scenario] block_height`` the deterministic anchor does not read
    (a review found it ignored without a word)."""
    if spec.block_height is None or spec.anchor != "deterministic":
        return []
    return [f"[scenario] block_height = {spec.block_height} is not used under anchor = "
            "'deterministic': the halvings come from the pivot model's market, as in "
            "pivot ([pivot] start_height moves them in both)"]


def _unused_correlation(spec: ScenarioSpec, nodes: list[IndexNode]) -> list[str]:
    """The note of a ``[scenario] power_market_correlation`` no second market reads: it
    correlates each other index market node's prices with the first's, and the run has
    none (it was ignored without a word)."""
    if spec.power_market_correlation is None or len(nodes) > 1:
        return []
    if not nodes:
        why = "the run has no index-priced site: no power price is simulated"
    elif "power_calibrate_on" in spec.model_fields_set:
        why = ("[scenario] power_calibrate_on gives every index site one market's "
               "process")
    else:
        why = (f"the run's index sites are on one market node ({nodes[0].node or 'none named'}"
               "): it correlates a second market's prices with the first's")
    return [f"[scenario] power_market_correlation = {spec.power_market_correlation} is not "
            f"used: {why}"]

