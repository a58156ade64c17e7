"""CSRF on every state-changing route, GETs that change nothing, an authorization
matrix, rate limits, CSP and headers, safe redirects, body limits."""

from __future__ import annotations

import hashlib
import itertools
import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import Route

from clients import BASE, Browser, token_from_mail
from factories import make_paper, make_user
from paperwire.community.models import Role
from paperwire.db.tables import metadata
from paperwire.digest.models import Frequency, Topics
from paperwire.errors import InsecureSettings
from paperwire.settings import Settings
from paperwire.web.app import create_app
from paperwire.web.redirects import safe_next

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ("anonymous", "user", "owner", "moderator", "admin")
SIGN_IN = "sign in"
# Every state-changing route and who may use it. A new route fails
# test_every_state_changing_route_is_in_the_matrix until it is added here.
OWNER_ONLY = {"anonymous": SIGN_IN, "user": 403, "owner": 303, "moderator": 403, "admin": 403}
MODERATORS = {"anonymous": SIGN_IN, "user": 403, "owner": 403, "moderator": 303, "admin": 303}
SIGNED_IN = {"anonymous": SIGN_IN, "user": 303, "owner": 303, "moderator": 303, "admin": 303}
PRIVATE_OWNER = {"anonymous": SIGN_IN, "user": 404, "owner": 303, "moderator": 404, "admin": 404}
ANYONE = dict.fromkeys(ROLES, 303)
ADMINS = {"anonymous": SIGN_IN, "user": 403, "owner": 403, "moderator": 403, "admin": 303}
MATRIX: dict[str, dict[str, object]] = {
    "/papers/{arxiv_id:path}/upvote": SIGNED_IN,
    "/papers/{arxiv_id:path}/comments": SIGNED_IN,
    "/comments/{comment_id}/edit": OWNER_ONLY,
    "/comments/{comment_id}/delete": OWNER_ONLY,
    "/comments/{comment_id}/hide": MODERATORS,
    "/comments/{comment_id}/unhide": MODERATORS,
    "/collections": SIGNED_IN,
    "/collections/{collection_id}/edit": PRIVATE_OWNER,
    "/collections/{collection_id}/delete": PRIVATE_OWNER,
    "/collections/{collection_id}/items": PRIVATE_OWNER,
    "/collections/{collection_id}/items/remove": PRIVATE_OWNER,
    "/submit": SIGNED_IN,
    "/authors/{name}/follow": SIGNED_IN,
    "/authors/{name}/claim": SIGNED_IN,
    "/admin/claims/{claim_id}": ADMINS,
    "/papers/{arxiv_id:path}/links": SIGNED_IN,
    "/admin/links/{link_id}": MODERATORS,
    "/account": SIGNED_IN,
    "/signin": dict.fromkeys(ROLES, 200),
    "/signin/verify": ANYONE,
    "/signout": ANYONE,
    "/account/tokens": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 201)},  # shows the token
    "/account/tokens/{token_id}/revoke": PRIVATE_OWNER,
    "/account/feed-token": SIGNED_IN,
    # The library is the signed-in reader's own: no route names another reader's. This
    # form carries no file (400); the upload's own tests are in test_library_web.py.
    "/account/library/import": {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:], 400)},
    "/account/library/remove": SIGNED_IN,
    "/account/reader-data/delete": SIGNED_IN,
    # For you: the signed-in reader's own signals about any paper.
    "/papers/{arxiv_id:path}/not-interested": SIGNED_IN,
    "/papers/{arxiv_id:path}/more-like-this": SIGNED_IN,
    "/for-you/seen": SIGNED_IN,
    "/digest/subscribe": dict.fromkeys(ROLES, 200),
    "/digest/renew": dict.fromkeys(ROLES, 200),
    "/digest/confirm": dict.fromkeys(ROLES, 200),
    "/digest/manage": ANYONE,
    "/digest/unsubscribe": dict.fromkeys(ROLES, 200),
}
# The documented exceptions to CSRF. First, the JSON API's write routes read no cookie
# and are authenticated only by `Authorization: Bearer <token>` (docs/api.md). A new /api/
# write route fails test_every_state_changing_route_is_in_the_matrix until it is listed
# here, and test_token_routes_refuse_cookie_only_requests proves each one ignores cookies.
TOKEN_AUTHENTICATED = {
    ("POST", "/api/papers/{arxiv_id:path}/upvote"),
    ("DELETE", "/api/papers/{arxiv_id:path}/upvote"),
    ("POST", "/api/papers/{arxiv_id:path}/comments"),
    ("POST", "/api/collections"),
    ("PUT", "/api/collections/{collection_id}/items/{arxiv_id:path}"),
    ("DELETE", "/api/collections/{collection_id}/items/{arxiv_id:path}"),
}
# Second, pages whose form carries a signed token instead of relying on cookies. RFC 8058
# one-click unsubscribe: mail clients POST it with no cookie; the signed token in its URL
# is the only credential and can end only the subscription it names (see
# test_ten_thousand_mutated_tokens_change_nothing).
SIGNED_TOKEN_ROUTES = {"/digest/unsubscribe"}
# Third, the MCP endpoint: JSON-RPC over POST, no cookie read, personal tools only with a
# Bearer token (web/mcp_http.py); tests/test_mcp.py drives it with the SDK's client, with
# and without a token, and without any CSRF token.
MCP_ROUTES = {"/mcp"}


