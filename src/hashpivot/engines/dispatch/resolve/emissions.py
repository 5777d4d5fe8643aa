"""The grid emissions factor per interval: a series, the spec's constant or the region's
bundled average."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.alignment import align_to_index
from hashpivot.engines.dispatch.resolve.provenance import Provenance
from hashpivot.engines.dispatch.resolve.ranges import range_problem
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.intervals import FloatArray, constant_series

__all__ = ["resolve_emissions"]


def resolve_emissions(
    index: pd.DatetimeIndex,
    spec: DispatchSpec,
    region: str | None,
    series_tco2_per_mwh: pd.Series | None = None,
    from_file: bool = False,
    site_factor_tco2_per_mwh: float | None = None,
) -> tuple[FloatArray, Provenance]:
    """Emissions factor per interval and its provenance; no file I/O. [t CO2/MWh]

    A series (marginal factors, from the caller or, ``from_file``, read from
    ``dispatch.emissions_file``), else
    ``dispatch.emissions_factor_tco2_per_mwh``, else the site's
    ``emissions_factor_tco2_per_mwh`` (``site_factor_tco2_per_mwh``), else the bundled
    eGRID average of the region (NaN, with a note, for an unknown region): the order
    :mod:`hashpivot.engines.pivot.emissions` follows too.

    Returns
    -------
    emissions_tco2_per_mwh : numpy.ndarray
        [t CO2/MWh]
    provenance : dict
        ``emissions_source``.
    """
    n = len(index)
    if series_tco2_per_mwh is not None:
        field = "dispatch.emissions_file" if from_file else ""
        ef = align_to_index(series_tco2_per_mwh, index, "emissions factor series", field)
        message = range_problem("emissions_series", ef)
        if message is not None:
            raise InputError(Problem(path="dispatch.emissions_file", message=message))
        source = (
            f"dispatch.emissions_file ({spec.emissions_file})"
            if from_file
            else "emissions factor series (argument)"
        )
        return ef, {"emissions_source": source}
    if spec.emissions_factor_tco2_per_mwh is not None:
        return (
            constant_series(spec.emissions_factor_tco2_per_mwh, n),
            {"emissions_source": "dispatch.emissions_factor_tco2_per_mwh"},
        )
    if site_factor_tco2_per_mwh is not None:
        return (
            constant_series(site_factor_tco2_per_mwh, n),
            {"emissions_source": "sites.emissions_factor_tco2_per_mwh"},
        )
    from hashpivot.io import load_emission_factors
    from hashpivot.power.emissions import grid_emissions_factor

    try:
        value, source = grid_emissions_factor(region, load_emission_factors())
        return constant_series(value, n), {"emissions_source": source}
    except InputError:
        return constant_series(np.nan, n), {
            "emissions_source": f"no bundled factor for region {region!r}: emissions not computed; "
            "set the site's emissions_factor_tco2_per_mwh"
        }
