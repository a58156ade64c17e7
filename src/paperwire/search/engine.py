"""The one search engine behind the search page, ``/api/papers/search`` and the CLI.

A query with words runs two retrievers: keyword (every word must match, BM25)
and semantic (nearest papers by embedding, above the model's noise floor, that
satisfy the filters, exclusions and quoted phrases). Their rankings are fused
(``fusion``) for relevance order, or merged by date / upvotes for the other sorts.
A configured reranker (``rerank``) may then reorder the head of the relevance order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from paperwire.db import search as search_store
from paperwire.db.embeddings import stored_concepts
from paperwire.db.queries import papers_and_concepts
from paperwire.db.session import Connection
from paperwire.models import MatchKind, SearchHit, SearchResults, Sort
from paperwire.search import expansion, suggest
from paperwire.search.analysis import QueryAnalysis, analyse
from paperwire.search.fusion import fuse, with_extra
from paperwire.search.highlight import highlight_pattern, matched_words
from paperwire.search.keyword import KeywordMatches, has_enough_words, keyword_search
from paperwire.search.query import ParsedQuery
from paperwire.search.rerank import RerankStage
from paperwire.search.semantic import SemanticSearcher
from paperwire.search.text_index import KeptTextIndex, TextIndex

# Candidates each side hands to fusion: deep enough that a paper one side ranks 300th
# and the other 20th can still come out on top (bench/relevance.py, docs/benchmarks.md).
POOL = 300  # semantic candidates fused into one query's ranking
KEYWORD_DEPTH = 300  # keyword matches fused (at least; more for deep pages)
CONSTRAINED_POOL = 2_000  # fetched when filters thin out the nearest papers
# Pseudo-relevance feedback: the semantic side searches again from the query's vector
# moved towards the best fused results' (Rocchio); measured in docs/benchmarks.md.
PRF_DOCS = 5
PRF_BETA = 0.35  # fit on every other judged query, checked on the rest (docs/benchmarks.md)
PRF_FIRST = 100  # depth of each list in the first fusion, which picks those papers


@dataclass(slots=True)
class SearchServices:
    """What the engine needs beyond the store; built once per core."""

    semantic: SemanticSearcher | None = None
    vocabulary: suggest.Vocabulary = field(default_factory=suggest.Vocabulary)
    fusion: str = "rrf"
    keyword: bool = True  # False: semantic matches only
    text: KeptTextIndex | None = None  # tantivy; None: the database's full text
    rerank: RerankStage | None = None  # second stage over the fused list's head


@dataclass(frozen=True, slots=True)
class Ranking:
    ids: list[tuple[int, float]]  # the page: (paper id, score)
    total: int
    keyword_total: int
    kinds: dict[int, MatchKind]


def search(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int = 0,
    sort: Sort = Sort.RELEVANCE, services: SearchServices | None = None,
) -> SearchResults:
    """The page of results, each hit with why it matched and its highlights (marked by
    one ``Highlighter`` for the query), and the parsed query itself."""
    results = _search(
        connection, query, limit=limit, offset=offset, sort=sort,
        services=services or SearchServices(),
    )
    results.parsed = query
    return results


def _search(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int,
    sort: Sort, services: SearchServices,
) -> SearchResults:
    semantic = services.semantic
    base = {"limit": limit, "offset": offset, "sort": sort, "problems": query.problems}
    if query.arxiv_id:
        return SearchResults(query.raw, [], 0, jump_to=query.arxiv_id, **base)
    if query.is_empty:
        return SearchResults(query.raw, [], 0, **base)
    text = services.text.ready(connection) if services.text is not None else None
    if not query.has_text:
        return _filter_only(connection, query, semantic=semantic, text=text, **base)
    reading = analyse(query)
    feedback = _feedback(query, semantic, text) if sort is Sort.RELEVANCE else None
    # With feedback the first list only picks the papers to move towards: a short one.
    depth = PRF_FIRST if feedback is not None and services.keyword else None
    nearest = _semantic_candidates(connection, query, semantic, text, depth)
    similarity: dict[int, float] | None = None
    if not services.keyword and semantic is not None:
        ranking = _semantic_only(nearest.above_floor(), limit, offset, sort, connection)
    elif sort is Sort.RELEVANCE:
        ranking = _by_relevance(
            connection, query, reading, nearest, limit, offset, services.fusion, text,
            feedback, services.rerank,
        )
        similarity = _cosines(query, semantic, ranking, nearest)
    else:
        nearest = nearest.above_floor()  # a date order shows only papers close in meaning
        ranking = _by_order(connection, query, nearest, limit, offset, sort, text)
    if similarity is None:
        similarity = dict(nearest.ranked)
    hits = _hits(connection, reading, ranking, similarity, semantic)
    results = SearchResults(
        query.raw, hits, ranking.total, semantic=semantic is not None, **base
    )
    if ranking.keyword_total == 0:
        results.suggestion = suggest.did_you_mean(connection, query, services.vocabulary)
    if ranking.total == 0 and semantic is not None:
        results.related_concepts = suggest.related_concepts(connection, query, semantic)
    return results


@dataclass(slots=True)
class Nearest:
    ranked: list[tuple[int, float]]  # (paper id, cosine), best first
    # Those that are keyword matches too (enough query words, by stem); None: not checked
    # yet (the keyword index checks only the candidates fusion needs it for).
    has_words: set[int] | None
    floor: float = 0.0  # the embedder's noise level

    def above_floor(self) -> Nearest:
        """Only papers above the noise level: what a date order shows."""
        ranked = [(pid, sim) for pid, sim in self.ranked if sim >= self.floor]
        kept = self.has_words & {pid for pid, _ in ranked} if self.has_words is not None else None
        return Nearest(ranked, kept, self.floor)

    def unless_noise(self) -> Nearest:
        """Nothing when even the nearest paper is below the noise level (a nonsense query
        whose words match nothing either finds nothing); else every candidate, since
        relevance fusion ranks the far ones low anyway and a cut would drop some that
        matter (a question's cosines run lower than a topic's)."""
        if self.ranked and max(sim for _, sim in self.ranked) >= self.floor:
            return self
        return Nearest([], set(), self.floor)


def _semantic_candidates(
    connection: Connection, query: ParsedQuery, semantic: SemanticSearcher | None,
    text: TextIndex | None, depth: int | None = None,
) -> Nearest:
    """Nearest papers that exist and satisfy the query's filters, best first."""
    if semantic is None:
        return Nearest([], set())
    k = depth or (CONSTRAINED_POOL if query.has_constraints else POOL)
    found = semantic.nearest(query.text, k, floor=False)
    return _checked(connection, query, found, semantic.embedder.min_similarity, text)