def digest_token(text: str) -> str:
    return re.search(r"token=([A-Za-z0-9_.\-]+)", text)[1]


def walk(routes_: list) -> list:
    """Every route, including those of included routers (FastAPI keeps them nested)."""
    found = []
    for route in routes_:
        nested = getattr(route, "original_router", None)
        found += walk(nested.routes) if nested is not None else [route]
    return found


def routes(app, methods: set[str], *, token_routes: bool = False) -> list[tuple[str, str]]:
    """The (method, path) pairs taking ``methods``: cookie routes, or with ``token_routes``
    the Bearer-token ones."""
    found = []
    for route in walk(app.routes):
        if isinstance(route, APIRoute | Route) and route.methods and route.path not in MCP_ROUTES:
            found += [(method, route.path) for method in sorted(route.methods & methods)]
    return sorted({pair for pair in found if (pair in TOKEN_AUTHENTICATED) == token_routes})


class World:
    """Users of every role, a paper, and fresh things to act on for each request."""

    def __init__(self, core, app) -> None:
        self.core, self.app = core, app
        self.owner = make_user(core, "owner@example.org")
        self.other = make_user(core, "user@example.org")
        self.moderator = make_user(core, "mod@example.org", Role.MODERATOR)
        make_user(core, "admin@example.org", Role.ADMIN)
        self.paper = make_paper(core, "2401.00100")
        self.counter = itertools.count(1)
        self.browsers = {
            "anonymous": Browser(app, core),
            "user": Browser(app, core, "user@example.org"),
            "owner": Browser(app, core, "owner@example.org"),
            "moderator": Browser(app, core, "mod@example.org"),
            "admin": Browser(app, core, "admin@example.org"),
        }

    def fill(self, path: str) -> str:
        comment = self.core.add_comment(self.owner, self.paper, "A comment")
        collection = self.core.create_collection(self.owner, "Private")
        self.core.save_paper(self.owner, collection, self.paper)
        if "{token_id}" in path:
            path = path.replace("{token_id}", str(self.core.create_api_token(self.owner, "T").token.id))
        if "{claim_id}" in path:
            self.core.claim_author(self.other, "Alan Turing")  # again: the same claim
            path = path.replace("{claim_id}", str(self.core.author_claims(status=None)[0].id))
        if "{link_id}" in path:
            self.core.propose_link(self.other, self.paper,
                                   f"https://github.com/ada/proposed-{next(self.counter)}")
            pending = self.core.link_proposals(self.moderator)[-1]
            path = path.replace("{link_id}", str(pending["id"]))
        return (path.replace("{arxiv_id:path}", self.paper)
                .replace("{name}", "ada-lovelace")
                .replace("{comment_id}", str(comment))
                .replace("{collection_id}", str(collection))
                .replace("{username}", self.owner.username))

    def form(self, path: str, role: str) -> dict[str, str]:
        n = next(self.counter)
        if path == "/submit":
            return {"paper": make_paper(self.core, f"2401.{n + 200:05d}")}
        if path == "/account":
            return {"display_name": f"Name {n}", "username": f"name-{n}"}
        if path == "/signin":
            return {"email": f"someone{n}@example.org"}
        if path == "/account/reader-data/delete":
            return {"confirm": "yes"}
        if path == "/signin/verify":
            mail = self.core.request_sign_in(f"{role}{n}@example.org")
            return {"token": token_from_mail(mail.text)}
        if path in ("/digest/subscribe", "/digest/renew"):
            return {"email": f"{role}{n}@example.org", "frequency": "daily"}
        if path == "/digest/confirm":
            mail = self.core.subscribe_digest(f"{role}{n}@example.org",
                                              frequency=Frequency.DAILY, topics=Topics())
            return {"token": digest_token(mail.text)}
        if path in ("/digest/manage", "/digest/unsubscribe"):
            address = f"{role}{n}@example.org"
            mail = self.core.subscribe_digest(address, frequency=Frequency.DAILY,
                                              topics=Topics())
            subscription = self.core.confirm_digest(digest_token(mail.text))
            return {"token": self.core.subscriber_token(subscription.id, address),
                    "frequency": "weekly"}
        return {"body": "Some text", "name": f"List {n}", "arxiv_id": self.paper, "note": "n",
                "decision": "approve", "url": f"https://github.com/ada/form-{n}"}


