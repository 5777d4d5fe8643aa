"""The bundled power-market years: ``iso:point:year[:da]`` references and their loader.

``ercot:HB_WEST:2024``, ``ercot:LZ_WEST:2023``, ``nyiso:WEST:2019``, ... (see
``hashpivot/data/PROVENANCE.md`` for origins and licences).
"""

from __future__ import annotations

import difflib
import functools
import io
import re
import warnings
from dataclasses import dataclass, replace
from importlib import resources

import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.io._timestamps import ERCOT_TZ, NYISO_TZ
from hashpivot.units import INDEX_NAME, PRICE_NAME

__all__ = [
    "BUNDLED_MARKETS",
    "NYISO_ZONES",
    "MarketKey",
    "bundled_market_key",
    "bundled_market_keys",
    "load_market_prices",
    "market_node",
    "market_with_year",
    "parse_market",
]


@dataclass(frozen=True)
class MarketKey:
    """A parsed market reference ``iso:point:year[:kind]`` (``ercot:HB_WEST:2024``).

    Parameters
    ----------
    iso : str
        ``"ercot"`` or ``"nyiso"``.
    point : str
        Settlement point or zone, upper case.
    year : int or None
        Calendar year.
    kind : str
        ``"rt"`` (real time, default) or ``"da"`` (day ahead).
    """

    iso: str
    point: str
    year: int | None
    kind: str = "rt"

    def __str__(self) -> str:
        year = f":{self.year}" if self.year is not None else ""
        kind = f":{self.kind}" if self.kind != "rt" else ""
        return f"{self.iso}:{self.point}{year}{kind}"


#: Bundled price years: market key -> (file, column, description).
BUNDLED_MARKETS: dict[str, tuple[str, str, str]] = {
    "ercot:HB_WEST:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_WEST",
        "ERCOT HB_WEST 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_NORTH:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_NORTH",
        "ERCOT HB_NORTH 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_HOUSTON:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_HOUSTON",
        "ERCOT HB_HOUSTON 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_SOUTH:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_SOUTH",
        "ERCOT HB_SOUTH 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_PAN:2024": (
        "power_ercot_hubs_rt15_2024.parquet",
        "HB_PAN",
        "ERCOT HB_PAN 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)",
    ),
    "ercot:HB_WEST:2024:da": (
        "power_ercot_hubs_da_2024.parquet",
        "HB_WEST",
        "ERCOT HB_WEST 2024, hourly day-ahead SPP",
    ),
    "ercot:LZ_WEST:2023": (
        "power_ercot_lz_rt60_2023.parquet",
        "LZ_WEST",
        "ERCOT LZ_WEST 2023, hourly mean real-time SPP",
    ),
}
for _lz in ("LZ_AEN", "LZ_CPS", "LZ_HOUSTON", "LZ_LCRA", "LZ_NORTH", "LZ_RAYBN", "LZ_SOUTH"):
    BUNDLED_MARKETS[f"ercot:{_lz}:2023"] = (
        "power_ercot_lz_rt60_2023.parquet",
        _lz,
        f"ERCOT {_lz} 2023, hourly mean real-time SPP",
    )
for _hub in ("HB_NORTH", "HB_HOUSTON", "HB_SOUTH", "HB_PAN"):
    BUNDLED_MARKETS[f"ercot:{_hub}:2024:da"] = (
        "power_ercot_hubs_da_2024.parquet",
        _hub,
        f"ERCOT {_hub} 2024, hourly day-ahead SPP",
    )
#: The 11 NYISO load zones bundled for 2019 (no external proxies, no NEPOOL rows).
NYISO_ZONES = ("CAPITL", "CENTRL", "DUNWOD", "GENESE", "HUD_VL", "LONGIL", "MHK_VL",
               "MILLWD", "NORTH", "NYC", "WEST")
for _zone in NYISO_ZONES:
    BUNDLED_MARKETS[f"nyiso:{_zone}:2019"] = (
        "power_nyiso_zones_rt60_2019.parquet",
        _zone,
        f"NYISO {_zone} 2019 (from Jan 2), hourly integrated real-time LBMP",
    )