def _checked(
    connection: Connection, query: ParsedQuery, found: list[tuple[int, float]],
    floor: float, text: TextIndex | None,
) -> Nearest:
    if not found:
        return Nearest([], set(), floor)
    if text is not None:
        return _checked_by_index(text, query, found, floor)
    texts = search_store.candidate_texts(connection, query, [pid for pid, _ in found])
    ranked = [(pid, sim) for pid, sim in found if pid in texts][:POOL]
    reading = analyse(query)
    has_words = {pid for pid, _ in ranked if has_enough_words(reading, texts[pid])}
    return Nearest(ranked, has_words, floor)


def _checked_by_index(
    text: TextIndex, query: ParsedQuery, found: list[tuple[int, float]], floor: float
) -> Nearest:
    """As the database check, by two small lookups in the keyword index."""
    ids = [pid for pid, _ in found]
    if query.has_constraints:
        allowed = text.matching(query, ids, words=False)
        found = [(pid, sim) for pid, sim in found if pid in allowed]
    return Nearest(found[:POOL], None, floor)


def _keyword_ids(
    keyword: KeywordMatches, nearest: Nearest, query: ParsedQuery, text: TextIndex | None
) -> set[int]:
    """Keyword matches among the keyword list and the semantic candidates. When the list
    holds every match it is exact; otherwise candidates beyond it are judged by their
    text (every word present, by stem), which saves scoring every match again."""
    listed = {pid for pid, _ in keyword.ranked}
    if keyword.total <= len(keyword.ranked):
        return listed
    if nearest.has_words is not None:
        return listed | nearest.has_words
    rest = [pid for pid, _ in nearest.ranked if pid not in listed]
    return listed | (text.matching(query, rest, words=True) if text is not None else set())


