"""``PaperRecord``: what every source yields and the store upserts.

Sources (snapshot files, OAI-PMH, the arXiv API, RSS, Hugging Face JSON)
parse their own format and produce this one shape; nothing downstream knows
where a record came from.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson

from paperwire import text
from paperwire.errors import InvalidRecord
from paperwire.ids import parse_arxiv_id

MAX_FIELD_CHARS = {
    "title": 1_000,
    "abstract": 20_000,
    "authors": 50_000,
    "comments": 5_000,
    "journal_ref": 1_000,
    "doi": 500,
    "report_no": 500,
    "license": 500,
    "submitter": 500,
    "categories": 1_000,
}
MAX_VERSIONS = 200


@dataclass(frozen=True, slots=True)
class Version:
    number: int
    created: datetime


@dataclass(slots=True)
class PaperRecord:
    """One paper as a source describes it. ``arxiv_id`` is canonical (no version)."""

    arxiv_id: str
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    submitter: str | None = None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    report_no: str | None = None
    license: str | None = None
    update_date: date | None = None
    withdrawn: bool = False
    upvotes: int | None = None  # only sources with community votes set it
    announced_on: date | None = None  # set by sources that know the listing day

    def __post_init__(self) -> None:
        self.arxiv_id = parse_arxiv_id(self.arxiv_id)[0]
        if not self.title.strip():
            raise InvalidRecord("field 'title': empty")
        self._check_lengths()
        self.versions = sorted({v.number: v for v in self.versions}.values(),
                               key=lambda v: v.number)
        if len(self.versions) > MAX_VERSIONS:
            raise InvalidRecord(f"field 'versions': {len(self.versions)} versions is absurd")
        if not self.withdrawn:
            self.withdrawn = looks_withdrawn(self.comments, self.abstract)

    def _check_lengths(self) -> None:
        values = {
            "title": self.title,
            "abstract": self.abstract,
            "authors": ", ".join(self.authors),
            "categories": " ".join(self.categories),
            "comments": self.comments,
            "journal_ref": self.journal_ref,
            "doi": self.doi,
            "report_no": self.report_no,
            "license": self.license,
            "submitter": self.submitter,
        }
        for name, value in values.items():
            limit = MAX_FIELD_CHARS[name]
            if value is not None and len(value) > limit:
                raise InvalidRecord(
                    f"field '{name}': {len(value):,} characters (limit {limit:,})"
                )

    @property
    def latest_version(self) -> int:
        return self.versions[-1].number if self.versions else 0

    @property
    def published(self) -> datetime | None:
        return self.versions[0].created if self.versions else None

    @property
    def updated(self) -> datetime | None:
        return self.versions[-1].created if self.versions else None

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def freshness(self) -> tuple[int, str]:
        """Orders two records of one paper: the larger is the newer."""
        stamp = self.updated or self.update_date
        return self.latest_version, stamp.isoformat() if stamp else ""

    def content_hash(self) -> str:
        payload = orjson.dumps(
            [
                self.title, self.abstract, self.authors, self.categories,
                [(v.number, v.created.isoformat()) for v in self.versions],
                self.submitter, self.comments, self.journal_ref, self.doi,
                self.report_no, self.license,
                self.update_date.isoformat() if self.update_date else None,
                self.withdrawn,
            ]
        )
        return hashlib.blake2b(payload, digest_size=16).hexdigest()

    def plain_title(self) -> str:
        return text.plain_title(self.title)

    def plain_abstract(self) -> str:
        return text.plain_abstract(self.abstract)


_WITHDRAWN = re.compile(
    r"\b(?:has been withdrawn|(?:paper|article|submission) withdrawn"
    r"|withdrawn by (?:the )?(?:authors?|arxiv)|removed by arxiv administrators)\b"
)


def looks_withdrawn(comments: str | None, abstract: str | None) -> bool:
    """arXiv marks withdrawals only in prose: the comments or the abstract's start."""
    for value in (comments, (abstract or "")[:300]):
        if value and _WITHDRAWN.search(" ".join(value.lower().split())):
            return True
    return False
