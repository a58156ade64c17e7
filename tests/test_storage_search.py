"""The search storage modules on their own (``db/search.py``, ``db/fulltext.py``,
``db/embeddings.py``, ``db/text_sync.py``): a real SQLite file and the real PostgreSQL,
an engine and a transaction, no search engine rules and no web.

Each test runs on both backends (``core`` is only used for its fresh, migrated store).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from conftest import make_settings
from factories import CORPUS, write_jsonl
from paperwire.core import Paperwire
from paperwire.db import embeddings, fulltext, search, text_sync, votes
from paperwire.db.engine import CONNECT_TIMEOUT_S, make_engine, redacted_url, with_connect_timeout
from paperwire.db.queue import conninfo
from paperwire.db.session import StoreError, read_transaction, store_error_line, write_transaction
from paperwire.db.tables import papers
from paperwire.models import Sort
from paperwire.search.query import ParsedQuery, parse_query

MODEL = "test/model"


@pytest.fixture
def engine(core: Paperwire, tmp_path) -> Engine:  # type: ignore[no-untyped-def]
    """A fresh store holding the search corpus (not embedded): just its engine."""
    core.import_snapshot([write_jsonl(tmp_path / "corpus.jsonl", CORPUS)])
    return core.engine


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    """The store's id of each corpus paper, by arXiv id."""
    with read_transaction(engine) as connection:
        found = {record["id"]: votes.paper_id(connection, record["id"]) for record in CORPUS}
    assert None not in found.values()
    return found  # type: ignore[return-value]


def named(ids: dict[str, int], found: object) -> list[str]:
    """arXiv ids of store ids (a list of ids, or of (id, score) pairs), in order."""
    by_id = {pid: arxiv_id for arxiv_id, pid in ids.items()}
    return [by_id[item[0] if isinstance(item, tuple) else item] for item in found]  # type: ignore[attr-defined]


def keyword(engine: Engine, ids: dict[str, int], query: str, *, sort: Sort = Sort.RELEVANCE,
            limit: int = 50, offset: int = 0) -> tuple[list[str], int]:
    with read_transaction(engine) as connection:
        ranked, total = search.keyword_matches(
            connection, parse_query(query), limit=limit, offset=offset, sort=sort
        )
    return named(ids, ranked), total


# -- keyword matches from the database's full text ------------------------------------


def test_keyword_matches_every_word_best_first(engine, ids):
    with read_transaction(engine) as connection:
        ranked, total = search.keyword_matches(
            connection, parse_query("heads"), limit=50, offset=0, sort=Sort.RELEVANCE
        )
    assert set(named(ids, ranked)) == {"2401.00001", "2401.00002", "2401.00005"}
    assert total == 3
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert keyword(engine, ids, "task heads encoder")[0][0] in {"2401.00001", "2401.00005"}
    assert keyword(engine, ids, "nothing-matches-this") == ([], 0)


def test_keyword_matches_by_date_and_by_upvotes_with_a_page(engine, ids):
    assert keyword(engine, ids, "heads", sort=Sort.NEWEST) == (
        ["2401.00005", "2401.00002", "2401.00001"], 3
    )
    assert keyword(engine, ids, "heads", sort=Sort.NEWEST, limit=1, offset=1) == (
        ["2401.00002"], 3
    )
    with write_transaction(engine) as connection:
        connection.execute(update(papers).where(papers.c.id == ids["2401.00001"]).values(upvotes=5))
    assert keyword(engine, ids, "heads", sort=Sort.UPVOTES)[0] == [
        "2401.00001", "2401.00005", "2401.00002"
    ]


