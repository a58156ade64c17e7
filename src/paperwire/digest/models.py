"""What the digest core hands out: subscriptions, topics, status rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from paperwire.errors import InvalidInput, PaperwireError
from paperwire.ids import is_arxiv_category
from paperwire.mail.message import FORBIDDEN

MAX_TOPICS = 10
MAX_TOPIC_CHARS = 200


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # waiting for the confirmation POST
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"  # too many permanent failures


class SendStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker (with a lease)
    SENT = "sent"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"  # in flight when its worker died: re-sent with its Message-ID
    SKIPPED = "skipped"  # the subscription ended before it was sent


class InvalidDigestLink(PaperwireError):
    """A confirmation, unsubscribe or manage link that is not valid (any reason)."""

    def __init__(self, message: str = "This link is not valid.", *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True, slots=True)
class Topics:
    """What a subscriber follows besides the trending papers."""

    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # search queries ("task-specific heads", saved searches)
    authors: tuple[str, ...] = ()

    @classmethod
    def parse(cls, *, categories: list[str] | str = (), keywords: str = "",
              authors: str = "") -> Topics:
        """Checked topics from form fields (keywords and authors: one per line)."""
        if isinstance(categories, str):
            categories = categories.replace(",", " ").split()
        cats = _unique(c.strip() for c in categories if c.strip())
        for category in cats:
            if not is_arxiv_category(category):
                raise InvalidInput(f"not an arXiv category: {category[:40]!r}")
        return cls(cats, _lines(keywords, "keyword"), _lines(authors, "author"))

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Topics:
        data = data or {}
        return cls(*(tuple(data.get(key) or ()) for key in ("categories", "keywords", "authors")))

    def to_json(self) -> dict[str, list[str]]:
        return {"categories": list(self.categories), "keywords": list(self.keywords),
                "authors": list(self.authors)}

    def queries(self) -> list[str]:
        """Each topic as a query for the search engine."""
        return ([f"cat:{c}" for c in self.categories] + list(self.keywords)
                + [f'author:"{a}"' for a in self.authors])

    @property
    def empty(self) -> bool:
        return not (self.categories or self.keywords or self.authors)


def _unique(values: Any) -> tuple[str, ...]:
    seen = dict.fromkeys(values)
    if len(seen) > MAX_TOPICS:
        raise InvalidInput(f"at most {MAX_TOPICS} of each kind of topic")
    return tuple(seen)


def _lines(text: str, what: str) -> tuple[str, ...]:
    lines = [" ".join(line.split()) for line in text.replace(",", "\n").splitlines()]
    values = _unique(line for line in lines if line)
    for value in values:
        if len(value) > MAX_TOPIC_CHARS or any(c in FORBIDDEN for c in value):
            raise InvalidInput(f"a {what} has at most {MAX_TOPIC_CHARS} characters")
        if value.count('"') % 2:
            raise InvalidInput(f"unbalanced quotes in {what} {value[:40]!r}")
    return values


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    email: str
    frequency: Frequency
    topics: Topics
    status: SubscriptionStatus
    created_at: int
    confirmed_at: int | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """One digest's span: a day, or the seven days ending on a day."""

    kind: Frequency
    day: date  # the (last) day

    @property
    def label(self) -> str:
        if self.kind is Frequency.DAILY:
            return self.day.isoformat()
        year, week, _ = self.day.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def first_day(self) -> date:
        return self.day if self.kind is Frequency.DAILY else self.day - timedelta(days=6)


@dataclass(slots=True)
class IssueStatus:
    """One period's issue as ``paperwire digest status`` shows it."""

    kind: str
    period: str
    built_at: int
    recipients: int
    counts: dict[str, int] = field(default_factory=dict)
    paused_until: float | None = None
    pause_reason: str | None = None

    @property
    def done(self) -> bool:
        return not any(self.counts.get(s, 0) for s in ("queued", "sending", "ambiguous"))


@dataclass(slots=True)
class SendReport:
    """What one sending run did."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    ambiguous: int = 0
    skipped: int = 0
    pauses: int = 0
    reclaimed: int = 0

    @classmethod
    def total(cls, reports: list[SendReport]) -> SendReport:
        total = cls()
        for report in reports:
            for name in cls.__dataclass_fields__:
                setattr(total, name, getattr(total, name) + getattr(report, name))
        return total


def pack_papers(topics: list[int], for_you: list[int]) -> list[int] | dict[str, list[int]]:
    """A send row's frozen papers: the topic papers' ids as ever (a plain list), or with
    a For-you section ``{"topics": [...], "for_you": [...]}``."""
    return {"topics": topics, "for_you": for_you} if for_you else topics


def unpack_papers(value: Any) -> tuple[list[int], list[int]]:
    """(topic paper ids, For-you paper ids) of a send row's frozen papers."""
    if isinstance(value, dict):
        return list(value.get("topics") or []), list(value.get("for_you") or [])
    return list(value or []), []
