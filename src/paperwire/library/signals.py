"""The rules of readers' signals: which kinds contradict each other, what moves the
signals version, and the one read of everything a reader's model trains on. The
statements are in ``paperwire.db.signals`` and ``paperwire.db.library``."""

from __future__ import annotations

from collections.abc import Iterable

from paperwire.db import library as library_store
from paperwire.db import signals as store
from paperwire.db import votes as vote_store
from paperwire.db.session import Connection
from paperwire.errors import InvalidInput, PaperNotFound
from paperwire.library.models import OPPOSITE, ReaderSignals, Signal, SignalKind


def signal_kind(raw: str) -> SignalKind:
    try:
        return SignalKind(raw)
    except ValueError:
        kinds = ", ".join(kind.value for kind in SignalKind)
        raise InvalidInput(f"unknown signal {raw!r}: use one of {kinds}") from None


def paper_id_of(connection: Connection, paper: int | str) -> int:
    """A stored paper's id, from its id or its canonical arXiv id."""
    if isinstance(paper, int):
        return paper
    paper_id = vote_store.paper_id(connection, paper)
    if paper_id is None:
        raise PaperNotFound(paper)
    return paper_id


def mark(connection: Connection, user_id: int, paper_id: int, kind: SignalKind,
         *, now: int) -> bool:
    """Give the signal (taking back its opposite); False if the reader had given it."""
    taken_back = 0
    if kind in OPPOSITE:
        taken_back = store.delete_signal(connection, user_id, paper_id, [OPPOSITE[kind]])
    added = store.insert_signals(connection, user_id, [paper_id], kind, now=now) > 0
    if (added or taken_back) and kind is not SignalKind.SEEN:
        store.bump_version(connection, user_id, now=now)
    return added


def clear(connection: Connection, user_id: int, paper_id: int, kind: SignalKind,
          *, now: int) -> bool:
    """Take the signal back; False if the reader had not given it."""
    removed = store.delete_signal(connection, user_id, paper_id, [kind]) > 0
    if removed and kind is not SignalKind.SEEN:
        store.bump_version(connection, user_id, now=now)
    return removed


def record_seen(connection: Connection, user_id: int, paper_ids: Iterable[int],
                *, now: int) -> int:
    """Remember papers as shown; the version stays (seen trains nothing)."""
    return store.insert_signals(connection, user_id, paper_ids, SignalKind.SEEN, now=now)


def reader_signals(connection: Connection, user_id: int) -> ReaderSignals:
    """Everything the reader's model trains on, in one transaction's snapshot."""
    result = ReaderSignals(user_id, store.version_of(connection, user_id).version)
    for paper_id, at in library_store.library_entry_times(connection, user_id):
        result.positives.append(Signal(paper_id, "library", at))
    for paper_id, at in store.upvote_times(connection, user_id):
        result.positives.append(Signal(paper_id, "upvote", at))
    for paper_id, at in store.saved_times(connection, user_id):
        result.positives.append(Signal(paper_id, "saved", at))
    for paper_id, kind, at in store.signals_of(connection, user_id):
        signal = Signal(paper_id, kind, at)
        if kind == SignalKind.READ:
            result.positives.append(signal)
        elif kind == SignalKind.NOT_INTERESTED:
            result.negatives.append(signal)
        elif kind == SignalKind.MORE_LIKE_THIS:
            result.more_like_this.append(signal)
        else:
            result.seen[paper_id] = at
    return result


def readers_signals(connection: Connection, user_ids: Iterable[int]) -> dict[int, ReaderSignals]:
    """What ``reader_signals`` gives, for many readers in a few statements (the digest's
    path; "seen" is left out: it trains nothing). Readers without a row get empty signals."""
    ids = sorted(set(user_ids))
    versions = store.versions_of(connection, ids)
    found = {uid: ReaderSignals(uid, versions[uid].version if uid in versions else 0)
             for uid in ids}
    for user_id, paper_id, source, at in sorted(store.model_rows_of(connection, ids),
                                                key=lambda row: (row[3], row[1])):
        signal = Signal(paper_id, source, at)
        if source == SignalKind.NOT_INTERESTED:
            found[user_id].negatives.append(signal)
        elif source == SignalKind.MORE_LIKE_THIS:
            found[user_id].more_like_this.append(signal)
        else:
            found[user_id].positives.append(signal)
    return found
