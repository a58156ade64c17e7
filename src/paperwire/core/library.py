"""A reader's library and signals: import, list, remove; not interested, more like
this, read and seen; the signals version a model cache checks; deleting it all. Each
method is one transaction (an import that fetches unknown arXiv ids, a few)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from paperwire.community import accounts
from paperwire.community.models import User
from paperwire.core.community import CommunityCore
from paperwire.db import library as library_store
from paperwire.db import signals as signal_store
from paperwire.db.session import Connection, read_transaction, write_transaction
from paperwire.errors import HarvestError, JobBusy
from paperwire.harvest.jobs import HarvestEnv
from paperwire.library import matching, signals
from paperwire.library.formats import read_references
from paperwire.library.matching import Located, Matches
from paperwire.library.models import (
    DeletedReaderData,
    ImportSummary,
    LibraryItem,
    ReaderSignals,
    SignalKind,
    SignalsVersion,
    UnmatchedEntry,
)


class LibraryCore(CommunityCore):
    """Builds on community (readers are accounts) and, through it, on ingest (an
    import fetches unknown arXiv ids from the arXiv API)."""

    def user_by_email(self, email: str) -> User:
        """The account of an email address (``NotFound`` if none): the CLI's --user."""
        with read_transaction(self.engine) as connection:
            return accounts.require_user(connection, email)

    # -- the library -----------------------------------------------------------------------

    def import_library(
        self, user_id: int, files: Sequence[tuple[str, bytes]], *, fetch: bool = True,
        env: HarvestEnv | None = None,
    ) -> ImportSummary:
        """Add the papers of library files (``(name, content)``: BibTeX, RIS, CSL-JSON or
        a plain list) to the reader's library: matched by arXiv id, DOI, then title;
        arXiv ids the store lacks are fetched from the arXiv API (the harvests' polite
        client, under their lock; at most ``library_fetch_max`` per import).

        Every file is read before anything is stored: a bad one raises
        ``LibraryFileError`` (naming the file and line) and nothing is added. Additive:
        papers already in the library keep their entry; nothing is removed."""
        summary = ImportSummary(files=[name for name, _ in files])
        located: list[Located] = []
        for name, data in files:
            source, references = read_references(data, name)
            located += [Located(name, source.value, reference) for reference in references]
        summary.entries = len(located)
        with read_transaction(self.engine) as connection:
            matches = matching.match(connection, located)
        if matches.to_fetch:
            self._fetch_unmatched(matches, fetch=fetch, env=env)
        with write_transaction(self.engine) as connection:
            self._store_matches(connection, user_id, matches, summary)
        return summary

    def _fetch_unmatched(self, matches: Matches, *, fetch: bool,
                         env: HarvestEnv | None) -> None:
        """Fetch the arXiv ids the store lacks, then match those references again."""
        wanted = list(dict.fromkeys(item.reference.arxiv_id or "" for item in matches.to_fetch))
        limit = self.settings.library_fetch_max
        skipped = "not fetched: fetching is off" if not fetch else None
        missing: set[str] = set()
        if fetch:
            try:
                missing = set(self.add_papers(wanted[:limit], env=env).missing)
            except (JobBusy, HarvestError) as error:
                skipped = f"not fetched from arXiv ({error}); import again later"
        with read_transaction(self.engine) as connection:
            again = matching.match_fetched(connection, matches.to_fetch, missing)
        for item, reason in again.unmatched:
            arxiv_id = item.reference.arxiv_id or ""
            if skipped:
                reason = f"arXiv id {arxiv_id} {skipped}"
            elif arxiv_id not in wanted[:limit]:
                reason = f"arXiv id {arxiv_id} not fetched: over {limit} new ids in one import"
            matches.unmatched.append((item, reason))
        matches.found += again.found
        matches.to_fetch = []

    def _store_matches(self, connection: Connection, user_id: int, matches: Matches,
                       summary: ImportSummary) -> None:
        entries = [library_store.NewEntry(paper_id, item.source, item.reference.key)
                   for item, paper_id, _ in matches.found]
        for _, _, how in matches.found:
            summary.matched[how.value] += 1
        summary.added = library_store.insert_entries(connection, user_id, entries,
                                                     now=self.now())
        summary.already = len({entry.paper_id for entry in entries}) - summary.added
        summary.unmatched = sorted(
            (UnmatchedEntry(item.file, item.reference.line, item.reference.key, reason)
             for item, reason in matches.unmatched),
            key=lambda entry: (summary.files.index(entry.file), entry.line),
        )
        if summary.added:
            signal_store.bump_version(connection, user_id, now=self.now())

    def library_paper_ids(self, user_id: int) -> list[int]:
        """The papers in the reader's library, first added first."""
        with read_transaction(self.engine) as connection:
            return library_store.library_paper_ids(connection, user_id)

    def library(self, user_id: int, *, limit: int | None = None,
                offset: int = 0) -> list[LibraryItem]:
        """The reader's library, newest entry first (for the account page and the CLI)."""
        with read_transaction(self.engine) as connection:
            return library_store.library_items(connection, user_id, limit=limit, offset=offset)

    def library_size(self, user_id: int) -> int:
        with read_transaction(self.engine) as connection:
            return library_store.library_size(connection, user_id)

    def remove_from_library(self, user_id: int, paper: int | str) -> bool:
        """Take one paper (store id or arXiv id) out of the library; False if absent."""
        with write_transaction(self.engine) as connection:
            paper_id = signals.paper_id_of(connection, paper)
            removed = library_store.delete_entry(connection, user_id, paper_id)
            if removed:
                signal_store.bump_version(connection, user_id, now=self.now())
            return removed

    def clear_library(self, user_id: int) -> int:
        """Empty the reader's library (signals stay); returns how many entries went."""
        with write_transaction(self.engine) as connection:
            removed = library_store.delete_library(connection, user_id)
            if removed:
                signal_store.bump_version(connection, user_id, now=self.now())
            return removed

    # -- signals ---------------------------------------------------------------------------

    def mark_signal(self, user_id: int, paper: int | str, kind: SignalKind | str) -> bool:
        """Record a signal on a paper (store id or arXiv id). "not_interested" and
        "more_like_this" take each other back. False if it was already given."""
        checked = signals.signal_kind(kind)
        with write_transaction(self.engine) as connection:
            paper_id = signals.paper_id_of(connection, paper)
            return signals.mark(connection, user_id, paper_id, checked, now=self.now())

    def clear_signal(self, user_id: int, paper: int | str, kind: SignalKind | str) -> bool:
        """Take a signal back; False if it was not given."""
        checked = signals.signal_kind(kind)
        with write_transaction(self.engine) as connection:
            paper_id = signals.paper_id_of(connection, paper)
            return signals.clear(connection, user_id, paper_id, checked, now=self.now())

    def record_seen(self, user_id: int, paper_ids: Iterable[int]) -> int:
        """Remember papers as shown to the reader (one statement per 500); a paper seen
        before keeps its first time. Returns how many were new."""
        ids = list(paper_ids)
        if not ids:
            return 0
        with write_transaction(self.engine) as connection:
            return signals.record_seen(connection, user_id, ids, now=self.now())

    def seen_paper_ids(self, user_id: int, since: int | None = None) -> set[int]:
        """Papers shown to the reader (first shown at or after ``since``, epoch s)."""
        with read_transaction(self.engine) as connection:
            return signal_store.signal_paper_ids(connection, user_id, SignalKind.SEEN,
                                                 since=since)

    def signal_paper_ids(self, user_id: int, kind: SignalKind | str) -> set[int]:
        """Papers the reader gave one kind of signal (e.g. to mark buttons as pressed)."""
        checked = signals.signal_kind(kind)
        with read_transaction(self.engine) as connection:
            return signal_store.signal_paper_ids(connection, user_id, checked)

    def reader_signals(self, user_id: int) -> ReaderSignals:
        """Everything the reader's model trains on (library, upvotes, saves, reads;
        not interested; more like this; seen), read in one transaction."""
        with read_transaction(self.engine) as connection:
            return signals.reader_signals(connection, user_id)

    def signals_version(self, user_id: int) -> SignalsVersion:
        """A counter that moves whenever what trains the reader's model changes (not on
        "seen"): a model cache keyed by it retrains exactly when it must."""
        with read_transaction(self.engine) as connection:
            return signal_store.version_of(connection, user_id)

    def signals_versions(self, user_ids: Iterable[int]) -> dict[int, SignalsVersion]:
        """Many readers' versions in one transaction (the digest's path); readers who
        never gave a signal are left out (their version is 0)."""
        with read_transaction(self.engine) as connection:
            return signal_store.versions_of(connection, user_ids)

    def delete_reader_data(self, user_id: int) -> DeletedReaderData:
        """Delete the reader's library and every signal in one transaction (upvotes and
        collections are theirs to undo elsewhere); the version moves on."""
        with write_transaction(self.engine) as connection:
            deleted = DeletedReaderData(
                library_entries=library_store.delete_library(connection, user_id),
                signals=signal_store.delete_signals(connection, user_id),
            )
            signal_store.bump_version(connection, user_id, now=self.now())
        return deleted
