"""Grid CO2 emissions factors: the bundled table of average factors by ISO region.

``hashpivot/data/emission_factors.csv`` holds EPA eGRID2023 subregion annual CO2 total
output emission rates (``SRCO2RTA``, data year 2023) mapped to ISO regions, in lb/MWh and
t CO2/MWh (1 lb = 0.45359237 kg). Average (not marginal) factors: right for location-based
Scope 2 reporting; a marginal-emissions series can be passed instead to the engine.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem

__all__ = ["EMISSION_FACTORS_FILE", "grid_emissions_factor", "load_emission_factors"]

EMISSION_FACTORS_FILE = "emission_factors.csv"

_ALIASES = {"ISO-NE": "ISONE", "ISO_NE": "ISONE", "NEW ENGLAND": "ISONE", "TEXAS": "ERCOT"}


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


def grid_emissions_factor(region: str | None) -> tuple[float, str]:
    """Average grid emissions factor of a region (``"ERCOT"``, ``"NYISO_J"``, ``"PJM"``...).

    Parameters
    ----------
    region : str
        ISO region name, case-insensitive.

    Returns
    -------
    factor_tco2_per_mwh : float
        [t CO2/MWh]
    source : str
        eGRID subregion, data year and source of the value.

    Raises
    ------
    InputError
        Unknown region (the message lists the known ones).
    """
    df = _table()
    key = (region or "").strip().upper()
    key = _ALIASES.get(key, key)
    hit = df[df["region"].str.upper() == key]
    if hit.empty:
        raise InputError(
            Problem(
                path="region",
                message=f"no bundled emissions factor for region {region!r}; known: "
                f"{', '.join(df['region'])} (or set dispatch.emissions_factor_tco2_per_mwh)",
            )
        )
    row = hit.iloc[0]
    source = f"eGRID{int(row['data_year'])} {row['egrid_subregion']} ({row['note']})"
    return float(row["tco2_per_mwh"]), source
