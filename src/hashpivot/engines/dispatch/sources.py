"""Where a dispatch run's inputs come from: the site of a portfolio, its price series and the
auxiliary files its ``[sites.dispatch]`` table names (renewable profile, 4CP peak
probabilities, emissions factors). This is the only module of the engine that reads files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hashpivot.engines.dispatch.resolve.ranges import range_problem
from hashpivot.exceptions import InputError, Problem
from hashpivot.models import Portfolio, Site
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.models.file_refs import missing_file
from hashpivot.models.portfolio import find_site

if TYPE_CHECKING:
    from hashpivot.io.bundled_markets import MarketKey

__all__ = [
    "CONTRACT_MARKET_FIELD",
    "PRICES_GIVEN_AS",
    "PRICES_REMEDY",
    "AuxiliarySeries",
    "check_market",
    "contract_market",
    "load_prices",
    "read_auxiliary_series",
    "read_series_file",
    "select_site",
    "side_file_names",
    "side_file_problems",
    "side_file_value_problems",
]


@dataclass(frozen=True)
class AuxiliarySeries:
    """The time series a dispatch spec may name in files, once read (``None`` when absent).

    Parameters
    ----------
    renewable_profile : pandas.Series or None
        Capacity factor of the renewable plant (0..1). [-]
    peak_probability : pandas.Series or None
        Probability that an interval is a 4CP peak (0..1). [-]
    emissions_series : pandas.Series or None
        Grid emissions factor per interval. [t CO2/MWh]
    from_files : frozenset of str
        Which of the three were read from the spec's files (the others were given).
    """

    renewable_profile: pd.Series | None = None
    peak_probability: pd.Series | None = None
    emissions_series: pd.Series | None = None
    from_files: frozenset[str] = frozenset()


def _located(path: str, base_dir: Path | None) -> Path:
    p = Path(path)
    return base_dir / p if not p.is_absolute() and base_dir is not None else p


def read_series_file(path: str, base_dir: Path | None, tz: Any, field: str) -> pd.Series:
    """Read an auxiliary time-series file named by field ``field`` of the dispatch spec.

    Parameters
    ----------
    path : str
        As written in the file; relative names are resolved against ``base_dir``.
    base_dir : pathlib.Path or None
        Folder of the portfolio file.
    tz : tzinfo or str
        Time zone of naive timestamps (the market's).
    field : str
        Field path of the name, for errors (``dispatch.emissions_file``).

    Returns
    -------
    pandas.Series
        Values per interval start.
    """
    from hashpivot.io import read_series_file

    p = _located(path, base_dir)
    problem = missing_file(p, field)
    if problem is not None:
        raise InputError(problem)
    try:
        return read_series_file(p, tz=str(tz), quantity=_QUANTITY.get(field, "value"))
    except InputError as exc:  # at the field that names the file
        raise InputError([Problem(field, q.message, q.source) for q in exc.problems]) from None


#: What each side file holds, for its messages.
_QUANTITY = {"dispatch.renewable.profile_file": "capacity factor",
             "dispatch.four_cp.peak_probability_file": "peak probability",
             "dispatch.emissions_file": "emissions factor"}


def _side_files(spec: DispatchSpec, given: AuxiliarySeries) -> list[tuple[str, str, str]]:
    """``(series, field path, name)`` of each file of ``spec`` the dispatch reads: the
    renewable profile when there is renewable capacity, the 4CP peak probabilities when
    there is a 4CP charge, the emissions factors; none for a series ``given``."""
    out: list[tuple[str, str, str]] = []
    r, cp = spec.renewable, spec.four_cp
    if (given.renewable_profile is None and r is not None and r.capacity_mw > 0
            and r.profile_file):
        out.append(("renewable_profile", "dispatch.renewable.profile_file", r.profile_file))
    if (given.peak_probability is None and cp is not None and cp.charge_usd_per_kw_year > 0
            and cp.peak_probability_file):
        out.append(("peak_probability", "dispatch.four_cp.peak_probability_file",
                    cp.peak_probability_file))
    if given.emissions_series is None and spec.emissions_file is not None:
        out.append(("emissions_series", "dispatch.emissions_file", spec.emissions_file))
    return out


def side_file_names(spec: DispatchSpec) -> list[str]:
    """The names, as written, of the side files a dispatch of ``spec`` reads."""
    return [name for _, _, name in _side_files(spec, AuxiliarySeries())]


def side_file_problems(spec: DispatchSpec, base_dir: Path | None) -> list[Problem]:
    """Every side file the dispatch of ``spec`` would read that is not a file (missing, a
    folder), each at its field path (``dispatch.emissions_file``): what is listed with
    the other problems of a run before any file is read."""
    return [problem for _, field, name in _side_files(spec, AuxiliarySeries())
            for problem in [missing_file(_located(name, base_dir), field)]
            if problem is not None]


def side_file_value_problems(spec: DispatchSpec, base_dir: Path | None,
                             tz: Any) -> list[Problem]:
    """Every problem of the side files a dispatch of ``spec`` reads that shows without
    prices: a file not there or not readable, values outside their range (missing
    values aside); each at its field path. What is listed with a run's price problems
    (their alignment to the prices is checked once there are prices). ``spec``,
    ``base_dir`` and ``tz`` as :func:`read_auxiliary_series` takes them."""
    read, problems = _read_side_files(spec, base_dir, tz, AuxiliarySeries())
    fields = {series: field for series, field, _ in _side_files(spec, AuxiliarySeries())}
    for series, data in read.items():
        message = range_problem(series, data.to_numpy(float))  # (missing values aside)
        if message is not None:
            problems.append(Problem(fields[series], message))
    return problems


def _read_side_files(spec: DispatchSpec, base_dir: Path | None, tz: Any,
                     given: AuxiliarySeries) -> tuple[dict[str, pd.Series], list[Problem]]:
    """Each side file of ``spec`` for a series not ``given``, read (by series name), and
    the problems of those that cannot be read, each at its field path."""
    read: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for series, field, name in _side_files(spec, given):
        try:
            read[series] = read_series_file(name, base_dir, tz, field)
        except InputError as exc:  # (the next files too: every problem at once)
            problems += exc.problems
    return read, problems


def read_auxiliary_series(
    spec: DispatchSpec,
    base_dir: Path | None,
    tz: Any,
    given: AuxiliarySeries = AuxiliarySeries(),
) -> AuxiliarySeries:
    """Read the files a spec names, for each series not ``given`` by the caller.

    Parameters
    ----------
    spec : DispatchSpec
    base_dir : pathlib.Path or None
        Folder relative file names are resolved against.
    tz : tzinfo or str
        Market time zone of naive timestamps.
    given : AuxiliarySeries
        Series passed by the caller; they win over the spec's files.

    Returns
    -------
    AuxiliarySeries

    Raises
    ------
    InputError
        The problems of every file that cannot be read, each at its field path.
    """
    read, problems = _read_side_files(spec, base_dir, tz, given)
    if problems:
        raise InputError(problems)
    return AuxiliarySeries(
        read.get("renewable_profile", given.renewable_profile),
        read.get("peak_probability", given.peak_probability),
        read.get("emissions_series", given.emissions_series),
        frozenset(read),
    )


def select_site(portfolio: Portfolio, site_name: str | None) -> tuple[int, Site]:
    """The site called ``site_name`` and its position (:func:`hashpivot.models.find_site`)."""
    return find_site(portfolio.sites, site_name)


#: The field of a site that names its market.
CONTRACT_MARKET_FIELD = "power_contract.market"
#: ``prices.attrs`` key saying how :func:`load_prices` chose a run's prices: by
#: ``"prices_file"`` or ``"market"`` (run settings) or by :data:`CONTRACT_MARKET_FIELD`
#: (the file's).
PRICES_GIVEN_AS = "given_as"

#: What a dispatch can take instead of a market with no bundled prices, in the names of
#: its arguments (each interface says it in its own words: options, run parameters).
PRICES_REMEDY = "give `market` (bundled prices) or `prices_file`"


def contract_market(site: Site, remedy: str = "") -> MarketKey | None:
    """The market of the site's power contract, with its year (the latest bundled one when
    it names none); None when the contract names none.

    A reference no bundled prices can ever answer (not ``iso:point[:year][:da]``, or a
    point no bundled year has) raises an :class:`InputError` at ``power_contract.market``
    (:func:`~hashpivot.io.bundled_markets.market_with_year`): bad input to ``dispatch``
    without a price file; ``pivot``, whose dispatch uplift is measured on these prices,
    refuses only a reference that is no market reference and notes the others, valuing
    mining flat (:func:`~hashpivot.engines.pivot.uplift.measurement.measure_dispatch_uplift`).

    Parameters
    ----------
    site : Site
    remedy : str
        What the caller's user can give instead, by its arguments' names
        (:data:`PRICES_REMEDY`); "" for none.

    Returns
    -------
    MarketKey or None
    """
    from hashpivot.io.bundled_markets import market_with_year

    market = site.power_contract.market if site.power_contract is not None else None
    if not market:
        return None
    return market_with_year(str(market), CONTRACT_MARKET_FIELD, remedy)



def load_prices(
    site: Site, prices_file: str | Path | None = None, market: str | None = None
) -> pd.Series:
    """Prices for a site: a file (layout recognized from its columns), a bundled market,
    or the bundled market named in the site's power contract (``ercot:HB_WEST`` -> the
    latest bundled year).

    Parameters
    ----------
    site : Site
        Gives the region (time zone of naive timestamps) and the contract's market.
    prices_file : path, optional
    market : str, optional
        ``iso:point:year[:da]``.

    Returns
    -------
    pandas.Series
        [USD/MWh]; ``attrs[PRICES_GIVEN_AS]`` says how they were chosen:
        ``"prices_file"``, ``"market"`` or ``"power_contract.market"``.
    """
    if prices_file is not None and market is not None:
        raise InputError(
            Problem(path="prices_file", message="give either `prices_file` or `market`, not both")
        )
    prices = _chosen_prices(site, prices_file, market)
    given_as = ("prices_file" if prices_file is not None else "market" if market is not None
                else CONTRACT_MARKET_FIELD)
    prices.attrs = {**prices.attrs, PRICES_GIVEN_AS: given_as}
    return prices


def _chosen_prices(site: Site, prices_file: str | Path | None, market: str | None
                   ) -> pd.Series:
    """The prices of :func:`load_prices`: the file, the market, else the contract's."""
    from hashpivot.io import (
        bundled_market_keys,
        load_market_prices,
        parse_market,
        read_prices_auto,
        region_timezone,
    )

    contract = site.power_contract.market if site.power_contract is not None else None
    if prices_file is not None:
        point = None
        if contract:
            try:
                point = parse_market(str(contract)).point
            except InputError:
                point = None
        tz = region_timezone(site.region)
        try:
            # the contract's point, never another: a file of LZ_WEST for a contract at
            # HB_WEST was read as the lone point it holds, without a word (until 2026-12)
            return read_prices_auto(prices_file, point, tz)
        except InputError as exc:  # the reader names the file; the field is the option
            raise InputError([_point_chosen_by_contract(p, point, contract)
                              for p in exc.problems]).at_path("prices_file") from None
    if market is not None:
        # a market given without its year is its latest bundled year, as the contract's is
        return load_market_prices(market, "market", PRICES_REMEDY)
    key = contract_market(site, PRICES_REMEDY)
    if key is None:
        raise InputError(
            Problem(
                path="market",
                message="give `prices_file`, or `market` as iso:point:year (bundled: "
                f"{', '.join(bundled_market_keys())})",
            )
        )
    return load_market_prices(key, CONTRACT_MARKET_FIELD, PRICES_REMEDY)


def _point_chosen_by_contract(problem: Problem, point: str | None,
                              contract: str | None) -> Problem:
    """A price file's problem with its point (:data:`~hashpivot.io._table.POINT_PATH`)
    saying where a site's point comes from: its ``power_contract.market``."""
    from hashpivot.io._table import POINT_PATH

    if problem.path != POINT_PATH:
        return problem
    where = (f"the point of the site's power_contract.market, {contract}" if point else
             "name it in the site's power_contract.market as iso:point")
    return Problem("", f"{problem.message} ({where})", problem.source)


def check_market(market: str) -> None:
    """An :class:`InputError` at ``market`` when no bundled prices answer ``market`` (what
    :func:`load_prices` would say), without reading them."""
    from hashpivot.io.bundled_markets import bundled_market_key

    bundled_market_key(market, "market", PRICES_REMEDY)
