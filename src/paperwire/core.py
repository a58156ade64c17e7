"""The core: every surface (web pages, JSON API, CLI, scheduler) calls only this.

Each public method is one unit of work with its own transaction(s); callers
never commit or touch the store directly.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from paperwire.backup.service import BackupCore
from paperwire.community.api_service import ApiCore
from paperwire.community.service import CommunityCore
from paperwire.db import announcements, migrate, queries
from paperwire.db.engine import make_engine
from paperwire.db.locks import HARVEST_LOCK, JOB_LOCKS, LockHolder, lock_holder
from paperwire.db.session import read_transaction, write_transaction
from paperwire.digest.service import DigestCore
from paperwire.errors import PaperNotFound, StoreNotReady
from paperwire.harvest import listings as harvest_listings
from paperwire.harvest import status as harvest_status
from paperwire.harvest.calendar import ArxivCalendar
from paperwire.harvest.jobs import HarvestEnv, Harvester, HarvestReport
from paperwire.harvest.oai import PageProgress
from paperwire.hf_import import import_hf_daily
from paperwire.ids import normalize_arxiv_id
from paperwire.ingest import ImportReport, store_items
from paperwire.mail.mailer import Mailer
from paperwire.mail.transport import Transport
from paperwire.models import (
    Paper,
    PaperExtras,
    PaperFilter,
    PaperPage,
    SearchOptions,
    SearchResults,
    SimilarPaper,
    StoreStats,
)
from paperwire.search import engine as search_engine
from paperwire.search import keyword as keyword_index
from paperwire.search.embedder import EmbedderSetupError, make_embedder
from paperwire.search.indexing import EmbedReport, embedding_facts
from paperwire.search.query import apply_options, parse_query
from paperwire.search.semantic import SemanticSearcher
from paperwire.search.service import (
    BackgroundEmbedder,
    SearchIndexer,
    exclude_duplicates,
)
from paperwire.search.service import (
    ProgressCallback as EmbedProgress,
)
from paperwire.search.text_index import INLINE_SYNC_MAX, KeptTextIndex
from paperwire.settings import SECRET_REFUSAL, Settings
from paperwire.sources.base import Rejection
from paperwire.sources.hf_daily import looks_like_hf_daily
from paperwire.sources.snapshot import read_snapshot

ProgressCallback = Callable[[int], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``paperwire doctor``."""

    name: str
    ok: bool
    detail: str


