"""Who is asking: the session cookie, the signed-in user, and the guards routes use."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from paperwire.community.models import SignIn, User
from paperwire.errors import InvalidQuery, SignInRequired
from paperwire.mail.message import OutgoingMail
from paperwire.surface import core_of

SESSION_COOKIE = "__Host-session"
_UNSET = object()


def send_quietly(request: Request, mail: OutgoingMail) -> None:
    """Send after the page has answered (a background task): a failure is logged by
    the mailer, and the reader has already been told to check their inbox."""
    with suppress(Exception):
        core_of(request).send_mail(mail)


def session_token(request: Request) -> str | None:
    value = request.cookies.get(SESSION_COOKIE)
    return value if value and 20 <= len(value) <= 100 and value.isascii() else None


def viewer(request: Request) -> User | None:
    """The signed-in user, looked up once per request (one read, none without a cookie)."""
    cached: Any = getattr(request.state, "viewer", _UNSET)
    if cached is not _UNSET:
        return cached
    token = session_token(request)
    user = core_of(request).session_user(token) if token else None
    request.state.viewer = user
    return user


def signed_in(request: Request) -> User:
    user = viewer(request)
    if user is None:
        raise SignInRequired()
    return user


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, sign_in: SignIn) -> None:
    response.set_cookie(
        SESSION_COOKIE, sign_in.session_token, max_age=sign_in.max_age, path="/",
        secure=True, httponly=True, samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def approves(decision: str) -> bool:
    """A review form's ``decision`` (claims, proposed links): approve → True, reject →
    False, anything else a 400 naming the field."""
    if decision not in ("approve", "reject"):
        raise InvalidQuery(f"decision must be approve or reject, got {decision[:20]!r}")
    return decision == "approve"