#: ``iso:point[:year][:rt|da]``, in any case (``ERCOT:HB_West:2024:DA``): a key is written
#: as :class:`MarketKey` spells it (iso and kind lower case, the point upper case).
_MARKET_RE = re.compile(r"^([a-z]+):([a-z0-9_]+)(?::(\d{4}))?(?::(rt|da))?$", re.IGNORECASE)


def parse_market(spec: str, path: str = "market") -> MarketKey:
    """Parse ``iso:point[:year][:rt|da]`` (``ercot:HB_WEST:2024``), in any case.

    Parameters
    ----------
    spec : str
        Market reference.
    path : str
        Where the reference stands (``market``, ``power_contract.market``): the field
        path of the problem when it is not one.

    Returns
    -------
    MarketKey
    """
    m = _MARKET_RE.match(spec.strip())
    if not m:
        raise InputError(
            Problem(
                path=path,
                message=f"{spec!r} is not iso:point:year[:da], e.g. ercot:HB_WEST:2024",
            )
        )
    iso, point, year, kind = m.groups()
    return MarketKey(iso.lower(), point.upper(), int(year) if year else None,
                     (kind or "rt").lower())


def market_node(market: str | None) -> str | None:
    """The node of a market reference, ``iso:point`` (``ercot:lz_west:2023`` ->
    ``ercot:LZ_WEST``, its year and kind aside); None for none, or for one that is not a
    reference (resolving the run says what is wrong with it)."""
    if not market:
        return None
    try:
        key = parse_market(market)
    except InputError:
        return None
    return f"{key.iso}:{key.point}"


def _no_bundled_prices(key: MarketKey, path: str, remedy: str) -> InputError:
    """The problem of a market with no bundled prices, at ``path``: the condition, the
    caller's ``remedy`` (in its arguments' names, ```prices_file```, for each interface
    to say in its words; "" when it takes no other input) and the bundled markets."""
    then = f"; {remedy}" if remedy else ""
    close = _close_markets(key)
    guess = f"; did you mean {', '.join(close)}?" if close else ""
    return InputError(Problem(
        path, f"no bundled prices for {key}{guess}{then}; bundled: "
              f"{', '.join(bundled_market_keys())}"))


#: How close a point must be to a bundled one of its ISO to be suggested (difflib's
#: ratio): ``LZ_WST`` is 0.92 of ``LZ_WEST``, ``NOWHERE`` 0.40 at most of any. [-]
_CLOSE_POINT = 0.75


def _close_markets(key: MarketKey) -> list[str]:
    """Bundled references close to ``key``, which no bundled prices answer: its node's
    bundled years (of its kind where there are), else ``key`` with a bundled point of its
    ISO close to its own in its place (its node where that year is not bundled); [] for
    nothing close."""
    keys = [parse_market(k) for k in BUNDLED_MARKETS]
    node = [k for k in keys if (k.iso, k.point) == (key.iso, key.point)]
    if node:
        return [str(k) for k in ([k for k in node if k.kind == key.kind] or node)]
    out: list[str] = []
    points = sorted({k.point for k in keys if k.iso == key.iso})
    for point in difflib.get_close_matches(key.point, points, n=3, cutoff=_CLOSE_POINT):
        near = replace(key, point=point)
        answered = (str(near) in BUNDLED_MARKETS if near.year is not None else
                    any((k.iso, k.point, k.kind) == (near.iso, point, near.kind) for k in keys))
        out.append(str(near) if answered else f"{key.iso}:{point}")
    return out


