"""The baselines bench/relevance.py measures paperwire against, over one store's papers.

- BM25 alone: tantivy's BM25 (k1 1.2, b 0.75) over title + abstract as one field,
  English stemming, an OR query over the query's words. Built once from the store's
  papers into ``<store>/baselines/bm25`` and reused while the paper count is the same.
- MiniLM alone: exact cosine over paperwire's own stored vectors (the usearch index
  of all-MiniLM-L6-v2, int8 ONNX, inputs truncated at 128 tokens), query embedded
  by the same model.
- Plain RRF: reciprocal-rank fusion of the two, k = 60, top 1,000 of each.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import tantivy

DEPTH = 1000  # candidates taken from each side, for RRF too
RRF_K = 60
_WORD = re.compile(r"[^\W_]+")
Ranking = list[str]  # arXiv ids, best first


def stored_papers(core: Any) -> Iterator[tuple[int, str, str, str]]:
    """(paper id, arXiv id, title, abstract) of every stored paper."""
    from paperwire.db.dump import stream_rows
    from paperwire.db.session import read_transaction
    from paperwire.db.tables import papers

    with read_transaction(core.engine) as connection:
        for chunk in stream_rows(connection, papers):
            for row in chunk:
                yield row.id, row.arxiv_id, row.title, row.abstract or ""


class Bm25:
    """BM25 over title + abstract, in a tantivy index of its own under the store."""

    def __init__(self, core: Any, directory: Path) -> None:
        self.directory = directory
        schema = tantivy.SchemaBuilder()
        schema.add_text_field("arxiv_id", stored=True, tokenizer_name="raw")
        schema.add_text_field("text", tokenizer_name="en_stem", index_option="freq")
        self.schema = schema.build()
        count = core.stats().papers
        marker = directory / "built.json"
        if not (marker.exists() and json.loads(marker.read_text())["papers"] == count):
            self._build(core, count, marker)
        self.index = tantivy.Index(self.schema, path=str(directory))
        self.searcher = self.index.searcher()

    def _build(self, core: Any, count: int, marker: Path) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        index = tantivy.Index(self.schema, path=str(self.directory))
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        for _pid, arxiv_id, title, abstract in stored_papers(core):
            writer.add_document(tantivy.Document(arxiv_id=arxiv_id, text=f"{title}\n{abstract}"))
        writer.commit()
        writer.wait_merging_threads()
        marker.write_text(json.dumps({"papers": count}))

    def rank(self, query: str, depth: int = DEPTH) -> Ranking:
        words = _WORD.findall(query.lower())
        if not words:
            return []
        parsed = self.index.parse_query(" ".join(words), ["text"])  # words OR'ed
        hits = self.searcher.search(parsed, depth).hits
        return [self.searcher.doc(address)["arxiv_id"][0] for _score, address in hits]


class MiniLm:
    """Exact cosine over the store's vectors, with paperwire's embedder for the query."""

    def __init__(self, core: Any) -> None:
        self.semantic = core.semantic
        self.arxiv_ids = {pid: arxiv_id for pid, arxiv_id, _t, _a in stored_papers(core)}

    def rank(self, query: str, depth: int = DEPTH) -> Ranking:
        vector = self.semantic.embedder.embed_query(query)
        found = self.semantic.index.search(vector, depth, exact=True)
        return [self.arxiv_ids[pid] for pid, _sim in found if pid in self.arxiv_ids]


def minilm_description(core: Any) -> str:
    embedder = core.semantic.embedder
    return (f"MiniLM alone = exact cosine over paperwire's stored vectors ({embedder.model_name},"
            f" papers embedded at {getattr(embedder, 'max_tokens', '?')} tokens)")


def rrf(*rankings: Ranking, k: int = RRF_K, weights: Sequence[float] | None = None) -> Ranking:
    """Reciprocal rank fusion; ``weights`` (one per ranking, default 1) scale each list."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, arxiv_id in enumerate(ranking, start=1):
            scores[arxiv_id] = scores.get(arxiv_id, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda i: -scores[i])


def systems(core: Any, store: Path) -> dict[str, Callable[[str], Ranking]]:
    """name -> ranking function, paperwire as shipped first."""
    bm25, minilm = Bm25(core, store / "baselines" / "bm25"), MiniLm(core)

    def paperwire(query: str) -> Ranking:
        return [hit.paper.arxiv_id for hit in core.search_papers(query, limit=100).hits]

    def plain_rrf(query: str) -> Ranking:
        return rrf(bm25.rank(query), minilm.rank(query))

    return {"paperwire": paperwire, "bm25": bm25.rank, "minilm": minilm.rank,
            "rrf": plain_rrf}
