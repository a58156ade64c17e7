"""Map paperwire's exceptions to friendly pages, or to JSON under ``/api``."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from paperwire.db.session import STORE_UNAVAILABLE, StoreError, store_error_line
from paperwire.errors import (
    InvalidArxivId,
    InvalidInput,
    InvalidQuery,
    NotFound,
    PaperNotFound,
    PermissionDenied,
    RateLimited,
    SignInRequired,
    StoreNotReady,
    TokenRequired,
)
from paperwire.web.redirects import safe_next

log = logging.getLogger(__name__)

STORE_UNAVAILABLE_MESSAGE = (
    "The database did not answer (it may be restarting or busy). Nothing you saved is"
    " lost; please try again in a moment."
)
STORE_RETRY_AFTER_S = 10

TITLES = {
    400: "That request doesn't make sense",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    422: "That request doesn't make sense",
    429: "Slow down",
    500: "Something went wrong",
    503: "Not ready yet",
}


FEED_SUFFIXES = (".rss", ".atom", ".json")


def wants_json(request: Request) -> bool:
    """The API and the feeds (every route in the OpenAPI document) answer errors in JSON;
    pages answer in HTML."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route.include_in_schema:
        return True
    path = request.url.path
    return path.startswith(("/api/", "/daily.", "/search.")) or path.endswith(FEED_SUFFIXES)


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (for a 405's ``Allow``)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path) and getattr(route, "methods", None):
            methods |= route.methods
    return ", ".join(sorted(methods))


def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "Error"), "message": message},
        status_code=status,
        headers=headers,
    )


def sign_in_first(request: Request) -> Response:
    """Anonymous users go to the sign-in page, then back to where they were."""
    if request.url.path.startswith("/api/"):
        return error_response(request, 401, "sign in first")
    back = request.url.path if request.method == "GET" else _referer_path(request)
    target = f"/signin?next={quote(safe_next(back))}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _referer_path(request: Request) -> str:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return "/"
    return referer.path + (f"?{referer.query}" if referer.query else "")


def install(app: FastAPI) -> None:
    @app.exception_handler(PaperNotFound)
    async def not_found(request: Request, error: PaperNotFound) -> Response:
        return error_response(
            request, 404, f"There is no paper {error.arxiv_id} here (yet)."
        )

    @app.exception_handler(NotFound)
    async def missing(request: Request, error: NotFound) -> Response:
        return error_response(request, 404, str(error))

    @app.exception_handler(PermissionDenied)
    async def denied(request: Request, error: PermissionDenied) -> Response:
        return error_response(request, 403, str(error))

    @app.exception_handler(SignInRequired)
    async def anonymous(request: Request, _error: SignInRequired) -> Response:
        return sign_in_first(request)

    @app.exception_handler(TokenRequired)
    async def no_token(request: Request, error: TokenRequired) -> Response:
        return error_response(
            request, 401, str(error), headers={"WWW-Authenticate": 'Bearer realm="paperwire"'}
        )

    @app.exception_handler(RateLimited)
    async def limited(request: Request, error: RateLimited) -> Response:
        return error_response(
            request, 429, str(error), headers={"Retry-After": str(error.retry_after)}
        )

    @app.exception_handler(InvalidArxivId)
    @app.exception_handler(InvalidInput)
    @app.exception_handler(InvalidQuery)
    async def bad_input(request: Request, error: Exception) -> Response:
        return error_response(request, 400, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in error.errors()
        )
        return error_response(request, 422, problems)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        message = "There is nothing at this address." if error.status_code == 404 else str(
            error.detail
        )
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return error_response(request, error.status_code, message, headers)

    @app.exception_handler(StoreNotReady)
    async def not_ready(request: Request, error: StoreNotReady) -> Response:
        return error_response(request, 503, str(error))

    async def store_unavailable(request: Request, error: Exception) -> Response:
        line = store_error_line(error) if isinstance(error, StoreError) else str(error)
        log.warning("the store did not answer %s %s: %s", request.method, request.url.path, line)
        return error_response(request, 503, STORE_UNAVAILABLE_MESSAGE,
                              headers={"Retry-After": str(STORE_RETRY_AFTER_S)})

    for kind in STORE_UNAVAILABLE:
        app.add_exception_handler(kind, store_unavailable)

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return error_response(
            request, 500, "The server hit an error. It has been logged; please try again."
        )
