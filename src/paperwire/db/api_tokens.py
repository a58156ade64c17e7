"""Storage of personal API tokens (``api_tokens``: only a hash of each) and of feed
tokens (``feed_tokens``: one nonce per user).

Statements inside the caller's transaction; making, hashing and checking tokens are
the core's rules (``paperwire.community.tokens``).
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.community.models import ApiToken, User
from paperwire.db.accounts import USER_COLUMNS, user_from_row
from paperwire.db.tables import api_tokens, feed_tokens, users

# -- API tokens --------------------------------------------------------------------------


def count_api_tokens(connection: Connection, user_id: int) -> int:
    return connection.execute(
        select(func.count()).select_from(api_tokens).where(api_tokens.c.user_id == user_id)
    ).scalar_one()


def insert_api_token(connection: Connection, *, user_id: int, name: str, token_hash: str,
                     prefix: str, created_at: int) -> int:
    """A new token; returns its id."""
    return connection.execute(
        insert(api_tokens)
        .values(user_id=user_id, name=name, token_hash=token_hash, prefix=prefix,
                created_at=created_at)
        .returning(api_tokens.c.id)
    ).scalar_one()


def api_tokens_of(connection: Connection, user_id: int) -> list[ApiToken]:
    """The user's tokens, oldest first."""
    rows = connection.execute(
        select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.prefix, api_tokens.c.created_at,
               api_tokens.c.last_used_at)
        .where(api_tokens.c.user_id == user_id)
        .order_by(api_tokens.c.id)
    )
    return [ApiToken(*row) for row in rows]


def delete_api_token(connection: Connection, *, token_id: int, user_id: int) -> bool:
    """Delete the user's token; False if the user has no token with that id."""
    gone = connection.execute(
        delete(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.user_id == user_id)
    )
    return gone.rowcount > 0


def api_token_owner(connection: Connection, token_hash: str) -> tuple[User, int, int | None] | None:
    """(owner, token id, last used) of the token with this hash; None if there is none."""
    row = connection.execute(
        select(*USER_COLUMNS, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == token_hash)
    ).one_or_none()
    if row is None:
        return None
    return user_from_row(row), row._mapping["token_id"], row._mapping["last_used_at"]


def note_api_token_used(connection: Connection, token_id: int, *, now: int) -> None:
    connection.execute(
        update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
    )


# -- feed tokens -------------------------------------------------------------------------


def feed_nonce(connection: Connection, user_id: int) -> str | None:
    """The nonce of the user's feed token (None: they made none)."""
    return connection.execute(
        select(feed_tokens.c.nonce).where(feed_tokens.c.user_id == user_id)
    ).scalar_one_or_none()


def set_feed_nonce(connection: Connection, *, user_id: int, nonce: str, created_at: int) -> None:
    """Store the user's feed nonce, replacing any earlier one."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(feed_tokens)
        .values(user_id=user_id, nonce=nonce, created_at=created_at)
        .on_conflict_do_update(
            index_elements=["user_id"], set_={"nonce": nonce, "created_at": created_at}
        )
    )


def feed_token_owner(connection: Connection, user_id: int) -> tuple[User, str] | None:
    """(user, feed nonce) if the user exists and has a feed token."""
    row = connection.execute(
        select(*USER_COLUMNS, feed_tokens.c.nonce)
        .join(feed_tokens, feed_tokens.c.user_id == users.c.id)
        .where(users.c.id == user_id)
    ).one_or_none()
    return None if row is None else (user_from_row(row), row._mapping["nonce"])