@pytest.fixture
def world(core, app) -> World:
    core.settings.rate_limit_signin_ip = "10000/minute"
    core.settings.rate_limit_signin_address = "10000/minute"
    core.settings.rate_limit_subscribe_ip = "10000/minute"
    core.settings.rate_limit_subscribe_address = "10000/minute"
    return World(core, app)


def test_every_state_changing_route_is_in_the_matrix(app):
    assert {path for _, path in routes(app, UNSAFE)} == set(MATRIX)
    assert set(routes(app, UNSAFE, token_routes=True)) == TOKEN_AUTHENTICATED
    assert all(path.startswith("/api/") for _, path in TOKEN_AUTHENTICATED)


def token_route_body(world: World, path: str) -> dict | None:
    if path.endswith("/comments"):
        return {"comment": "A comment"}
    if path == "/api/collections":
        return {"title": "A list"}
    return {"note": "A note"} if path.startswith("/api/collections/") else None


def test_token_routes_refuse_cookie_only_requests(world):
    """Signed in by cookie, with a valid CSRF token in the form and the header: still 401,
    and nothing changes. The same call with the owner's Bearer token goes through."""
    browser = world.browsers["owner"]
    secret = world.core.create_api_token(world.owner, "script").secret
    for method, path in routes(world.app, UNSAFE, token_routes=True):
        url = world.fill(path)
        before = checksum(world.core)
        for kwargs in (
            {"data": {"csrf_token": browser.token}},
            {"json": token_route_body(world, path), "headers": {"X-CSRF-Token": browser.token}},
        ):
            response = browser.client.request(method, url, follow_redirects=False, **kwargs)
            assert response.status_code == 401, (method, path, response.text[:200])
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert checksum(world.core) == before, (method, path)
        fresh = TestClient(world.app, base_url=BASE)  # no cookies at all, no CSRF token
        response = fresh.request(method, url, json=token_route_body(world, path),
                                 headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code in (200, 201), (method, path, response.text[:300])


def test_csrf_exemptions_are_exactly_the_token_authenticated_routes():
    from paperwire.web.security import CSRF_EXEMPT

    assert set(CSRF_EXEMPT) == SIGNED_TOKEN_ROUTES


def test_every_state_changing_route_needs_a_csrf_token(world):
    for role in ("anonymous", "owner", "admin"):
        browser = world.browsers[role]
        for method, path in routes(world.app, UNSAFE):
            if path in SIGNED_TOKEN_ROUTES:
                continue
            url = world.fill(path)
            data = world.form(path, role)
            missing = browser.client.request(method, url, data=data, follow_redirects=False)
            wrong = browser.client.request(
                method, url, data={**data, "csrf_token": "0" * 64}, follow_redirects=False
            )
            header = browser.client.request(
                method, url, data=data, headers={"X-CSRF-Token": "bad"}, follow_redirects=False
            )
            assert (missing.status_code, wrong.status_code, header.status_code) == (
                403, 403, 403), (role, method, path)
    fresh = TestClient(world.app, base_url=BASE)  # no CSRF cookie at all
    stolen = world.browsers["owner"].token
    response = fresh.post("/signout", data={"csrf_token": stolen}, follow_redirects=False)
    assert response.status_code == 403


def test_authorization_matrix(world):
    for method, path in routes(world.app, UNSAFE):
        for role in ROLES:
            browser = world.browsers[role]
            form = world.form(path, role)
            response = browser.client.request(
                method, world.fill(path),
                params={"token": form["token"]} if path in SIGNED_TOKEN_ROUTES else None,
                data={**form, "csrf_token": browser.token},
                follow_redirects=False,
            )
            expected = MATRIX[path][role]
            if expected == SIGN_IN:
                assert response.status_code == 303, (path, role, response.text[:300])
                assert response.headers["location"].startswith("/signin?next="), (path, role)
            else:
                assert response.status_code == expected, (path, role, response.status_code)
                if expected == 303:
                    assert not response.headers["location"].startswith("/signin"), (path, role)
            if path in {"/signout", "/signin/verify"}:  # these end or replace the session
                world.browsers[role] = Browser(
                    world.app, world.core, None if role == "anonymous" else
                    {"user": "user", "owner": "owner", "moderator": "mod", "admin": "admin"}[
                        role] + "@example.org")


def checksum(core) -> str:
    digest = hashlib.sha256()
    with core.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    return digest.hexdigest()


def test_no_get_changes_anything(world):
    core = world.core
    public = core.create_collection(world.owner, "Public", public=True)
    core.upvote(world.owner, world.paper)
    mail = core.request_sign_in("owner@example.org")
    token = token_from_mail(mail.text)
    core.send_mail(mail)
    paths = [path for _, path in routes(world.app, {"GET"})]
    assert "/signin/verify" in paths
    assert "/trending" in paths
    urls = []
    for path in paths:
        url = world.fill(path)
        urls += [url, f"{url}?next=//evil.test&token={token}&period=week&welcome=1"]
    urls += [f"/collections/{public}", "/api/daily_papers?sort=trending"]
    before = checksum(core)
    for role in ("anonymous", "user", "owner", "admin"):
        for url in urls:
            response = world.browsers[role].get(url, follow_redirects=False)
            if url.startswith("/healthz"):  # 503 says "not ready yet" (indexes unbuilt)
                assert response.status_code in (200, 503), (role, url)
                continue
            assert response.status_code < 500, (role, url)
    assert checksum(core) == before
    assert core.sign_in(token).user.id == world.owner.id  # the link still works once


def test_rate_limits_answer_429_with_retry_after(core, app):
    core.settings.rate_limit_signin_address = "2/hour"
    browser = Browser(app, core)
    codes = [browser.post("/signin", {"email": "Ada@example.org"}).status_code for _ in range(2)]
    limited = browser.post("/signin", {"email": "ada@EXAMPLE.org"})
    assert codes == [200, 200]
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 3600
    core.settings.rate_limit_signin_ip = "3/hour"
    app.state.limiter.reset()
    codes = [browser.post("/signin", {"email": f"x{n}@example.org"}).status_code
             for n in range(4)]
    assert codes == [200, 200, 200, 429]
    core.settings.rate_limit_votes = "3/minute"
    core.settings.rate_limit_comments = "2/minute"
    paper = make_paper(core, "2401.00200")
    make_user(core, "ada@example.org")
    ada = Browser(app, core, "ada@example.org")
    votes = [ada.post(f"/papers/{paper}/upvote").status_code for _ in range(4)]
    assert votes == [303, 303, 303, 429]
    comments = [ada.post(f"/papers/{paper}/comments", {"body": "hi"}).status_code
                for _ in range(3)]
    assert comments == [303, 303, 429]


def test_content_security_policy_and_headers(core, app):
    make_paper(core, "2401.00300")
    browser = Browser(app, core)
    nonces = set()
    for url in ("/", "/papers/2401.00300", "/trending", "/signin", "/docs", "/nope"):
        response = browser.get(url)
        policy = response.headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]+)", policy)[1]
        assert "unsafe-inline" not in script_src
        assert "unsafe-eval" not in script_src
        assert "frame-ancestors 'none'" in policy
        assert "object-src 'none'" in policy
        nonce = re.search(r"'nonce-([^']+)'", script_src)[1]
        nonces.add(nonce)
        for tag in re.findall(r"<script[^>]*>", response.text):
            assert f'nonce="{nonce}"' in tag, (url, tag)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert len(nonces) == 6


