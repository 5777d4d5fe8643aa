"""What the REST API's routes share: their authentication and id parameters, the error
responses their OpenAPI description lists, a database session, and the problem of a
request body that cannot be read."""

from __future__ import annotations

import sys
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from hashpivot.exceptions import Problem
from hashpivot.web.auth import Principal, require_read, require_write
from hashpivot.web.lookup import MAX_ID
from hashpivot.web.schemas import ConflictOut, ProblemsOut

Read = Annotated[Principal, Depends(require_read)]
Write = Annotated[Principal, Depends(require_write)]
PortfolioId = Annotated[int, Path(ge=1, le=MAX_ID)]
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
SiteIndex = Annotated[int, Path(ge=0, le=100_000)]
ExpectedRevision = Annotated[int | None, Query(
    ge=1, le=MAX_ID, description="Make the edit only if the portfolio is still at this "
    "revision (409 when another edit was stored since).")]

_ERRORS: dict[int, dict[str, Any]] = {
    400: {"model": ProblemsOut, "description": "A body that cannot be read, at path "
          "``body``: not UTF-8 text (its JSON or TOML), JSON nested too deeply"},
    401: {"description": "No API key or session (or an invalid key)"},
    403: {"description": "A session's write without its CSRF token"},
    404: {"description": "Not found"},
    409: {"model": ConflictOut, "description": "Conflict: a portfolio no longer at "
          "expected_revision, a site deleted or renamed by another edit while this one "
          "was made, or a run without results (yet)"},
    413: {"description": "Request body too large"},
    422: {"model": ProblemsOut, "description": "Invalid input, with field paths"},
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route can give, for its OpenAPI description."""
    return {code: _ERRORS[code] for code in codes}


#: What every route that reads, or writes, can answer besides its own codes; a route
#: that reads a body can also find it unreadable.
READ = (401, 422)
WRITE = (401, 403, 413, 422)
BODY = (400, *WRITE)


def db(request: Request) -> Session:
    """A new database session of the application (the caller closes it: ``with``)."""
    factory = request.app.state.factory
    session: Session = factory()
    return session


#: Why FastAPI could not parse a body (the error its 400 "There was an error parsing the
#: body" is raised from), as a problem says it.
_UNREADABLE: tuple[tuple[type[BaseException], str], ...] = (
    (RecursionError, "the JSON nests arrays or objects too deeply to be read"),
    (UnicodeDecodeError, "the body must be UTF-8 text (its JSON or TOML)"),
)


def unreadable_body(exc: StarletteHTTPException) -> list[Problem]:
    """The problem of a request body that could not be read (the 400 FastAPI raises from a
    failure to parse it, or this API's own), at path ``body``; empty for any other HTTP
    error.

    Parameters
    ----------
    exc : starlette.exceptions.HTTPException
        An HTTP error (FastAPI's are one); its ``__cause__`` says why the body could not be read.

    Returns
    -------
    list of Problem
        One problem, source ``<request>``: a JSON nested too deeply, bytes that are not
        UTF-8 (with their position [B]), or any other failure by its type.
    """
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return []
    message = next((words for kind, words in _UNREADABLE if isinstance(cause, kind)),
                   f"the body cannot be read ({type(cause).__name__})")
    if isinstance(cause, ValueError) and "digits" in str(cause):  # (int_max_str_digits)
        message = (f"a number in the JSON has more digits than can be read (at most "
                   f"{sys.get_int_max_str_digits():,})")
    if isinstance(cause, UnicodeDecodeError):
        message += (f": byte {cause.start} "
                    f"(0x{cause.object[cause.start:cause.start + 1].hex()}) is not")
    return [Problem("body", message, "<request>")]
