"""Keyword search at scale: a tantivy index next to the store, kept in step with it.

SQLite FTS5 and PostgreSQL full text score every matching row before they can
return the best ten, which costs hundreds of milliseconds on common words over
all of arXiv. tantivy prunes (block-max WAND) and intersects with skip lists, so
a query costs a few milliseconds at a million papers.

The store stays the source of truth. The index is derived from it like the vector
index: ``sync`` applies the papers the store's change feed (``db/changes.py``) names
since the position recorded in a JSON sidecar, and can always rebuild from scratch.
The feed cannot miss a row committed late, so every host's index converges. A reader
that finds changes after its index's position says so (``is_current``), and the
engine answers from the database until the index has caught up.

Words match by English (Porter2) stem, with accents folded, over title (weighted
most), authors and abstract; ``author:`` matches a name's words as a phrase whose
last word may be a prefix ("ada l" finds "Ada Lovelace").
"""

from __future__ import annotations

import fcntl
import itertools
import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import tantivy

from paperwire.db import changes, text_sync
from paperwire.db.changes import FeedPosition
from paperwire.db.session import Connection
from paperwire.models import Sort
from paperwire.search.analysis import analyse
from paperwire.search.expansion import expansion_terms
from paperwire.search.query import ParsedQuery

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 2: the concepts field; 3: follows the change feed
# title, authors and abstract as FTS5's bm25 weights; concepts: each paper's key phrases
# (written by the embedding job), a short field whose matches say what a paper is about.
FIELD_BOOSTS = {"title": 5.0, "authors": 4.0, "abstract": 1.0, "concepts": 3.0}
SYNC_CHUNK = 5_000
WRITER_HEAP = 128_000_000

ConnectionFactory = Callable[[], AbstractContextManager[Connection]]


@dataclass(frozen=True, slots=True)
class TextIndexMeta:
    version: int
    feed: dict[str, Any]  # the change feed's position it holds everything before
    count: int
    synced_at: float  # unix seconds: an index idle past the feed's retention starts over

    @property
    def position(self) -> FeedPosition:
        return FeedPosition.from_json(self.feed)


def _analyzer(*, stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


STEMMED, PLAIN = _analyzer(stem=True), _analyzer(stem=False)
ANALYZERS = {"title": STEMMED, "abstract": STEMMED, "authors": PLAIN, "concepts": STEMMED}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name="pw_stemmed")
    builder.add_text_field("authors", tokenizer_name="pw_plain")
    builder.add_text_field("abstract", tokenizer_name="pw_stemmed")
    builder.add_text_field("concepts", tokenizer_name="pw_stemmed")
    builder.add_text_field("category", tokenizer_name="raw")
    builder.add_integer_field("day", indexed=True, fast=True)  # listing date, ordinal
    builder.add_integer_field("newest", fast=True)  # day and id in one sort key
    return builder.build()


SCHEMA = _schema()


def _open(path: Path) -> tantivy.Index:
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
    index.register_tokenizer("pw_stemmed", STEMMED)
    index.register_tokenizer("pw_plain", PLAIN)
    return index


def _read_meta(path: Path) -> TextIndexMeta | None:
    try:
        data = json.loads((path / "paperwire.json").read_text())
        meta = TextIndexMeta(**data)
    except (FileNotFoundError, TypeError, ValueError):
        return None
    return meta if meta.version == SCHEMA_VERSION else None


def _write_meta(path: Path, meta: TextIndexMeta) -> None:
    temporary = path / "paperwire.json.tmp"
    temporary.write_text(json.dumps(asdict(meta)))
    temporary.replace(path / "paperwire.json")


# -- writing ---------------------------------------------------------------------------

@contextmanager
def writer_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """One writer at a time across processes; with ``wait=False`` yields False when busy."""
    path.mkdir(parents=True, exist_ok=True)
    with (path.parent / f"{path.name}.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync(
    connect: ConnectionFactory, path: Path, *, fresh: bool = False,
    on_progress: Callable[[int], None] | None = None, model: str | None = None,
) -> int:
    """Bring the index up to the store: the papers the change feed names since the last
    sync (their text, categories or ``model``'s concepts changed, or they are gone), or
    every paper with ``fresh``. ``connect`` opens a snapshot transaction. Call under
    ``writer_lock``. Returns how many were written."""
    trusted = _read_meta(path)
    if trusted is None or not changes.trusted(trusted.synced_at):
        shutil.rmtree(path, ignore_errors=True)  # none, damaged, older, or idle too long
        fresh = True
    index = _open(path)
    done = 0
    with connect() as connection:
        if fresh:
            now = changes.position(connection)
            writer = index.writer(WRITER_HEAP, 1)
            writer.delete_all_documents()
            chunks = text_sync.all_papers(connection, chunk=SYNC_CHUNK, model=model)
        else:
            ids, now = changes.changed_since(connection, trusted.position)
            if not ids:
                if now != trusted.position:
                    _write_meta(path, replace(trusted, feed=now.to_json(), synced_at=time.time()))
                return 0
            writer = index.writer(WRITER_HEAP, 1)
            chunks = _replacing(writer, ids, text_sync.papers_by_id(
                connection, ids, chunk=SYNC_CHUNK, model=model
            ))
        for chunk in chunks:
            for row in chunk:
                writer.add_document(_document(row))
            done += len(chunk)
            if on_progress:
                on_progress(done)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    _write_meta(path, TextIndexMeta(
        SCHEMA_VERSION, now.to_json(), index.searcher().num_docs, time.time()
    ))
    return done


