"""The checks of a :class:`~hashpivot.power.model.DispatchProblem` as it is built: each
series the length of the intervals, finite where it must be, a tranche installed over one
span, the scalars' bounds, and a demand response commitment no larger than the load the
site can curtail (reported at ``dispatch.demand_response.committed_mw``; the others at
``dispatch``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hashpivot.exceptions import Problem

if TYPE_CHECKING:
    from hashpivot.power.model import DispatchProblem

__all__ = ["problem_checks"]


def problem_checks(p: DispatchProblem) -> list[Problem]:
    """Every problem of ``p``'s inputs; empty when it can be solved.

    Parameters
    ----------
    p : DispatchProblem
        The problem, checked as it is built (``__post_init__``).

    Returns
    -------
    list of Problem
        Shapes, non-finite values and bounds at ``dispatch``; a demand response
        commitment above the curtailable load at ``dispatch.demand_response.committed_mw``.
    """
    n = len(p.index)
    problems: list[str] = []
    arrays = {
        "interval_hours_series": p.interval_hours_series,
        "price_usd_per_mwh_series": p.price_usd_per_mwh_series,
        "hashprice_usd_per_ph_day_series": p.hashprice_usd_per_ph_day_series,
    }
    optional = {
        "ai_window_series": p.ai_window_series,
        "renewable_mw_series": p.renewable_mw_series,
        "dr_event_series": p.dr_event_series,
        "fourcp_peak_series": p.fourcp_peak_series,
        "emissions_tco2_per_mwh_series": p.emissions_tco2_per_mwh_series,
        "grid_price_usd_per_mwh_series": p.grid_price_usd_per_mwh_series,
        "mining_floor_mw_series": p.mining_floor_mw_series,
    }
    for name, arr in {**arrays, **optional}.items():
        if arr is None:
            continue
        if np.shape(arr) != (n,):
            problems.append(f"{name} has shape {np.shape(arr)}, expected ({n},)")
    installed = p.tranche_installed_series
    if installed is not None and np.shape(installed) != (n, len(p.tranches)):
        problems.append(f"tranche_installed_series has shape {np.shape(installed)}, "
                        f"expected ({n}, {len(p.tranches)})")
    elif installed is not None and n > 1 and np.any(
            (np.diff(np.asarray(installed, dtype=np.int8), axis=0) > 0).sum(axis=0)
            + np.asarray(installed, dtype=bool)[0] > 1):
        problems.append("tranche_installed_series: a tranche is installed over more than "
                        "one span (one fleet entry's dates give one)")
    for name, arr in arrays.items():
        if np.shape(arr) == (n,) and not np.all(np.isfinite(arr)):
            problems.append(f"{name} has {int((~np.isfinite(arr)).sum())} non-finite values")
    if n == 0:
        problems.append("the horizon has no intervals")
    hours = np.asarray(p.interval_hours_series)
    if np.shape(hours) == (n,) and np.any(hours <= 0):
        problems.append("interval_hours_series must be > 0")
    if np.shape(p.hashprice_usd_per_ph_day_series) == (n,) and np.any(
        np.asarray(p.hashprice_usd_per_ph_day_series) < 0
    ):
        problems.append("hashprice_usd_per_ph_day_series must be >= 0")
    for name in ("ai_firm_mw", "ai_flexible_mw", "ai_flexible_max_mw", "ppa_volume_mw",
                 "dr_committed_mw", "dr_unavailable_usd_per_mw_hour",
                 "fourcp_usd_per_kw_year"):
        if getattr(p, name) < 0:
            problems.append(f"{name} must be >= 0")
    if p.ai_flexible_mw > 0 and p.ai_flexible_max_mw < p.ai_flexible_mw:
        problems.append("ai_flexible_max_mw must be >= ai_flexible_mw")
    if not 0 <= p.pool_fee_fraction < 1:
        problems.append("pool_fee_fraction must be in [0, 1)")
    if p.min_up_intervals < 1 or p.min_down_intervals < 1:
        problems.append("min_up_intervals and min_down_intervals must be >= 1")
    if p.import_limit_mw <= 0 or p.ramp_mw_per_interval <= 0:
        problems.append("import_limit_mw and ramp_mw_per_interval must be > 0")
    if not p.commitment_block_mw > 0:
        problems.append("commitment_block_mw must be > 0")
    # only mining and flexible AI can be shed: readiness on more MW would be paid for
    # capacity the site can never deliver
    curtailable = sum(t.power_mw for t in p.tranches) + (
        p.ai_flexible_max_mw if p.ai_flexible_mw > 0 else 0.0
    )
    found = [Problem(path="dispatch", message=m) for m in problems]
    if p.dr_committed_mw > curtailable * (1 + 1e-9) + 1e-9:
        found.append(
            Problem(
                path="dispatch.demand_response.committed_mw",
                message=f"{p.dr_committed_mw:g} MW exceeds the load the site can "
                f"curtail (mining at rated power plus flexible AI: {curtailable:g} MW)",
            )
        )
    return found
