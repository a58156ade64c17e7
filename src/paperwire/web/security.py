"""One ASGI middleware for the rules every request obeys.

- Request bodies larger than ``max_body_bytes`` are answered 413 (a few paths, such as
  the library upload, have their own larger limit: ``body_limits``).
- Every POST/PUT/PATCH/DELETE carries a CSRF token (form field ``csrf_token``, in an
  urlencoded or a multipart form, or header ``X-CSRF-Token``) matching the browser's ``__Host-csrf`` cookie, or is
  answered 403. The token is an HMAC of the cookie under the secret key. The
  exception is ``/api/``: it authenticates by Bearer token only, never by cookie.
- Every response gets a nonce-based Content-Security-Policy (no 'unsafe-inline'
  for scripts), nosniff, a Referrer-Policy and frame-ancestors 'none'.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.routing import Match

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "__Host-csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The JSON API reads no cookies: its write routes are authenticated only by an
# ``Authorization: Bearer`` token, which browsers never send on their own, so they
# skip CSRF (tests/test_security.py lists them and proves cookies get nowhere).
TOKEN_AUTHENTICATED_PREFIX = "/api/"
# And RFC 8058 one-click unsubscribe: mail clients POST it without cookies, and the
# signed token in its URL names the one subscription it may end (a forged request can
# do nothing).
CSRF_EXEMPT: frozenset[str] = frozenset({"/digest/unsubscribe"})
# And the MCP endpoint (web/mcp_http.py): like /api/, it reads no cookie, and its
# personal tools take only an ``Authorization: Bearer`` token.
TOKEN_AUTHENTICATED_PATHS: frozenset[str] = frozenset({"/mcp"})


def csp(nonce: str, path: str) -> str:
    script = f"'self' 'nonce-{nonce}'"
    style = "'self'"
    if path == "/docs":  # Swagger UI sets inline styles on its own elements
        style += " 'unsafe-inline'"
    return (
        # style-src-attr: KaTeX sizes rendered math with style attributes (no script can run there).
        f"default-src 'self'; script-src {script}; style-src {style}; style-src-attr 'unsafe-inline';"
        " img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action"
        " 'self'; frame-ancestors 'none'"
    )


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def csrf_token_for(secret: str, cookie: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token forms on this page must send back."""
    return request.state.csrf_token


class SecurityMiddleware:
    def __init__(self, app: App, *, secret: str, max_body_bytes: int,
                 render_error: Callable[[Request, int, str], Any],
                 body_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.secret = secret
        self.max_body = max_body_bytes
        self.body_limits = body_limits or {}
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        state = scope.setdefault("state", {})
        cookie, fresh = self._csrf_cookie(Request(scope))
        state.update(csp_nonce=nonce, csrf_token=csrf_token_for(self.secret, cookie))
        send = self._with_headers(send, nonce, scope["path"], cookie if fresh else None)
        body = b""
        if scope["method"] in UNSAFE or _declared_length(scope):
            limit = self.body_limits.get(scope["path"], self.max_body)
            body, too_big = await _read_body(receive, limit)
            if too_big:
                await self._error(scope, send, 413, "That request is too large.")
                return
            receive = _replay(body)
        if await self._csrf_rejected(scope, body, cookie, fresh):
            await self._error(
                scope, send, 403,
                "This form has expired or did not come from this site. Reload the page"
                " and try again.",
            )
            return
        await self.app(scope, receive, send)

    def _csrf_cookie(self, request: Request) -> tuple[str, bool]:
        value = request.cookies.get(CSRF_COOKIE, "")
        if 20 <= len(value) <= 100 and value.isascii():
            return value, False
        return secrets.token_urlsafe(32), True

    async def _csrf_rejected(self, scope: Scope, body: bytes, cookie: str, fresh: bool) -> bool:
        path = scope["path"]
        if scope["method"] not in UNSAFE or path.startswith(TOKEN_AUTHENTICATED_PREFIX) or path in CSRF_EXEMPT \
                or path in TOKEN_AUTHENTICATED_PATHS:
            return False
        if not _has_route(scope):  # the router answers 404/405 and changes nothing
            return False
        return fresh or not await self._csrf_ok(scope, body, cookie)

    async def _csrf_ok(self, scope: Scope, body: bytes, cookie: str) -> bool:
        expected = csrf_token_for(self.secret, cookie)
        headers = dict(scope["headers"])
        given = headers.get(CSRF_HEADER.encode(), b"").decode("latin-1")
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if not given and content_type.startswith("application/x-www-form-urlencoded"):
            fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=200)
            given = (fields.get(CSRF_FIELD) or [""])[0]
        elif not given and content_type.startswith("multipart/form-data"):
            given = await _multipart_field(scope, body, CSRF_FIELD)
        return bool(given) and hmac.compare_digest(given, expected)

    def _with_headers(self, send: Send, nonce: str, path: str, new_cookie: str | None) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = csp(nonce, path)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if new_cookie:
                    headers.append(
                        "set-cookie",
                        f"{CSRF_COOKIE}={new_cookie}; Path=/; Secure; HttpOnly; SameSite=Lax",
                    )
            await send(message)

        return wrapped

    async def _error(self, scope: Scope, send: Send, status: int, message: str) -> None:
        response = self.render_error(Request(scope), status, message)
        await response(scope, _empty_receive, send)


def _has_route(scope: Scope) -> bool:
    """Whether a route takes this method at this path."""
    app = scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", None)
    if routes is None:
        return True
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def _declared_length(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    return False


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


async def _multipart_field(scope: Scope, body: bytes, name: str) -> str:
    """A text field of a multipart body ("" if absent or the body is not multipart)."""
    try:
        async with Request(scope, _replay(body)).form(max_files=20, max_fields=20) as form:
            value = form.get(name)
    except Exception:  # a malformed body has no token: the request is refused
        return ""
    return value if isinstance(value, str) else ""


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
