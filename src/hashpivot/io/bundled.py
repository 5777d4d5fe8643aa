"""Loaders of the data bundled in ``hashpivot/data`` (read with :mod:`importlib.resources`).

Every loader caches the parsed file once per process (:func:`functools.lru_cache`) and
returns a copy, so callers may mutate what they get. Provenance and licences of each file
are in ``hashpivot/data/PROVENANCE.md``; the files are rebuilt by
``scripts/build_btc_data.py``.

The daily BTC table is Coin Metrics Community data (CC BY-NC 4.0, non-commercial).
Source: Coin Metrics Community Network Data.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from hashpivot.exceptions import DataError
from hashpivot.io._columns import BTC_DAILY_COLUMNS

if TYPE_CHECKING:
    from hashpivot.io.user_data import DataState

BTC_DAILY_FILE = "btc_daily.csv.gz"
HOSTING_DEALS_FILE = "ai_hosting_deals.csv"
MINER_UNIT_COSTS_FILE = "miner_unit_costs.csv"

#: Attribution that must accompany any use of the bundled BTC daily data.
COINMETRICS_ATTRIBUTION = "Source: Coin Metrics Community Network Data (CC BY-NC 4.0)"

DateLike = str | dt.date | dt.datetime | pd.Timestamp


@dataclass(frozen=True)
class NetworkState:
    """Bitcoin network and market state on one day (or at one moment, when live).

    Parameters
    ----------
    date : datetime.date
        UTC day the state describes.
    btc_price_usd : float
        BTC price. [USD/BTC]
    difficulty : float
        Mining difficulty (mean over the day's blocks for bundled data). [-]
    fees_btc_per_block : float
        Mean transaction fees per block. [BTC/block]
    subsidy_btc_per_block : float
        Mean block subsidy per block (a blend of both eras on a halving day). [BTC/block]
    hashrate_th_s : float
        The source's network hashrate estimate (Coin Metrics: from the blocks found that
        day; noisy from day to day). The engines use the hashrate the difficulty implies,
        :attr:`hashrate_from_difficulty_th_s`. [TH/s]
    height : int
        Height of the last block of the day (or of the chain tip, when live). [-]
    source : str
        Where the figures come from.
    """

    date: dt.date
    btc_price_usd: float
    difficulty: float
    fees_btc_per_block: float
    subsidy_btc_per_block: float
    hashrate_th_s: float
    height: int
    source: str = COINMETRICS_ATTRIBUTION

    @property
    def hashrate_from_difficulty_th_s(self) -> float:
        """The hashrate the difficulty implies (one block per 600 s): the network hashrate
        every engine uses (hashprice, BTC mined). [TH/s]"""
        from hashpivot.bitcoin import hashrate_from_difficulty

        return float(hashrate_from_difficulty(self.difficulty))

    def as_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (``date`` as ``YYYY-MM-DD``), with
        ``hashrate_from_difficulty_th_s``."""
        out = asdict(self)
        out["date"] = self.date.isoformat()
        out["hashrate_from_difficulty_th_s"] = self.hashrate_from_difficulty_th_s
        return out


def _data_bytes(name: str) -> bytes:
    """Raw bytes of a bundled data file."""
    try:
        return resources.files("hashpivot").joinpath("data", name).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise DataError(
            f"bundled data file {name!r} is missing from the hashpivot package; "
            "rebuild it with `python scripts/build_btc_data.py`"
        ) from exc


@functools.lru_cache(maxsize=1)
def _bundled_btc_daily() -> pd.DataFrame:
    raw = _data_bytes(BTC_DAILY_FILE)
    return _read_btc_table(io.BytesIO(raw), BTC_DAILY_FILE, compression="gzip")


def _read_btc_table(
    source: Any, name: str, compression: Literal["gzip"] | None = None,
    user_file: bool = False,
) -> pd.DataFrame:
    """The daily table of ``source`` (named ``name``): a :class:`DataError` when the
    package's file is not one, an :class:`InputError` naming a ``user_file``
    (``hashpivot data update``'s) that is not."""
    from hashpivot.io.user_data import unreadable

    try:
        df = pd.read_csv(
            source,
            compression=compression,
            parse_dates=["date"],
            index_col="date",
            dtype={"blocks": "int64", "height_end": "int64"},
        )
    except (ValueError, OSError) as exc:
        if user_file:
            raise unreadable(Path(name), str(exc)) from None
        raise DataError(f"{name}: not a daily BTC table ({exc})") from exc
    missing = [c for c in BTC_DAILY_COLUMNS if c not in df.columns]
    if missing and user_file:
        raise unreadable(Path(name), f"it lacks column(s): {', '.join(missing)}")
    if missing:
        raise DataError(f"{name} lacks column(s): {', '.join(missing)}")
    df.index = pd.DatetimeIndex(df.index, name="date")
    if user_file:
        _check_days_follow(df.index, name)
    return df[list(BTC_DAILY_COLUMNS)]


