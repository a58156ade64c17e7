"""Hybrid search on a small known corpus, with the fake embedder, on both backends."""

from datetime import date

import pytest

from factories import CORPUS, load, paper, upvote_papers, write_jsonl
from paperwire.models import MatchKind, SearchOptions, Sort


@pytest.fixture
def corpus(core, tmp_path):
    return load(core, tmp_path)


def ids(results):
    return [hit.paper.arxiv_id for hit in results.hits]


def test_keyword_hits_come_first_and_semantic_hits_follow_marked(corpus):
    results = corpus.search_papers("task heads calibration")
    assert results.semantic
    kinds = {hit.paper.arxiv_id: hit.match for hit in results.hits}
    assert kinds["2401.00001"] in (MatchKind.BOTH, MatchKind.KEYWORD)
    # Three words: a keyword match needs two. "separate output heads" has one of them.
    assert kinds["2401.00002"] is MatchKind.SEMANTIC
    assert ids(results)[0] in ("2401.00001", "2401.00005")
    assert results.total == len(results.hits)


def test_semantic_off_is_keyword_only(corpus):
    results = corpus.search_papers("task heads calibration", options=SearchOptions(semantic=False))
    assert {hit.match for hit in results.hits} == {MatchKind.KEYWORD}
    assert "2401.00002" not in ids(results)


def test_semantic_only(corpus):
    results = corpus.search_papers("task heads encoder", options=SearchOptions(keyword=False))
    assert {hit.match for hit in results.hits} == {MatchKind.SEMANTIC}
    assert "2401.00002" in ids(results)
    assert results.total == len(results.hits)


def test_filters_apply_to_semantic_hits_too(corpus):
    only_cv = corpus.search_papers("task heads encoder", options=SearchOptions(category="cs.CV"))
    assert ids(only_cv) == ["2401.00002"]
    dated = corpus.search_papers("task heads encoder after:2024-02 before:2024-03")
    assert ids(dated) == ["2401.00002"]
    window = SearchOptions(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))
    assert ids(corpus.search_papers("heads", options=window)) == ["2401.00001"]


def test_author_filter_and_exclusion(corpus):
    assert set(ids(corpus.search_papers("black hole entropy author:vafa"))) == {"2401.00003"}
    results = corpus.search_papers("task heads encoder -vision")
    assert "2401.00001" not in ids(results)
    assert "2401.00002" not in ids(results)


def test_sorts(corpus):
    newest = corpus.search_papers("task heads encoder", options=SearchOptions(sort=Sort.NEWEST))
    days = [hit.paper.announced_on for hit in newest.hits]
    assert days == sorted(days, reverse=True)
    assert "2401.00002" in ids(newest)  # semantic-only hits are sorted in too


def test_upvote_sort(corpus):
    # Relevance puts 2401.00001 first; upvotes must reorder the hits.
    upvote_papers(corpus, {"2401.00001": 1, "2401.00002": 3, "2401.00005": 2})
    results = corpus.search_papers("heads", options=SearchOptions(sort=Sort.UPVOTES))
    assert ids(results)[:3] == ["2401.00002", "2401.00005", "2401.00001"]
    assert [hit.paper.upvotes for hit in results.hits[:3]] == [3, 2, 1]
    keys = [(-hit.paper.upvotes, -hit.paper.announced_on.toordinal()) for hit in results.hits]
    assert keys == sorted(keys)  # ties: newest first


def test_upvote_sort_of_a_filter_only_query(corpus):
    assert ids(corpus.search_papers("cat:hep-th")) == ["2401.00006", "2401.00003"]  # newest
    upvote_papers(corpus, {"2401.00003": 1})
    ranked = corpus.search_papers("cat:hep-th", options=SearchOptions(sort=Sort.UPVOTES))
    assert ids(ranked) == ["2401.00003", "2401.00006"]


def test_filter_only_query_lists_newest(corpus):
    results = corpus.search_papers("cat:hep-th")
    assert ids(results) == ["2401.00006", "2401.00003"]
    assert results.hits[0].match is MatchKind.FILTER


def test_hits_carry_concepts(corpus):
    hit = corpus.search_papers("task-specific heads").hits[0]
    assert 3 <= len(hit.concepts) <= 8


def test_zero_results_suggest_a_spelling(corpus):
    results = corpus.search_papers("qubitz surfase")
    assert results.total == 0
    assert results.suggestion == "qubits surface"


def test_similar_papers_exclude_itself_and_exact_duplicates(corpus):
    similar = [item.paper.arxiv_id for item in corpus.similar_papers("2401.00003")]
    assert "2401.00003" not in similar
    assert similar[0] == "2401.00006"  # same abstract, another title: nearest, not a twin


