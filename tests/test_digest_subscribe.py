"""Subscribing (double opt-in), confirming by POST, new links, one-click unsubscribe,
managing — and tokens that cannot be forged, moved or replayed."""

from __future__ import annotations

import email
import hashlib
import random
import re
import string
from email import policy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clients import BASE, Browser
from paperwire.db.tables import digest_subscriptions, outbox
from paperwire.digest.models import Frequency, InvalidDigestLink, Topics


def mails(core) -> list:  # type: ignore[no-untyped-def]
    with core.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.message).order_by(outbox.c.id)).scalars()
        return [email.message_from_string(raw, policy=policy.default) for raw in rows]


def link_token(message) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"token=([A-Za-z0-9_.\-]+)", message.get_content())[1]


def subscriptions(core) -> list:  # type: ignore[no-untyped-def]
    with core.engine.connect() as connection:
        return connection.execute(select(digest_subscriptions)).all()


def state(core) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(repr(sorted(map(repr, subscriptions(core)))).encode()).hexdigest()


def subscribe(browser: Browser, address: str, **fields: object):  # type: ignore[no-untyped-def]
    return browser.post("/digest/subscribe", {"email": address, "frequency": "daily", **fields})


def confirmed(core, address: str) -> str:  # type: ignore[no-untyped-def]
    """Subscribe and confirm; return the subscriber (unsubscribe/manage) token."""
    mail = core.subscribe_digest(address, frequency=Frequency.DAILY, topics=Topics())
    subscription = core.confirm_digest(link_token_text(mail.text))
    return core.subscriber_token(subscription.id, address)


def link_token_text(text: str) -> str:
    return re.search(r"token=([A-Za-z0-9_.\-]+)", text)[1]


def test_double_opt_in_confirms_only_by_post(core, app):
    browser = Browser(app, core)
    page = subscribe(browser, "Ada@Example.org", categories=["cs.LG"],
                     keywords="task-specific heads\nauthor:\"Ada Lovelace\"", authors="Alan Turing")
    assert page.status_code == 200
    assert "Check your email" in page.text
    [mail] = mails(core)
    assert mail["To"] == "Ada@Example.org"
    token = link_token(mail)
    [row] = subscriptions(core)
    assert row.status == "pending"
    assert row.topics == {"categories": ["cs.LG"], "authors": ["Alan Turing"],
                          "keywords": ["task-specific heads", 'author:"Ada Lovelace"']}
    before = state(core)
    for _ in range(3):  # a mail scanner opening the link
        assert browser.get(f"/digest/confirm?token={token}").status_code == 200
    assert state(core) == before
    done = browser.post("/digest/confirm", {"token": token})
    assert done.status_code == 200
    assert "You're subscribed" in done.text
    assert subscriptions(core)[0].status == "confirmed"
    again = browser.post("/digest/confirm", {"token": token})  # single use
    assert again.status_code == 400
    assert "/digest/renew" in again.text


def test_same_answer_for_known_and_unknown_and_one_subscription_per_address(core, app):
    browser = Browser(app, core)
    core.settings.rate_limit_subscribe_address = "100/hour"

    def answer(address: str) -> str:
        text = subscribe(browser, address).text
        return re.sub(r'value="[^"]+"|nonce-[^\'"]+|nonce="[^"]+"', "", text).replace(address, "X")

    first = answer("ada@example.org")
    confirmed_token = confirmed(core, "bob@example.org")
    assert answer("ADA@example.org") == first  # pending, other case
    assert answer("Bob@Example.ORG") == first  # confirmed
    assert answer("new@example.org") == first  # unknown
    rows = subscriptions(core)
    assert sorted(r.email_key for r in rows) == ["ada@example.org", "bob@example.org",
                                                 "new@example.org"]
    bob = [m for m in mails(core) if m["To"].lower() == "bob@example.org"][-1]
    assert "already subscribed" in bob.get_content()  # a manage link, not a new opt-in
    assert core.digest_subscription(confirmed_token).status.value == "confirmed"