@pytest.mark.parametrize(("query", "expected"), [
    ("heads cat:cs.CV", {"2401.00002"}),
    ("heads cat:CS.cv", {"2401.00002"}),
    ("entropy author:vafa", {"2401.00003"}),
    ("heads after:2024-02", {"2401.00002", "2401.00005"}),
    ("heads before:2024-02", {"2401.00001"}),
    ("entropy -duplicate", {"2401.00003"}),
    ('"string theory"', {"2401.00003", "2401.00006"}),
    ('"theory string"', set()),
    ("heads author:100%_", set()),  # LIKE's wildcards are plain characters
])
def test_keyword_matches_apply_filters_exclusions_and_phrases(engine, ids, query, expected):
    found, total = keyword(engine, ids, query)
    assert set(found) == expected
    assert total == len(expected)


def test_a_quote_in_a_word_is_no_match_syntax(engine, ids):
    assert keyword(engine, ids, 'he"ads OR') == ([], 0)
    odd = ParsedQuery(raw="", terms=['x"y', "z"], phrases=[["p", "q"]], excluded=["w"])
    assert fulltext.fts5_expression(odd) == '"x""y" AND "z" AND "p q" NOT "w"'


def test_rebuild_keeps_the_matches_and_counts_the_papers(engine, ids):
    before = keyword(engine, ids, "heads")
    with write_transaction(engine) as connection:
        assert fulltext.rebuild(connection) == len(CORPUS)
    assert keyword(engine, ids, "heads") == before


# -- what semantic candidates are checked and ordered by ------------------------------


def candidates(engine: Engine, ids: dict[str, int], query: str) -> dict[str, str]:
    with read_transaction(engine) as connection:
        texts = search.candidate_texts(connection, parse_query(query), [*ids.values(), 999_999])
    return dict(zip(named(ids, list(texts)), texts.values(), strict=True))


def test_candidates_need_constraints_not_words(engine, ids):
    assert set(candidates(engine, ids, "unrelated words")) == set(ids)
    assert set(candidates(engine, ids, "encoder cat:hep-th")) == {"2401.00003", "2401.00006"}
    assert set(candidates(engine, ids, 'encoder "output heads"')) == {"2401.00002"}
    assert set(candidates(engine, ids, "encoder -vision")) == {
        "2401.00003", "2401.00004", "2401.00005", "2401.00006"
    }


def test_a_candidate_text_holds_title_authors_and_abstract(engine, ids):
    text = candidates(engine, ids, "entropy")["2401.00003"]
    assert "Black hole entropy from string theory" in text
    assert "Cumrun Vafa" in text
    assert "Bekenstein-Hawking" in text
    with read_transaction(engine) as connection:
        assert search.candidate_texts(connection, parse_query("x"), []) == {}


def test_ordered_ids_by_date_or_upvotes_drop_the_unknown(engine, ids):
    some = [ids["2401.00001"], 999_999, ids["2401.00004"], ids["2401.00003"]]
    with write_transaction(engine) as connection:
        connection.execute(update(papers).where(papers.c.id == ids["2401.00003"]).values(upvotes=2))
        newest = search.ordered_ids(connection, some, Sort.NEWEST)
        voted = search.ordered_ids(connection, some, Sort.UPVOTES)
    assert named(ids, newest) == ["2401.00004", "2401.00001", "2401.00003"]
    assert named(ids, voted) == ["2401.00003", "2401.00004", "2401.00001"]


def test_filtered_papers_a_page_and_the_total(engine, ids):
    with read_transaction(engine) as connection:
        found, total = search.filtered_papers(
            connection, parse_query("cat:cs.LG"), limit=1, offset=1, sort=Sort.NEWEST
        )
        everything, _ = search.filtered_papers(
            connection, parse_query("cat:hep-th"), limit=10, offset=0, sort=Sort.RELEVANCE
        )
    assert total == 2
    assert [paper.arxiv_id for paper in found] == ["2401.00001"]
    assert found[0].title == "Multi-task learning with task-specific heads"
    assert [paper.arxiv_id for paper in everything] == ["2401.00006", "2401.00003"]


