"""Personal API tokens and private feed tokens, as statements inside the caller's transaction.

An API token is ``pw_`` plus 256 random bits. Only its SHA-256 is stored, with a
name the user chose, its first characters (to tell tokens apart in a list) and
when it was last used; the token itself is shown once, when it is created.

A feed token goes into a feed reader's URL, so the settings page must be able
to show it again: it is ``<user id>.<HMAC-SHA256(secret key, user id, nonce)>``,
and the store keeps only the nonce. Rotating replaces the nonce, which ends
every old feed URL; so does changing the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.community.accounts import USER_COLUMNS, token_hash, user_from_row
from paperwire.community.models import User
from paperwire.db.tables import api_tokens, feed_tokens, users
from paperwire.errors import InvalidInput, NotFound

TOKEN_PREFIX = "pw_"
MAX_TOKENS = 50  # per user
LAST_USED_GRANULARITY_S = 60  # last_used_at is written at most once a minute per token


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token as the settings page lists it (never the token itself)."""

    id: int
    name: str
    prefix: str
    created_at: int
    last_used_at: int | None


@dataclass(frozen=True, slots=True)
class NewApiToken:
    """A freshly created token: ``secret`` is shown to the user once and never stored."""

    token: ApiToken
    secret: str


def check_token_name(name: str) -> str:
    value = " ".join(name.replace("\x00", "").split())
    if not 1 <= len(value) <= 80:
        raise InvalidInput("a token name has 1 to 80 characters")
    return value


def create_api_token(connection: Connection, *, user: User, name: str, now: int) -> NewApiToken:
    label = check_token_name(name)
    count = connection.execute(
        select(func.count()).select_from(api_tokens).where(api_tokens.c.user_id == user.id)
    ).scalar_one()
    if count >= MAX_TOKENS:
        raise InvalidInput(f"you have {MAX_TOKENS} tokens already: revoke one first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = secret[:10]
    token_id = connection.execute(
        insert(api_tokens)
        .values(user_id=user.id, name=label, token_hash=token_hash(secret), prefix=prefix,
                created_at=now)
        .returning(api_tokens.c.id)
    ).scalar_one()
    return NewApiToken(ApiToken(token_id, label, prefix, now, None), secret)


def list_api_tokens(connection: Connection, user_id: int) -> list[ApiToken]:
    rows = connection.execute(
        select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.prefix, api_tokens.c.created_at,
               api_tokens.c.last_used_at)
        .where(api_tokens.c.user_id == user_id)
        .order_by(api_tokens.c.id)
    )
    return [ApiToken(*row) for row in rows]


def revoke_api_token(connection: Connection, *, user: User, token_id: int) -> None:
    """Delete one of the user's tokens (someone else's reads as missing)."""
    gone = connection.execute(
        delete(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.user_id == user.id)
    )
    if gone.rowcount == 0:
        raise NotFound("no such token")


def user_for_api_token(connection: Connection, secret: str, *, now: int) -> User | None:
    """The (unbanned) owner of a token, noting when it was used; None for unknown tokens."""
    if not secret.startswith(TOKEN_PREFIX) or not 20 <= len(secret) <= 100 or not secret.isascii():
        return None
    row = connection.execute(
        select(*USER_COLUMNS, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == token_hash(secret))
    ).one_or_none()
    if row is None:
        return None
    user = user_from_row(row)
    if user.banned:
        return None
    last = row._mapping["last_used_at"]
    if last is None or now - last >= LAST_USED_GRANULARITY_S:
        connection.execute(
            update(api_tokens).where(api_tokens.c.id == row._mapping["token_id"])
            .values(last_used_at=now)
        )
    return user


# -- feed tokens -------------------------------------------------------------------------


def _feed_mac(secret_key: str, user_id: int, nonce: str) -> str:
    message = f"feed:{user_id}:{nonce}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:40]


def feed_token(connection: Connection, *, user: User, secret_key: str) -> str | None:
    """The user's feed token, if they made one."""
    nonce = connection.execute(
        select(feed_tokens.c.nonce).where(feed_tokens.c.user_id == user.id)
    ).scalar_one_or_none()
    return None if nonce is None else f"{user.id}.{_feed_mac(secret_key, user.id, nonce)}"


def rotate_feed_token(connection: Connection, *, user: User, secret_key: str, now: int) -> str:
    """Make the user's feed token, or replace it (every old feed URL stops working)."""
    nonce = secrets.token_hex(16)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(feed_tokens)
        .values(user_id=user.id, nonce=nonce, created_at=now)
        .on_conflict_do_update(index_elements=["user_id"], set_={"nonce": nonce, "created_at": now})
    )
    return f"{user.id}.{_feed_mac(secret_key, user.id, nonce)}"


def user_for_feed_token(connection: Connection, token: str, *, secret_key: str) -> User | None:
    user_part, _, mac = token.partition(".")
    if not user_part.isdigit() or len(user_part) > 12 or len(mac) != 40:
        return None
    row = connection.execute(
        select(*USER_COLUMNS, feed_tokens.c.nonce)
        .join(feed_tokens, feed_tokens.c.user_id == users.c.id)
        .where(users.c.id == int(user_part))
    ).one_or_none()
    if row is None:
        return None
    expected = _feed_mac(secret_key, int(user_part), row._mapping["nonce"])
    user = user_from_row(row)
    if not hmac.compare_digest(mac.encode(), expected.encode()) or user.banned:
        return None
    return user
