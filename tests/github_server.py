"""A fake GitHub REST API on 127.0.0.1, answering ``GET /repos/{owner}/{repo}`` the way
GitHub does: the repository object with an ``ETag``, 304 for a matching
``If-None-Match``, 301 with ``Location`` for a renamed repository, 404 for a missing one,
``X-RateLimit-Remaining`` counting down a budget and 403 with ``X-RateLimit-Remaining: 0``
and ``X-RateLimit-Reset`` once it is spent, 429 with ``Retry-After``, and a malformed body
on request. A renamed repository's 301 points, as GitHub's does, at
``/repositories/{id}``, which answers with the repository under its new name. Used by
tests/test_github.py and bench/enrich.py."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def repo_id(full_name: str) -> int:
    """A repository's numeric id, stable across runs (GitHub's never changes on a rename)."""
    return int(hashlib.sha256(full_name.lower().encode()).hexdigest()[:8], 16)


def repo_object(full_name: str, stars: int, **extra: Any) -> dict[str, Any]:
    """A repository as GitHub's API gives it (the fields paperwire reads, and a few more)."""
    owner, name = full_name.split("/")
    return {
        "id": repo_id(full_name), "node_id": "R_kgDO" + name[:8], "name": name,
        "full_name": full_name, "private": False,
        "owner": {"login": owner, "type": "User"},
        "html_url": f"https://github.com/{full_name}", "description": f"Code of {name}",
        "fork": False, "created_at": "2023-01-02T03:04:05Z",
        "updated_at": "2026-11-30T10:00:00Z", "pushed_at": "2026-11-29T08:00:00Z",
        "stargazers_count": stars, "watchers_count": stars, "forks_count": stars // 10,
        "open_issues_count": 3, "archived": False, "disabled": False,
        "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT"},
        "default_branch": "main", **extra,
    }


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class GithubState:
    repos: dict[str, dict[str, Any]] = field(default_factory=dict)  # by lower-cased name
    renamed: dict[str, str] = field(default_factory=dict)  # old lower-cased -> new name
    malformed: set[str] = field(default_factory=set)
    budget: int | None = None  # requests before the rate limit (None: no limit)
    reset_at: int = 0
    retry_after: dict[str, int] = field(default_factory=dict)  # name -> 429s left (1 s)
    secondary: dict[str, int] = field(default_factory=dict)  # name -> bare 403 limits left
    forbidden: dict[str, bool] = field(default_factory=dict)  # name -> 403, not a limit
    token: str | None = None  # when set, other tokens get 401
    seen: list[Seen] = field(default_factory=list)


class FakeGithub:
    def __init__(self) -> None:
        self.state = GithubState()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, full_name: str, stars: int, **extra: Any) -> None:
        self.state.repos[full_name.lower()] = repo_object(full_name, stars, **extra)

    def __enter__(self) -> FakeGithub:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        state = self.state
        with self.lock:
            state.seen.append(Seen(path, headers))
            if state.token and headers.get("authorization") != f"Bearer {state.token}":
                return 401, {}, b'{"message": "Bad credentials", "status": "401"}'
            if state.budget is not None:
                if state.budget <= 0:
                    return 403, {"X-RateLimit-Remaining": "0",
                                 "X-RateLimit-Reset": str(state.reset_at)}, \
                        b'{"message": "API rate limit exceeded"}'
                state.budget -= 1
            limits = self._limits()
        status, extra, body = self._repository(path, headers)
        return status, {**limits, **extra}, body

    def _limits(self) -> dict[str, str]:
        """The rate-limit headers GitHub sends with every answer."""
        state = self.state
        if state.budget is None:
            return {"X-RateLimit-Remaining": "4999",
                    "X-RateLimit-Reset": str(int(time.time()) + 3600)}
        return {"X-RateLimit-Remaining": str(state.budget),
                "X-RateLimit-Reset": str(state.reset_at)}

    def _repository(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        state = self.state
        key = self._key(path)
        if key is None:
            return 404, {}, b'{"message": "Not Found"}'
        if state.secondary.get(key):
            state.secondary[key] -= 1
            return 403, {}, (b'{"message": "You have exceeded a secondary rate limit. Please '
                             b'wait a few minutes before you try again."}')
        if state.forbidden.get(key):
            return 403, {}, b'{"message": "Repository access blocked"}'
        if state.retry_after.get(key):
            state.retry_after[key] -= 1
            return 429, {"Retry-After": "1"}, b'{"message": "secondary rate limit"}'
        if key in state.renamed:
            moved = f"{self.url}/repositories/{repo_id(state.renamed[key])}"
            return 301, {"Location": moved}, json.dumps({
                "message": "Moved Permanently", "url": moved,
                "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-"
                                     "using-the-rest-api#follow-redirects"}).encode()
        if key in state.malformed:
            return 200, {"ETag": '"broken"'}, b'{"full_name": "x", "stargazers_count": '
        repo = state.repos.get(key)
        if repo is None:
            return 404, {}, b'{"message": "Not Found", "status": "404"}'
        body = json.dumps(repo).encode()
        etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if headers.get("if-none-match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"ETag": etag}, body

    def _key(self, path: str) -> str | None:
        """The lower-cased owner/name a path asks for (``/repositories/{id}`` by its id)."""
        if path.startswith("/repos/"):
            return path.removeprefix("/repos/").lower()
        if path.startswith("/repositories/"):
            wanted = path.removeprefix("/repositories/")
            return next((key for key, repo in self.state.repos.items()
                         if str(repo["id"]) == wanted), None)
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body = fake.answer(self.path, headers)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        return Handler