def test_confirm_link_expires_after_seven_days_and_a_new_one_can_be_asked(core, app):
    clock = [1_800_000_000.0]
    core.clock = lambda: clock[0]
    mail = core.subscribe_digest("ada@example.org", frequency=Frequency.WEEKLY, topics=Topics())
    token = link_token_text(mail.text)
    clock[0] += 7 * 86_400 + 5
    with pytest.raises(InvalidDigestLink) as error:
        core.confirm_digest(token)
    assert error.value.expired
    browser = Browser(app, core)
    assert browser.get("/digest/renew").status_code == 200
    known = browser.post("/digest/renew", {"email": "ADA@example.org"})
    unknown = browser.post("/digest/renew", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    fresh = link_token(mails(core)[-1])
    assert core.confirm_digest(fresh).frequency is Frequency.WEEKLY


def test_limits_per_address_and_per_ip(core, app):
    browser = Browser(app, core)
    core.settings.rate_limit_subscribe_address = "2/hour"
    codes = [subscribe(browser, a).status_code for a in
             ("ada@example.org", "ADA@example.org", "ada@EXAMPLE.org")]
    assert codes == [200, 200, 429]
    core.settings.rate_limit_subscribe_ip = "3/hour"
    app.state.limiter.reset()
    codes = [subscribe(browser, f"x{n}@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_one_click_unsubscribe_without_cookie_or_csrf(core, app):
    token = confirmed(core, "ada@example.org")
    client = TestClient(app, base_url=BASE)  # no cookies at all
    before = state(core)
    page = client.get(f"/digest/unsubscribe?token={token}")
    assert page.status_code == 200
    assert state(core) == before  # GET shows a page, changes nothing
    for _ in range(2):  # idempotent
        response = client.post(f"/digest/unsubscribe?token={token}",
                               data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
        assert response.status_code == 200
        assert subscriptions(core)[0].status == "unsubscribed"
    manage = Browser(app, core)
    assert manage.get(f"/digest/manage?token={token}").status_code == 200
    back = manage.post("/digest/manage", {"token": token, "frequency": "weekly", "resume": "1",
                                          "keywords": "graph neural networks"})
    assert back.status_code == 303
    row = subscriptions(core)[0]
    assert (row.status, row.frequency, row.topics["keywords"]) == (
        "confirmed", "weekly", ["graph neural networks"])


def test_unsubscribe_tokens_last_sixty_days_and_more(core):
    clock = [1_800_000_000.0]
    core.clock = lambda: clock[0]
    token = confirmed(core, "ada@example.org")
    clock[0] += 61 * 86_400
    assert core.unsubscribe_digest(token).status.value == "unsubscribed"


def test_ten_thousand_mutated_tokens_change_nothing(sqlite_core):
    """Through HTTP; on SQLite only (a bad token is refused before the store is asked)."""
    from paperwire.web.app import create_app

    core = sqlite_core
    app = create_app(core=core)
    ada = confirmed(core, "ada@example.org")
    bob = confirmed(core, "bob@example.org")
    bob_id = core.digest_subscription(bob).id
    rng = random.Random(6)
    alphabet = string.ascii_letters + string.digits + "-_."
    forged = core.signer.__class__("another-secret-0123456789-0123456789")
    from paperwire.digest.render import SUBSCRIBER_TOKEN
    from paperwire.mail.tokens import fingerprint

    def mutate(n: int) -> str:
        kind = n % 5
        chars = list(ada)
        if kind == 0:  # one character changed
            i = rng.randrange(len(chars))
            chars[i] = rng.choice(alphabet.replace(chars[i], ""))
        elif kind == 1:  # cut short or grown
            return ada[: rng.randrange(len(ada))] if n % 2 else ada + rng.choice(alphabet)
        elif kind == 2:  # ada's signature on bob's payload (moved to another subscriber)
            return bob.split(".")[0] + "." + ".".join(ada.split(".")[1:])
        elif kind == 3:  # signed with the wrong key, for bob
            return forged.sign(SUBSCRIBER_TOKEN, {"s": rng.choice([bob_id, n]),
                                                  "e": fingerprint("bob@example.org")})
        else:  # two characters swapped
            i, j = rng.randrange(len(chars)), rng.randrange(len(chars))
            chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)

    tokens = [token for token in map(mutate, range(10_000)) if token not in (ada, bob)]
    before = state(core)
    client = TestClient(app, base_url=BASE)
    pages = set()
    for token in tokens:
        response = client.post("/digest/unsubscribe", params={"token": token},
                               data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
        pages.add(re.sub(r'nonce-[^\'"]+|nonce="[^"]+"|value="[^"]+"|next=[^"]*', "", response.text))
    assert state(core) == before  # 0 state changes
    assert len(pages) == 1  # one neutral error page
    assert len(tokens) >= 9_900
