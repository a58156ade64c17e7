"""Accounts, sign-in links and sessions: the rules, run inside the caller's transaction.

Tokens (sign-in links and session ids) are 256 random bits; only their SHA-256
is stored, so a copy of the database cannot sign anyone in. The statements are in
``paperwire.db.accounts``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

from paperwire.community.models import Role, User
from paperwire.db import accounts as store
from paperwire.db.session import Connection
from paperwire.errors import InvalidInput, InvalidSignInLink, NotFound
from paperwire.mail.message import parse_address

USERNAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,29}")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def email_key(address: str) -> str:
    """The key that makes an address one account whatever its case."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def find_user(connection: Connection, *, email: str | None = None,
              username: str | None = None, user_id: int | None = None) -> User | None:
    return store.find_user(
        connection, email_key=None if email is None else email_key(email), username=username,
        user_id=user_id,
    )


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
    store.insert_user(
        connection, email=address, email_key=email_key(address), username=handle,
        display_name=handle, role=role, created_at=now,
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
    store.delete_login_tokens_expired_before(connection, now - 86_400)
    store.insert_login_token(
        connection, token_hash=token_hash(token), email=address, email_key=email_key(address),
        created_at=now, expires_at=now + ttl_s,
    )
    user = find_user(connection, email=address)
    send = (user is None and open_signup) or (user is not None and not user.banned)
    return token, send


def finish_sign_in(connection: Connection, token: str, *, now: int, open_signup: bool) -> User:
    """Use a sign-in token (once, before it expires) and return its account."""
    address = store.use_login_token(connection, token_hash(token), now=now)
    if address is None:
        raise InvalidSignInLink("this sign-in link is invalid, used or expired")
    user = find_user(connection, email=address)
    if user is None:
        if not open_signup:
            raise InvalidSignInLink("this sign-in link is invalid, used or expired")
        user = create_user(connection, address, now=now)
    if user.banned:
        raise InvalidSignInLink("this account is suspended")
    return user


# -- sessions --------------------------------------------------------------------------


def start_session(connection: Connection, user_id: int, *, now: int, ttl_s: int) -> str:
    token = new_token()
    store.delete_sessions_expired_before(connection, now)
    store.insert_session(
        connection, token_hash=token_hash(token), user_id=user_id, created_at=now,
        expires_at=now + ttl_s,
    )
    return token


def session_user(connection: Connection, token: str, *, now: int) -> User | None:
    return store.session_user(connection, token_hash(token), now=now)


def end_session(connection: Connection, token: str) -> None:
    store.delete_session(connection, token_hash(token))


def set_role(connection: Connection, user_id: int, role: Role) -> None:
    store.set_role(connection, user_id, role)


def set_banned(connection: Connection, user_id: int, banned: bool) -> None:
    """Ban (ending every session) or unban."""
    store.set_banned(connection, user_id, banned)
    if banned:
        store.delete_user_sessions(connection, user_id)


def update_profile(connection: Connection, user: User, *, display_name: str,
                   username: str) -> None:
    name, handle = check_display_name(display_name), check_username(username)
    other = find_user(connection, username=handle)
    if other is not None and other.id != user.id:
        raise InvalidInput(f"the user name {handle} is taken")
    store.set_profile(connection, user.id, display_name=name, username=handle)
