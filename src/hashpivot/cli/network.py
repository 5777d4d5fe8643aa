"""Network conditions from the command line (``cost``, ``profit``): the options, their
checks, and the conditions of a day of the daily history or of ``--live`` with the
overrides applied. ``hashpivot network`` shares the ``--date`` and ``--live`` options."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer

from hashpivot.cli.options import iso_day
from hashpivot.exceptions import DataError, InputError, Problem

if TYPE_CHECKING:
    from hashpivot.engines.economics import NetworkConditions
    from hashpivot.models import Portfolio

CLI = "<command line>"

BtcPrice = Annotated[
    float | None, typer.Option("--btc-price-usd", help="BTC price. [USD]", show_default=False)
]
Difficulty = Annotated[
    float | None,
    typer.Option("--difficulty", help="Network difficulty, e.g. 117e12. [-]", show_default=False),
]
Fees = Annotated[
    float | None,
    typer.Option("--fees-btc-per-block", help="Average fees per block. [BTC]", show_default=False),
]
NetworkDay = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="Network conditions of this UTC day, YYYY-MM-DD: the daily history, from "
        "2010-07-18 (`hashpivot data status` shows its last day).",
    ),
]
LiveFlag = Annotated[
    bool,
    typer.Option("--live", help="Current network state from mempool.space (needs the network)."),
]


def check_positive(
    problems: list[Problem], name: str, value: float | None, zero_ok: bool,
    most: float | None = None,
) -> None:
    """Add a problem at ``--name`` unless ``value`` is None or a finite number > 0
    (>= 0 with ``zero_ok``), at most ``most`` where given."""
    if value is None:
        return
    bad = not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok)
    if bad or (most is not None and value > most):
        need = (">= 0" if zero_ok else "> 0") + (f" and <= {most:,g}" if most is not None
                                                 else "")
        problems.append(Problem(f"--{name}", f"must be a finite number {need} (got {value})", CLI))


def check_protocol_range(
    problems: list[Problem], price: float | None, difficulty: float | None, fees: float | None,
    subsidy: float | None = None,
) -> None:
    """Add a problem for each positive option outside its
    :data:`~hashpivot.network_limits.NETWORK_LIMITS`."""
    from hashpivot.network_limits import out_of_range

    for flag, value in (("--btc-price-usd", price), ("--difficulty", difficulty),
                        ("--fees-btc-per-block", fees), ("--subsidy-btc", subsidy)):
        message = out_of_range(flag[2:].replace("-", "_"), value)
        if message:
            problems.append(Problem(flag, message, CLI))


def check_fleet_fits_network(
    portfolio: Portfolio, network: NetworkConditions, source: str, given: bool
) -> None:
    """A ``--difficulty`` whose network is smaller than the portfolio's own fleet is a
    typo: an :class:`InputError` at ``--difficulty``
    (:func:`hashpivot.network_limits.fleet_exceeds_network`). A historical day is a
    what-if (today's fleet in 2016) and is not checked."""
    if not given:
        return
    from hashpivot.network_limits import fleet_exceeds_network

    message = fleet_exceeds_network(portfolio, network, source)
    if message:
        raise InputError([Problem("--difficulty", message, CLI)])


def network_from_options(
    date: str | None,
    btc_price_usd: float | None,
    difficulty: float | None,
    fees_btc_per_block: float | None,
    live: bool = False,
) -> NetworkConditions:
    """Network conditions of ``--date`` (default the latest data day) or ``--live``, with
    the given overrides; bad options raise :class:`InputError` at their flags, every one
    at once (the day's data is looked up once the options are valid)."""
    from hashpivot.engines.economics import NetworkConditions

    problems: list[Problem] = []
    check_positive(problems, "btc-price-usd", btc_price_usd, zero_ok=False)
    check_positive(problems, "difficulty", difficulty, zero_ok=False)
    check_positive(problems, "fees-btc-per-block", fees_btc_per_block, zero_ok=True)
    check_protocol_range(problems, btc_price_usd, difficulty, fees_btc_per_block)
    if live and date is not None:
        problems.append(Problem("--live", "use either --date or --live, not both", CLI))
    if date is not None:  # its form with the values' problems (its data only if all pass)
        try:
            date = iso_day(date, "--date")
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    if live:
        base = NetworkConditions.live()
    else:
        try:  # (no --date: the latest data day)
            base = NetworkConditions.from_history(date)
        except DataError as exc:
            raise InputError([Problem("--date", str(exc), CLI)]) from None
    return base.with_given("command line", btc_price_usd=btc_price_usd,
                           difficulty=difficulty, fees_btc_per_block=fees_btc_per_block)


def _latest_day() -> str:
    """The latest data day (bundled or fetched by `hashpivot data update`)."""
    from hashpivot.io import btc_daily_range

    return btc_daily_range()[1].isoformat()


#: A ``--difficulty`` this many times below the latest data day's is noted (a difficulty
#: typed in T, 117 for 117e12, is 1e-12 of it; 2012's difficulties are about 1e-7). [-]
DIFFICULTY_NOTE_BELOW = 1e-9


def difficulty_note(difficulty: float) -> str | None:
    """A note when ``difficulty`` is more than :data:`DIFFICULTY_NOTE_BELOW` below the
    latest data day's, as a difficulty typed in T would be (117 for 117e12), with the hint
    ``cost`` gives (:func:`hashpivot.network_limits.t_typo_hint`); None otherwise, or when
    the history is unavailable. The value stays valid: a difficulty of 2010 is a what-if,
    not an error (``cost`` refuses one only when its network is smaller than the fleet)."""
    from hashpivot.network_limits import NETWORK_LIMITS, t_typo_hint

    if difficulty >= DIFFICULTY_NOTE_BELOW * NETWORK_LIMITS["difficulty"][1]:
        return None  # above the threshold of any difficulty the option accepts: no reading
    from hashpivot.io import network_state_on

    try:
        latest = network_state_on(_latest_day())
    except (DataError, InputError):
        return None
    if difficulty >= DIFFICULTY_NOTE_BELOW * latest.difficulty:
        return None
    hint = t_typo_hint(difficulty)
    return (f"--difficulty {difficulty:g} is {difficulty / latest.difficulty:.1e} of the "
            f"network's on {latest.date} ({latest.difficulty:.3g})" + (f"; {hint}" if hint
                                                                       else ""))


def warn_if_stale(date: str | None, live: bool) -> None:
    """After a result on the latest data day: a warning on stderr when that day is older
    than 30 days (nothing with --date or --live)."""
    if date is not None or live:
        return
    from hashpivot.io.user_data import staleness_warning

    warning = staleness_warning()
    if warning:
        typer.echo(f"warning: {warning}", err=True)



__all__ = [
    "CLI",
    "BtcPrice",
    "Difficulty",
    "Fees",
    "LiveFlag",
    "NetworkDay",
    "check_fleet_fits_network",
    "check_positive",
    "check_protocol_range",
    "difficulty_note",
    "network_from_options",
    "warn_if_stale",
]
