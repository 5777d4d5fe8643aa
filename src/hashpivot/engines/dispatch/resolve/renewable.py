"""The site's renewable plant: its output per interval, from a profile or a synthetic shape."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.alignment import align_to_index
from hashpivot.engines.dispatch.resolve.provenance import Provenance
from hashpivot.engines.dispatch.resolve.ranges import range_problem
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.intervals import FloatArray, interval_blocks
from hashpivot.power.profiles import clear_sky_solar_profile, synthetic_wind_profile

__all__ = ["resolve_renewable"]


def resolve_renewable(
    index: pd.DatetimeIndex,
    interval_hours: FloatArray,
    spec: DispatchSpec,
    profile: pd.Series | None,
    rng: np.random.Generator | None,
    from_file: bool = False,
) -> tuple[FloatArray, Provenance]:
    """Output of the site's renewable plant per interval.

    Parameters
    ----------
    index : pandas.DatetimeIndex
    interval_hours : numpy.ndarray
        [h]
    spec : DispatchSpec
    profile : pandas.Series or None
        Capacity factor series (0..1), from the caller or ``renewable.profile_file``;
        without it a synthetic profile (clear-sky solar, or seeded wind).
    rng : numpy.random.Generator or None
        For the synthetic wind profile (default seed 0).
    from_file : bool
        Whether ``profile`` was read from ``renewable.profile_file``.

    Returns
    -------
    renewable_mw : numpy.ndarray
        [MW]
    provenance : dict
        ``renewable_profile``.
    """
    n = len(index)
    r = spec.renewable
    if r is None or r.capacity_mw <= 0:
        return np.zeros(n), {}
    meta: Provenance = {}
    if profile is not None:
        field = "dispatch.renewable.profile_file" if from_file else ""
        cf = align_to_index(profile, index, "renewable profile", field)
        meta["renewable_profile"] = (
            f"file {r.profile_file}" if from_file else "profile series (argument)"
        )
    elif r.kind == "solar":
        cf = np.empty(n)
        for rows in interval_blocks(n):  # a dozen temporaries per interval, a block at a time
            cf[rows] = clear_sky_solar_profile(
                index[rows], interval_hours[rows], r.latitude_deg, r.longitude_deg
            )
        meta["renewable_profile"] = (
            f"synthetic clear-sky solar (Haurwitz GHI, lat {r.latitude_deg}, lon "
            f"{r.longitude_deg}): no clouds, overstates yield"
        )
    else:
        cf = synthetic_wind_profile(index, interval_hours, r.capacity_factor, rng)
        meta["renewable_profile"] = (
            f"synthetic wind (seeded AR(1), mean capacity factor {r.capacity_factor})"
        )
    message = range_problem("renewable_profile", cf)
    if message is not None:
        raise InputError(
            Problem(
                path="dispatch.renewable.profile_file" if from_file else "renewable_profile",
                message=message,
            )
        )
    return np.clip(cf, 0.0, 1.0) * r.capacity_mw, meta