def _replacing(
    writer: tantivy.IndexWriter, ids: set[int], chunks: Iterator[list[Any]]
) -> Iterator[list[Any]]:
    """The chunks, after deleting every changed paper's old document (a deleted paper's
    too: it has no row to add back). By query: tantivy-py's delete by term misreads u64."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), SYNC_CHUNK):
        part = ordered[start : start + SYNC_CHUNK]
        writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "id", part))
    yield from chunks


def _document(row: Any) -> tantivy.Document:
    document = tantivy.Document()
    document.add_unsigned("id", row.id)
    document.add_text("title", row.title_text or "")
    document.add_text("authors", row.authors_text or "")
    document.add_text("abstract", row.abstract_text or "")
    for concept in _concept_list(row.concepts):
        document.add_text("concepts", concept)
    for category in (row.categories or "").split():
        document.add_text("category", category.lower())
    day = row.announced_on.toordinal() if row.announced_on else 0
    document.add_integer("day", day)
    document.add_integer("newest", (day << 32) | row.id)
    return document


def _concept_list(value: Any) -> list[str]:
    """A JSON column read through a scalar subquery may come back as text."""
    if isinstance(value, str):
        value = json.loads(value)
    return [str(concept) for concept in value or []]


# -- reading ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TextMatches:
    ranked: list[tuple[int, float]]  # (paper id, score), best first
    total: int


class TextIndex:
    """Read side. One per process; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index: tantivy.Index | None = None
        self._meta: TextIndexMeta | None = None
        self._lock = threading.Lock()

    def is_current(self, connection: Connection) -> bool:
        """Whether the index holds every change in the store (reloading it if another
        process has synced since)."""
        meta = _read_meta(self.path)
        if meta is None:
            return False
        with self._lock:
            if meta != self._meta or self._index is None:
                # Opened afresh: a rebuild may have replaced every file of the index.
                self._index, self._meta = _open(self.path), meta
        return not changes.has_changes(connection, meta.position)

    def _searcher(self) -> tantivy.Searcher:
        if self._index is None:
            raise RuntimeError("is_current() must be checked first")
        return self._index.searcher()

    def search(
        self, query: ParsedQuery, *, limit: int, offset: int = 0, sort: Sort = Sort.RELEVANCE
    ) -> TextMatches:
        """Papers matching every word and filter: best first, or newest first."""
        searcher, built = self._searcher(), build_query(query)
        total = searcher.search(built, 1, count=True).count
        if limit <= 0 or total <= offset:
            return TextMatches([], total)
        order = {} if sort is Sort.RELEVANCE else {"order_by_field": "newest"}
        hits = searcher.search(built, limit, count=False, offset=offset, **order).hits
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        scores = [float(score) if sort is Sort.RELEVANCE else 0.0 for score, _ in hits]
        return TextMatches(list(zip(ids, scores, strict=True)), total)

    @staticmethod
    def index_terms(text: str) -> list[str]:
        """``text`` as the title and abstract fields index it (stemmed terms)."""
        return STEMMED.analyze(text)

    def expansion_terms(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """RM3's terms for these feedback papers' texts (``expansion``)."""
        searcher = self._searcher()
        return expansion_terms(
            texts, STEMMED.analyze, lambda term: searcher.doc_freq("abstract", term),
            searcher.num_docs,
        )

    def expanded(
        self, query: ParsedQuery, terms: Sequence[tuple[str, float]], *, limit: int
    ) -> list[tuple[int, float]]:
        """Papers best matching any of the weighted ``terms`` in title or abstract that
        satisfy the query's filters, exclusions and quoted phrases, best first."""
        if not terms or limit <= 0:
            return []
        clauses = [_weighted_terms(terms), *_quoted_clauses(query), *_filter_clauses(query)]
        return self._scored(clauses, limit)

    def term_scores(self, terms: Sequence[tuple[str, float]], ids: Sequence[int]
                    ) -> dict[int, float]:
        """The score of each of ``ids`` that holds any of the weighted ``terms`` in its
        title or abstract (as ``expanded`` scores them); the others are left out."""
        if not terms or not ids:
            return {}
        chosen = (tantivy.Occur.Must, tantivy.Query.term_set_query(SCHEMA, "id", list(ids)))
        return dict(self._scored([_weighted_terms(terms), chosen], len(ids)))

    def _scored(self, clauses: list[Clause], limit: int) -> list[tuple[int, float]]:
        searcher = self._searcher()
        hits = searcher.search(tantivy.Query.boolean_query(clauses), limit, count=False).hits
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        return [(pid, float(score)) for pid, (score, _) in zip(ids, hits, strict=True)]

    def matching(self, query: ParsedQuery, ids: Sequence[int], *, words: bool) -> set[int]:
        """Those of ``ids`` that satisfy the query's filters, exclusions and quoted
        phrases, and with ``words`` also every word."""
        if not ids:
            return set()
        clauses = _word_clauses(query, evidence=False) if words else _quoted_clauses(query)
        clauses += _filter_clauses(query)
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_set_query(SCHEMA, "id", list(ids))))
        searcher = self._searcher()
        unscored = tantivy.Query.const_score_query(tantivy.Query.boolean_query(clauses), 1.0)
        hits = searcher.search(unscored, len(ids), count=False).hits
        return set(searcher.fast_field_values("id", [address for _, address in hits]))


