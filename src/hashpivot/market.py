"""Market paths: the monthly (or daily) market state that engines consume.

One deterministic path is ``n_paths = 1``; Monte Carlo scenarios stack paths along the
first axis. Every engine that values mining over time takes a :class:`MarketPaths`, so the
same code serves the deterministic pivot model and the risk simulation.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.bitcoin import btc_per_th_day, difficulty_from_hashrate


@dataclass(frozen=True)
class MarketPaths:
    """Market state per path and period.

    Attributes
    ----------
    periods : pandas.PeriodIndex
        The periods (monthly ``"M"`` or daily ``"D"``), length ``n_periods``.
    btc_price_usd : ndarray, shape (n_paths, n_periods)
        BTC price. [USD]
    network_hashrate_th_s : ndarray, shape (n_paths, n_periods)
        Network hashrate. [TH/s]
    fees_btc_per_block : ndarray, shape (n_paths, n_periods)
        Average transaction fees per block. [BTC]
    subsidy_btc_per_block : ndarray, shape (n_paths, n_periods)
        Block subsidy (halvings applied). [BTC]
    power_price_usd_per_mwh : ndarray or None, shape (n_paths, n_periods)
        Index power price for index-priced contracts; ``None`` when not simulated. [USD/MWh]
    subsidy_year_later_btc_per_block : ndarray or None, shape (n_periods,)
        The block subsidy of each period one year later (:func:`~hashpivot.bitcoin.
        year_later`), for the terminal value's year after the horizon; ``None``: not
        known (market paths built by hand), taken as the period's own. [BTC]
    power_reference_usd_per_mwh : float or None
        The expected index price ``m`` the power paths are centred on, where each index
        site scales them to its own: ``P x c / m`` plus its adder, ``c`` the site's
        contract price (several index sites at different expected prices share the paths'
        shape, each at its own level, as ``pivot`` values each at its own); None: every
        index site takes ``P`` as it is. [USD/MWh]
    power_node : str or None
        The market node (``iso:point``) of ``power_price_usd_per_mwh``: the first index
        site's; None: not known (the index of every index site not on another node of
        ``power_by_market``).
    power_by_market : mapping of str to ndarray, shape (n_paths, n_periods)
        The index price of each other market node of the run's index sites (its own
        process, :class:`~hashpivot.scenarios.power_parameters.PowerMarketParams`), by node;
        empty: every index site takes ``power_price_usd_per_mwh``. [USD/MWh]
    power_reference_by_market : mapping of str to float or None
        ``power_reference_usd_per_mwh`` of each node of ``power_by_market``: the first
        index site's expected price on it, where its other sites scale its paths. [USD/MWh]
    """

    periods: pd.PeriodIndex
    btc_price_usd: FloatArray
    network_hashrate_th_s: FloatArray
    fees_btc_per_block: FloatArray
    subsidy_btc_per_block: FloatArray
    power_price_usd_per_mwh: FloatArray | None = None
    extra: dict[str, FloatArray] = field(default_factory=dict)
    subsidy_year_later_btc_per_block: FloatArray | None = None
    power_reference_usd_per_mwh: float | None = None
    power_node: str | None = None
    power_by_market: Mapping[str, FloatArray] = field(default_factory=dict)
    power_reference_by_market: Mapping[str, float | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shape = self.btc_price_usd.shape
        if len(shape) != 2 or shape[1] != len(self.periods):
            raise ValueError(
                f"btc_price_usd must have shape (n_paths, {len(self.periods)}), got {shape}"
            )
        for name in ("network_hashrate_th_s", "fees_btc_per_block", "subsidy_btc_per_block"):
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")
        p = self.power_price_usd_per_mwh
        if p is not None and p.shape != shape:
            raise ValueError(f"power_price_usd_per_mwh has shape {p.shape}, expected {shape}")
        for node, q in self.power_by_market.items():
            if q.shape != shape:
                raise ValueError(f"power_by_market[{node!r}] has shape {q.shape}, "
                                 f"expected {shape}")

    def index_power(self, node: str | None) -> tuple[FloatArray | None, float | None]:
        """The index price paths of market ``node`` (``iso:point``) and the expected
        price they are centred on (as ``power_price_usd_per_mwh`` and
        ``power_reference_usd_per_mwh``): its own where it has a process of its own in
        ``power_by_market``, else the first index site's. [USD/MWh]"""
        if node is not None and node in self.power_by_market:
            return self.power_by_market[node], self.power_reference_by_market.get(node)
        return self.power_price_usd_per_mwh, self.power_reference_usd_per_mwh

    @property
    def n_paths(self) -> int:
        """Number of paths. [-]"""
        return int(self.btc_price_usd.shape[0])

    @property
    def n_periods(self) -> int:
        """Number of periods. [-]"""
        return int(self.btc_price_usd.shape[1])

    def take_paths(self, idx: IntArray) -> MarketPaths:
        """The paths ``idx`` (in that order), every period. [-]"""
        return MarketPaths(
            periods=self.periods,
            btc_price_usd=self.btc_price_usd[idx],
            network_hashrate_th_s=self.network_hashrate_th_s[idx],
            fees_btc_per_block=self.fees_btc_per_block[idx],
            subsidy_btc_per_block=self.subsidy_btc_per_block[idx],
            power_price_usd_per_mwh=(None if self.power_price_usd_per_mwh is None
                                     else self.power_price_usd_per_mwh[idx]),
            extra={k: v[idx] for k, v in self.extra.items()},
            subsidy_year_later_btc_per_block=self.subsidy_year_later_btc_per_block,
            power_reference_usd_per_mwh=self.power_reference_usd_per_mwh,
            power_node=self.power_node,
            power_by_market={k: v[idx] for k, v in self.power_by_market.items()},
            power_reference_by_market=dict(self.power_reference_by_market),
        )

    def year_ahead_revenue_factor(self, last: int) -> FloatArray:
        """What mining revenue of each of the ``last`` periods becomes a year later at the
        same price, hashrate and fees, only the subsidy moved on (a halving between):
        ``(s' + f) / (s + f)``, ``s'`` the subsidy a year later; ones where it is not known.
        Mining's terminal value takes its year after the horizon as the final year
        times this, so a halving just after the horizon, or within its final year, is
        valued (:mod:`hashpivot.engines.pivot.terminal`). Shape (n_paths, last). [-]
        """
        later = self.subsidy_year_later_btc_per_block
        if later is None or last <= 0:
            return np.ones((self.n_paths, max(last, 0)))
        fees = np.asarray(self.fees_btc_per_block[:, -last:], dtype=np.float64)
        now = np.asarray(self.subsidy_btc_per_block[:, -last:], dtype=np.float64)
        return np.asarray((np.asarray(later[-last:])[None, :] + fees) / (now + fees),
                          dtype=np.float64)

    @property
    def difficulty(self) -> FloatArray:
        """Difficulty implied by the network hashrate at 600 s blocks. [-]"""
        return np.asarray(difficulty_from_hashrate(self.network_hashrate_th_s))

    @functools.cached_property
    def hashvalue_btc_per_th_day(self) -> FloatArray:
        """Expected BTC per TH/s per day, computed once (read-only: the engines read it
        for every block of a fleet). [BTC/(TH/s)/day]"""
        out = np.asarray(
            btc_per_th_day(self.difficulty, self.subsidy_btc_per_block + self.fees_btc_per_block)
        )
        out.setflags(write=False)
        return out

    @property
    def hashprice_usd_per_th_day(self) -> FloatArray:
        """USD per TH/s per day. [USD/(TH/s)/day]"""
        return self.hashvalue_btc_per_th_day * self.btc_price_usd

    @functools.cached_property
    def days_per_period(self) -> FloatArray:
        """Calendar days in each period, shape (n_periods,), computed once (read-only).
        [day]"""
        if self.periods.freqstr.startswith("M"):
            out = np.array(self.periods.days_in_month, dtype=np.float64)
        else:
            out = np.ones(len(self.periods), dtype=np.float64)
        out.setflags(write=False)
        return out
