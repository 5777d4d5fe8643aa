"""Bitcoin protocol arithmetic: block subsidy, halvings, difficulty and hashrate.

Sources
-------
Bitcoin Core ``src/validation.cpp`` ``GetBlockSubsidy`` (subsidy halving by right shift,
zero after 64 halvings); ``src/pow.cpp`` (difficulty = expected hashes per block / 2^32).
"""

from __future__ import annotations

import math
import sys
import warnings
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and pandas are imported by the functions that build arrays or
    # tables: `hashpivot hashprice` on scalars starts without them
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

from hashpivot.units import (
    H_PER_TH,
    HALVING_INTERVAL_BLOCKS,
    HASHES_PER_DIFFICULTY,
    INITIAL_SUBSIDY_SAT,
    SATOSHI_PER_BTC,
    SECONDS_PER_DAY,
    TARGET_BLOCK_INTERVAL_S,
)


def block_subsidy_sat(height: int) -> int:
    """Block subsidy at a height, exactly as Bitcoin Core's ``GetBlockSubsidy``.

    Parameters
    ----------
    height : int
        Block height, >= 0. [blocks]

    Returns
    -------
    int
        Subsidy of the block. [satoshi]

    Notes
    -----
    ``halvings = height // 210000``; the subsidy is ``50 BTC >> halvings`` and zero once
    ``halvings >= 64`` (a right shift by 64 or more is undefined in C++).
    Source: Bitcoin Core ``validation.cpp``.
    """
    numpy = sys.modules.get("numpy")  # a numpy integer exists only once numpy is imported
    integer = int if numpy is None else int | numpy.integer
    if isinstance(height, bool) or not isinstance(height, integer):
        raise TypeError(f"height must be an integer, got {type(height).__name__}")
    if height < 0:
        raise ValueError(f"height must be >= 0, got {height}")
    halvings = int(height) // HALVING_INTERVAL_BLOCKS
    if halvings >= 64:
        return 0
    return INITIAL_SUBSIDY_SAT >> halvings


def block_subsidy_btc(height: int) -> float:
    """Block subsidy at a height in BTC. [BTC]

    See :func:`block_subsidy_sat`; this divides its exact integer by 1e8.
    """
    return block_subsidy_sat(height) / SATOSHI_PER_BTC


