"""What the library and signal verbs of the core hand back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SignalKind(StrEnum):
    """What a reader told us about one paper (stored in ``reader_signals``)."""

    NOT_INTERESTED = "not_interested"
    MORE_LIKE_THIS = "more_like_this"
    READ = "read"  # the reader opened the paper
    SEEN = "seen"  # the paper was shown to the reader on the For-you page


# "Not interested" and "more like this" contradict each other: giving one takes back the
# other. "Seen" only hides papers; it trains nothing, so it leaves the version alone.
OPPOSITE = {
    SignalKind.NOT_INTERESTED: SignalKind.MORE_LIKE_THIS,
    SignalKind.MORE_LIKE_THIS: SignalKind.NOT_INTERESTED,
}


class LibrarySource(StrEnum):
    BIBTEX = "bibtex"
    RIS = "ris"
    CSL_JSON = "csl-json"
    LIST = "list"
    ZOTERO = "zotero"


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence about a paper: ``source`` is ``library``, ``upvote``,
    ``saved``, or a :class:`SignalKind` value; ``at`` is epoch seconds."""

    paper_id: int
    source: str
    at: int


@dataclass(slots=True)
class ReaderSignals:
    """Everything a per-reader model trains on, as of one read of the store.

    ``positives`` holds library papers, upvotes, saves (any of the reader's collections)
    and reads, one :class:`Signal` each (a paper can appear under several sources);
    ``negatives`` the "not interested" papers; ``more_like_this`` the papers whose
    neighbourhood to boost; ``seen`` the papers shown on the For-you page (id → first
    shown). ``version`` is the reader's signals version (see ``signals_version``)."""

    user_id: int
    version: int
    positives: list[Signal] = field(default_factory=list)
    negatives: list[Signal] = field(default_factory=list)
    more_like_this: list[Signal] = field(default_factory=list)
    seen: dict[int, int] = field(default_factory=dict)

    @property
    def positive_ids(self) -> set[int]:
        """Papers with any positive signal, less those the reader marked not interested."""
        negative = {signal.paper_id for signal in self.negatives}
        return {signal.paper_id for signal in self.positives} - negative

    @property
    def negative_ids(self) -> set[int]:
        return {signal.paper_id for signal in self.negatives}


@dataclass(frozen=True, slots=True)
class SignalsVersion:
    """A reader's signals version: 0 (at 0) until their first signal."""

    version: int
    changed_at: int


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """One paper in a reader's library, as listed on the account page and by the CLI."""

    paper_id: int
    arxiv_id: str
    title: str
    source: str
    source_key: str
    added_at: int


@dataclass(frozen=True, slots=True)
class DeletedReaderData:
    library_entries: int
    signals: int


class MatchedBy(StrEnum):
    ARXIV_ID = "arxiv_id"
    DOI = "doi"
    TITLE = "title"
    FETCHED = "fetched"  # an arXiv id fetched from the arXiv API during the import


@dataclass(frozen=True, slots=True)
class UnmatchedEntry:
    file: str
    line: int
    key: str
    reason: str


@dataclass(slots=True)
class ImportSummary:
    """What an import did: entries read, how each matched, how many were new to the
    library, and every entry that matched nothing, with its file, line and why."""

    files: list[str] = field(default_factory=list)
    entries: int = 0
    matched: dict[str, int] = field(default_factory=lambda: {kind.value: 0 for kind in MatchedBy})
    added: int = 0  # new in the library
    already: int = 0  # matched papers the library had already
    unmatched: list[UnmatchedEntry] = field(default_factory=list)

    @property
    def matched_total(self) -> int:
        return sum(self.matched.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files, "entries": self.entries, "matched": dict(self.matched),
            "added": self.added, "already": self.already,
            "unmatched": [
                {"file": u.file, "line": u.line, "key": u.key, "reason": u.reason}
                for u in self.unmatched
            ],
        }
