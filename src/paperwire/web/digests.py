"""Digest pages: subscribe (double opt-in), confirm, new link, one-click unsubscribe,
manage. Every link in a mail opens a page; only a POST from it changes anything.

``POST /digest/unsubscribe`` is the one route without a CSRF check: mail clients
send it (RFC 8058 one-click) without cookies, and the signed token in its URL is
what authenticates it (see ``CSRF_EXEMPT`` in security.py).
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import Response

from paperwire.digest.models import Frequency, InvalidDigestLink, SubscriptionStatus, Topics
from paperwire.errors import InvalidInput
from paperwire.mail.message import parse_address
from paperwire.surface import core_of, rate
from paperwire.web.pages import render
from paperwire.web.viewer import client_ip, see_other, send_quietly, viewer

router = APIRouter(include_in_schema=False)
TOKEN_QUERY = Query(default="", max_length=300)
FIELD = Form(default="", max_length=4000)


def _topics(categories: list[str], keywords: str, authors: str) -> Topics:
    return Topics.parse(categories=categories, keywords=keywords, authors=authors)


def _frequency(value: str) -> Frequency:
    try:
        return Frequency(value)
    except ValueError:
        raise InvalidInput("choose daily or weekly") from None



def invalid_link(request: Request, error: InvalidDigestLink) -> Response:
    """One neutral page for every bad token, whatever was wrong with it."""
    return render(request, "digest_invalid.html", 400, expired=error.expired,
                  message=str(error))


@router.get("/digest")
def subscribe_page(request: Request, q: str = Query(default="", max_length=500)) -> Response:
    return render(request, "digest_subscribe.html", q=q, error=None)


@router.post("/digest/subscribe")
def subscribe(request: Request, background: BackgroundTasks, email: str = Form(default="", max_length=320),
              frequency: str = Form(default="daily", max_length=10),
              categories: list[str] = Form(default=[]), keywords: str = FIELD,
              authors: str = Form(default="", max_length=4000)) -> Response:
    """Answer the same for every address; the confirmation (or manage) mail goes after."""
    try:
        address = parse_address(email)
        topics = _topics(categories[:50], keywords, authors)
        kind = _frequency(frequency)
    except InvalidInput as error:
        return render(request, "digest_subscribe.html", 400, q=keywords, error=str(error))
    rate(request, "subscribe-ip", client_ip(request), "rate_limit_subscribe_ip")
    rate(request, "subscribe-address", address.casefold(), "rate_limit_subscribe_address")
    user = viewer(request)
    mail = core_of(request).subscribe_digest(address, frequency=kind, topics=topics,
                                             user_id=user.id if user else None)
    background.add_task(send_quietly, request, mail)
    return render(request, "digest_sent.html", email=address)


@router.get("/digest/confirm")
def confirm_page(request: Request, token: str = TOKEN_QUERY) -> Response:
    """A button; only its POST confirms (mail scanners open links with GET)."""
    return render(request, "digest_confirm.html", token=token)


@router.post("/digest/confirm")
def confirm(request: Request, token: str = Form(default="", max_length=300)) -> Response:
    try:
        subscription = core_of(request).confirm_digest(token)
    except InvalidDigestLink as error:
        return invalid_link(request, error)
    return render(request, "digest_confirmed.html", subscription=subscription)


@router.get("/digest/renew")
def renew_page(request: Request) -> Response:
    return render(request, "digest_renew.html", error=None)


@router.post("/digest/renew")
def renew(request: Request, background: BackgroundTasks,
          email: str = Form(default="", max_length=320)) -> Response:
    try:
        address = parse_address(email)
    except InvalidInput as error:
        return render(request, "digest_renew.html", 400, error=str(error))
    rate(request, "subscribe-ip", client_ip(request), "rate_limit_subscribe_ip")
    rate(request, "subscribe-address", address.casefold(), "rate_limit_subscribe_address")
    mail = core_of(request).renew_digest_link(address)
    if mail is not None:
        background.add_task(send_quietly, request, mail)
    return render(request, "digest_sent.html", email=address)


@router.get("/digest/unsubscribe")
def unsubscribe_page(request: Request, token: str = TOKEN_QUERY) -> Response:
    """Shows what the button will do; changes nothing."""
    try:
        subscription = core_of(request).digest_subscription(token)
    except InvalidDigestLink as error:
        return invalid_link(request, error)
    done = subscription.status is SubscriptionStatus.UNSUBSCRIBED
    return render(request, "digest_unsubscribe.html", subscription=subscription, token=token,
                  done=done)


@router.post("/digest/unsubscribe")
async def unsubscribe(request: Request, token: str = TOKEN_QUERY) -> Response:
    """RFC 8058 one-click: no cookie, no CSRF token; 200 once it is in effect."""
    form = await request.form()
    token = token or str(form.get("token", ""))[:300]
    from starlette.concurrency import run_in_threadpool

    try:
        subscription = await run_in_threadpool(core_of(request).unsubscribe_digest, token)
    except InvalidDigestLink as error:
        return invalid_link(request, error)
    return render(request, "digest_unsubscribe.html", subscription=subscription, token=token,
                  done=True)


@router.get("/digest/manage")
def manage_page(request: Request, token: str = TOKEN_QUERY,
                saved: str = Query(default="", max_length=1)) -> Response:
    try:
        subscription = core_of(request).digest_subscription(token)
    except InvalidDigestLink as error:
        return invalid_link(request, error)
    return render(request, "digest_manage.html", subscription=subscription, token=token,
                  saved=saved == "1", error=None)


@router.post("/digest/manage")
def manage(request: Request, token: str = Form(default="", max_length=300),
           frequency: str = Form(default="daily", max_length=10),
           categories: list[str] = Form(default=[]), keywords: str = FIELD,
           authors: str = Form(default="", max_length=4000),
           resume: str = Form(default="", max_length=1)) -> Response:
    core = core_of(request)
    try:
        core.update_digest_subscription(
            token, frequency=_frequency(frequency),
            topics=_topics(categories[:50], keywords, authors), resume=resume == "1",
        )
    except InvalidDigestLink as error:
        return invalid_link(request, error)
    except InvalidInput as error:
        subscription = core.digest_subscription(token)
        return render(request, "digest_manage.html", 400, subscription=subscription,
                      token=token, saved=False, error=str(error))
    return see_other(f"/digest/manage?token={token}&saved=1")
