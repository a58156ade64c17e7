"""The tantivy keyword index: same answers as the database's full text, kept in step with
the store incrementally, rebuilt when its files are lost, and never trusted when behind."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import update

from conftest import make_settings
from factories import CORPUS, load, paper, write_jsonl
from paperwire.core import Paperwire
from paperwire.db.session import read_transaction, write_transaction
from paperwire.db.tables import papers
from paperwire.models import SearchOptions, Sort
from paperwire.search import text_index
from paperwire.search.keyword import keyword_search
from paperwire.search.query import parse_query

QUERIES = [
    "heads", "task heads", "black holes", '"string theory"', "entropy -duplicate",
    "quantum cat:quant-ph", "heads after:2024-02", "author:vafa entropy",
    'author:"ada l" heads', "encoder before:2024-03", "cat:hep-th", "author:strominger",
    "nothing-matches-this", "graphs",
]


def keyword_only(core: Paperwire, query: str, sort: Sort = Sort.RELEVANCE) -> list[str]:
    options = SearchOptions(semantic=False, sort=sort)
    return [hit.paper.arxiv_id for hit in core.search_papers(query, options=options).hits]


@pytest.fixture
def corpus(core, tmp_path):
    return load(core, tmp_path)


@pytest.mark.parametrize("query", QUERIES)
def test_the_index_finds_what_the_database_finds(corpus, query):
    with read_transaction(corpus.engine) as connection:
        index = corpus.text_index.ready(connection)
        assert index is not None
        parsed = parse_query(query)
        if not parsed.has_text:
            by_index = set(index.search(parsed, limit=50, sort=Sort.NEWEST).ranked)
            assert {pid for pid, _ in by_index} == _filtered(corpus, query)
            return
        mine = index.search(parsed, limit=50)
        theirs = keyword_search(connection, parsed, limit=50)
    assert mine.total == theirs.total
    assert {pid for pid, _ in mine.ranked} == {pid for pid, _ in theirs.ranked}


def _filtered(core: Paperwire, query: str) -> set[int]:
    database = Paperwire(core.settings.model_copy(update={"keyword_engine": "database"}),
                         engine=core.engine)
    return {hit.paper.id for hit in database.search_papers(query, limit=50).hits}


def test_title_words_rank_first_and_newest_sorts_by_listing_day(corpus):
    assert keyword_only(corpus, "heads")[0] == "2401.00001"  # "heads" in its title
    newest = keyword_only(corpus, "heads", Sort.NEWEST)
    assert newest == ["2401.00005", "2401.00002", "2401.00001"]


def test_a_changed_paper_is_found_by_its_new_words_only(corpus, tmp_path):
    assert keyword_only(corpus, "surface codes") == ["2401.00004"]
    changed = paper("2401.00004", "Lattice surgery for fault tolerance",
                    "Logical qubits meet lattice surgery.", cats="quant-ph",
                    day="2024-06-01", versions=[{"version": "v2",
                                                 "created": "Wed, 5 Jun 2024 10:00:00 GMT"}])
    corpus.import_snapshot([write_jsonl(tmp_path / "v2.jsonl", [changed])])
    assert keyword_only(corpus, "lattice surgery") == ["2401.00004"]
    assert keyword_only(corpus, "surface codes") == []


def test_an_index_behind_by_many_papers_answers_from_the_database(corpus, monkeypatch):
    woken = []
    corpus.text_index.on_behind = lambda: woken.append(True)
    with write_transaction(corpus.engine) as connection:  # a change no sync has seen
        connection.execute(
            update(papers).where(papers.c.arxiv_id == "2401.00003")
            .values(title_text="Stringy microstates", modified_at=_later())
        )
    monkeypatch.setattr(text_index, "INLINE_SYNC_MAX", 0)
    with read_transaction(corpus.engine) as connection:
        assert corpus.text_index.ready(connection) is None
    assert woken
    # The database's full text still answers (its own index was not changed by the raw
    # UPDATE, so the paper is found by its indexed words).
    assert "2401.00003" in keyword_only(corpus, "black hole entropy")
    corpus.sync_text_index()
    with read_transaction(corpus.engine) as connection:
        assert corpus.text_index.ready(connection) is not None
    assert keyword_only(corpus, "stringy") == ["2401.00003"]


def _later():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(seconds=5)


def test_a_lost_or_damaged_index_is_rebuilt_from_the_store(corpus):
    path = corpus.settings.text_index_dir
    shutil.rmtree(path)
    assert set(keyword_only(corpus, "black holes")) == {"2401.00003", "2401.00006"}
    (path / "paperwire.json").write_text("{not json")
    assert set(keyword_only(corpus, "black holes")) == {"2401.00003", "2401.00006"}
    meta = json.loads((path / "paperwire.json").read_text())
    assert meta["count"] == len(CORPUS)


def test_an_index_of_an_older_layout_is_replaced_not_reused(corpus):
    path = corpus.settings.text_index_dir
    corpus.sync_text_index()
    meta = json.loads((path / "paperwire.json").read_text())
    (path / "paperwire.json").write_text(json.dumps({**meta, "version": 0}))
    (path / "left-behind.bin").write_bytes(b"old")
    assert set(keyword_only(corpus, "black holes")) == {"2401.00003", "2401.00006"}
    assert not (path / "left-behind.bin").exists()
    assert json.loads((path / "paperwire.json").read_text())["version"] == text_index.SCHEMA_VERSION


def test_an_index_that_cannot_be_written_leaves_search_to_the_database(corpus, monkeypatch):
    def fail(*_args, **_kwargs):
        raise OSError("No space left on device")

    shutil.rmtree(corpus.settings.text_index_dir)
    monkeypatch.setattr(text_index, "sync", fail)
    assert keyword_only(corpus, "surface codes") == ["2401.00004"]
    with read_transaction(corpus.engine) as connection:
        assert corpus.text_index.ready(connection) is None


def test_a_restarted_process_reads_the_index_without_indexing_again(corpus, tmp_path):
    corpus.sync_text_index()
    again = Paperwire(corpus.settings.model_copy(), engine=corpus.engine)
    with read_transaction(again.engine) as connection:
        assert again.text_index.behind(connection) == 0
        assert again.text_index.reader.is_current(connection)
    assert keyword_only(again, "surface codes") == ["2401.00004"]


def test_rebuild_writes_every_paper(corpus):
    assert corpus.rebuild_keyword_index() == len(CORPUS)
    meta = json.loads((corpus.settings.text_index_dir / "paperwire.json").read_text())
    assert meta["count"] == len(CORPUS)


def test_one_writer_at_a_time(tmp_path):
    path = tmp_path / "text-index"
    with text_index.writer_lock(path) as first:
        assert first
        with text_index.writer_lock(path, wait=False) as second:
            assert not second


def test_the_database_engine_is_a_setting(tmp_path):
    core = Paperwire(make_settings(tmp_path / "data", keyword_engine="database"))
    core.migrate()
    load(core, tmp_path)
    assert core.text_index is None
    assert not core.settings.text_index_dir.exists()
    assert keyword_only(core, "surface codes") == ["2401.00004"]
    core.close()


def test_the_sample_slice_answers_alike(sample_slice, tmp_path):
    core = Paperwire(make_settings(tmp_path / "data", embedder="none"))
    core.migrate()
    core.import_snapshot([sample_slice])
    with read_transaction(core.engine) as connection:
        index = core.text_index.ready(connection)
        assert index is not None
        for query in ["learning", "neural network", "graph", '"large language models"',
                      "diffusion -image", "transformer cat:cs.cl", "segmentation after:2023"]:
            parsed = parse_query(query)
            mine, theirs = index.search(parsed, limit=10), keyword_search(
                connection, parsed, limit=10)
            # Porter (SQLite) and Porter2 (tantivy) stem a few words apart: near, not equal.
            assert abs(mine.total - theirs.total) <= max(2, theirs.total // 50), query
            assert theirs.total == 0 or mine.total > 0
    core.close()


RANKING = [
    paper("2402.00001", "Long questions in plain words",
          "Retrieval of scientific papers for questions asked in everyday language.",
          day="2024-02-01"),
    paper("2402.00002", "Multi-task vision",
          "A shared backbone with task-specific heads for detection and segmentation.",
          day="2024-02-02"),
    paper("2402.00003", "Pruning heads for a task",
          "We prune attention heads: the heads that matter depend on the task and on "
          "specific layers.", day="2024-02-03"),
    paper("2402.00004", "Segmentation without labels", "Unsupervised segmentation of scenes.",
          day="2024-02-04"),
]


@pytest.fixture
def ranked(core, tmp_path):
    return load(core, tmp_path, RANKING)


@pytest.mark.parametrize("engine", ["tantivy", "database"])
def test_a_long_query_needs_most_of_its_words_not_all(ranked, engine):
    # Five content words: a paper with three of them is a keyword match, one with a
    # single word is not, and the total counts what matched (both engines alike).
    if engine == "database":
        ranked = Paperwire(ranked.settings.model_copy(update={"keyword_engine": "database"}),
                           engine=ranked.engine)
    results = ranked.search_papers(
        "retrieval of papers for questions in plain spoken words",
        options=SearchOptions(semantic=False),
    )
    assert [hit.paper.arxiv_id for hit in results.hits] == ["2402.00001"]
    assert results.total == 1
    two_words = ranked.search_papers("segmentation backbone", options=SearchOptions(semantic=False))
    assert [hit.paper.arxiv_id for hit in two_words.hits] == ["2402.00002"]  # needs both


@pytest.mark.parametrize("engine", ["tantivy", "database"])
def test_words_together_outrank_the_same_words_apart(ranked, engine):
    core = ranked if engine == "tantivy" else Paperwire(
        ranked.settings.model_copy(update={"keyword_engine": "database"}), engine=ranked.engine
    )
    found = keyword_only(core, "task specific heads")  # three words: two must match
    assert {"2402.00002", "2402.00003"} <= set(found)
    if engine == "tantivy":  # proximity is the tantivy index's evidence
        # Together in the abstract beats apart, even in the (more heavily weighted) title.
        assert found[0] == "2402.00002"


def test_concepts_written_after_indexing_reach_the_index(core, tmp_path):
    core.import_snapshot([write_jsonl(tmp_path / "c.jsonl", RANKING)])  # indexed, not embedded
    title_words = {word for record in RANKING for word in parse_query(record["title"]).terms}
    assert all(_carriers(core, word) == set() for word in title_words)  # no concepts yet
    core.embed_pending()  # writes concepts; the keyword index takes them in
    for record in RANKING:
        assert core.paper_concepts(record["id"])
        for concept in core.paper_concepts(record["id"]):
            assert _paper_id(core, record["id"]) in _carriers(core, concept)


def _searcher(core: Paperwire):
    with read_transaction(core.engine) as connection:
        index = core.text_index.ready(connection)
    assert index is not None
    return index._searcher()


def _carriers(core: Paperwire, concept: str) -> set[int]:
    import tantivy

    tokens = text_index.STEMMED.analyze(concept)
    query = (tantivy.Query.term_query(text_index.SCHEMA, "concepts", tokens[0]) if len(tokens) == 1
             else tantivy.Query.phrase_query(text_index.SCHEMA, "concepts", tokens))
    searcher = _searcher(core)
    hits = searcher.search(query, 100).hits
    return set(searcher.fast_field_values("id", [address for _, address in hits]))


def _paper_id(core: Paperwire, arxiv_id: str) -> int:
    return core.get_paper(arxiv_id).id