def build_query(query: ParsedQuery) -> tantivy.Query:
    return tantivy.Query.boolean_query(_word_clauses(query) + _filter_clauses(query))


Clause = tuple[tantivy.Occur, tantivy.Query]
PROXIMITY_SLOP = 1  # in order, at most one word between: "task-specific prediction heads"
PROXIMITY_BOOST = 16.0  # times a field's weight: two adjacent query words found together
CONCEPT_PHRASE_BOOST = 12.0  # the whole query as one of a paper's key concepts
CONCEPT_QUERY_MAX = 4  # content words up to which a query may name a concept


def _word_clauses(query: ParsedQuery, *, evidence: bool = True) -> list[Clause]:
    """What decides a keyword match: every content word of a short query, most of a
    long one's (``analysis``); quoted phrases always. With ``evidence``, Should clauses
    add to the score: query words found close together, and the query as one of a
    paper's concepts."""
    must, should = tantivy.Occur.Must, tantivy.Occur.Should
    reading = analyse(query)
    units = [_any_field(unit) for unit in reading.units]
    if reading.all_words:
        clauses = [(must, unit) for unit in units]
    else:
        clauses = [(must, tantivy.Query.boolean_query(
            [(should, unit) for unit in units], reading.minimum_match
        ))]
    clauses += [(must, _any_field(phrase)) for phrase in query.quoted]
    if evidence:
        clauses += [(should, q) for q in _proximity(reading.units)]
    if evidence and len(reading.words) <= CONCEPT_QUERY_MAX:
        clauses += [(should, q) for q in _concept_phrase(reading.words)]
    return clauses + _excluded_clauses(query)


def _proximity(units: list[list[str]]) -> list[tantivy.Query]:
    """Adjacent content words (or phrases) near each other in the title or abstract."""
    found = []
    for first, second in itertools.pairwise(units):
        for field in ("title", "abstract"):
            tokens = [t for word in (*first, *second) for t in ANALYZERS[field].analyze(word)]
            if len(tokens) < 2:
                continue
            phrase = tantivy.Query.phrase_query(SCHEMA, field, tokens, PROXIMITY_SLOP)
            found.append(tantivy.Query.boost_query(phrase, FIELD_BOOSTS[field] * PROXIMITY_BOOST))
    return found


def _concept_phrase(words: list[str]) -> list[tantivy.Query]:
    """A multi-word query found as (nearly) one phrase among a paper's concepts; one
    word is weighed like any other field's."""
    tokens = [t for word in words for t in STEMMED.analyze(word)]
    if len(tokens) < 2:
        return []
    query = tantivy.Query.phrase_query(SCHEMA, "concepts", tokens, 1)
    return [tantivy.Query.boost_query(query, CONCEPT_PHRASE_BOOST)]


def _weighted_terms(terms: Sequence[tuple[str, float]]) -> Clause:
    """Any of the (stemmed) terms in title or abstract, each by its weight."""
    words = [
        (tantivy.Occur.Should, tantivy.Query.boost_query(
            tantivy.Query.term_query(SCHEMA, field, term), weight * FIELD_BOOSTS[field]))
        for term, weight in terms for field in ("title", "abstract")
    ]
    return tantivy.Occur.Must, tantivy.Query.boolean_query(words)