def market_with_year(market: str | MarketKey, path: str = "market",
                     remedy: str = "") -> MarketKey:
    """A market reference that bundled prices can answer, with its year: the latest
    bundled year of its market (iso, point and kind) when it names none.

    The check every command that reads a bundled market shares (``dispatch`` without a
    price file, ``pivot``'s dispatch uplift): a reference that is not
    ``iso:point[:year][:da]``, or whose market no bundled year has (a mistyped point,
    ``ercot:NOPE``), can never name bundled prices. A year that is not bundled is
    not checked here (:func:`bundled_market_key`).

    Parameters
    ----------
    market : str or MarketKey
        ``iso:point[:year][:da]``.
    path : str
        The reference's field path in the problems (``power_contract.market``).
    remedy : str
        What the caller's user can give instead, named by its arguments in backquotes
        (``"give `market` (bundled prices) or `prices_file`"``); "" for none.

    Returns
    -------
    MarketKey
        With its year.

    Raises
    ------
    InputError
        At ``path``: not a market reference, or a market with no bundled year (the
        bundled markets listed).
    """
    key = parse_market(market, path) if isinstance(market, str) else market
    if key.year is not None and str(key) in BUNDLED_MARKETS:
        return key
    years = sorted(
        k.year or 0 for k in map(parse_market, BUNDLED_MARKETS)
        if (k.iso, k.point, k.kind) == (key.iso, key.point, key.kind)
    )
    if not years:
        raise _no_bundled_prices(key, path, remedy)
    return key if key.year is not None else replace(key, year=years[-1])


def bundled_market_key(market: str | MarketKey, path: str = "market",
                       remedy: str = "") -> str:
    """The bundled market a reference names (:func:`market_with_year`), its year bundled
    too; an :class:`InputError` at ``path`` otherwise (parameters as there)."""
    key = market_with_year(market, path, remedy)
    if str(key) not in BUNDLED_MARKETS:
        raise _no_bundled_prices(key, path, remedy)
    return str(key)


def market_timezone(market: str | MarketKey) -> str:
    """The IANA time zone a market's bundled prices are indexed in (its local clock).

    Parameters
    ----------
    market : str or MarketKey
        ``iso:point:year[:da]``.

    Returns
    -------
    str
        ``America/Chicago`` for ERCOT, ``America/New_York`` for NYISO.
    """
    key = parse_market(market) if isinstance(market, str) else market
    return ERCOT_TZ if key.iso == "ercot" else NYISO_TZ


def bundled_market_keys() -> list[str]:
    """Market references that :func:`load_market_prices` can load offline."""
    return sorted(BUNDLED_MARKETS)


@functools.lru_cache(maxsize=8)
def _bundled_frame(name: str) -> pd.DataFrame:
    try:
        raw = resources.files("hashpivot").joinpath("data", name).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise DataError(
            f"bundled power file {name!r} is missing; rebuild it with "
            "`python scripts/build_power_data.py`"
        ) from exc
    df = pd.read_parquet(io.BytesIO(raw))
    df.index = pd.DatetimeIndex(df.index)
    return df


def load_market_prices(market: str | MarketKey, path: str = "market",
                       remedy: str = "") -> pd.Series:
    """Bundled prices of a market year, e.g. ``"ercot:HB_WEST:2024"``, ``"nyiso:WEST:2019"``.

    Parameters
    ----------
    market : str or MarketKey
        ``iso:point[:year][:da]``; see :func:`bundled_market_keys`. Without a year: the
        latest bundled one (:func:`market_with_year`).
    path, remedy : str
        As :func:`market_with_year` takes them: the field path of the reference and what
        the caller's user can give instead, for the problem of a market not bundled.

    Returns
    -------
    pandas.Series
        Price per interval start in the market's local time. [USD/MWh]

    Raises
    ------
    InputError
        At ``path``: no bundled prices answer ``market`` (:func:`bundled_market_key`).
    """
    key = parse_market(bundled_market_key(market, path, remedy))
    entry = BUNDLED_MARKETS[str(key)]
    file, column, description = entry
    df = _bundled_frame(file)
    tz = market_timezone(key)
    s = df[column].dropna()
    s = pd.Series(
        s.to_numpy(dtype=float),
        index=pd.DatetimeIndex(s.index).tz_convert(tz).rename(INDEX_NAME),
        name=PRICE_NAME,
    )
    s.attrs = {
        "market": key.iso,
        "point": key.point,
        "kind": key.kind,
        "source": description,
        "key": str(key),
    }
    if len(s) == 0:  # pragma: no cover - defensive
        warnings.warn(f"bundled prices for {key} are empty", stacklevel=2)
    return s
