"""Search: the keyword and vector indexes, keeping them in step, and the one search."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from functools import cached_property

from paperwire.core.papers import PapersCore
from paperwire.db import changes, fulltext, queries
from paperwire.db.embeddings import embedding_facts, stored_concepts
from paperwire.db.session import (
    StoreError,
    read_transaction,
    snapshot_transaction,
    write_transaction,
)
from paperwire.models import Paper, PaperExtras, SearchOptions, SearchResults, SimilarPaper
from paperwire.search import engine as search_engine
from paperwire.search.embedder import EmbedderSetupError, make_embedder
from paperwire.search.indexing import EmbedReport
from paperwire.search.query import apply_options, parse_query
from paperwire.search.rerank import DEFAULT_WEIGHTS, RerankStage, make_reranker
from paperwire.search.semantic import SemanticSearcher
from paperwire.search.service import (
    BackgroundEmbedder,
    SearchIndexer,
    exclude_duplicates,
)
from paperwire.search.service import (
    ProgressCallback as EmbedProgress,
)
from paperwire.search.text_index import KeptTextIndex

log = logging.getLogger(__name__)


class SearchCore(PapersCore):
    _background: BackgroundEmbedder | None = None
    semantic_problem: str | None = None

    def close(self) -> None:
        self.stop_index_follower()
        stage = self.__dict__.get("rerank_stage")  # only if one was built
        if stage is not None:
            stage.close()
        super().close()

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
            lambda: snapshot_transaction(self.engine), self.settings.text_index_dir,
            on_behind=self._wake_background, model=self._concepts_model,
        )

    def _concepts_model(self) -> str | None:
        return self.semantic.model if self.semantic is not None else None

    @cached_property
    def search_services(self) -> search_engine.SearchServices:
        return search_engine.SearchServices(
            semantic=self.semantic, fusion=self.settings.search_fusion, text=self.text_index,
            rerank=self.rerank_stage,
        )

    @cached_property
    def rerank_stage(self) -> RerankStage | None:
        """The second-stage reranker the settings name, or None (``none``, or ``sentences``
        without a model)."""
        if self.settings.rerank == "none":  # no model load for nothing
            return None
        reranker = make_reranker(self.settings, self.semantic)
        if reranker is None:
            return None
        weight = self.settings.rerank_weight
        return RerankStage(
            reranker, depth=self.settings.rerank_depth,
            weight=DEFAULT_WEIGHTS[self.settings.rerank] if weight is None else weight,
        )

    @cached_property
    def indexer(self) -> SearchIndexer | None:
        if self.semantic is None:
            return None
        return SearchIndexer(
            self.engine, self.semantic, batch_size=self.settings.embed_batch_size,
            claim_seconds=self.settings.embed_claim_seconds,
        )

    # -- embeddings, concepts and the vector index -----------------------------------

    def embed_pending(
        self, *, on_progress: EmbedProgress | None = None, limit: int | None = None
    ) -> EmbedReport:
        """Embed new and changed papers (vectors + concepts), then update the vector index.

        Resumable: each batch commits; run it again after a crash and it goes on. The
        keyword index then takes in the new concepts (its concepts field).
        """
        if self.indexer is None:
            return EmbedReport()
        report = self.indexer.embed_pending(on_progress=on_progress, limit=limit)
        if report.embedded or report.reused:
            self.sync_text_index()
        return report

    def rebuild_vector_index(self) -> int:
        """Rebuild the vector index file from stored vectors (the model does not run)."""
        return 0 if self.indexer is None else self.indexer.rebuild_index()

    def pending_embeddings(self) -> int:
        return 0 if self.indexer is None else self.indexer.pending()

    def unclaimed_embeddings(self) -> int:
        """Pending papers no embedding batch holds now (another job could take them)."""
        return 0 if self.indexer is None else self.indexer.unclaimed()

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
        if report.embedded or report.reused:
            self.sync_text_index()
        return report

    def start_index_follower(self) -> None:
        """Keep this host's search indexes (the keyword index, the vector index file) in
        step with the store in a daemon thread: now, after every import, whenever a search
        finds them behind, and every ``index_follow_seconds`` (else ``embed_poll_seconds``).
        Embedding itself is a job (``jobs/tasks.py``) that any worker may run; this only
        follows the change feed."""
        if self._background is not None:
            return
        poll = self.settings.index_follow_seconds or self.settings.embed_poll_seconds
        self._background = BackgroundEmbedder(
            [self.follow_changes],
            lambda error: log.exception("search index sync failed", exc_info=error),
            poll_seconds=poll, due=lambda: True, name="paperwire-follow",
        )
        self._background.start()

    def follow_changes(self) -> int:
        """Bring this host's keyword and vector indexes up to the store (no model runs),
        skipping an index nothing changed for (a look costs two indexed queries) or one
        another process of this host is writing; returns how many papers were written."""
        done = self.text_index.follow() if self.text_index is not None else 0
        return done + (self.indexer.follow() if self.indexer is not None else 0)

    def sync_vector_index(self) -> int:
        """Take the vectors stored since this host's vector index file last synced."""
        return 0 if self.indexer is None else self.indexer.sync_index()

    def warm_search(self) -> None:
        """Load the embedding model and open the indexes now rather than on first use."""
        if self.semantic is not None:
            self.semantic.embedder.embed_query("warm up")
            len(self.semantic.index)
        if self.text_index is not None:
            try:
                with read_transaction(self.engine) as connection:
                    self.text_index.ready(connection)
            except StoreError as error:  # e.g. not migrated yet: pages will say so
                log.info("keyword index not opened at start: %s", error)

    def _wake_background(self) -> None:
        if self._background is not None:
            self._background.wake()

    def sync_text_index(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Index papers changed since the keyword index's last sync; returns how many."""
        return 0 if self.text_index is None else self.text_index.sync(on_progress=on_progress)

    def prune_change_log(self) -> int:
        """Forget the change feed's rows past its retention (a week); returns how many."""
        with write_transaction(self.engine) as connection:
            return changes.prune(connection)

    def stop_index_follower(self) -> None:
        if self._background is not None:
            self._background.stop()
            self._background = None

    def rebuild_keyword_index(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the keyword indexes (the database's full text, and tantivy's) from the
        papers table; returns the papers indexed."""
        with write_transaction(self.engine) as connection:
            count = fulltext.rebuild(connection)
        if self.text_index is not None:
            self.text_index.sync(fresh=True, on_progress=on_progress)
        return count

    # -- searching ----------------------------------------------------------------

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

    def concepts_of(self, paper_ids: list[int]) -> dict[int, list[str]]:
        """The stored key concepts of several papers (those embedded), in one statement."""
        if self.semantic is None or not paper_ids:
            return {}
        with read_transaction(self.engine) as connection:
            return stored_concepts(connection, self.semantic.model, paper_ids)

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
