"""Reproducible Monte Carlo market paths: BTC price, network hashrate, fees, subsidy, power.

Each series is a *center* path (:mod:`hashpivot.scenarios.centering`) times a stochastic
factor (:mod:`hashpivot.scenarios.processes`); the inputs are resolved by
:func:`hashpivot.scenarios.parameters.build_scenario_params`. With every volatility at zero
the generated paths equal the center exactly, so the simulation reproduces the
deterministic pivot model. The subsidy is deterministic
(:func:`hashpivot.bitcoin.period_subsidy_btc`); difficulty follows the hashrate
(``MarketPaths.difficulty``).

Reproducibility
---------------
Randomness comes only from the :class:`numpy.random.Generator` passed in. The draws are
made in a fixed order (price, hashrate, fees, power normal, power uniform, then each other
power market's normal and, for a new ISO, uniform), each shaped ``(n_periods, n_paths)``.
:func:`chunk_seeds` spawns one child ``SeedSequence`` per chunk of a fixed size, so chunk
``k`` always uses child ``k`` whatever runs it (see
:mod:`hashpivot.engines.simulate`).
"""

from __future__ import annotations

import functools

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.bitcoin import btc_per_th_day, warn_non_positive
from hashpivot.market import MarketPaths
from hashpivot.scenarios.margin import LOSS_SPELL_MONTHS, first_loss_spell, loss_spell_mask
from hashpivot.scenarios.parameters import ScenarioParams
from hashpivot.scenarios.processes import (
    DAYS_PER_MONTH,
    bootstrap_increments,
    cumulate_rows,
    fee_draws,
    gbm_increments,
    hashrate_deviation,
    hashrate_shocks,
    power_prices,
    responds,
)


class SimulatedMarketPaths(MarketPaths):
    """:class:`MarketPaths` whose derived arrays are computed once and cached.

    Every strategy of a chunk reads the same hash value; caching it saves a few passes over
    ``n_paths x n_periods`` per strategy. The cached arrays are read-only.
    """

    @functools.cached_property
    def difficulty(self) -> FloatArray:
        """Difficulty implied by the network hashrate at 600 s blocks. [-]"""
        out = np.asarray(MarketPaths.difficulty.fget(self))  # type: ignore[attr-defined]
        out.setflags(write=False)
        return out

    @functools.cached_property
    def hashvalue_btc_per_th_day(self) -> FloatArray:
        """Expected BTC per TH/s per day (with the difficulty, in one compiled pass when the
        subsidy is the same on every path, as generated). [BTC/(TH/s)/day]"""
        sub = self.subsidy_btc_per_block
        if self.n_paths == 0 or sub.strides[0] != 0 or "difficulty" in self.__dict__:
            out = np.asarray(
                btc_per_th_day(self.difficulty, sub + self.fees_btc_per_block)
            )
        else:
            # compiled (numba), imported here: a deterministic run loads no numba
            from hashpivot.scenarios.paths_kernel import difficulty_and_hashvalue

            d, out, bad = difficulty_and_hashvalue(
                self.network_hashrate_th_s, sub[0], self.fees_btc_per_block
            )
            if bad:
                warn_non_positive("difficulty")
            d.setflags(write=False)
            self.__dict__["difficulty"] = d  # the cached difficulty
        out.setflags(write=False)
        return out


    def year_ahead_revenue_factor(self, last: int) -> FloatArray:
        """:meth:`MarketPaths.year_ahead_revenue_factor`, computed once per ``last`` (every
        strategy of a chunk takes it; read-only). [-]"""
        cache: dict[int, FloatArray] = self.__dict__.setdefault("_year_ahead_by_last", {})
        if last not in cache:
            out = MarketPaths.year_ahead_revenue_factor(self, last)
            out.setflags(write=False)
            cache[last] = out
        return cache[last]


def generate_market_paths(
    params: ScenarioParams, n_paths: int, rng: np.random.Generator
) -> MarketPaths:
    """Draw ``n_paths`` market paths.

    Parameters
    ----------
    params : ScenarioParams
        Resolved model (:func:`~hashpivot.scenarios.parameters.build_scenario_params`).
    n_paths : int
        Number of paths. [-]
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    SimulatedMarketPaths
        A :class:`MarketPaths` with arrays of shape ``(n_paths, n_periods)`` (C order; the
        subsidy is a read-only broadcast view) and cached derived arrays.
    """
    T, n = params.n_periods, int(n_paths)
    # 1. price increments (T, n) and the standardized price shock z
    if params.price_model == "bootstrap":
        X, z = bootstrap_increments(params, n, rng)
    else:
        X, z = gbm_increments(params, n, rng)
    cumulate_rows(X)
    # 2. hashrate shocks
    e = hashrate_shocks(params, z, rng)
    del z
    # 3. fees
    fees, log_reward_ratio = fee_draws(params, n, rng, responds(params))
    # 4. hashrate recursion on the deviation Y (lagged hashprice response)
    Y = hashrate_deviation(params, X, e, log_reward_ratio)
    del e, log_reward_ratio
    # center * exp(factor), path-major (n, T): numpy's exp in place, then one pass
    hashrate = _path_major(params.hashrate_center_th_s, np.exp(Y, out=Y))
    del Y
    price = _path_major(params.price_center_usd, np.exp(X, out=X))
    del X
    # 5. power
    drawn = power_prices(params, n, rng)
    power, others = (None, {}) if drawn is None else drawn

    return SimulatedMarketPaths(
        periods=params.periods,
        btc_price_usd=price,
        network_hashrate_th_s=hashrate,
        fees_btc_per_block=fees,
        # a read-only broadcast view: the subsidy is the same on every path
        subsidy_btc_per_block=np.broadcast_to(params.subsidy_btc_per_block, (n, T)),
        power_price_usd_per_mwh=None if power is None else np.ascontiguousarray(power.T),
        subsidy_year_later_btc_per_block=params.subsidy_year_later_btc_per_block,
        power_reference_usd_per_mwh=params.power_reference_usd_per_mwh,
        power_node=params.power_node,
        power_by_market={k: np.ascontiguousarray(v.T) for k, v in others.items()},
        power_reference_by_market={m.node: m.reference_usd_per_mwh
                                   for m in params.power_markets},
    )


