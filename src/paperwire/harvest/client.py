"""A polite HTTP client for arXiv: one connection, a gap between requests, backoff.

arXiv asks every client for at most one request every 3 seconds over a single
connection, to honour ``503`` + ``Retry-After``, and to stop on ``403``. This
client does exactly that, and nothing else in paperwire talks to arXiv.
The clock and the sleep are injectable so tests of long backoffs run instantly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from paperwire import __name__ as package_name
from paperwire.errors import ArxivRefused, ArxivUnavailable, ArxivUnreachable, HarvestError

log = logging.getLogger(__name__)
USER_AGENT = f"{package_name}/0.1 (self-hosted daily papers; polite harvester)"
MAX_RETRY_AFTER_ANSWERS = 30
MAX_CONNECT_FAILURES = 3


@dataclass(frozen=True, slots=True)
class Politeness:
    delay: float = 3.0  # seconds from the end of one response to the next request
    initial_backoff: float = 10.0  # first wait after a 5xx without Retry-After
    max_backoff: float = 3600.0  # give up rather than wait longer than this
    timeout: float = 120.0


class SharedTurns(Protocol):
    """When the last request of any client of the deployment ended (wall-clock seconds),
    so that a client on another host keeps the gap too."""

    def last(self) -> float | None: ...
    def mark(self, at: float) -> None: ...


class PoliteClient:
    """GET with arXiv's etiquette. Returns the body bytes of a 200 answer."""

    def __init__(
        self,
        politeness: Politeness,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        turns: SharedTurns | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.politeness = politeness
        self.clock, self.sleep = clock, sleep
        self.turns, self.wall_clock = turns, wall_clock
        self.requests = 0
        self._last_done: float | None = None
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=politeness.timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, str] | None = None) -> bytes:
        backoff = self.politeness.initial_backoff
        retry_afters = connect_failures = 0
        while True:
            self._wait_turn()
            try:
                response = self._send(url, params)
            except httpx.TransportError as error:
                connect_failures += 1
                if connect_failures >= MAX_CONNECT_FAILURES:
                    raise _unreachable(url, error) from None
                backoff = self._backoff(backoff, f"{type(error).__name__} from {url}")
                continue
            status = response.status_code
            if status == 200:
                return response.content
            if status == 403:
                raise ArxivRefused(
                    f"arXiv answered 403 Forbidden for {response.url}: it asks us to stop."
                    " Harvesting stopped; check the request rate and settings before retrying."
                )
            retry_after = _retry_after(response.headers.get("Retry-After"))
            if status in (429, 503) and retry_after is not None:
                retry_afters += 1
                if retry_afters > MAX_RETRY_AFTER_ANSWERS:
                    raise ArxivUnavailable(f"arXiv kept answering {status} for {url}")
                self._pause(max(retry_after, self.politeness.delay), f"{status} Retry-After")
            elif status >= 500 or status == 429:
                backoff = self._backoff(backoff, f"{status} from {url}")
            else:
                raise HarvestError(f"arXiv answered {status} for {response.url}")

    def _send(self, url: str, params: Mapping[str, str] | None) -> httpx.Response:
        self.requests += 1
        try:
            return self._http.get(url, params=params)
        finally:
            self._last_done = self.clock()
            if self.turns is not None:
                self.turns.mark(self.wall_clock())

    def _wait_turn(self) -> None:
        delay, waits = self.politeness.delay, [0.0]
        if self._last_done is not None:
            waits.append(self._last_done + delay - self.clock())
        if self.turns is not None and (last := self.turns.last()) is not None:
            waits.append(last + delay - self.wall_clock())
        remaining = max(waits)
        if remaining > 0:
            self._pause(min(remaining, delay), None)

    def _backoff(self, wait: float, reason: str) -> float:
        if wait > self.politeness.max_backoff:
            raise ArxivUnavailable(
                f"arXiv is failing ({reason}); gave up after backing off to"
                f" {self.politeness.max_backoff:.0f} s. Try again later."
            )
        self._pause(wait, reason)
        return wait * 2

    def _pause(self, seconds: float, reason: str | None) -> None:
        if reason:
            log.warning("arXiv: %s; waiting %.0f s", reason, seconds)
        self.sleep(seconds)


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _unreachable(url: str, error: Exception) -> ArxivUnreachable:
    return ArxivUnreachable(
        f"cannot reach {url} ({type(error).__name__}: {error}). No network? Harvesting"
        " needs arXiv; to fill the store offline use `paperwire import FILE`"
        " (an arXiv snapshot or a Hugging Face daily-papers JSON)."
    )
