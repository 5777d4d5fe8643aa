"""The carbon footprint of a strategy: the CO2 of the energy each site uses.

A site's factor [t CO2/MWh] follows the dispatch engine's rule, so both engines tell the
same story on the same file: ``[sites.dispatch] emissions_file`` when the file names one
(the monthly model has no hours: the time-weighted mean of its factors; one that cannot
be read stops the run at its field, as in dispatch), else ``[sites.dispatch]
emissions_factor_tco2_per_mwh`` when the file sets it, else the site's own
``emissions_factor_tco2_per_mwh`` (a behind-the-meter plant's, a grid outside the bundled
table), else the bundled eGRID2023 average of the site's region (location-based Scope 2:
:func:`hashpivot.power.emissions.grid_emissions_factor`); a region without one has no
factor (NaN, with a note). A
behind-the-meter site (``behind_the_meter = true``) without a factor of its own gets its
region's grid average too, and a note says that its own plant's emissions are not
counted.

The energy is every MWh the site draws, mining and AI halls alike (halls already in
service too), whoever pays for it (a triple-net tenant's power is the tenant's Scope 2
but the site's load), all at the site's factor: unlike the dispatch engine, the monthly
model has no on-site renewable energy to count at zero. A strategy's emissions are the
sum over sites of factor x energy on the deterministic path: one computation of the
strategy's cash flows per group of sites with the same factor (none more when every site
has the same factor).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hashpivot.engines.pivot.cashflows import _cash_flows_resolved
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.strategies import Strategy
from hashpivot.exceptions import InputError, Problem
from hashpivot.market import MarketPaths
from hashpivot.models import Site
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.pivot import PivotSpec

__all__ = ["SiteFactor", "file_factor", "site_emission_factors", "strategy_emissions_tco2"]

#: A site's factor and where it came from: (name, t CO2/MWh or NaN, source).
SiteFactor = tuple[str, float, str]


def site_emission_factors(
    sites: Sequence[tuple[int, Site]],
) -> tuple[list[SiteFactor], list[str]]:
    """Each site's emissions factor and its source (the dispatch engine's rule).

    Parameters
    ----------
    sites : sequence of (int, Site)
        The valued sites with their index in the file (for the field paths of notes).

    Returns
    -------
    factors : list of (str, float, str)
        Site name, factor [t CO2/MWh] (NaN when none applies) and its source, or why
        there is none.
    notes : list of str
        A behind-the-meter site's without a factor of its own (its plant's CO2 is not
        counted) and a site's without a factor.

    Raises
    ------
    InputError
        A site's ``emissions_file`` that gives no factor (missing, unreadable, a factor
        outside 0-5 t CO2/MWh), at ``sites[i].dispatch.emissions_file``.
    """
    from hashpivot.io import load_emission_factors
    from hashpivot.power.emissions import grid_emissions_factor

    out: list[SiteFactor] = []
    notes: list[str] = []
    table = None
    by_region: dict[str, tuple[float, str] | None] = {}  # one lookup per region
    unread: list[Problem] = []  # emissions files that give no factor: the run stops
    for i, site in sites:
        if site.dispatch is not None and site.dispatch.emissions_file:
            from_file = file_factor(site.dispatch.emissions_file, site.region)
            if isinstance(from_file, str):
                unread.append(Problem(f"sites[{i}].dispatch.emissions_file", from_file))
            else:
                out.append((site.name, *from_file))
            continue
        explicit = site.dispatch.emissions_factor_tco2_per_mwh if site.dispatch else None
        if explicit is not None:
            out.append((site.name, float(explicit),
                        "[sites.dispatch] emissions_factor_tco2_per_mwh"))
            continue
        if site.emissions_factor_tco2_per_mwh is not None:
            out.append((site.name, float(site.emissions_factor_tco2_per_mwh),
                        f"sites[{i}].emissions_factor_tco2_per_mwh"))
            continue
        if table is None:
            table = load_emission_factors()
        if site.region not in by_region:
            try:
                by_region[site.region] = grid_emissions_factor(site.region, table)
            except InputError:
                by_region[site.region] = None
        found = by_region[site.region]
        if found is None:
            out.append((site.name, math.nan, f"no bundled grid factor for region "
                        f"{site.region!r}"))
            notes.append(f"CO2: {site.name!r} has no bundled grid factor for region "
                         f"{site.region!r}, so no strategy's CO2 is given; set "
                         f"sites[{i}].emissions_factor_tco2_per_mwh (pivot and dispatch)")
            continue
        factor, where = found
        out.append((site.name, factor, f"grid average, {where}"))
        if site.behind_the_meter:
            notes.append(f"CO2: {site.name!r} is behind the meter "
                         f"({site.power_source or 'source not given'}); its CO2 is its "
                         "region's grid average, not its own plant's: set "
                         f"sites[{i}].emissions_factor_tco2_per_mwh to count the plant's")
    if unread:
        raise InputError(unread)
    return out, notes


def file_factor(name: str, region: str | None) -> tuple[float, str] | str:
    """The time-weighted mean of an emissions file's factors and its source, or why there
    is none (the file cannot be read, or a factor outside 0-5 t CO2/MWh).

    Parameters
    ----------
    name : str
        ``[sites.dispatch] emissions_file`` (made absolute beside the portfolio file by
        :func:`~hashpivot.models.file_refs.with_files_beside`).
    region : str or None
        The site's region: the time zone of naive timestamps.

    Returns
    -------
    (float, str) or str
        Factor [t CO2/MWh] and source; or the problem. Each value weighs its interval's
        length (the last interval as long as the one before it).
    """
    from pathlib import Path

    import pandas as pd

    from hashpivot.engines.dispatch.resolve.ranges import range_problem
    from hashpivot.engines.dispatch.sources import read_series_file
    from hashpivot.io._timestamps import region_timezone

    try:
        series = read_series_file(name, None, region_timezone(region),
                                  "dispatch.emissions_file")
    except InputError as exc:
        return "; ".join(p.message for p in exc.problems)
    values = np.asarray(series, dtype=np.float64)
    message = range_problem("emissions_series", values, nan_ok=False)  # (inf: outside)
    if message is not None:
        return message
    starts = np.asarray(pd.DatetimeIndex(series.index).asi8, dtype=np.float64)
    steps = np.diff(starts)
    weights = np.append(steps, steps[-1]) if steps.size else np.ones(1)
    if not weights.sum() > 0:
        return "the file's intervals have no length (repeated timestamps)"
    mean = float(np.dot(values, weights) / weights.sum())
    return mean, (f"time-weighted mean of dispatch.emissions_file ({Path(name).name}, "
                  f"{values.size:,} intervals)")


def strategy_emissions_tco2(
    sites: list[SiteInputs],
    factors: Sequence[SiteFactor],
    strategy: Strategy,
    market: MarketPaths,
    spec: PivotSpec,
    financing: FinancingSpec | None,
    energy_mwh: float,
) -> float:
    """CO2 of the energy a strategy's sites use over the horizon, path 0. [t CO2]

    Parameters
    ----------
    sites : list of SiteInputs
        The valued sites, in the order of ``factors``.
    factors : sequence of SiteFactor
        :func:`site_emission_factors` of the same sites.
    strategy : Strategy
    market : MarketPaths
        The deterministic path.
    spec : PivotSpec
    financing : FinancingSpec or None
    energy_mwh : float
        The strategy's energy over all sites (its cash flows' total): used as it is when
        every site has the same factor. [MWh]

    Returns
    -------
    float
        NaN when a site has no factor.
    """
    by_factor: dict[float, list[SiteInputs]] = {}
    for site, (_, factor, _) in zip(sites, factors, strict=True):
        if math.isnan(factor):
            return math.nan
        by_factor.setdefault(factor, []).append(site)
    if len(by_factor) == 1:
        return next(iter(by_factor)) * energy_mwh
    total = 0.0
    for factor, group in by_factor.items():
        cf = _cash_flows_resolved(group, strategy, market, spec, financing)
        total += factor * float(np.asarray(cf.energy_mwh)[0].sum())
    return total
