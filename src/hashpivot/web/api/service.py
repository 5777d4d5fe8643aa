"""The service's own state under ``/api/health``: liveness and the data it starts from."""

from __future__ import annotations

from fastapi import APIRouter

from hashpivot.exceptions import InputError

router = APIRouter()


@router.get("/health", tags=["service"])
async def health() -> dict[str, str | None]:
    """Liveness (no authentication), and the latest data day the engines start from, with
    the CLI's warning when it is over 30 days old (``hashpivot data update``); when a user
    data file cannot be read, no day and the warning naming the file."""
    import hashpivot
    from hashpivot.io.user_data import latest_day, staleness_warning

    try:
        day: str | None = latest_day().isoformat()
    except InputError:
        day = None
    return {"status": "ok", "version": hashpivot.__version__,
            "latest_data_day": day, "data_warning": staleness_warning()}
