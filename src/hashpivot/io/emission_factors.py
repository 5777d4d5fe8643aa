"""The bundled table of average grid CO2 emissions factors by ISO region.

``hashpivot/data/emission_factors.csv`` holds EPA eGRID2023 subregion annual CO2 total
output emission rates (``SRCO2RTA``, data year 2023) mapped to ISO regions, in lb/MWh and
t CO2/MWh (1 lb = 0.45359237 kg); :func:`hashpivot.power.emissions.grid_emissions_factor`
looks a region up in it.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

import pandas as pd

from hashpivot.exceptions import DataError

__all__ = ["EMISSION_FACTORS_FILE", "load_emission_factors"]

EMISSION_FACTORS_FILE = "emission_factors.csv"


@functools.lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    try:
        raw = resources.files("hashpivot").joinpath("data", EMISSION_FACTORS_FILE).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise DataError(f"bundled file {EMISSION_FACTORS_FILE!r} is missing") from exc
    return pd.read_csv(io.BytesIO(raw))


def load_emission_factors() -> pd.DataFrame:
    """The bundled average grid emissions factors.

    Returns
    -------
    pandas.DataFrame
        Columns ``region, egrid_subregion, co2_lb_per_mwh`` [lb CO2/MWh],
        ``tco2_per_mwh`` [t CO2/MWh], ``data_year, source, note``. A copy.
    """
    return _table().copy()
