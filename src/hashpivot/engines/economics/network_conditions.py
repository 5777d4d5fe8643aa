"""The network's state a cost is computed at: BTC price, difficulty, fees and subsidy of
one day (from the daily history, live, or given by hand), with their sources, and the
hashprice and hash value they make."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from hashpivot.mining import hashprice_usd_per_ph_day, hashvalue_btc_per_ph_day


@dataclass(frozen=True)
class NetworkConditions:
    """Network state the economics are evaluated at.

    Attributes
    ----------
    btc_price_usd : float
        BTC price. [USD]
    difficulty : float
        Network difficulty. [-]
    fees_btc_per_block : float
        Average fees per block. [BTC]
    subsidy_btc : float
        Block subsidy. [BTC]
    date : datetime.date or None
        Day of the conditions, when taken from history.
    source : str
        Where the figures come from.
    height : int or None
        Block height at the end of ``date`` (history) or at the tip (live); None when
        not known (conditions given by hand). [blocks]
    given : tuple of str
        The figures given for the run over the day's data (``btc_price_usd``,
        ``difficulty``, ``fees_btc_per_block``: :meth:`with_given`).
    data_source : str
        Where the figures not given come from, when some are (``source`` then says both).
    day_source : str
        How the day was chosen: given, the latest day of the data, or live.
    """

    btc_price_usd: float
    difficulty: float
    fees_btc_per_block: float = 0.0
    subsidy_btc: float = 3.125
    date: dt.date | None = None
    source: str = "user"
    height: int | None = None
    given: tuple[str, ...] = ()
    data_source: str = ""
    day_source: str = "given"

    def with_given(self, by: str, **figures: float | None) -> NetworkConditions:
        """These conditions with the ``figures`` that are not None given for the run over
        the day's (``btc_price_usd``, ``difficulty``, ``fees_btc_per_block``), ``by``
        whom (``"command line"``, ``"run parameters"``); themselves when none is."""
        over: dict[str, Any] = {k: float(v) for k, v in figures.items() if v is not None}
        if not over:
            return self
        data = f"{self.source} on {self.date}" if self.date else self.source
        return dataclasses.replace(self, **over, given=tuple(over), data_source=data,
                                   source=f"{by}; other fields from {data}")

    @classmethod
    def from_history(cls, date: str | dt.date | None) -> NetworkConditions:
        """Conditions of one day from the daily history (bundled plus ``data update``);
        None: its latest day (``day_source`` says so).

        The subsidy is the day's mean per block (``subsidy_btc_per_block``), as in
        :func:`~hashpivot.engines.economics.backtest.run_backtest`: on a halving day it blends both
        eras instead of taking the subsidy of the day's last block.
        """
        from hashpivot.io import btc_daily_range, network_state_on

        if date is not None:
            return cls._from_state(network_state_on(date))
        return dataclasses.replace(cls._from_state(network_state_on(btc_daily_range()[1])),
                                   day_source="default: the latest day of the data")

    @classmethod
    def live(cls, base_url: str = "https://mempool.space/api") -> NetworkConditions:
        """Current conditions from mempool.space (price, difficulty, recent fees, subsidy at
        the tip height)."""
        from hashpivot.io.mempool import get_network_state

        return dataclasses.replace(cls._from_state(get_network_state(base_url=base_url)),
                                   day_source="live: the network's tip")

    @classmethod
    def _from_state(cls, s: Any) -> NetworkConditions:
        """From a :class:`hashpivot.io.NetworkState` (mean subsidy per block of its day)."""
        return cls(
            btc_price_usd=s.btc_price_usd,
            difficulty=s.difficulty,
            fees_btc_per_block=s.fees_btc_per_block,
            subsidy_btc=s.subsidy_btc_per_block,
            date=s.date,
            source=s.source,
            height=s.height,
        )

    @property
    def hashprice_usd_per_ph_day(self) -> float:
        """Hashprice. [USD/(PH/s)/day]"""
        return float(
            hashprice_usd_per_ph_day(
                self.btc_price_usd, self.difficulty, self.subsidy_btc, self.fees_btc_per_block
            )
        )

    @property
    def hashvalue_btc_per_ph_day(self) -> float:
        """Hash value. [BTC/(PH/s)/day]"""
        return float(
            hashvalue_btc_per_ph_day(self.difficulty, self.subsidy_btc, self.fees_btc_per_block)
        )
