"""Personal API tokens and private feed tokens: the rules, run inside the caller's
transaction (the statements are in ``paperwire.db.api_tokens``).

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

from paperwire.community.accounts import token_hash
from paperwire.community.models import ApiToken, NewApiToken, User
from paperwire.db import api_tokens as store
from paperwire.db.session import Connection
from paperwire.errors import InvalidInput, NotFound

TOKEN_PREFIX = "pw_"
MAX_TOKENS = 50  # per user
LAST_USED_GRANULARITY_S = 60  # last_used_at is written at most once a minute per token


def check_token_name(name: str) -> str:
    value = " ".join(name.replace("\x00", "").split())
    if not 1 <= len(value) <= 80:
        raise InvalidInput("a token name has 1 to 80 characters")
    return value


def create_api_token(connection: Connection, *, user: User, name: str, now: int) -> NewApiToken:
    label = check_token_name(name)
    if store.count_api_tokens(connection, user.id) >= MAX_TOKENS:
        raise InvalidInput(f"you have {MAX_TOKENS} tokens already: revoke one first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = secret[:10]
    token_id = store.insert_api_token(
        connection, user_id=user.id, name=label, token_hash=token_hash(secret), prefix=prefix,
        created_at=now,
    )
    return NewApiToken(ApiToken(token_id, label, prefix, now, None), secret)


def list_api_tokens(connection: Connection, user_id: int) -> list[ApiToken]:
    return store.api_tokens_of(connection, user_id)


def revoke_api_token(connection: Connection, *, user: User, token_id: int) -> None:
    """Delete one of the user's tokens (someone else's reads as missing)."""
    if not store.delete_api_token(connection, token_id=token_id, user_id=user.id):
        raise NotFound("no such token")


def user_for_api_token(connection: Connection, secret: str, *, now: int) -> User | None:
    """The (unbanned) owner of a token, noting when it was used; None for unknown tokens."""
    if not secret.startswith(TOKEN_PREFIX) or not 20 <= len(secret) <= 100 or not secret.isascii():
        return None
    found = store.api_token_owner(connection, token_hash(secret))
    if found is None:
        return None
    user, token_id, last = found
    if user.banned:
        return None
    if last is None or now - last >= LAST_USED_GRANULARITY_S:
        store.note_api_token_used(connection, token_id, now=now)
    return user


# -- feed tokens -------------------------------------------------------------------------


def _feed_mac(secret_key: str, user_id: int, nonce: str) -> str:
    message = f"feed:{user_id}:{nonce}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:40]


def feed_token(connection: Connection, *, user: User, secret_key: str) -> str | None:
    """The user's feed token, if they made one."""
    nonce = store.feed_nonce(connection, user.id)
    return None if nonce is None else f"{user.id}.{_feed_mac(secret_key, user.id, nonce)}"


def rotate_feed_token(connection: Connection, *, user: User, secret_key: str, now: int) -> str:
    """Make the user's feed token, or replace it (every old feed URL stops working)."""
    nonce = secrets.token_hex(16)
    store.set_feed_nonce(connection, user_id=user.id, nonce=nonce, created_at=now)
    return f"{user.id}.{_feed_mac(secret_key, user.id, nonce)}"


def user_for_feed_token(connection: Connection, token: str, *, secret_key: str) -> User | None:
    user_part, _, mac = token.partition(".")
    if not user_part.isdigit() or len(user_part) > 12 or len(mac) != 40:
        return None
    found = store.feed_token_owner(connection, int(user_part))
    if found is None:
        return None
    user, nonce = found
    expected = _feed_mac(secret_key, int(user_part), nonce)
    if not hmac.compare_digest(mac.encode(), expected.encode()) or user.banned:
        return None
    return user
