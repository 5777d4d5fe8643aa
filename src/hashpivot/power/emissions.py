"""Grid CO2 emissions factors: look a region up in a table of average factors.

The table is :func:`hashpivot.io.load_emission_factors` (EPA eGRID2023 subregion annual CO2
total output emission rates mapped to ISO regions). Average (not marginal) factors: right
for location-based Scope 2 reporting; a marginal-emissions series can be passed instead to
the dispatch engine.
"""

from __future__ import annotations

import pandas as pd

from hashpivot.exceptions import InputError, Problem

__all__ = ["grid_emissions_factor"]

_ALIASES = {"ISO-NE": "ISONE", "ISO_NE": "ISONE", "NEW ENGLAND": "ISONE", "TEXAS": "ERCOT"}


def grid_emissions_factor(region: str | None, table: pd.DataFrame) -> tuple[float, str]:
    """Average grid emissions factor of a region (``"ERCOT"``, ``"NYISO_J"``, ``"PJM"``...).

    Parameters
    ----------
    region : str
        ISO region name, case-insensitive.
    table : pandas.DataFrame
        Columns ``region, egrid_subregion, tco2_per_mwh, data_year, note``
        (:func:`hashpivot.io.load_emission_factors`).

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
    df = table
    key = (region or "").strip().upper()
    key = _ALIASES.get(key, key)
    hit = df[df["region"].str.upper() == key]
    if hit.empty:
        raise InputError(
            Problem(
                path="region",
                message=f"no bundled emissions factor for region {region!r}; known: "
                f"{', '.join(df['region'])} (or set the site's emissions_factor_tco2_per_mwh)",
            )
        )
    row = hit.iloc[0]
    source = f"eGRID{int(row['data_year'])} {row['egrid_subregion']} ({row['note']})"
    return float(row["tco2_per_mwh"]), source
