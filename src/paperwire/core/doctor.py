"""``paperwire doctor``: the secret key, the store, its schema and its indexes."""

from __future__ import annotations

from dataclasses import dataclass

from paperwire.core.search import SearchCore
from paperwire.db import health, migrate
from paperwire.db.session import read_transaction
from paperwire.search.text_index import INLINE_SYNC_MAX, KeptTextIndex
from paperwire.settings import SECRET_REFUSAL


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``paperwire doctor``."""

    name: str
    ok: bool
    detail: str


class DoctorCore(SearchCore):
    def doctor(self) -> list[Check]:
        """Check the secret key and the store: reachable, migrated, tables present,
        keyword index in step."""
        checks = [self._check_secret()]
        problem = health.can_connect(self.engine)
        if problem is not None:
            return [*checks, Check("store reachable", False, problem)]
        checks.append(Check("store reachable", True, health.store_url(self.engine)))
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
        names = health.table_names(self.engine)
        missing = {"papers", "paper_versions", "paper_categories"} - names
        checks.append(
            Check("tables present", not missing, ", ".join(sorted(missing)) or "all present")
        )
        checks.append(self._check_keyword_index())
        if self.text_index is not None:
            checks.append(self._check_text_index(self.text_index))
        checks.append(self._check_embeddings())
        checks.append(self._check_reranker())
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

    def _check_reranker(self) -> Check:
        kind = self.settings.rerank
        if kind == "none":
            return Check("reranker", True, "off (PAPERWIRE_RERANK=none)")
        stage = self.rerank_stage
        if stage is None:
            return Check("reranker", False, f"{kind} needs the model: semantic search is off")
        ok, detail = stage.probe()
        return Check("reranker", ok, detail)

    def _check_keyword_index(self) -> Check:
        coverage = health.fulltext_coverage_of(self.engine)
        if coverage is None:
            return Check("keyword index", True, "PostgreSQL generated tsvector column")
        papers, indexed = coverage
        ok = papers == indexed
        detail = f"{indexed:,} of {papers:,} papers indexed"
        return Check("keyword index", ok, detail if ok else detail + ": run `paperwire reindex`")

    def _check_text_index(self, text: KeptTextIndex) -> Check:
        with read_transaction(self.engine) as connection:
            behind = text.behind(connection)
        detail = f"tantivy in {text.path}, {behind:,} papers behind the store"
        if behind > INLINE_SYNC_MAX:
            return Check("keyword index (tantivy)", False, detail + ": run `paperwire reindex`")
        return Check("keyword index (tantivy)", True, detail)

