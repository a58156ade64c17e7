"""Bearer-token authentication for the JSON API.

API routes never read the session cookie: a write call is authenticated only by
``Authorization: Bearer <token>`` (a personal token from the account settings
page). Browsers never add that header on their own, so these routes need no
CSRF token (see ``paperwire.web.security``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from paperwire.community.models import User
from paperwire.errors import TokenRequired
from paperwire.surface import ErrorBody, core_of

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="A personal API token (`pw_...`), created on the account settings page.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No token, or an unknown or revoked one",
          "headers": {"WWW-Authenticate": {"schema": {"type": "string"},
                                           "description": "`Bearer realm=\"paperwire\"`"}}},
}


def _user(request: Request, credentials: HTTPAuthorizationCredentials) -> User:
    user = core_of(request).user_for_api_token(credentials.credentials)
    if user is None:
        raise TokenRequired("unknown or revoked API token")
    return user


def token_user(request: Request, credentials: Credentials) -> User:
    """The token's owner; 401 without a valid Bearer token (cookies are never read)."""
    if credentials is None:
        raise TokenRequired(
            "this call needs an API token: send `Authorization: Bearer <token>`"
            " (create one on your account settings page)"
        )
    return _user(request, credentials)


def token_viewer(request: Request) -> User | None:
    """The token's owner when a Bearer token is sent (a bad one is 401), else anonymous.

    Read routes take a token only to show the owner their private things, so the
    OpenAPI document does not declare it (a declared scheme reads as required)."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return _user(request, HTTPAuthorizationCredentials(scheme="Bearer", credentials=secret.strip()))


TokenUser = Annotated[User, Depends(token_user)]
TokenViewer = Annotated[User | None, Depends(token_viewer)]