Feedback = Callable[[list[int], "Nearest"], "Nearest | None"]


def _feedback(
    query: ParsedQuery, semantic: SemanticSearcher | None, text: TextIndex | None
) -> Feedback | None:
    """Rocchio on the tantivy path without constraints (the common case: a query's
    filters would need every new candidate checked again; there it is skipped)."""
    if semantic is None or text is None or query.has_constraints or PRF_DOCS <= 0:
        return None

    def search_again(best: list[int], first: Nearest) -> Nearest | None:
        return Nearest(semantic.feedback(query.text, best, POOL, beta=PRF_BETA), None, first.floor)

    return search_again


def _cosines(
    query: ParsedQuery, semantic: SemanticSearcher | None, ranking: Ranking,
    first: Nearest,
) -> dict[int, float]:
    """Each page hit's cosine to the query (feedback ranked some by a moved vector)."""
    similarity = dict(first.ranked)
    missing = [
        pid for pid, _ in ranking.ids
        if pid not in similarity and ranking.kinds.get(pid) is not MatchKind.KEYWORD
    ]
    if missing and semantic is not None:
        similarity.update(semantic.cosines(query.text, missing))
    return similarity


def _by_relevance(
    connection: Connection, query: ParsedQuery, reading: QueryAnalysis, nearest: Nearest,
    limit: int, offset: int, fusion: str, text: TextIndex | None,
    feedback: Feedback | None, rerank: RerankStage | None = None,
) -> Ranking:
    depth = max(offset + limit, KEYWORD_DEPTH)
    keyword = keyword_search(connection, query, limit=depth, text=text)
    if keyword.total == 0:
        nearest = nearest.unless_noise()
    weights = reading.fusion_weights(nearest.ranked[0][1] if nearest.ranked else None)
    if feedback is not None and nearest.ranked:
        first = fuse(fusion, keyword.ranked[:PRF_FIRST], nearest.ranked, weights)
        again = feedback([pid for pid, _ in first[:PRF_DOCS]], nearest)
        if again is not None and again.ranked:
            nearest = again
    fused = fuse(fusion, keyword.ranked, nearest.ranked, weights)
    keyword_ids = _keyword_ids(keyword, nearest, query, text)
    near_ids = {pid for pid, _ in nearest.ranked}
    if fused and text is not None and feedback is not None and reading.kind in expansion.EXPANDED_KINDS:
        extra = _expanded(connection, query, fused, text)
        fused = with_extra(fused, extra, expansion.EXPANSION_WEIGHT)
        near_ids |= {pid for pid, _ in extra} - keyword_ids  # found by the feedback's words
    if rerank is not None and offset < rerank.depth:  # deeper pages: the same order anyway
        fused = rerank.apply(
            query.text, fused, lambda ids: search_store.titles_and_abstracts(connection, ids)
        )
    total = keyword.total + len(near_ids - keyword_ids)
    page = fused[offset : offset + limit]
    return Ranking(page, total, keyword.total, _kinds(keyword_ids, near_ids))


def _expanded(
    connection: Connection, query: ParsedQuery, fused: list[tuple[int, float]], text: TextIndex
) -> list[tuple[int, float]]:
    """RM3: the keyword ranking of the words that weigh most in the best results."""
    best = [pid for pid, _ in fused[: expansion.FEEDBACK_DOCS]]
    texts = search_store.candidate_texts(connection, query, best)
    terms = text.expansion_terms([texts[pid] for pid in best if pid in texts])
    return text.expanded(query, terms, limit=KEYWORD_DEPTH)