def _check_days_follow(days: pd.DatetimeIndex, name: str) -> None:
    """A user file's days one per row, oldest first, none missing (as ``data update``
    writes them): an :class:`InputError` naming the file and the first day out of turn
    (a day missing was an IndexError on that day)."""
    from hashpivot.io.user_data import unreadable

    steps = (days[1:] - days[:-1]) / pd.Timedelta(days=1)  # [days]
    wrong = [i for i, step in enumerate(steps) if step != 1]
    if not wrong:
        return
    i = wrong[0]
    before, after = days[i].date(), days[i + 1].date()
    why = (f"{(days[i] + pd.Timedelta(days=1)).date()} missing (after {before})"
           if steps[i] > 1 else f"{after} follows {before}")
    raise unreadable(Path(name), f"one row per day, oldest first, none missing: {why}")


#: Where the days of the daily table come from: ``(first day, attribution)`` of each span,
#: oldest first; a span runs to the day before the next one's first.
Sources = tuple[tuple[pd.Timestamp, str], ...]


@functools.lru_cache(maxsize=4)
def _merged_btc_daily(state: DataState) -> tuple[pd.DataFrame, Sources]:
    """The table the engines see, and where its days come from: the bundled file's
    (Coin Metrics), or the chain table's; then the updates' (each user file's days are
    ``data update``'s only when the file is still the one it wrote:
    :func:`hashpivot.io.user_data.file_origin`)."""
    from hashpivot.io.user_data import CHAIN_FILE, UPDATES_FILE

    root = Path(state[0])
    chain_path = root / CHAIN_FILE
    spans: list[tuple[str, str]] = []
    if state[1] is not None:
        base = _read_btc_table(chain_path, str(chain_path), user_file=True)
        spans += _file_spans(root, CHAIN_FILE, base.index[0])
    else:
        base = _bundled_btc_daily()
        spans.append((base.index[0].date().isoformat(), COINMETRICS_ATTRIBUTION))
    if state[2] is not None:
        updates_path = root / UPDATES_FILE
        updates = _read_btc_table(updates_path, str(updates_path), user_file=True)
        updates = updates[updates.index > base.index[-1]]
        if len(updates):
            base = pd.concat([base, updates])
            _check_days_follow(base.index[-len(updates) - 1:], str(updates_path))  # the joint
            spans += _file_spans(root, UPDATES_FILE, updates.index[0])
    return base, tuple((pd.Timestamp(first), label) for first, label in spans)


def _file_spans(root: Path, name: str, first: pd.Timestamp) -> list[tuple[str, str]]:
    """``(first day, attribution)`` of the days of a user file read from ``first`` on."""
    from hashpivot.io.user_data import file_origin

    origin = file_origin(root, name)
    if origin is None:  # removed since it was read: the next read sees it gone
        raise DataError(f"{root / name} was removed while it was read; run again")
    return origin.spans(first.date().isoformat())


def _btc_daily_cached() -> pd.DataFrame:
    """Bundled daily table (or the chain table of ``data update --full``) plus the days
    fetched by ``hashpivot data update``."""
    from hashpivot.io.user_data import state_key

    return _merged_btc_daily(state_key())[0]


def _source_of(day: pd.Timestamp) -> str:
    """The attribution of one day of the daily table (its span's)."""
    from hashpivot.io.user_data import state_key

    spans = _merged_btc_daily(state_key())[1]
    return next(label for first, label in reversed(spans) if first <= day)


def btc_daily_sources(start: DateLike | None = None, end: DateLike | None = None
                      ) -> list[dict[str, str]]:
    """Where the days of the daily table between two days come from, span by span.

    Parameters
    ----------
    start, end : date-like, optional
        The window of :func:`load_btc_daily`.

    Returns
    -------
    list of dict
        ``first`` and ``last`` day (ISO) and ``attribution`` of each source in the window,
        oldest first: Coin Metrics Community for the bundled days, mempool.space for the
        days ``hashpivot data update`` wrote (all of them after ``data update --full``),
        and for the days of a file of the user's data folder that ``data update`` did not
        write (or that was edited since), ``your file <path> (sha256 <16 hex digits>...``;
        empty when the window holds no day.
    """
    from hashpivot.io.user_data import state_key

    frame, sources = _merged_btc_daily(state_key())
    days = frame.index
    if start is not None:
        days = days[days >= _to_timestamp(start, "start")]
    if end is not None:
        days = days[days <= _to_timestamp(end, "end")]
    out = []
    for i, (first, attribution) in enumerate(sources):
        part = days[days >= first]
        if i + 1 < len(sources):
            part = part[part < sources[i + 1][0]]
        if len(part):
            out.append({"first": part[0].date().isoformat(),
                        "last": part[-1].date().isoformat(), "attribution": attribution})
    return out


def sources_text(spans: list[dict[str, str]]) -> str:
    """The sources of :func:`btc_daily_sources` in one line, as the resolved assumptions,
    the charts and the fees' source name them: each attribution (without its ``Source:``)
    and its days, e.g. ``Coin Metrics Community Network Data (CC BY-NC 4.0) (2025-06-29
    to 2025-09-26); your file ... (2025-09-27 to 2025-09-28)``; ``no day`` when empty."""
    return "; ".join(f"{s['attribution'].removeprefix('Source: ')} ({s['first']} to "
                     f"{s['last']})" for s in spans) or "no day"