class Paperwire(CommunityCore, ApiCore, DigestCore, BackupCore):
    """The core. Community methods (accounts, votes, comments, collections,
    submissions, mail) come from ``CommunityCore``; API and feed tokens and the
    community feeds' lists from ``ApiCore``; email digests from ``DigestCore``;
    export, restore and row counts from ``BackupCore``."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        *,
        mail_transport: Transport | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self.harvest_env = HarvestEnv()  # the network, clock and sleep harvests use
        # arXiv's rules and extra closures; the days its listings reported empty are read
        # from the store by each unit of work (``arxiv_calendar``).
        self.calendar = ArxivCalendar.with_extra(settings.arxiv_extra_closures)
        self._background: BackgroundEmbedder | None = None
        self.semantic_problem: str | None = None
        self.mailer = Mailer(settings, self.engine, mail_transport)

    # -- the store -----------------------------------------------------------------

    def migrate(self) -> None:
        """Create or upgrade the store's schema to the latest revision."""
        migrate.upgrade(self.engine)

    def ensure_ready(self) -> None:
        if not migrate.is_current(self.engine):
            raise StoreNotReady(
                "the store's schema is not current: run `paperwire migrate`"
            )

    def close(self) -> None:
        self.stop_background_embedding()
        self.engine.dispose()

    # -- search machinery (built on first use: loading a model takes a moment) -------

    @cached_property
    def semantic(self) -> SemanticSearcher | None:
        """The embedder and vector index, or None when ``embedder`` is ``none`` or the
        model cannot be loaded (then search is keyword-only and ``doctor`` says why)."""
        try:
            embedder = make_embedder(self.settings)
        except EmbedderSetupError as error:
            self.semantic_problem = str(error)
            log.warning("semantic search is off: %s", error)
            return None
        if embedder is None:
            return None
        return SemanticSearcher(
            embedder, self.settings.vector_dir, exact_max=self.settings.vector_exact_max
        )

    @cached_property
    def text_index(self) -> KeptTextIndex | None:
        """The tantivy keyword index, or None when ``keyword_engine`` is ``database``."""
        if self.settings.keyword_engine != "tantivy":
            return None
        return KeptTextIndex(
            lambda: read_transaction(self.engine), self.settings.text_index_dir,
            on_behind=self._wake_background,
        )

    @cached_property
    def search_services(self) -> search_engine.SearchServices:
        return search_engine.SearchServices(
            semantic=self.semantic, fusion=self.settings.search_fusion, text=self.text_index
        )

    @cached_property
    def indexer(self) -> SearchIndexer | None:
        if self.semantic is None:
            return None
        return SearchIndexer(
            self.engine, self.semantic, batch_size=self.settings.embed_batch_size
        )

    # -- ingest --------------------------------------------------------------------

    def import_snapshot(
        self,
        paths: Iterable[Path],
        *,
        on_progress: ProgressCallback | None = None,
        on_rejection: Callable[[Rejection], None] | None = None,
        report: ImportReport | None = None,
    ) -> ImportReport:
        """Import arXiv snapshot JSON-lines files (plain or .gz), one transaction per batch.

        A file holding a JSON list is read as Hugging Face's ``/api/daily_papers``
        answer instead (papers plus their upvotes). Pass ``report`` to add these
        files' counts to an earlier report.
        """
        report = report or ImportReport()
        for path in paths:
            if looks_like_hf_daily(path):
                import_hf_daily(self.engine, path, batch_size=self.settings.import_batch_size,
                                report=report, on_rejection=on_rejection)
                if on_progress:
                    on_progress(path.stat().st_size)
                continue
            store_items(
                self.engine,
                read_snapshot(path, on_progress),
                batch_size=self.settings.import_batch_size,
                on_rejection=on_rejection,
                report=report,
            )
        self.sync_text_index()
        self._wake_background()
        return report

    # -- harvesting arXiv (see docs/harvesting.md) ------------------------------------

    def harvester(self, env: HarvestEnv | None = None) -> Harvester:
        return Harvester(self.engine, self.settings, env or self.harvest_env,
                         calendar=self.calendar)

    def harvest(
        self,
        *,
        sets: Iterable[str] = ("",),
        from_date: date | None = None,
        until: date | None = None,
        on_page: Callable[[PageProgress], None] | None = None,
        env: HarvestEnv | None = None,
    ) -> HarvestReport:
        """OAI-PMH ListRecords (arXivRaw) for each set ("" = all of arXiv), resumably."""
        report = self.harvester(env).oai(sets, from_date=from_date, until=until, on_page=on_page)
        return self._after_ingest(report)

    def harvest_daily(
        self,
        *,
        first_run: bool = False,
        on_page: Callable[[PageProgress], None] | None = None,
        env: HarvestEnv | None = None,
    ) -> HarvestReport:
        """The scheduled job: the day's listing, then incremental OAI-PMH per category."""
        return self._after_ingest(self.harvester(env).daily(first_run=first_run, on_page=on_page))

    def fetch_announcements(
        self, categories: list[str] | None = None, *, env: HarvestEnv | None = None
    ) -> HarvestReport:
        """Fetch arXiv's current daily listing for the categories and store it."""
        return self.harvester(env).listing(categories)

    def add_papers(self, ids: Iterable[str], *, env: HarvestEnv | None = None) -> HarvestReport:
        """Fetch papers by id or arXiv URL from the arXiv API and store them."""
        return self._after_ingest(self.harvester(env).add(ids))

    def _after_ingest(self, report: HarvestReport) -> HarvestReport:
        """New papers become searchable by keyword now, by meaning in the background."""
        self.sync_text_index()
        self._wake_background()
        return report

    def announcement_status(self, day: date) -> harvest_listings.AnnouncementStatus:
        """Whether ``day`` had an arXiv mailing; if not, why (weekend, holiday ...)."""
        with read_transaction(self.engine) as connection:
            return harvest_listings.announcement_status(
                connection, day, today=datetime.now(UTC).date(), calendar=self.calendar
            )

    def arxiv_calendar(self) -> ArxivCalendar:
        """arXiv's calendar as of now: rules, extra closures and the days its listings
        reported no mailing."""
        with read_transaction(self.engine) as connection:
            return self.calendar.with_reported(announcements.no_mailing_days(connection))

    def harvest_status(self) -> harvest_status.HarvestStatus:
        """The last harvest, the one running (if any), cursors and quarantine."""
        holder = lock_holder(self.engine, HARVEST_LOCK)
        with read_transaction(self.engine) as connection:
            status = harvest_status.harvest_status(connection, holder=holder)
        status.categories = list(self.settings.categories)
        return status

    def job_holders(self) -> dict[str, LockHolder | None]:
        """Who runs the jobs: the live holder of each job lock (``jobs``: the ``serve``
        process running the scheduler and background embedding; ``harvest``, ``digest``,
        ``embed``: whoever is doing that job now), or None."""
        return {name: lock_holder(self.engine, name) for name in JOB_LOCKS}

    def is_empty(self) -> bool:
        return self.stats().papers == 0

    # -- embeddings, concepts and the vector index -----------------------------------

    def embed_pending(
        self, *, on_progress: EmbedProgress | None = None, limit: int | None = None
    ) -> EmbedReport:
        """Embed new and changed papers (vectors + concepts), then update the vector index.

        Resumable: each batch commits; run it again after a crash and it goes on.
        """
        if self.indexer is None:
            return EmbedReport()
        return self.indexer.embed_pending(on_progress=on_progress, limit=limit)

    def rebuild_vector_index(self) -> int:
        """Rebuild the vector index file from stored vectors (the model does not run)."""
        return 0 if self.indexer is None else self.indexer.rebuild_index()

    def pending_embeddings(self) -> int:
        return 0 if self.indexer is None else self.indexer.pending()

    def reindex_embeddings(
        self, *, rerun_model: bool = False, on_progress: EmbedProgress | None = None
    ) -> EmbedReport:
        """Rebuild the vector index from stored vectors; with ``rerun_model``, embed every
        paper again first (e.g. after changing the model)."""
        if self.indexer is None:
            return EmbedReport()
        if rerun_model:
            self.indexer.forget_embeddings()
        report = self.indexer.embed_pending(on_progress=on_progress)
        report.indexed = self.indexer.rebuild_index()
        return report

    def start_background_embedding(self) -> None:
        """Keep the search indexes in step in a daemon thread: now, after every import,
        whenever a search finds them behind, and whenever a look at the store every
        ``embed_poll_seconds`` finds papers pending (added by another process)."""
        if self._background is not None:
            return
        jobs = [self.sync_text_index]
        if self.indexer is not None:
            jobs.append(self.indexer.embed_pending)
        indexer = self.indexer
        self._background = BackgroundEmbedder(
            jobs, lambda error: log.exception("search index job failed", exc_info=error),
            poll_seconds=self.settings.embed_poll_seconds,
            due=None if indexer is None else lambda: indexer.pending() > 0,
        )
        self._background.start()

    def warm_search(self) -> None:
        """Load the embedding model and open the indexes now rather than on first use."""
        if self.semantic is not None:
            self.semantic.embedder.embed_query("warm up")
            len(self.semantic.index)
        if self.text_index is not None:
            try:
                with read_transaction(self.engine) as connection:
                    self.text_index.ready(connection)
            except SQLAlchemyError as error:  # e.g. not migrated yet: pages will say so
                log.info("keyword index not opened at start: %s", error)

    def _wake_background(self) -> None:
        if self._background is not None:
            self._background.wake()

    def sync_text_index(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Index papers changed since the keyword index's last sync; returns how many."""
        return 0 if self.text_index is None else self.text_index.sync(on_progress=on_progress)

    def stop_background_embedding(self) -> None:
        if self._background is not None:
            self._background.stop()
            self._background = None

    def rebuild_keyword_index(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the keyword indexes (the database's full text, and tantivy's) from the
        papers table; returns the papers indexed."""
        with write_transaction(self.engine) as connection:
            count = keyword_index.rebuild(connection)
        if self.text_index is not None:
            self.text_index.sync(fresh=True, on_progress=on_progress)
        return count

    # -- reading -------------------------------------------------------------------

    def list_papers(self, paper_filter: PaperFilter) -> PaperPage:
        """Every list surface: daily/weekly/monthly by upvotes, or trending."""
        with read_transaction(self.engine) as connection:
            return queries.list_papers(
                connection, paper_filter,
                half_life_hours=self.settings.trending_half_life_hours,
            )

    def get_paper(self, arxiv_id: str, *, viewer_id: int | None = None) -> Paper:
        canonical = normalize_arxiv_id(arxiv_id)
        with read_transaction(self.engine) as connection:
            paper = queries.get_paper(connection, canonical, viewer_id=viewer_id)
        if paper is None:
            raise PaperNotFound(canonical)
        return paper

    def search_papers(
        self, query: str, *, limit: int = 20, offset: int = 0,
        options: SearchOptions | None = None,
    ) -> SearchResults:
        """The one search: keyword + semantic, fused; filters and sorts from ``options``
        add to the query's own syntax."""
        options = options or SearchOptions()
        parsed = apply_options(
            parse_query(query), date_from=options.date_from, date_to=options.date_to,
            category=options.category, author=options.author,
        )
        services = self.search_services
        if not (options.semantic and options.keyword):
            services = dataclasses.replace(
                services, semantic=services.semantic if options.semantic else None,
                keyword=options.keyword,
            )
        with read_transaction(self.engine) as connection:
            return search_engine.search(
                connection, parsed, limit=limit, offset=offset, sort=options.sort,
                services=services,
            )

    def similar_papers(self, arxiv_id: str, *, limit: int = 10) -> list[SimilarPaper]:
        """Nearest papers by embedding, without the paper itself and exact duplicates."""
        return self.paper_extras(self.get_paper(arxiv_id), similar=limit).similar

    def paper_concepts(self, arxiv_id: str) -> list[str]:
        """A paper's stored key concepts (empty until it has been embedded)."""
        return self.paper_extras(self.get_paper(arxiv_id), similar=0).concepts

    def paper_extras(self, paper: Paper, *, similar: int = 8) -> PaperExtras:
        """A paper's concepts and its ``similar`` nearest papers, in two statements."""
        if self.semantic is None:
            return PaperExtras([], [])
        ranked = self.semantic.like_paper(paper.id, similar + 6) if similar else []
        with read_transaction(self.engine) as connection:
            ids = [paper.id, *(pid for pid, _ in ranked)]
            stored = embedding_facts(connection, self.semantic.model, ids)
            own = stored.get(paper.id)
            kept = exclude_duplicates(paper.id, own.text_hash if own else None, ranked, stored)
            kept = kept[:similar]
            found = queries.papers_by_ids(connection, [pid for pid, _ in kept])
        return PaperExtras(
            concepts=own.concepts if own else [],
            similar=[SimilarPaper(found[pid], sim) for pid, sim in kept if pid in found],
        )

    def stats(self) -> StoreStats:
        with read_transaction(self.engine) as connection:
            return queries.store_stats(
                connection,
                backend=self.engine.dialect.name,
                revision=migrate.current_revision(self.engine),
            )

    def doctor(self) -> list[Check]:
        """Check the secret key and the store: reachable, migrated, tables present,
        keyword index in step."""
        checks = [self._check_secret()]
        try:
            with self.engine.connect():
                pass
        except Exception as error:
            return [*checks, Check("store reachable", False, f"{type(error).__name__}: {error}")]
        checks.append(Check("store reachable", True, _safe_url(self.engine)))
        current, head = migrate.current_revision(self.engine), migrate.head_revision(self.engine)
        checks.append(
            Check(
                "schema migrated",
                current == head,
                f"at {current or 'nothing'}, latest {head}"
                + ("" if current == head else ": run `paperwire migrate`"),
            )
        )
        if current is None:
            return checks
        names = set(inspect(self.engine).get_table_names())
        missing = {"papers", "paper_versions", "paper_categories"} - names
        checks.append(
            Check("tables present", not missing, ", ".join(sorted(missing)) or "all present")
        )
        checks.append(self._check_keyword_index())
        if self.text_index is not None:
            checks.append(self._check_text_index(self.text_index))
        checks.append(self._check_embeddings())
        return checks

    def _check_secret(self) -> Check:
        if self.settings.secret_refused:
            return Check("secret key", False, SECRET_REFUSAL)
        if self.settings.uses_default_secret:
            return Check("secret key", True, "the default or too short, allowed in dev mode")
        return Check("secret key", True, "set")

    def _check_embeddings(self) -> Check:
        if self.settings.embedder == "none":
            return Check("semantic search", True, "off (PAPERWIRE_EMBEDDER=none)")
        if self.semantic is None:
            return Check("semantic search", False, self.semantic_problem or "model not loaded")
        pending, indexed = self.pending_embeddings(), len(self.semantic.index)
        detail = f"{self.semantic.model}: {indexed:,} papers in the vector index"
        if pending:
            return Check("semantic search", False, f"{detail}, {pending:,} pending: run "
                         "`paperwire embed`")
        return Check("semantic search", True, detail)

    def _check_keyword_index(self) -> Check:
        with read_transaction(self.engine) as connection:
            if connection.dialect.name != "sqlite":
                return Check("keyword index", True, "PostgreSQL generated tsvector column")
            result = connection.exec_driver_sql(
                "SELECT (SELECT count(*) FROM papers),"
                " (SELECT count(*) FROM papers_fts_docsize)"
            ).one()
        ok = result[0] == result[1]
        detail = f"{result[1]:,} of {result[0]:,} papers indexed"
        return Check("keyword index", ok, detail if ok else detail + ": run `paperwire reindex`")

    def _check_text_index(self, text: KeptTextIndex) -> Check:
        with read_transaction(self.engine) as connection:
            behind = text.behind(connection)
        detail = f"tantivy in {text.path}, {behind:,} papers behind the store"
        if behind > INLINE_SYNC_MAX:
            return Check("keyword index (tantivy)", False, detail + ": run `paperwire reindex`")
        return Check("keyword index (tantivy)", True, detail)


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def make_paperwire(settings: Settings, *, refuse_weak_secret: bool = True) -> Paperwire:
    """The one factory of the core every command and the web app run on. Refuses the
    default or a short secret key outside dev mode before touching the store
    (``InsecureSettings``); only ``paperwire doctor``, which reports the key instead,
    passes ``refuse_weak_secret=False`` (a weak key still signs nothing)."""
    if refuse_weak_secret:
        settings.require_secret()
    return Paperwire(settings)
