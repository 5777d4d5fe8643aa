"""Synthetic renewable shapes (capacity factor per interval, 0..1) when no profile is given.

* Solar: **clear-sky** output. Solar position from the NOAA General Solar Position
  Calculations (Spencer 1971 Fourier series for declination and equation of time), global
  horizontal irradiance from the Haurwitz (1945) clear-sky model, ``GHI = 1098 cos(z)
  exp(-0.057 / cos(z))`` W/m2 (as in ``pvlib.clearsky.haurwitz``), and ``CF = GHI / 1000 x
  (1 - losses)`` capped at 1. No clouds, so it overstates a real plant's yield (typically
  by 15-25 % in West Texas) and has no weather variability.
* Wind: a **synthetic** pattern: a seasonal cycle (spring maximum), a diurnal cycle
  (night maximum, as in West Texas) and AR(1) noise from an explicit seed, scaled to a
  target mean capacity factor. Not a weather record; use a profile file for real studies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.power.intervals import FloatArray

__all__ = ["clear_sky_solar_profile", "synthetic_wind_profile"]


def _midpoints_utc(index: pd.DatetimeIndex, interval_hours: FloatArray) -> pd.DatetimeIndex:
    idx = index if index.tz is not None else index.tz_localize("UTC")
    mid = idx + pd.to_timedelta(np.asarray(interval_hours) * 1800.0, unit="s")
    return mid.tz_convert("UTC")


def clear_sky_solar_profile(
    index: pd.DatetimeIndex,
    interval_hours: FloatArray,
    latitude_deg: float = 31.9,
    longitude_deg: float = -102.1,
    losses_fraction: float = 0.14,
) -> FloatArray:
    """Clear-sky capacity factor of a horizontal PV plant at each interval midpoint.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts (tz-aware; naive means UTC).
    interval_hours : numpy.ndarray
        Interval lengths. [h]
    latitude_deg, longitude_deg : float
        Site (east positive). [deg]
    losses_fraction : float
        System losses (inverter, wiring, soiling, temperature). [-]

    Returns
    -------
    numpy.ndarray
        Capacity factor per interval, 0..1. [-]
    """
    mid = _midpoints_utc(index, interval_hours)
    doy = mid.day_of_year.to_numpy(dtype=float)
    hour = (mid.hour + mid.minute / 60.0 + mid.second / 3600.0).to_numpy(dtype=float)
    gamma = 2.0 * np.pi / 365.0 * (doy - 1.0 + (hour - 12.0) / 24.0)
    eqtime_min = 229.18 * (
        0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma)
    )
    decl = (
        0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma) + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma)
    )
    true_solar_min = hour * 60.0 + eqtime_min + 4.0 * longitude_deg
    hour_angle = np.deg2rad(true_solar_min / 4.0 - 180.0)
    lat = np.deg2rad(latitude_deg)
    cos_z = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    cos_z = np.clip(cos_z, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ghi = np.where(cos_z > 0.01, 1098.0 * cos_z * np.exp(-0.057 / cos_z), 0.0)
    return np.asarray(np.clip(ghi / 1000.0 * (1.0 - losses_fraction), 0.0, 1.0), dtype=float)


def synthetic_wind_profile(
    index: pd.DatetimeIndex,
    interval_hours: FloatArray,
    capacity_factor: float = 0.35,
    rng: np.random.Generator | None = None,
    persistence_per_hour: float = 0.97,
) -> FloatArray:
    """Synthetic wind capacity factor with seasonal and diurnal cycles and AR(1) noise.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts (local time drives the diurnal cycle).
    interval_hours : numpy.ndarray
        Interval lengths. [h]
    capacity_factor : float
        Target mean capacity factor. [-]
    rng : numpy.random.Generator, optional
        Source of the noise; default ``numpy.random.default_rng(0)`` (reproducible).
    persistence_per_hour : float
        AR(1) coefficient per hour of the log-noise. [-]

    Returns
    -------
    numpy.ndarray
        Capacity factor per interval, 0..1, mean close to ``capacity_factor``. [-]
    """
    rng = np.random.default_rng(0) if rng is None else rng
    dt = np.asarray(interval_hours, dtype=float)
    n = len(index)
    hour = (index.hour + index.minute / 60.0).to_numpy(dtype=float)
    doy = index.day_of_year.to_numpy(dtype=float)
    shape = (1.0 + 0.25 * np.cos(2 * np.pi * (hour - 2.0) / 24.0)) * (
        1.0 + 0.2 * np.cos(2 * np.pi * (doy - 100.0) / 365.0)
    )
    phi = persistence_per_hour ** dt
    shocks = rng.standard_normal(n) * np.sqrt(1.0 - phi**2)
    noise = np.empty(n)
    level = rng.standard_normal()
    for i in range(n):  # AR(1) recursion (sequential by nature; n is one year at most)
        level = phi[i] * level + shocks[i]
        noise[i] = level
    raw = shape * np.exp(0.6 * noise)
    cf = raw * capacity_factor / raw.mean()
    for _ in range(20):  # rescale after clipping so the mean hits the target
        cf = np.clip(cf, 0.0, 1.0)
        mean = cf.mean()
        if abs(mean - capacity_factor) < 1e-6 or mean <= 0:
            break
        cf = cf * capacity_factor / mean
    return np.asarray(np.clip(cf, 0.0, 1.0), dtype=float)
