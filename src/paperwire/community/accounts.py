"""Accounts, sign-in links and sessions, as statements inside the caller's transaction.

Tokens (sign-in links and session ids) are 256 random bits; only their SHA-256
is stored, so a copy of the database cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from paperwire.community.models import Role, User
from paperwire.db.tables import login_tokens, user_sessions, users
from paperwire.errors import InvalidInput, InvalidSignInLink, NotFound
from paperwire.mail.message import parse_address

USERNAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,29}")
USER_COLUMNS = (
    users.c.id, users.c.email, users.c.username, users.c.display_name, users.c.role,
    users.c.banned, users.c.created_at,
)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def email_key(address: str) -> str:
    """The key that makes an address one account whatever its case."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def user_from_row(row: Row[Any], prefix: str = "") -> User:
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


def find_user(connection: Connection, *, email: str | None = None,
              username: str | None = None, user_id: int | None = None) -> User | None:
    query = select(*USER_COLUMNS)
    if email is not None:
        query = query.where(users.c.email_key == email_key(email))
    elif username is not None:
        query = query.where(users.c.username == username)
    else:
        query = query.where(users.c.id == user_id)
    row = connection.execute(query).one_or_none()
    return None if row is None else user_from_row(row)


def require_user(connection: Connection, email: str) -> User:
    user = find_user(connection, email=email)
    if user is None:
        raise NotFound(f"no account for {email}")
    return user


def create_user(
    connection: Connection, email: str, *, now: int, username: str | None = None,
    role: Role = Role.USER,
) -> User:
    address = parse_address(email)
    if find_user(connection, email=address):
        raise InvalidInput(f"there is already an account for {address}")
    handle = check_username(username) if username else _free_username(connection)
    if find_user(connection, username=handle):
        raise InvalidInput(f"the user name {handle} is taken")
    connection.execute(
        insert(users).values(
            email=address, email_key=email_key(address), username=handle,
            display_name=handle, role=role.value, banned=False, created_at=now,
        )
    )
    user = find_user(connection, email=address)
    assert user is not None
    return user


def _free_username(connection: Connection) -> str:
    while True:
        handle = f"reader-{secrets.token_hex(3)}"
        if find_user(connection, username=handle) is None:
            return handle


def check_username(value: str) -> str:
    handle = value.strip().lower()
    if not USERNAME.fullmatch(handle):
        raise InvalidInput(
            "a user name has 2 to 30 characters: a-z, 0-9, - and _, starting with a letter"
            " or digit"
        )
    return handle


def check_display_name(value: str) -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 60:
        raise InvalidInput("a display name has 1 to 60 characters")
    return name


# -- sign-in links ---------------------------------------------------------------------


def start_sign_in(connection: Connection, email: str, *, now: int, ttl_s: int,
                  open_signup: bool) -> tuple[str, bool]:
    """Store a hashed single-use token; returns (token, whether to mail it).

    The work is the same for known and unknown addresses, so neither the answer
    nor its timing tells them apart.
    """
    address = parse_address(email)
    token = new_token()
    connection.execute(delete(login_tokens).where(login_tokens.c.expires_at < now - 86_400))
    connection.execute(
        insert(login_tokens).values(
            token_hash=token_hash(token), email_key=email_key(address), email=address,
            created_at=now, expires_at=now + ttl_s,
        )
    )
    user = find_user(connection, email=address)
    send = (user is None and open_signup) or (user is not None and not user.banned)
    return token, send


def finish_sign_in(connection: Connection, token: str, *, now: int, open_signup: bool) -> User:
    """Use a sign-in token (once, before it expires) and return its account."""
    row = connection.execute(
        update(login_tokens)
        .where(
            login_tokens.c.token_hash == token_hash(token),
            login_tokens.c.used_at.is_(None),
            login_tokens.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(login_tokens.c.email)
    ).one_or_none()
    if row is None:
        raise InvalidSignInLink("this sign-in link is invalid, used or expired")
    user = find_user(connection, email=row.email)
    if user is None:
        if not open_signup:
            raise InvalidSignInLink("this sign-in link is invalid, used or expired")
        user = create_user(connection, row.email, now=now)
    if user.banned:
        raise InvalidSignInLink("this account is suspended")
    return user


# -- sessions --------------------------------------------------------------------------


def start_session(connection: Connection, user_id: int, *, now: int, ttl_s: int) -> str:
    token = new_token()
    connection.execute(delete(user_sessions).where(user_sessions.c.expires_at < now))
    connection.execute(
        insert(user_sessions).values(
            token_hash=token_hash(token), user_id=user_id, created_at=now, expires_at=now + ttl_s
        )
    )
    return token


def session_user(connection: Connection, token: str, *, now: int) -> User | None:
    row = connection.execute(
        select(*USER_COLUMNS)
        .join(user_sessions, user_sessions.c.user_id == users.c.id)
        .where(
            user_sessions.c.token_hash == token_hash(token),
            user_sessions.c.expires_at > now,
            users.c.banned.is_(False),
        )
    ).one_or_none()
    return None if row is None else user_from_row(row)


def end_session(connection: Connection, token: str) -> None:
    connection.execute(delete(user_sessions).where(user_sessions.c.token_hash == token_hash(token)))


def end_all_sessions(connection: Connection, user_id: int) -> None:
    connection.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))


def set_role(connection: Connection, user_id: int, role: Role) -> None:
    connection.execute(update(users).where(users.c.id == user_id).values(role=role.value))


def set_banned(connection: Connection, user_id: int, banned: bool) -> None:
    connection.execute(update(users).where(users.c.id == user_id).values(banned=banned))
    if banned:
        end_all_sessions(connection, user_id)


def update_profile(connection: Connection, user: User, *, display_name: str,
                   username: str) -> None:
    name, handle = check_display_name(display_name), check_username(username)
    other = find_user(connection, username=handle)
    if other is not None and other.id != user.id:
        raise InvalidInput(f"the user name {handle} is taken")
    connection.execute(
        update(users).where(users.c.id == user.id).values(display_name=name, username=handle)
    )