def test_newest_texts_by_store_id(engine, ids):
    with read_transaction(engine) as connection:
        texts = list(search.newest_texts(connection, 2))
    newest = sorted(ids, key=ids.__getitem__)[-2:][::-1]
    titles = {record["id"]: record["title"] for record in CORPUS}
    assert [title for title, _ in texts] == [titles[arxiv_id] for arxiv_id in newest]
    assert all(abstract for _, abstract in texts)


# -- embeddings ------------------------------------------------------------------------


def embed_rows(batch: list, *, concepts: list[str], at: datetime) -> list[dict]:
    return [{
        "paper_id": row.id, "model": MODEL, "source_hash": row.content_hash,
        "text_hash": f"text-{row.id}", "vector": bytes([row.id % 256, 0]), "concepts": concepts,
        "embedded_at": at,
    } for row in batch]


def test_pending_papers_are_written_and_then_current(engine, ids):
    with read_transaction(engine) as connection:
        assert embeddings.count_pending(connection, MODEL) == len(CORPUS)
        assert not embeddings.has_embeddings(connection, MODEL)
        first = embeddings.pending_batch(connection, MODEL, after=None, limit=4)
        last = first[-1]
        rest = embeddings.pending_batch(connection, MODEL, after=(last.announced_on, last.id), limit=4)
    assert sorted(row.id for row in first + rest) == sorted(ids.values())
    order = [(row.announced_on, row.id) for row in first + rest]
    assert order == sorted(order, reverse=True)  # the newest papers first
    assert all(row.old_text_hash is None and row.content_hash for row in first)
    now = datetime.now(UTC)
    with write_transaction(engine) as connection:
        embeddings.write_embeddings(connection, MODEL, embed_rows(first, concepts=["a"], at=now), [])
    with read_transaction(engine) as connection:
        assert embeddings.count_pending(connection, MODEL) == len(CORPUS) - 4
        assert embeddings.count_pending(connection, "other/model") == len(CORPUS)
        assert embeddings.has_embeddings(connection, MODEL)
        assert [row.id for row in embeddings.pending_batch(connection, MODEL, after=None, limit=9)] \
            == [row.id for row in rest]


def test_a_changed_paper_is_pending_with_its_old_text_hash_until_reused(engine, ids):
    with read_transaction(engine) as connection:
        batch = embeddings.pending_batch(connection, MODEL, after=None, limit=10)
    with write_transaction(engine) as connection:
        rows = embed_rows(batch, concepts=["old"], at=datetime.now(UTC))
        embeddings.write_embeddings(connection, MODEL, rows, [])
        changed = ids["2401.00002"]
        connection.execute(update(papers).where(papers.c.id == changed).values(content_hash="new"))
    with read_transaction(engine) as connection:
        [stale] = embeddings.pending_batch(connection, MODEL, after=None, limit=10)
    assert (stale.id, stale.old_text_hash, stale.content_hash) == (changed, f"text-{changed}", "new")
    with write_transaction(engine) as connection:
        embeddings.write_embeddings(connection, MODEL, [], [(changed, "new")])
    with read_transaction(engine) as connection:
        assert embeddings.count_pending(connection, MODEL) == 0
        facts = embeddings.embedding_facts(connection, MODEL, [changed])
    assert facts[changed].text_hash == f"text-{changed}"  # the vector was kept


def test_rewriting_a_paper_replaces_its_row(engine, ids):
    with read_transaction(engine) as connection:
        batch = embeddings.pending_batch(connection, MODEL, after=None, limit=10)
    at = datetime.now(UTC)
    with write_transaction(engine) as connection:
        embeddings.write_embeddings(connection, MODEL, embed_rows(batch, concepts=["old"], at=at), [])
        embeddings.write_embeddings(connection, MODEL, embed_rows(batch[:1], concepts=["new"], at=at), [])
    with read_transaction(engine) as connection:
        concepts = embeddings.stored_concepts(connection, MODEL, [batch[0].id, batch[1].id, 999_999])
        assert embeddings.stored_concepts(connection, MODEL, []) == {}
        assert embeddings.embedding_facts(connection, MODEL, []) == {}
        assert embeddings.stored_concepts(connection, "other/model", [batch[0].id]) == {}
    assert concepts == {batch[0].id: ["new"], batch[1].id: ["old"]}


