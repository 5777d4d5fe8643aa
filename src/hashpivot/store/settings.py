"""Service settings from the environment (``HASHPIVOT_`` prefix) via pydantic-settings."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hashpivot.exceptions import ENVIRONMENT

#: The value of ``secret_key`` when none is configured. A server on a loopback address
#: then signs sessions with a random per-process key; any other address refuses to start.
DEFAULT_SECRET = "change-me"


def default_data_dir() -> Path:
    """The user data directory (platformdirs, e.g. ``~/.local/share/hashpivot``), where the
    default database lives (``hashpivot.sqlite``); not ``$HASHPIVOT_DATA_DIR``, the folder
    of ``data update`` (:func:`hashpivot.io.user_data.data_dir`, by default the ``data``
    folder in here), which moves only that data."""
    import platformdirs

    return Path(platformdirs.user_data_dir("hashpivot", appauthor=False))


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="HASHPIVOT_", extra="ignore")

    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default the SQLite file hashpivot.sqlite in the user "
        "data directory (e.g. ~/.local/share/hashpivot; HASHPIVOT_DATA_DIR does not move "
        "it). postgresql://... uses psycopg 3.",
    )
    secret_key: str = Field(DEFAULT_SECRET, description="Signs session cookies.")
    anonymous_read: bool = Field(False, description="Allow reads without a key or session.")
    max_request_bytes: int = Field(2_000_000, ge=1_000, description="Largest request body. [B]")
    workers: int = Field(2, ge=1, le=64, description="Runs executed at the same time.")
    max_memory_mib: float | None = Field(
        None,
        gt=0,
        description="Refuse a simulation run whose memory estimate exceeds this; default "
        "the memory available when it starts (MemAvailable). [MiB]",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins.")
    seed_examples: bool = Field(True, description="Seed the bundled examples into an empty DB.")
    key_cache_seconds: float = Field(
        2.0, ge=0, le=300, description="How long a verified API key is trusted. [s]"
    )
    session_max_age_s: int = Field(7 * 24 * 3600, ge=60, description="Session lifetime. [s]")

    def resolved_database_url(self) -> str:
        """The database URL, the default SQLite file when none is set."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        path = default_data_dir() / "hashpivot.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    @property
    def has_default_secret(self) -> bool:
        """True when no real secret was configured."""
        return self.secret_key in ("", DEFAULT_SECRET)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _variable(field: object) -> str:
    """The environment variable of the field ``field`` (``workers`` -> ``HASHPIVOT_WORKERS``)."""
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once).

    Raises
    ------
    InputError
        Every variable whose value the settings cannot take (``HASHPIVOT_WORKERS=abc``),
        each at its name, from ``<environment>``.
    """
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from hashpivot.exceptions import InputError, Problem
    from hashpivot.models.error_paths import error_message

    try:
        return Settings()
    except ValidationError as exc:
        raise InputError([Problem(_variable(e["loc"][0] if e["loc"] else ""),
                                  error_message(e), ENVIRONMENT)
                          for e in exc.errors()]) from None
    except SettingsError as exc:  # a list or a mapping that is not JSON
        named = re.search(r'field "(\w+)"', str(exc))
        raise InputError([Problem(_variable(named[1] if named else ""),
                                  "not JSON: give a list as [\"a\", \"b\"]",
                                  ENVIRONMENT)]) from None
