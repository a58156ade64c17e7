"""Storage of accounts: users, sign-in links (``login_tokens``) and sessions.

Statements inside the caller's transaction. Tokens arrive here already hashed and
addresses with their case-folded key: hashing and normalizing are the core's rules
(``paperwire.community.accounts``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from paperwire.community.models import Role, User
from paperwire.db.tables import login_tokens, user_sessions, users

USER_COLUMNS = (
    users.c.id, users.c.email, users.c.username, users.c.display_name, users.c.role,
    users.c.banned, users.c.created_at,
)


def user_from_row(row: Row[Any], prefix: str = "") -> User:
    """A ``User`` from a row holding ``USER_COLUMNS`` (labelled ``prefix + name``)."""
    data = row._mapping
    return User(
        id=data[prefix + "id"],
        email=data[prefix + "email"],
        username=data[prefix + "username"],
        display_name=data[prefix + "display_name"],
        role=Role(data[prefix + "role"]),
        banned=bool(data[prefix + "banned"]),
        created_at=data[prefix + "created_at"],
    )


# -- users -------------------------------------------------------------------------------


def find_user(connection: Connection, *, email_key: str | None = None,
              username: str | None = None, user_id: int | None = None) -> User | None:
    """The user with this address key, else this user name, else this id."""
    query = select(*USER_COLUMNS)
    if email_key is not None:
        query = query.where(users.c.email_key == email_key)
    elif username is not None:
        query = query.where(users.c.username == username)
    else:
        query = query.where(users.c.id == user_id)
    row = connection.execute(query).one_or_none()
    return None if row is None else user_from_row(row)


def insert_user(connection: Connection, *, email: str, email_key: str, username: str,
                display_name: str, role: Role, created_at: int) -> None:
    """A new, unbanned user (the keys refuse a second one with the address or name)."""
    connection.execute(
        insert(users).values(
            email=email, email_key=email_key, username=username, display_name=display_name,
            role=role.value, banned=False, created_at=created_at,
        )
    )


def set_role(connection: Connection, user_id: int, role: Role) -> None:
    connection.execute(update(users).where(users.c.id == user_id).values(role=role.value))


def set_banned(connection: Connection, user_id: int, banned: bool) -> None:
    connection.execute(update(users).where(users.c.id == user_id).values(banned=banned))


def set_profile(connection: Connection, user_id: int, *, display_name: str,
                username: str) -> None:
    connection.execute(
        update(users).where(users.c.id == user_id)
        .values(display_name=display_name, username=username)
    )


# -- sign-in links -----------------------------------------------------------------------


def delete_login_tokens_expired_before(connection: Connection, moment: int) -> None:
    connection.execute(delete(login_tokens).where(login_tokens.c.expires_at < moment))


def insert_login_token(connection: Connection, *, token_hash: str, email: str, email_key: str,
                       created_at: int, expires_at: int) -> None:
    connection.execute(
        insert(login_tokens).values(
            token_hash=token_hash, email_key=email_key, email=email,
            created_at=created_at, expires_at=expires_at,
        )
    )


def use_login_token(connection: Connection, token_hash: str, *, now: int) -> str | None:
    """Mark an unused, unexpired sign-in token used (one statement, so only one of two
    racing requests wins) and return its address; None if there is no such token."""
    row = connection.execute(
        update(login_tokens)
        .where(
            login_tokens.c.token_hash == token_hash,
            login_tokens.c.used_at.is_(None),
            login_tokens.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(login_tokens.c.email)
    ).one_or_none()
    return None if row is None else row.email


# -- sessions ----------------------------------------------------------------------------


def delete_sessions_expired_before(connection: Connection, moment: int) -> None:
    connection.execute(delete(user_sessions).where(user_sessions.c.expires_at < moment))


def insert_session(connection: Connection, *, token_hash: str, user_id: int, created_at: int,
                   expires_at: int) -> None:
    connection.execute(
        insert(user_sessions).values(
            token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at
        )
    )


def session_user(connection: Connection, token_hash: str, *, now: int) -> User | None:
    """The unbanned owner of an unexpired session."""
    row = connection.execute(
        select(*USER_COLUMNS)
        .join(user_sessions, user_sessions.c.user_id == users.c.id)
        .where(
            user_sessions.c.token_hash == token_hash,
            user_sessions.c.expires_at > now,
            users.c.banned.is_(False),
        )
    ).one_or_none()
    return None if row is None else user_from_row(row)


def delete_session(connection: Connection, token_hash: str) -> None:
    connection.execute(delete(user_sessions).where(user_sessions.c.token_hash == token_hash))


def delete_user_sessions(connection: Connection, user_id: int) -> None:
    connection.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))