def _quoted_clauses(query: ParsedQuery) -> list[Clause]:
    clauses = [(tantivy.Occur.Must, _any_field(phrase)) for phrase in query.quoted]
    return clauses + _excluded_clauses(query)


def _excluded_clauses(query: ParsedQuery) -> list[Clause]:
    return [(tantivy.Occur.MustNot, _any_field([word], boost=False)) for word in query.excluded]


def _any_field(words: list[str], *, boost: bool = True) -> tantivy.Query:
    """The words, in order, in the title, the authors or the abstract."""
    options = []
    for field, weight in FIELD_BOOSTS.items():
        tokens = [token for word in words for token in ANALYZERS[field].analyze(word)]
        if not tokens:
            continue
        if len(tokens) == 1:
            clause = tantivy.Query.term_query(SCHEMA, field, tokens[0])
        else:
            clause = tantivy.Query.phrase_query(SCHEMA, field, tokens)
        if boost:
            clause = tantivy.Query.boost_query(clause, weight)
        options.append((tantivy.Occur.Should, clause))
    if not options:
        return tantivy.Query.empty_query()
    return tantivy.Query.boolean_query(options)


def _filter_clauses(query: ParsedQuery) -> list[Clause]:
    must, clauses = tantivy.Occur.Must, []
    for author in query.authors:
        tokens = PLAIN.analyze(author)
        clauses.append((must, (
            tantivy.Query.phrase_prefix_query(SCHEMA, "authors", tokens)
            if tokens else tantivy.Query.empty_query()
        )))
    for category in query.categories:
        clauses.append((must, tantivy.Query.term_query(SCHEMA, "category", category.lower())))
    if query.date_from or query.date_until:
        low = _day(query.date_from) if query.date_from else 0
        high = _day(query.date_until) if query.date_until else 1 << 31
        clauses.append((must, tantivy.Query.range_query(
            SCHEMA, "day", tantivy.FieldType.Integer, low, high,
            include_lower=True, include_upper=False,
        )))
    # Filters decide what matches, never how well: they add nothing to the score.
    return [(occur, tantivy.Query.const_score_query(q, 0.0)) for occur, q in clauses]


def _day(value: date) -> int:
    return value.toordinal()


# -- keeping it in step ----------------------------------------------------------------

INLINE_SYNC_MAX = 2_000  # papers a search may index itself before it answers


class KeptTextIndex:
    """The index and what keeps it current: a search that finds a few papers missing
    indexes them itself; with many missing it answers from the database and asks the
    background job (``on_behind``) to catch up. ``model`` names the embedding model
    whose stored concepts fill the concepts field (asked at each sync; None: none)."""

    def __init__(
        self, connect: ConnectionFactory, path: Path,
        *, on_behind: Callable[[], None] | None = None,
        model: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.connect, self.path, self.on_behind = connect, path, on_behind
        self.model = model
        self.reader = TextIndex(path)

    def ready(self, connection: Connection) -> TextIndex | None:
        """The index if it holds every change in the store (after catching up on a few)."""
        if self.reader.is_current(connection):
            return self.reader
        if self.behind(connection) <= INLINE_SYNC_MAX:
            try:
                with writer_lock(self.path, wait=False) as mine:
                    if mine:
                        sync(self.connect, self.path, model=self.model())
            except (OSError, ValueError) as error:  # e.g. a full or read-only disk
                log.warning("keyword index not synced (%s): searching the database", error)
            if self.reader.is_current(connection):
                return self.reader
        if self.on_behind is not None:
            self.on_behind()
        return None

    def behind(self, connection: Connection) -> int:
        """Papers changed since the last sync (all of them when there was none)."""
        meta = _read_meta(self.path)
        if meta is None or not changes.trusted(meta.synced_at):
            return text_sync.count_papers(connection)
        return changes.count_changed(connection, meta.position)

    def lag(self, connection: Connection) -> changes.Lag:
        """How far the index is behind the store (a rebuild counts every paper)."""
        meta = _read_meta(self.path)
        lag = changes.lag_of(connection, meta and meta.position, meta and meta.synced_at)
        if lag.rebuild:
            return replace(lag, behind=text_sync.count_papers(connection))
        return lag

    def follow(self) -> int:
        """Take in what changed since the last sync, unless nothing did or another
        process of this host is writing the index now; returns how many were written."""
        with self.connect() as connection:
            lag = self.lag(connection)
        if not (lag.behind or lag.rebuild):
            return 0
        with writer_lock(self.path, wait=False) as mine:
            return sync(self.connect, self.path, model=self.model()) if mine else 0

    def sync(self, *, fresh: bool = False, on_progress: Callable[[int], None] | None = None) -> int:
        with writer_lock(self.path):
            return sync(
                self.connect, self.path, fresh=fresh, on_progress=on_progress,
                model=self.model(),
            )
