"""API keys and one-time login tokens: random 32-byte tokens, only their SHA-256 stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hashpivot.store.tables import KEY_NAME_MAX_CHARS, ApiKeyRow, LoginTokenRow, utcnow

#: Prefix of API key tokens (so a leaked one is recognizable).
KEY_PREFIX = "hp_"


def key_name_problem(name: str) -> str | None:
    """What is wrong with a key's name, or None.

    Parameters
    ----------
    name : str
        The label given to ``keys create`` (stripped).

    Returns
    -------
    str or None
        The problem in words: empty, longer than the column, or holding a NUL character
        (which PostgreSQL refuses in any text).
    """
    if not name:
        return "the key needs a name"
    if len(name) > KEY_NAME_MAX_CHARS:
        return f"the key's name has {len(name)} characters; at most {KEY_NAME_MAX_CHARS}"
    if "\x00" in name:
        return "the key's name holds a NUL character"
    return None


def sha256_hex(token: str) -> str:
    """SHA-256 of a token, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A random 32-byte token, URL-safe."""
    return secrets.token_urlsafe(32)


def create_key(session: Session, name: str) -> tuple[ApiKeyRow, str]:
    """Create an API key; the token is returned once and never stored."""
    token = KEY_PREFIX + new_token()
    row = ApiKeyRow(name=name, prefix=token[:10], token_sha256=sha256_hex(token))
    session.add(row)
    session.flush()
    return row, token


def list_keys(session: Session) -> list[ApiKeyRow]:
    """Every key, newest first (revoked ones included)."""
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id.desc())))


def revoke_key(session: Session, key_id: int) -> bool:
    """Revoke a key; False when there is no such active key."""
    row = session.get(ApiKeyRow, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def verify_key(session: Session, token: str) -> ApiKeyRow | None:
    """The active key whose token this is, compared in constant time."""
    digest = sha256_hex(token)
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.token_sha256 == digest))
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.token_sha256, digest):
        return None
    return row


def create_login_token(session: Session) -> str:
    """A one-time login token (what ``hashpivot serve`` prints in its URL)."""
    token = new_token()
    session.add(LoginTokenRow(token_sha256=sha256_hex(token)))
    session.flush()
    return token


def consume_login_token(session: Session, token: str) -> bool:
    """Use a login token once: True the first time, False afterwards or if unknown."""
    digest = sha256_hex(token)
    row = session.scalar(select(LoginTokenRow).where(LoginTokenRow.token_sha256 == digest))
    if row is None or row.used_at is not None or not hmac.compare_digest(row.token_sha256, digest):
        return False
    row.used_at = utcnow()
    return True