def test_exact_duplicate_text_is_left_out(core, tmp_path):
    twin = paper("2401.00007", CORPUS[2]["title"], CORPUS[2]["abstract"], cats="hep-th")
    load(core, tmp_path, [*CORPUS, twin])
    similar = [item.paper.arxiv_id for item in core.similar_papers("2401.00003")]
    assert "2401.00007" not in similar
    assert "2401.00003" not in similar


def test_embedding_is_incremental_and_resumable(core, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", CORPUS)
    core.import_snapshot([path])
    assert core.pending_embeddings() == len(CORPUS)
    first = core.embed_pending(limit=2)  # as if it crashed after two papers
    assert (first.embedded, core.pending_embeddings()) == (2, len(CORPUS) - 2)
    rest = core.embed_pending()
    assert rest.embedded == len(CORPUS) - 2
    assert core.embed_pending().embedded == 0  # nothing embedded twice
    core.import_snapshot([path])
    assert core.pending_embeddings() == 0


def test_newest_papers_are_embedded_first(core, tmp_path):
    core.import_snapshot([write_jsonl(tmp_path / "a.jsonl", CORPUS)])
    assert core.embed_pending(limit=2).embedded == 2  # as if it crashed after two papers
    by_day = sorted(CORPUS, key=lambda record: record["update_date"], reverse=True)
    embedded = [r["id"] for r in by_day if core.paper_concepts(r["id"])]
    assert embedded == [r["id"] for r in by_day[:2]] == ["2401.00004", "2401.00005"]
    core.indexer.batch_size = 2  # the rest in batches of two, each after the last
    assert core.embed_pending().embedded == len(CORPUS) - 2
    assert all(core.paper_concepts(r["id"]) for r in CORPUS)


def test_changed_metadata_reuses_vectors_and_changed_text_reembeds(core, tmp_path):
    load(core, tmp_path)
    v2 = {"version": "v2", "created": "Wed, 6 Mar 2024 10:00:00 GMT"}
    comment_only = {**CORPUS[0], "comments": "10 pages", "versions": [*CORPUS[0]["versions"], v2]}
    new_text = {**CORPUS[1], "abstract": "Completely new text about tokamak plasma.",
                "versions": [*CORPUS[1]["versions"], v2]}
    core.import_snapshot([write_jsonl(tmp_path / "b.jsonl", [comment_only, new_text])])
    report = core.embed_pending()
    assert (report.embedded, report.reused) == (1, 1)
    assert ids(core.search_papers("tokamak plasma"))[0] == "2401.00002"


def test_restart_uses_the_persisted_index(core, tmp_path):
    load(core, tmp_path)
    again = type(core)(core.settings)  # a new process on the same store and data folder
    try:
        assert len(again.semantic.index) == len(CORPUS)
        assert "2401.00002" in ids(again.search_papers("task heads encoder"))
    finally:
        again.engine.dispose()


def test_reindex_rebuilds_from_stored_vectors(core, tmp_path):
    load(core, tmp_path)
    core.semantic.index.path.unlink()
    assert core.rebuild_vector_index() == len(CORPUS)
    report = core.reindex_embeddings(rerun_model=True)
    assert report.embedded == len(CORPUS)


def test_a_concept_chip_finds_papers_carrying_it_first(corpus):
    # A chip links to a search for the concept: its carriers come first, whatever the
    # embedder's numerics make of the neighbours.
    checked = 0
    for record in CORPUS:
        for concept in corpus.paper_concepts(record["id"]):
            if " " not in concept:
                continue
            top = corpus.search_papers(concept, limit=5).hits[0]
            assert concept.lower() in {c.lower() for c in top.concepts}, concept
            checked += 1
    assert checked >= 3


def test_a_batch_amid_a_backlog_leaves_the_index_sync_to_the_last_batch(
    core, tmp_path, monkeypatch
):
    from paperwire.search import service

    monkeypatch.setattr(service, "INDEX_SYNC_EVERY_S", 3600.0)  # however slow the machine
    core.import_snapshot([write_jsonl(tmp_path / "a.jsonl", CORPUS)])
    assert core.embed_pending(limit=2).indexed == 2  # the first sync ever: at once
    middle = core.embed_pending(limit=2)  # more wait unclaimed, and the index is fresh
    assert (middle.embedded, middle.indexed) == (2, 0)
    assert len(core.semantic.index) == 2
    last = core.embed_pending(limit=len(CORPUS))  # nothing left behind it: it syncs
    assert last.indexed == len(CORPUS) - 2  # the middle batch's vectors too
    assert len(core.semantic.index) == len(CORPUS)
    monkeypatch.setattr(service, "INDEX_SYNC_EVERY_S", 0.0)  # a stale index: any batch syncs
    core.import_snapshot([write_jsonl(tmp_path / "b.jsonl", [
        {**CORPUS[0], "id": f"2402.0000{n}"} for n in range(1, 4)
    ])])
    assert core.embed_pending(limit=1).indexed == 1