def block_subsidy_btc_array(height: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Vectorized block subsidy for an array of heights. [BTC]

    Parameters
    ----------
    height : array_like of int
        Block heights, >= 0. [blocks]
    """
    import numpy as np

    h = np.asarray(height, dtype=np.int64)
    if np.any(h < 0):
        raise ValueError("heights must be >= 0")
    halvings = h // HALVING_INTERVAL_BLOCKS
    sat = np.where(halvings >= 64, 0, np.right_shift(INITIAL_SUBSIDY_SAT, np.minimum(halvings, 63)))
    return sat.astype(np.float64) / SATOSHI_PER_BTC


def _cumulative_subsidy_btc(height: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Total subsidy of the blocks below a (fractional) height. [BTC]"""
    import numpy as np

    eras = np.arange(34)
    sub = block_subsidy_btc_array(eras * HALVING_INTERVAL_BLOCKS)
    within = np.clip(height[..., None] - eras * HALVING_INTERVAL_BLOCKS, 0, HALVING_INTERVAL_BLOCKS)
    return np.asarray((within * sub).sum(axis=-1), dtype=np.float64)


def mean_block_subsidy_btc(
    height_start: npt.ArrayLike, height_end: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Mean subsidy of the blocks in ``[height_start, height_end)``. [BTC]

    Parameters
    ----------
    height_start, height_end : array_like
        First height of each range and the height after it (fractional heights allowed,
        ``height_end > height_start``). [blocks]

    Returns
    -------
    ndarray
        The subsidy of the range's blocks when no halving falls inside it; across one
        halving at height ``B``, the blocks-weighted mean of both eras:
        ``f s0 + (1 - f) s1`` with ``f = (B - height_start) / (height_end - height_start)``
        (clipped to [0, 1]); across two or more halvings (a range of more than 210,000
        blocks), the mean from the cumulative subsidy. Subsidies from
        :func:`block_subsidy_btc_array` (Bitcoin Core's ``GetBlockSubsidy``).
    """
    import numpy as np

    hs = np.asarray(height_start, dtype=np.float64)
    he = np.asarray(height_end, dtype=np.float64)
    first = np.floor(hs).astype(np.int64)
    last = np.maximum(np.ceil(he).astype(np.int64) - 1, first)
    s0 = block_subsidy_btc_array(first)
    s1 = block_subsidy_btc_array(last)
    boundary = (first // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS
    frac = np.clip((boundary - hs) / (he - hs), 0.0, 1.0)
    out = np.where(s0 != s1, frac * s0 + (1.0 - frac) * s1, s0)
    many = last // HALVING_INTERVAL_BLOCKS - first // HALVING_INTERVAL_BLOCKS > 1
    if np.any(many):
        hs_m, he_m = np.broadcast_arrays(hs, he)
        exact = (_cumulative_subsidy_btc(he_m) - _cumulative_subsidy_btc(hs_m)) / (he_m - hs_m)
        out = np.where(many, exact, out)
    return np.asarray(out, dtype=np.float64)


def period_subsidy_btc(
    periods: pd.PeriodIndex,
    height: float,
    height_date: pd.Timestamp | str | datetime,
    blocks_per_day: float = 144.0,
) -> npt.NDArray[np.float64]:
    """Mean block subsidy of the blocks mined in each period. [BTC]

    The one per-period subsidy of the project: the pivot model's deterministic market and
    the scenario generator both use it.

    Parameters
    ----------
    periods : pandas.PeriodIndex
        Periods (any frequency).
    height : float
        Block height reached at the start of ``height_date``. [blocks]
    height_date : timestamp-like
        Day of ``height``.
    blocks_per_day : float
        Blocks per day (144 at 600 s). [1/day]

    Returns
    -------
    ndarray
        :func:`mean_block_subsidy_btc` of each period's blocks, heights extrapolated
        linearly in time from ``height`` (``blocks_per_day`` a day): a period that contains
        a halving gets the blocks-weighted mean of both subsidies.
    """
    import numpy as np
    import pandas as pd

    t0 = pd.Timestamp(height_date).normalize()
    start_days = (periods.start_time.normalize() - t0).days.to_numpy(np.float64)
    end_days = ((periods.end_time.normalize() + pd.Timedelta(days=1)) - t0).days.to_numpy(
        np.float64
    )
    hs = np.maximum(height + blocks_per_day * start_days, 0.0)
    he = np.maximum(height + blocks_per_day * end_days, hs + 1e-9)
    return mean_block_subsidy_btc(hs, he)


def year_later(periods: pd.PeriodIndex) -> pd.PeriodIndex:
    """The same periods one year later (a month twelve months on, a day a year on)."""
    import pandas as pd

    if periods.freqstr.startswith("M"):
        return periods + 12
    return pd.PeriodIndex((periods.to_timestamp() + pd.DateOffset(years=1)), freq=periods.freq)


def halving_height(index: int) -> int:
    """Height of the ``index``-th halving (1 = first, at 210,000). [blocks]"""
    if index < 1:
        raise ValueError(f"halving index must be >= 1, got {index}")
    return index * HALVING_INTERVAL_BLOCKS


def next_halving_height(height: int) -> int:
    """Height of the next halving strictly after ``height``. [blocks]"""
    if height < 0:
        raise ValueError(f"height must be >= 0, got {height}")
    return (height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS


def estimate_height_date(
    target_height: int,
    current_height: int,
    current_time: datetime,
    block_interval_s: float = TARGET_BLOCK_INTERVAL_S,
) -> datetime:
    """Estimated time at which a block height is reached.

    Parameters
    ----------
    target_height : int
        Height to reach. [blocks]
    current_height : int
        Height known at ``current_time``. [blocks]
    current_time : datetime
        Time of ``current_height`` (naive times are taken as UTC).
    block_interval_s : float
        Mean block interval. [s]

    Returns
    -------
    datetime
        ``current_time + (target - current) * interval`` (UTC).
    """
    if block_interval_s <= 0:
        raise ValueError(f"block_interval_s must be > 0, got {block_interval_s}")
    if current_time.tzinfo is None:
        current_time = current_time.replace(tzinfo=UTC)
    return current_time + timedelta(seconds=(target_height - current_height) * block_interval_s)


def halving_schedule(
    current_height: int,
    current_time: datetime,
    count: int = 3,
    block_interval_s: float = TARGET_BLOCK_INTERVAL_S,
) -> pd.DataFrame:
    """The next ``count`` halvings with heights, estimated dates and subsidies.

    Returns
    -------
    pandas.DataFrame
        Columns ``height`` [blocks], ``estimated_date`` (UTC), ``subsidy_before_btc`` and
        ``subsidy_after_btc`` [BTC].
    """
    first = next_halving_height(current_height)
    rows = []
    for k in range(count):
        h = first + k * HALVING_INTERVAL_BLOCKS
        rows.append(
            {
                "height": h,
                "estimated_date": estimate_height_date(
                    h, current_height, current_time, block_interval_s
                ),
                "subsidy_before_btc": block_subsidy_btc(h - 1),
                "subsidy_after_btc": block_subsidy_btc(h),
            }
        )
    import pandas as pd

    return pd.DataFrame(rows)


def hashrate_from_difficulty(
    difficulty: Any, block_interval_s: float = TARGET_BLOCK_INTERVAL_S
) -> Any:
    """Network hashrate implied by a difficulty. [TH/s]

    Parameters
    ----------
    difficulty : numeric
        Difficulty (expected hashes per block / 2^32). [-]
    block_interval_s : float
        Mean block interval. [s]

    Returns
    -------
    numeric
        ``D * 2^32 / interval / 1e12``. [TH/s]
    """
    return difficulty * HASHES_PER_DIFFICULTY / block_interval_s / H_PER_TH


def difficulty_from_hashrate(
    hashrate_th_s: Any, block_interval_s: float = TARGET_BLOCK_INTERVAL_S
) -> Any:
    """Difficulty at which a network hashrate finds blocks every ``block_interval_s``. [-]

    Parameters
    ----------
    hashrate_th_s : numeric
        Network hashrate. [TH/s]
    block_interval_s : float
        Mean block interval. [s]
    """
    return hashrate_th_s * H_PER_TH * block_interval_s / HASHES_PER_DIFFICULTY


def btc_per_th_day(difficulty: Any, reward_btc_per_block: Any) -> Any:
    """Expected BTC earned by 1 TH/s running a whole day. [BTC/(TH/s)/day]

    Parameters
    ----------
    difficulty : numeric
        Network difficulty. [-]
    reward_btc_per_block : numeric
        Subsidy plus average fees per block. [BTC]

    Returns
    -------
    numeric
        ``reward * 86400 * 1e12 / (D * 2^32)``: the share of blocks a TH/s finds in a day.
        Non-positive difficulty gives NaN.
    """
    d = _positive_or_nan(difficulty)
    return reward_btc_per_block * SECONDS_PER_DAY * H_PER_TH / (d * HASHES_PER_DIFFICULTY)


def _positive_or_nan(x: Any, name: str = "difficulty") -> Any:
    """Return ``x`` with non-positive entries replaced by NaN, with a warning (pvlib
    convention: undefined math gives NaN, never a silent wrong number)."""
    pandas = sys.modules.get("pandas")  # a Series exists only once pandas is imported
    numpy = sys.modules.get("numpy")  # and an array once numpy is
    if pandas is not None and isinstance(x, pandas.Series):
        bad = bool((x <= 0).any())
        out: Any = x.where(x > 0)
    elif numpy is not None and isinstance(x, numpy.ndarray):
        bad = bool((x <= 0).any())
        out = numpy.where(x > 0, x, numpy.nan)
    else:
        bad = not x > 0 and not math.isnan(x)
        out = float(x) if x > 0 else float("nan")
    if bad:
        warn_non_positive(name, stacklevel=4)
    return out


def warn_non_positive(name: str, stacklevel: int = 3) -> None:
    """The warning of non-positive values of ``name`` replaced by NaN (as
    ``_positive_or_nan`` gives them)."""
    warnings.warn(
        f"{name} must be > 0; non-positive values give NaN", RuntimeWarning,
        stacklevel=stacklevel,
    )