def test_vectors_stream_in_chunks_and_forgetting_drops_the_model(engine, ids):
    with read_transaction(engine) as connection:
        batch = embeddings.pending_batch(connection, MODEL, after=None, limit=10)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    with write_transaction(engine) as connection:
        embeddings.write_embeddings(connection, MODEL, embed_rows(batch[:2], concepts=[], at=early), [])
        embeddings.write_embeddings(connection, MODEL, embed_rows(batch[2:], concepts=[], at=late), [])
    with read_transaction(engine) as connection:
        chunks = list(embeddings.all_vectors(connection, MODEL, chunk=4))
        wanted = {row.id for row in batch[2:]} | {10**9}  # a paper without a vector
        recent = [row for chunk in embeddings.vectors_of(connection, MODEL, wanted, chunk=4)
                  for row in chunk]
    assert [len(chunk) for chunk in chunks] == [4, 2]
    assert {row.paper_id for row in recent} == {row.id for row in batch[2:]}
    assert {bytes(row.vector) for row in recent} == {bytes([row.id % 256, 0]) for row in batch[2:]}
    with write_transaction(engine) as connection:
        embeddings.delete_embeddings(connection, MODEL)
    with read_transaction(engine) as connection:
        assert not embeddings.has_embeddings(connection, MODEL)
        assert embeddings.count_pending(connection, MODEL) == len(CORPUS)


# -- what the tantivy index syncs from -------------------------------------------------


def test_papers_carry_their_categories(engine, ids):
    with read_transaction(engine) as connection:
        everything = [row for chunk in text_sync.all_papers(connection, chunk=4)
                      for row in chunk]
        some = [row for chunk in text_sync.papers_by_id(
            connection, [ids["2401.00003"], 10**9], chunk=4) for row in chunk]
        assert text_sync.count_papers(connection) == len(CORPUS)
    assert {row.id for row in everything} == set(ids.values())
    by_id = {row.id: row for row in everything}
    black_hole = by_id[ids["2401.00003"]]
    assert black_hole.categories.split() == ["hep-th"]
    assert black_hole.authors_text == "Andrew Strominger, Cumrun Vafa"
    assert black_hole.announced_on.isoformat() == "2023-05-01"
    assert [row.id for row in some] == [ids["2401.00003"]]  # a missing id is no row


# -- what the settings and the CLI get from the storage layer --------------------------


def test_redacted_url_hides_only_the_password():
    shown = redacted_url("postgresql+psycopg://paper:s3cret@db.example.org:5433/wire")
    assert "s3cret" not in shown
    assert shown.startswith("postgresql+psycopg://paper:")
    assert shown.endswith("@db.example.org:5433/wire")
    assert redacted_url("sqlite:///data/paperwire.db") == "sqlite:///data/paperwire.db"


def test_a_postgresql_connection_gives_up_unless_the_url_says_otherwise(tmp_path):
    settings = make_settings(tmp_path, database_url="postgresql+psycopg://paper@db.example.org/wire")
    engine = make_engine(settings)  # connects lazily: no server is needed
    assert engine.url.query["connect_timeout"] == str(CONNECT_TIMEOUT_S)
    assert f"connect_timeout={CONNECT_TIMEOUT_S}" in conninfo(engine)  # the job queue's too
    engine.dispose()
    own = with_connect_timeout(make_url("postgresql+psycopg://db.example.org/w?connect_timeout=3"))
    assert own.query["connect_timeout"] == "3"


def test_a_store_error_names_what_the_database_said(engine):
    assert StoreError is SQLAlchemyError
    with pytest.raises(StoreError) as raised, read_transaction(engine) as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    line = store_error_line(raised.value)
    assert "no_such_table" in line
    assert "\n" not in line
    assert "[SQL" not in line
