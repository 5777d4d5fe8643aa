"""Mining tranches and their concave hashrate-vs-power segments.

A **tranche** is a group of identical machines that can be curtailed by any fraction (a
share of the machines switched off) and, optionally, underclocked: running machines may go
down to ``min_power_fraction`` of rated power where they still give
``hashrate_fraction_at_min`` of rated hashrate. Hashrate as a function of the tranche's
power is then concave piecewise linear with two segments (:func:`tranche_segments`):
first all machines underclocked (the efficient segment), then clocked up to rated power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashpivot.exceptions import InputError, Problem
from hashpivot.power.intervals import FloatArray

__all__ = ["Segments", "Tranche", "tranche_segments"]


@dataclass(frozen=True)
class Tranche:
    """A group of identical ASICs dispatched together.

    Parameters
    ----------
    name : str
        Label (e.g. the ASIC model).
    power_mw : float
        Site power of the tranche at rated clock, including the site overhead (cooling,
        losses) and the availability derate. [MW]
    hashrate_ph_s : float
        Hashrate at rated clock, with the same availability derate. [PH/s]
    min_power_fraction : float
        Lowest power a running machine may be underclocked to, as a fraction of rated
        power; 1 disables underclocking. [-]
    hashrate_fraction_at_min : float or None
        Hashrate at ``min_power_fraction``, as a fraction of rated hashrate; ``None`` means
        equal to ``min_power_fraction`` (no efficiency gain). [-]
    """

    name: str
    power_mw: float
    hashrate_ph_s: float
    min_power_fraction: float = 1.0
    hashrate_fraction_at_min: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not (math.isfinite(self.power_mw) and self.power_mw >= 0):
            problems.append("power_mw must be a finite number >= 0")
        if not (math.isfinite(self.hashrate_ph_s) and self.hashrate_ph_s >= 0):
            problems.append("hashrate_ph_s must be a finite number >= 0")
        if not 0 < self.min_power_fraction <= 1:
            problems.append("min_power_fraction must be in (0, 1]")
        h = self.hashrate_fraction_at_min
        if h is not None and not (self.min_power_fraction <= h <= 1):
            problems.append("hashrate_fraction_at_min must be in [min_power_fraction, 1]")
        if problems:
            raise InputError(
                [Problem(path=f"tranche {self.name!r}", message=m) for m in problems]
            )

    @property
    def efficiency_ph_s_per_mw(self) -> float:
        """Hashrate per MW at rated clock. [PH/s/MW]"""
        return self.hashrate_ph_s / self.power_mw if self.power_mw > 0 else 0.0


@dataclass(frozen=True)
class Segments:
    """Power segments of all tranches (one or two per tranche), in tranche order.

    Attributes
    ----------
    tranche : numpy.ndarray of int, shape (S,)
        Tranche of each segment.
    cap_mw : numpy.ndarray, shape (S,)
        Power width of each segment. [MW]
    ph_s_per_mw : numpy.ndarray, shape (S,)
        Hashrate gained per MW within the segment. [PH/s/MW]
    """

    tranche: npt.NDArray[np.int64]
    cap_mw: FloatArray
    ph_s_per_mw: FloatArray

    @property
    def n(self) -> int:
        """Number of segments."""
        return len(self.cap_mw)


def tranche_segments(tranches: tuple[Tranche, ...] | list[Tranche]) -> Segments:
    """Split each tranche into its concave hashrate-vs-power segments.

    Without underclocking a tranche is one segment ``[0, P]`` at its rated efficiency.
    With ``min_power_fraction = f`` and ``hashrate_fraction_at_min = h`` it is two:
    ``[0, fP]`` giving ``hH`` (all machines underclocked; the share running scales) and
    ``[fP, P]`` giving the remaining ``(1 - h)H`` (clocking up). ``h >= f`` makes the
    first at least as efficient as the second, so the function is concave.

    Parameters
    ----------
    tranches : sequence of Tranche

    Returns
    -------
    Segments
    """
    tr: list[int] = []
    cap: list[float] = []
    eff: list[float] = []
    for k, t in enumerate(tranches):
        f = t.min_power_fraction
        h = t.hashrate_fraction_at_min if t.hashrate_fraction_at_min is not None else f
        if t.power_mw <= 0:
            tr.append(k)
            cap.append(0.0)
            eff.append(0.0)
            continue
        if f >= 1.0 or abs(h - f) < 1e-12:
            tr.append(k)
            cap.append(t.power_mw)
            eff.append(t.hashrate_ph_s / t.power_mw)
            continue
        tr += [k, k]
        cap += [f * t.power_mw, (1 - f) * t.power_mw]
        eff += [h * t.hashrate_ph_s / (f * t.power_mw),
                (1 - h) * t.hashrate_ph_s / ((1 - f) * t.power_mw)]
    return Segments(
        tranche=np.asarray(tr, dtype=np.int64),
        cap_mw=np.asarray(cap, dtype=float),
        ph_s_per_mw=np.asarray(eff, dtype=float),
    )
