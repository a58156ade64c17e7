"""One-line summaries: the jobs that make them and the reads that show them."""

from __future__ import annotations

from functools import cached_property

from paperwire.core.search import SearchCore
from paperwire.db import summaries as store
from paperwire.db.locks import SUMMARIES_LOCK, JobLock
from paperwire.db.session import read_transaction
from paperwire.models import Paper
from paperwire.summaries.extractive import ExtractiveSummarizer
from paperwire.summaries.jobs import Progress, SummaryReport, run_abstractive, run_extractive
from paperwire.summaries.llm import EndpointConfig, SummaryClient
from paperwire.summaries.pick import Summary, attach, shown


class SummariesCore(SearchCore):
    @cached_property
    def summary_client(self) -> SummaryClient | None:
        """The abstractive endpoint's client, or None when none is configured."""
        settings = self.settings
        if not (settings.summary_url and settings.summary_model):
            return None
        key = settings.summary_api_key
        return SummaryClient(EndpointConfig(
            url=settings.summary_url, model=settings.summary_model,
            api_key=key.get_secret_value() if key else None, language=settings.summary_language,
            requests_per_minute=settings.summary_requests_per_minute,
            timeout_s=settings.summary_timeout_s,
        ))

    def close(self) -> None:
        client = self.__dict__.get("summary_client")
        if client is not None:
            client.close()
        super().close()

    def build_summaries(
        self, *, limit: int | None = None, abstractive: bool = True,
        on_progress: Progress | None = None,
        on_abstractive_progress: Progress | None = None,
    ) -> SummaryReport:
        """Make the pending summaries (``limit`` of each kind at most): extractive ones of
        embedded papers, then, with an endpoint configured, abstractive ones. Resumable;
        one job at a time per store (the ``summaries`` lock)."""
        report = SummaryReport()
        with JobLock(self.engine, SUMMARIES_LOCK):
            if self.semantic is not None:
                run_extractive(
                    self.engine, ExtractiveSummarizer(self.semantic.embedder),
                    self.semantic.model, batch_size=self.settings.embed_batch_size,
                    limit=limit, report=report, on_progress=on_progress,
                )
            if abstractive and self.summary_client is not None:
                run_abstractive(self.engine, self.summary_client, limit=limit, report=report,
                                on_progress=on_abstractive_progress)
        return report

    def pending_summaries(self) -> dict[str, int]:
        """Papers waiting for each kind of summary."""
        pending = {}
        with read_transaction(self.engine) as connection:
            if self.semantic is not None:
                pending[store.EXTRACTIVE] = store.count_pending(
                    connection, store.EXTRACTIVE, self.semantic.model)
            if self.summary_client is not None:
                pending[store.ABSTRACTIVE] = store.count_pending(
                    connection, store.ABSTRACTIVE, self.summary_client.config.model)
        return pending

    def summaries_of(self, paper_ids: list[int]) -> dict[int, Summary]:
        """The summary each of several papers shows (those that have one): one statement."""
        if not paper_ids:
            return {}
        with read_transaction(self.engine) as connection:
            return shown(connection, paper_ids)

    def with_summaries(self, papers: list[Paper]) -> list[Paper]:
        """``papers``, each with its ``ai_summary`` set (a list's cards, feeds): one
        statement."""
        if papers:
            with read_transaction(self.engine) as connection:
                attach(connection, papers)
        return papers