def _to_timestamp(value: DateLike, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{what} {value!r} is not a date (expected YYYY-MM-DD)") from exc
    if ts is pd.NaT:
        raise DataError(f"{what} {value!r} is not a date (expected YYYY-MM-DD)")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.normalize()


def btc_daily_range() -> tuple[dt.date, dt.date]:
    """First and last day of the daily BTC table (bundled plus ``data update``)."""
    idx = _btc_daily_cached().index
    return idx[0].date(), idx[-1].date()


def load_btc_daily(start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
    """Daily BTC price and network data: bundled (2010-07-18 to 2025-09-26, Coin Metrics
    Community) plus the days fetched by ``hashpivot data update`` (mempool.space).

    With ``data update --full`` the chain table rebuilt from public data replaces the
    bundled file. Every engine reads the history through this function.

    Parameters
    ----------
    start, end : date-like, optional
        Inclusive window (UTC days). Default: the whole table.

    Returns
    -------
    pandas.DataFrame
        Indexed by a ``DatetimeIndex`` named ``date``, columns ``price_usd`` [USD/BTC],
        ``difficulty`` [-], ``blocks`` [blocks/day], ``fees_btc_per_block`` [BTC/block],
        ``subsidy_btc_per_block`` [BTC/block], ``hashrate_th_s`` [TH/s], ``height_end``
        [-] (height of the day's last block). A copy: safe to modify.

    Raises
    ------
    DataError
        ``start`` or ``end`` is not a date, ``start > end``, or the window reaches outside
        the available range (the message names that range).

    Notes
    -----
    Source: Coin Metrics Community Network Data (CC BY-NC 4.0, non-commercial use).
    """
    df = _btc_daily_cached()
    first, last = df.index[0], df.index[-1]
    available = f"available: {first.date()} to {last.date()}"
    lo = first if start is None else _to_timestamp(start, "start")
    hi = last if end is None else _to_timestamp(end, "end")
    if lo > hi:
        raise DataError(f"start {lo.date()} is after end {hi.date()} ({available})")
    if lo < first or hi > last:
        raise DataError(
            f"BTC daily data requested for {lo.date()} to {hi.date()} is outside the "
            f"available range ({available}; `hashpivot data update` fetches newer days)"
        )
    return df.loc[lo:hi].copy()


def network_state_on(date: DateLike) -> NetworkState:
    """Network state on one UTC day from the bundled Coin Metrics data.

    Parameters
    ----------
    date : date-like
        UTC day, between 2010-07-18 and 2025-09-26.

    Returns
    -------
    NetworkState
        ``height`` is the height of the day's last block; ``subsidy_btc_per_block`` is the
        day's mean (a blend on a halving day). [see :class:`NetworkState`]

    Raises
    ------
    DataError
        The day is not a date or is outside the bundled range.
    """
    day = _to_timestamp(date, "date")
    df = load_btc_daily(day, day)
    row = df.iloc[0]
    return NetworkState(
        date=day.date(),
        btc_price_usd=float(row["price_usd"]),
        difficulty=float(row["difficulty"]),
        fees_btc_per_block=float(row["fees_btc_per_block"]),
        subsidy_btc_per_block=float(row["subsidy_btc_per_block"]),
        hashrate_th_s=float(row["hashrate_th_s"]),
        height=int(row["height_end"]),
        source=_source_of(day),
    )


@functools.lru_cache(maxsize=4)
def _csv_cached(name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(_data_bytes(name)))


def load_hosting_deals() -> pd.DataFrame:
    """Reference AI/HPC hosting deals signed by Bitcoin miners (2024-2026).

    Returns
    -------
    pandas.DataFrame
        One row per deal: ``deal, operator, tenant, announced, critical_it_mw`` [MW],
        ``gross_mw`` [MW], ``term_years`` [years], ``contract_value_usd`` [USD],
        ``implied_usd_per_kw_month`` [USD/kW/month], ``capex_usd_per_mw`` [USD/MW],
        ``funding_note, timeline, source, confidence``. Figures are mostly from secondary
        reports (``confidence`` column): calibration ranges, not ground truth.
    """
    return _csv_cached(HOSTING_DEALS_FILE).copy()


def load_miner_unit_costs() -> pd.DataFrame:
    """Reference unit costs of listed miners (CoinShares cost per BTC, fleet efficiency...).

    Returns
    -------
    pandas.DataFrame
        Long format: ``period, metric, value, unit, scope, source, confidence``.
    """
    return _csv_cached(MINER_UNIT_COSTS_FILE).copy()


def clear_caches() -> None:
    """Forget every cached bundled table (for tests or after rebuilding the data)."""
    _bundled_btc_daily.cache_clear()
    _merged_btc_daily.cache_clear()
    _csv_cached.cache_clear()
    from hashpivot.io import asics

    asics._catalog_cached.cache_clear()
    asics._alias_index.cache_clear()