@pytest.mark.parametrize("target", [
    "//evil.test", "/\\evil.test", "\\\\evil.test", "javascript:alert(1)", "https://evil.test/",
    "/\r\nSet-Cookie:x", "/\t/evil.test", " //evil.test", "http:/evil.test", "",
])
def test_unsafe_redirect_targets_go_home(target):
    assert safe_next(target) == "/"


def test_redirects_through_routes_are_safe(core, app):
    paper = make_paper(core, "2401.00400")
    make_user(core, "ada@example.org")
    ada = Browser(app, core, "ada@example.org")
    for target in ("//evil.test", "/\\evil.test", "javascript:alert(1)"):
        response = ada.post(f"/papers/{paper}/upvote", {"next": target})
        assert response.headers["location"] == "/"
        page = Browser(app, core).get(f"/signin?next={target}")
        assert 'name="next" value="/"' in page.text
    assert safe_next("/papers/2401.00400?x=1#c") == "/papers/2401.00400?x=1#c"


def test_oversized_bodies_are_refused(core, app):
    make_user(core, "ada@example.org")
    ada = Browser(app, core, "ada@example.org")
    big = "x" * (core.settings.max_body_bytes + 1)
    assert ada.post("/papers/2401.00001/comments", {"body": big}).status_code == 413
    chunks = (b"body=" + b"y" * 4096 for _ in range(40))  # no Content-Length
    response = ada.client.post("/submit", content=chunks,
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_default_secret_is_refused_outside_dev_mode(tmp_path):
    with pytest.raises(InsecureSettings):
        create_app(Settings(data_dir=tmp_path))
    create_app(Settings(data_dir=tmp_path, dev_mode=True))


def test_methods_no_route_takes_are_405_not_403(core, app):
    browser = Browser(app, core)
    assert browser.client.put("/api/daily_papers").status_code == 405
    assert browser.client.delete("/trending").status_code == 405
    assert browser.client.post("/papers/2401.00001/upvote").status_code == 403