def _by_order(
    connection: Connection, query: ParsedQuery, nearest: Nearest,
    limit: int, offset: int, sort: Sort, text: TextIndex | None,
) -> Ranking:
    """Newest or most upvoted first over keyword matches plus semantic-only hits."""
    keyword = keyword_search(connection, query, limit=offset + limit, sort=sort, text=text)
    near_ids = [pid for pid, _ in nearest.ranked]
    matching = _keyword_ids(keyword, nearest, query, text)
    semantic_only = [pid for pid in near_ids if pid not in matching]
    candidates = [pid for pid, _ in keyword.ranked] + semantic_only
    ordered = search_store.ordered_ids(connection, candidates, sort)
    page = [(pid, 0.0) for pid in ordered][offset : offset + limit]
    kinds = _kinds({pid for pid, _ in keyword.ranked} | matching, set(near_ids))
    total = keyword.total + len(semantic_only)
    return Ranking(page, total, keyword.total, kinds)


def _semantic_only(
    nearest: Nearest, limit: int, offset: int, sort: Sort, connection: Connection
) -> Ranking:
    ranked = nearest.ranked
    if sort is not Sort.RELEVANCE and ranked:
        ordered = search_store.ordered_ids(connection, [pid for pid, _ in ranked], sort)
        ranked = [(pid, 0.0) for pid in ordered]
    kinds = {pid: MatchKind.SEMANTIC for pid, _ in ranked}
    return Ranking(ranked[offset : offset + limit], len(ranked), 0, kinds)


def _kinds(keyword_ids: set[int], semantic_ids: set[int]) -> dict[int, MatchKind]:
    kinds = dict.fromkeys(keyword_ids, MatchKind.KEYWORD)
    for pid in semantic_ids:
        kinds[pid] = MatchKind.BOTH if pid in keyword_ids else MatchKind.SEMANTIC
    return kinds


def _hits(
    connection: Connection, reading: QueryAnalysis, ranking: Ranking,
    similarity: dict[int, float], semantic: SemanticSearcher | None,
) -> list[SearchHit]:
    ids = [pid for pid, _ in ranking.ids]
    found, concepts = papers_and_concepts(connection, ids, semantic.model if semantic else None)
    pattern = highlight_pattern(reading.words)
    hits = []
    for paper_id, score in ranking.ids:
        paper = found.get(paper_id)
        if paper is None:
            continue
        terms = matched_words(pattern, paper.title, paper.abstract)
        kind = ranking.kinds.get(paper_id, MatchKind.KEYWORD)
        hits.append(SearchHit(
            paper, score, terms, kind, similarity.get(paper_id), concepts.get(paper_id, []),
            highlighter=pattern,
        ))
    return hits


def _filter_only(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int, sort: Sort,
    problems: list[str], semantic: SemanticSearcher | None, text: TextIndex | None,
) -> SearchResults:
    """``author:`` / ``cat:`` / dates without words: the matching papers, newest first
    (or most upvoted first)."""
    if text is not None and sort is not Sort.UPVOTES:
        matches = text.search(query, limit=limit, offset=offset, sort=Sort.NEWEST)
        by_id, concepts = papers_and_concepts(
            connection, [pid for pid, _ in matches.ranked], semantic.model if semantic else None
        )
        found = [by_id[pid] for pid, _ in matches.ranked if pid in by_id]
        total = matches.total
    else:
        found, total = search_store.filtered_papers(
            connection, query, limit=limit, offset=offset, sort=sort
        )
        concepts = (
            stored_concepts(connection, semantic.model, [p.id for p in found]) if semantic else {}
        )
    hits = [
        SearchHit(paper, 0.0, match=MatchKind.FILTER, concepts=concepts.get(paper.id, []))
        for paper in found
    ]
    return SearchResults(query.raw, hits, total, limit, offset, sort=sort, problems=problems)

