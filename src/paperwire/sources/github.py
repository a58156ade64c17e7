"""A polite client for GitHub's REST API: ``GET /repos/{owner}/{repo}``.

Conditional requests with the stored ETag, requests paced to a budget per hour,
``Retry-After`` honoured up to a bound, ``X-RateLimit-Remaining: 0`` (on any answer, a
200 included) answered by stopping until ``X-RateLimit-Reset`` (never by sleeping an
hour), renamed repositories' redirects followed. A 304 to a request with a token does not
count against GitHub's rate limit, so it does not count against the hourly budget either:
the next request waits only ``MIN_SPACING_S`` after it (GitHub's secondary limit allows
900 requests a minute). Without a token GitHub counts 304s, and so does the pacer. The
clock and the sleep are injectable, like the arXiv client's."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson

from paperwire import __name__ as package_name
from paperwire.errors import GithubError

log = logging.getLogger(__name__)
USER_AGENT = f"{package_name}/0.1 (self-hosted daily papers; repository metadata)"
MAX_RETRY_AFTER = 60.0  # seconds: a longer wait ends the run, to resume later
MAX_RETRIES = 3
SECONDARY_WAIT_S = 60.0  # a rate limit named without Retry-After or Remaining: 0
MIN_SPACING_S = 0.1  # between any two requests: 600 a minute, under the secondary limit


@dataclass(frozen=True, slots=True)
class RepoFields:
    """What paperwire keeps of a repository GitHub described (``db/github.py`` stores it)."""

    full_name: str
    stars: int
    description: str | None
    license: str | None
    pushed_at: datetime | None
    archived: bool


@dataclass(frozen=True, slots=True)
class Fetched:
    fields: RepoFields
    etag: str | None


@dataclass(frozen=True, slots=True)
class NotModified:
    pass


@dataclass(frozen=True, slots=True)
class Gone:
    status: int


@dataclass(frozen=True, slots=True)
class Unreadable:
    reason: str  # why this repository's answer was skipped


@dataclass(frozen=True, slots=True)
class RateLimited:
    resumes_at: int  # epoch seconds when GitHub takes requests again


Outcome = Fetched | NotModified | Gone | Unreadable | RateLimited


@dataclass(frozen=True, slots=True)
class GithubConfig:
    api_url: str = "https://api.github.com"
    token: str | None = None
    requests_per_hour: float = 4000.0
    timeout_s: float = 30.0


class GithubClient:
    """``client.repo("owner/name", etag)`` → an :data:`Outcome`."""

    def __init__(self, config: GithubConfig, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config, self.clock, self.sleep = config, clock, sleep
        self.requests = 0
        self._next_at = 0.0
        self._sent_at = 0.0
        self._limited_until: int | None = None  # X-RateLimit-Remaining reached 0
        headers = {"User-Agent": USER_AGENT, "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        self._http = httpx.Client(base_url=config.api_url.rstrip("/"), headers=headers,
                                  timeout=config.timeout_s, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def repo(self, full_name: str, etag: str | None = None) -> Outcome:
        for _ in range(MAX_RETRIES):
            if self._limited_until is not None and self.clock() < self._limited_until:
                return RateLimited(self._limited_until)  # the last answer spent the budget
            response = self._get(f"/repos/{full_name}", etag)
            self._note_budget(response)
            outcome = self._read(response)
            if outcome is not None:
                return outcome
        return Unreadable(f"GitHub kept asking to retry {full_name}")

    def _get(self, path: str, etag: str | None) -> httpx.Response:
        self._wait_turn()
        headers = {"If-None-Match": etag} if etag else {}
        self.requests += 1
        try:
            return self._http.get(path, headers=headers)
        except httpx.TransportError as error:
            raise GithubError(f"cannot reach GitHub at {self.config.api_url}"
                              f" ({type(error).__name__}: {error})") from None

    @property
    def _interval(self) -> float:
        return 3600.0 / self.config.requests_per_hour

    def _wait_turn(self) -> None:
        now = self.clock()
        if now < self._next_at:
            self.sleep(self._next_at - now)
        self._sent_at = max(now, self._next_at)
        self._next_at = self._sent_at + self._interval

    def _note_budget(self, response: httpx.Response) -> None:
        """Refund a free 304's turn; remember a budget this answer says is spent."""
        if response.status_code == 304 and self.config.token:
            self._next_at = self._sent_at + min(self._interval, MIN_SPACING_S)
        headers = response.headers
        if response.status_code < 400 and headers.get("X-RateLimit-Remaining") == "0":
            self._limited_until = (_int(headers.get("X-RateLimit-Reset"))
                                   or int(self.clock()) + 3600)

    def _read(self, response: httpx.Response) -> Outcome | None:
        """The outcome of one answer; None: wait as asked and try again."""
        status = response.status_code
        if status == 304:
            return NotModified()
        if status == 200:
            return _fetched(response)
        if status in (404, 410, 451):
            return Gone(status)
        if status == 401:
            raise GithubError("GitHub refused the token (401 Bad credentials):"
                              " check PAPERWIRE_GITHUB_TOKEN")
        if status in (403, 429):
            return self._limited(response)
        return Unreadable(f"GitHub answered {status}")  # 5xx and the unexpected: skip it

    def _limited(self, response: httpx.Response) -> Outcome | None:
        headers = response.headers
        if headers.get("X-RateLimit-Remaining") == "0":
            return RateLimited(_int(headers.get("X-RateLimit-Reset"))
                               or int(self.clock()) + 3600)
        wait = _seconds(headers.get("Retry-After"))
        if wait is None:  # GitHub: without either header, wait at least a minute
            if response.status_code == 403 and not _speaks_of_rate_limit(response):
                return Unreadable("GitHub answered 403 Forbidden")
            wait = SECONDARY_WAIT_S
        if wait > MAX_RETRY_AFTER:
            return RateLimited(int(self.clock() + wait))
        log.warning("GitHub: %s Retry-After; waiting %.0f s", response.status_code, wait)
        self.sleep(wait)
        return None


def _speaks_of_rate_limit(response: httpx.Response) -> bool:
    """Whether a 403's message is a (secondary) rate limit, not a refusal."""
    try:
        message = orjson.loads(response.content).get("message", "")
    except (orjson.JSONDecodeError, AttributeError):
        return False
    return isinstance(message, str) and "rate limit" in message.lower()


def _fetched(response: httpx.Response) -> Outcome:
    try:
        data = orjson.loads(response.content)
        return Fetched(repo_fields(data), response.headers.get("ETag"))
    except (orjson.JSONDecodeError, TypeError, KeyError, ValueError) as error:
        return Unreadable(f"malformed answer ({type(error).__name__}: {error})"[:200])


def repo_fields(data: Any) -> RepoFields:
    """The fields paperwire keeps from GitHub's repository object."""
    if not isinstance(data, dict):
        raise TypeError("not a JSON object")
    stars = data["stargazers_count"]
    if not isinstance(stars, int) or isinstance(stars, bool) or stars < 0:
        raise ValueError(f"stargazers_count is {stars!r}")
    license_ = data.get("license") or {}
    pushed = data.get("pushed_at")
    return RepoFields(
        full_name=str(data["full_name"])[:400],
        stars=stars,
        description=_text(data.get("description"), 2000),
        license=_text(license_.get("spdx_id") or license_.get("name"), 100)
        if isinstance(license_, dict) else None,
        pushed_at=datetime.fromisoformat(pushed.replace("Z", "+00:00")) if pushed else None,
        archived=bool(data.get("archived")),
    )


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if value else None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _seconds(value: str | None) -> float | None:
    return float(value) if value and value.strip().isdigit() else None
