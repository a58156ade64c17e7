"""Sign in by emailed link, sign out, and the account settings page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import Response

from paperwire.errors import InvalidInput, InvalidSignInLink
from paperwire.mail.message import parse_address
from paperwire.surface import core_of, rate
from paperwire.web.pages import render
from paperwire.web.redirects import safe_next
from paperwire.web.tokens import account_page
from paperwire.web.viewer import (
    clear_session_cookie,
    client_ip,
    see_other,
    send_quietly,
    session_token,
    set_session_cookie,
    signed_in,
)

router = APIRouter(include_in_schema=False)
TOKEN = Query(default="", max_length=200)


@router.get("/signin")
def signin_form(request: Request, next: str = Query(default="/", max_length=2000)) -> Response:
    return render(request, "signin.html", next=safe_next(next), error=None)


@router.post("/signin")
def signin_request(
    request: Request,
    background: BackgroundTasks,
    email: str = Form(default="", max_length=320),
    next: str = Form(default="/", max_length=2000),
) -> Response:
    """Mail a sign-in link. The answer is the same whether the address has an account."""
    try:
        address = parse_address(email)
    except InvalidInput as error:
        return render(request, "signin.html", 400, next=safe_next(next), error=str(error))
    rate(request, "signin-ip", client_ip(request), "rate_limit_signin_ip")
    rate(request, "signin-address", address.casefold(), "rate_limit_signin_address")
    mail = core_of(request).request_sign_in(address)
    if mail is not None:
        background.add_task(send_quietly, request, mail)
    return render(request, "signin_sent.html", email=address)



@router.get("/signin/verify")
def verify_form(request: Request, token: str = TOKEN) -> Response:
    """Shows a button; only its POST signs in (mail scanners open links with GET)."""
    return render(request, "signin_verify.html", token=token)


@router.post("/signin/verify")
def verify(request: Request, token: str = Form(default="", max_length=200)) -> Response:
    try:
        sign_in = core_of(request).sign_in(token, replacing=session_token(request))
    except InvalidSignInLink as error:
        return render(request, "signin.html", 400, next="/", error=str(error))
    response = see_other(f"/u/{quote(sign_in.user.username)}?welcome=1")
    set_session_cookie(response, sign_in)
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    token = session_token(request)
    if token:
        core_of(request).sign_out(token)
    response = see_other("/")
    clear_session_cookie(response)
    return response


@router.get("/account")
def account_form(request: Request) -> Response:
    return account_page(request, signed_in(request))


@router.post("/account")
def account_save(
    request: Request,
    display_name: str = Form(default="", max_length=200),
    username: str = Form(default="", max_length=100),
) -> Response:
    user = signed_in(request)
    try:
        core_of(request).update_profile(user, display_name=display_name, username=username)
    except InvalidInput as error:
        return account_page(request, user, 400, error=str(error))
    return see_other(f"/u/{quote(username.strip().lower())}")