def _path_major(center: FloatArray, factor: FloatArray) -> FloatArray:
    """``center[:, None] * factor`` of a time-major ``factor`` ``(T, n)``, transposed to
    ``(n, T)`` (C order) in the same pass. [as center]"""
    from hashpivot.scenarios.paths_kernel import scaled_transpose  # compiled (numba)

    out = np.empty(factor.shape[::-1])
    scaled_transpose(np.ascontiguousarray(center, dtype=np.float64), factor, out)
    return out


def count_loss_spells(params: ScenarioParams, market: MarketPaths) -> int:
    """Paths below the marginal fleet's cost for more than a year (0 without the response).

    See :func:`hashpivot.scenarios.margin.loss_spell_mask`. [-]
    """
    cost = params.margin_cost_usd_per_ph_day
    if params.log_margin_center is None or cost is None:
        return 0
    hp = np.asarray(market.hashprice_usd_per_th_day) * 1000.0
    steps_per_month = 1.0 if not params.is_daily else DAYS_PER_MONTH
    mask = loss_spell_mask(np.log(hp / cost), round(LOSS_SPELL_MONTHS * steps_per_month))
    return int(mask.sum())


def margin_notes(
    params: ScenarioParams, center: MarketPaths, spell_paths: int, n_paths: int
) -> list[str]:
    """Notes of a Monte Carlo run with the margin response: the center path's spell below
    cost (if longer than a year) and the share of paths with such a spell."""
    if params.log_margin_center is None or params.margin_cost_usd_per_ph_day is None:
        return []
    out: list[str] = []
    hp = np.asarray(center.hashprice_usd_per_th_day)[0] * 1000.0
    steps_per_month = 1.0 if not params.is_daily else DAYS_PER_MONTH
    spell = first_loss_spell(
        np.log(hp / params.margin_cost_usd_per_ph_day), params.periods,
        round(LOSS_SPELL_MONTHS * steps_per_month),
    )
    if spell is not None:
        out.append(
            f"deterministic path: the whole network mines below the marginal fleet's power "
            f"cost for more than a year ({spell})"
        )
    if spell_paths:
        out.append(
            f"{100 * spell_paths / n_paths:.1f} % of paths have the whole network mining at "
            "a loss for more than a year (network hashprice below the power cost of the "
            "marginal fleet: [scenario] marginal_fleet_*, network_power_price_usd_per_mwh)"
        )
    return out


def chunk_seeds(
    seed: int | np.random.SeedSequence, n_paths: int, chunk_paths: int
) -> list[tuple[int, int, np.random.SeedSequence]]:
    """Split ``n_paths`` into fixed-size chunks, each with its own child seed.

    Parameters
    ----------
    seed : int or SeedSequence
        Root seed of the run.
    n_paths : int
        Total number of paths. [-]
    chunk_paths : int
        Paths per chunk (the last chunk may be smaller). [-]

    Returns
    -------
    list of (k, size, SeedSequence)
        Chunk ``k`` always gets child ``k`` of the root ``SeedSequence``: the same seed and
        chunk size give the same paths whichever process generates which chunk.
    """
    if n_paths < 1 or chunk_paths < 1:
        raise ValueError("n_paths and chunk_paths must be >= 1")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n_chunks = -(-n_paths // chunk_paths)
    # Built from (entropy, spawn_key + (k,)) rather than root.spawn(): identical to the
    # spawned children of a fresh root, and stateless (calling twice gives the same seeds).
    return [
        (
            k,
            min(chunk_paths, n_paths - k * chunk_paths),
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k)),
        )
        for k in range(n_chunks)
    ]


def generate_chunk(
    params: ScenarioParams, seed_seq: np.random.SeedSequence, size: int
) -> MarketPaths:
    """Generate one chunk from its child seed (``numpy.random.default_rng(seed_seq)``)."""
    return generate_market_paths(params, size, np.random.default_rng(seed_seq))
