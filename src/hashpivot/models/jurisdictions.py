"""State, province and grid-operator codes a site and a regulation rule name.

One list each, read by the portfolio's ``[[sites]] state``, ``iso`` and ``region``
(:mod:`hashpivot.models.portfolio`) and by a rules file's ``state`` and ``iso`` columns
(:mod:`hashpivot.io.regulation`): a rule matches a site on them
(:func:`hashpivot.regulation.rule_matches`), so a code one side could hold and the other
could never name would leave the rule unapplied, without a word.

State codes are the two-letter postal codes, upper case (as the portfolio has always
required): the 50 US states, DC and the five inhabited US territories (USPS), and the 13
Canadian provinces and territories (Canada Post; the portfolio names ``QC`` and the grid
operator ``HQ``). Grid operators are compared upper case, as every engine compares a
site's ``iso`` and ``region``.
"""

from __future__ import annotations

import difflib
from typing import Annotated

from pydantic import AfterValidator

#: US states, DC and the inhabited US territories: USPS code -> name.
US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas",
    "CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}
#: Canadian provinces and territories: Canada Post code -> name.
CANADIAN_PROVINCES: dict[str, str] = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}
#: Every state or province code a site or a rule may name (upper case).
STATE_CODES: frozenset[str] = frozenset(US_STATES) | frozenset(CANADIAN_PROVINCES)

#: The grid operators hashpivot knows, upper case (a rule may name others, as a site's
#: ``iso`` or ``region`` may: :func:`grid_operator_problem`): the US ISOs and RTOs (those of the
#: bundled emissions table, :func:`hashpivot.io.load_emission_factors`, whose regions are
#: these or their zones, ``NYISO_J``), the Canadian ones (``HQ``, Hydro-Quebec, named by
#: ``[[sites]] iso``) and BPA (named there and in ``examples/portfolio.toml``).
GRID_OPERATORS: tuple[str, ...] = (
    "AESO", "BPA", "CAISO", "ERCOT", "HQ", "IESO", "ISONE", "MISO", "NYISO", "PJM", "SPP",
)
#: Other spellings of a grid operator, upper case (as the emissions lookup reads them).
_OPERATOR_ALIASES = {"ISO-NE": "ISONE", "ISO_NE": "ISONE", "CALISO": "CAISO",
                     "HYDRO-QUEBEC": "HQ", "HYDRO QUEBEC": "HQ"}
#: How close a mistyped code must be to a known one to be suggested (difflib's ratio):
#: ``TXX`` is 0.80 of ``TX``, ``ERCTO`` 0.80 of ``ERCOT``, ``ZZ`` 0 of any. [-]
_CLOSE = 0.75
_STATE_NAMES = {name.upper(): code for code, name in (US_STATES | CANADIAN_PROVINCES).items()}


def state_code_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a state or province code; None when it is one.

    Parameters
    ----------
    text : str
        The code as written (stripped).

    Returns
    -------
    str or None
        The message, with the code meant where it can tell (the upper-case code, the
        code of a name, a close code).
    """
    if text in STATE_CODES:
        return None
    head = f"{text!r} is not a state or province code"
    if text.upper() in STATE_CODES:
        return f"{head}; write it in upper case: {text.upper()}"
    if text.strip().upper() in _STATE_NAMES:
        return f"{head}; write its code: {_STATE_NAMES[text.strip().upper()]}"
    close = difflib.get_close_matches(text.upper(), sorted(STATE_CODES), n=1, cutoff=_CLOSE)
    if close:
        return f"{head}; did you mean {close[0]}?"
    return (f"{head} (two letters, upper case: the 50 US states, DC, the US territories, "
            "the Canadian provinces and territories)")


def grid_operator_problem(text: str, state_field: str = "the state column") -> str | None:
    """What is wrong with ``text`` as a grid operator a rule or a site names; None when it
    can be one.

    A site's ``iso`` and ``region`` are free text (a utility or balancing authority, e.g.
    ``TVA``, ``SERC``, is as good as an ISO), so an operator outside
    :data:`GRID_OPERATORS` is refused only where it is surely not the one meant: another
    spelling of a known one (``ISO-NE``), a near miss of one (``ERCTO``) or of a zone of
    one (``NYSIO_J``), or a state's code or name (``TX``, ``Texas``). A zone of a known
    operator (``NYISO_J``, ``PJM_EAST``: the operator, ``_``, the zone, as the bundled
    emissions table's regions) is one: it matches the operator's rules
    (:func:`hashpivot.regulation.rule_matches`). The case does not matter.

    Parameters
    ----------
    text : str
        The operator as written (stripped).
    state_field : str
        Where a state is written instead (a rules file's column, a site's field).

    Returns
    -------
    str or None
        The message, with the operator or the field meant.
    """
    key = text.upper()
    operator, _, zone = key.partition("_")
    if key in GRID_OPERATORS or (zone and operator in GRID_OPERATORS):
        return None
    if key in STATE_CODES or key in _STATE_NAMES:
        code = key if key in STATE_CODES else _STATE_NAMES[key]
        return (f"{text!r} is a state, not a grid operator: write it in {state_field} "
                f"({code})")
    if key in _OPERATOR_ALIASES:
        close = [_OPERATOR_ALIASES[key]]
    elif zone:  # a near miss of a zone's operator: the zone kept (NYSIO_J: NYISO_J)
        close = [f"{hit}_{zone}" for hit in difflib.get_close_matches(
            operator, GRID_OPERATORS, n=1, cutoff=_CLOSE)]
    else:
        close = difflib.get_close_matches(key, GRID_OPERATORS, n=1, cutoff=_CLOSE)
    if not close:
        return None  # an operator hashpivot does not list (TVA, SOCO): a site may name it
    return f"{text!r} is not a grid operator hashpivot knows; did you mean {close[0]}?"


def check_state_code(value: str) -> str:
    """``value`` when it is a state or province code (a pydantic ``AfterValidator``).

    Raises
    ------
    ValueError
        :func:`state_code_problem`'s message.
    """
    problem = state_code_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def check_grid_operator(value: str) -> str:
    """``value`` unless it is surely not the grid operator meant (a pydantic
    ``AfterValidator`` of a site's ``iso`` and ``region``).

    Raises
    ------
    ValueError
        :func:`grid_operator_problem`'s message.
    """
    problem = grid_operator_problem(value, "the site's state")
    if problem is not None:
        raise ValueError(problem)
    return value


#: A state or province code (``[[sites]] state``): one of :data:`STATE_CODES`.
StateCode = Annotated[str, AfterValidator(check_state_code)]
#: A site's grid operator (``[[sites]] iso`` and ``region``): free text, but not a near
#: miss or another spelling of a known one, nor a state (:func:`grid_operator_problem`).
GridOperator = Annotated[str, AfterValidator(check_grid_operator)]
