"""The second-stage reranker over real endpoints on 127.0.0.1 (tests/servers.py), on
both backends with the fake embedder: what it reorders, what it sends, how it fails."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from factories import load
from paperwire.core import Paperwire
from paperwire.models import SearchOptions
from paperwire.search.embedder import paper_text
from paperwire.search.rerank import sentences
from servers import RerankServer

QUERY = "task heads encoder"


@pytest.fixture
def corpus(core, tmp_path):
    return load(core, tmp_path)


@pytest.fixture
def endpoint() -> Iterator[RerankServer]:
    with RerankServer() as server:
        yield server


def ids(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.paper.arxiv_id for hit in results.hits]


@pytest.fixture
def reranking(corpus: Paperwire, endpoint: RerankServer):  # type: ignore[no-untyped-def]
    """A core over the same store whose searches go through the endpoint."""
    made: list[Paperwire] = []

    def make(kind: str = "http", **settings: object) -> Paperwire:
        path = "/v1/embeddings" if kind == "embeddings" else "/rerank"
        update = {"rerank": kind, "rerank_url": endpoint.url + path, "rerank_weight": 1.0,
                  "rerank_timeout_s": 0.5, **settings}
        instance = Paperwire(corpus.settings.model_copy(update=update), engine=corpus.engine)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.rerank_stage.close()


def test_the_reranker_reorders_only_the_top_of_the_fused_list(corpus, reranking, endpoint):
    fused = ids(corpus.search_papers(QUERY))
    assert len(fused) >= 4
    reranked = ids(reranking(rerank_depth=3).search_papers(QUERY))
    # The endpoint scores its documents in reverse: the top three come back reversed.
    assert reranked[:3] == fused[:3][::-1]
    assert reranked[3:] == fused[3:]
    assert len(endpoint.calls) == 1


def test_a_favoured_paper_comes_first_and_scores_stay_fused(corpus, reranking, endpoint):
    endpoint.scorer = lambda _q, docs: [float("molecul" in d.lower()) for d in docs]
    fused = corpus.search_papers(QUERY)
    assert ids(fused)[0] != "2401.00005"
    assert "2401.00005" in ids(fused)
    reranked = reranking().search_papers(QUERY)
    assert ids(reranked)[0] == "2401.00005"
    assert sorted(ids(reranked)) == sorted(ids(fused))
    fused_scores = {hit.paper.arxiv_id: hit.score for hit in fused.hits}
    assert {hit.paper.arxiv_id: hit.score for hit in reranked.hits} == fused_scores


def test_weight_zero_keeps_the_fused_order(corpus, reranking):
    fused = ids(corpus.search_papers(QUERY))
    assert ids(reranking(rerank_weight=0.0).search_papers(QUERY)) == fused


def test_the_request_carries_query_documents_model_and_key(corpus, reranking, endpoint):
    instance = reranking(rerank_api_key=SecretStr("sekrit-123"), rerank_model="bge-reranker-base")
    results = instance.search_papers(QUERY)
    (call,) = endpoint.calls
    assert call.path == "/rerank"
    assert call.headers["Authorization"] == "Bearer sekrit-123"
    assert call.body["model"] == "bge-reranker-base"
    assert call.body["query"] == QUERY
    assert call.body["top_n"] == len(call.body["documents"]) == len(results.hits)
    texts = {paper_text(hit.paper.title, hit.paper.abstract) for hit in results.hits}
    assert set(call.body["documents"]) == texts


def test_no_key_no_authorization_header(reranking, endpoint):
    reranking().search_papers(QUERY)
    assert "Authorization" not in endpoint.calls[0].headers
    assert "model" not in endpoint.calls[0].body


def test_tei_shaped_replies_are_read_too(corpus, reranking, endpoint):
    endpoint.tei_shape = True
    fused = ids(corpus.search_papers(QUERY))
    assert ids(reranking().search_papers(QUERY)) == fused[::-1]


@pytest.mark.parametrize("trouble", ["status", "delay", "garbage"])
def test_a_failing_endpoint_leaves_the_fused_order_and_says_so(
    corpus, reranking, endpoint, caplog, trouble
):
    fused = ids(corpus.search_papers(QUERY))
    setattr(endpoint, trouble, {"status": 500, "delay": 3.0, "garbage": True}[trouble])
    instance = reranking()
    with caplog.at_level(logging.WARNING, logger="paperwire.search.rerank"):
        assert ids(instance.search_papers(QUERY)) == fused
        assert ids(instance.search_papers(QUERY + " multitask")) != []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "fused order" in warnings[0].getMessage()
    working, detail = instance.rerank_stage.health()
    assert not working
    assert "failing since" in detail
    checks = {check.name: check for check in instance.doctor()}
    assert not checks["reranker"].ok
    # Back to health: the next search is reranked and the failure is forgotten.
    endpoint.status, endpoint.delay, endpoint.garbage = 200, 0.0, False
    assert ids(instance.search_papers(QUERY)) == fused[::-1]
    assert instance.rerank_stage.health()[0]
    assert instance.doctor()[-1].ok


def test_pages_beyond_the_depth_are_not_sent(corpus, reranking, endpoint):
    instance = reranking(rerank_depth=2)
    fused = ids(corpus.search_papers(QUERY, limit=10))
    assert ids(instance.search_papers(QUERY, limit=2, offset=2)) == fused[2:4]
    assert endpoint.calls == []


def test_filters_and_exclusions_still_apply(corpus, reranking):
    instance = reranking()
    for query, options in ((QUERY, SearchOptions(category="cs.CV")), (QUERY + " -vision", None)):
        fused = ids(corpus.search_papers(query, options=options))
        assert sorted(ids(instance.search_papers(query, options=options))) == sorted(fused)
    assert ids(instance.search_papers(QUERY, options=SearchOptions(category="cs.CV"))) == [
        "2401.00002"
    ]


def test_the_embeddings_kind_ranks_by_the_servers_vectors(corpus, reranking, endpoint):
    instance = reranking("embeddings", rerank_model="big-embedder")
    results = ids(instance.search_papers("molecules graph"))
    assert results[0] == "2401.00005"  # the one paper with both words, by the server's vectors
    first = endpoint.calls[0].body
    assert first["model"] == "big-embedder"
    assert first["input"][0] == "molecules graph"
    assert len(first["input"]) == len(results) + 1
    instance.search_papers("molecules graph")
    assert endpoint.calls[1].body["input"] == ["molecules graph"]  # paper vectors were kept


def test_status_json_names_the_reranker(reranking, endpoint):
    from fastapi.testclient import TestClient

    from paperwire.web.app import create_app

    instance = reranking()
    endpoint.status = 503
    instance.search_papers(QUERY)
    with TestClient(create_app(core=instance)) as client:
        body = client.get("/status.json").json()
        assert body["reranker"]["kind"] == "http"
        assert body["reranker"]["working"] is False
        assert "failing since" in client.get("/status").text


def test_an_endpoint_kind_needs_a_url(tmp_path):
    from pydantic import ValidationError

    from conftest import make_settings

    with pytest.raises(ValidationError, match="PAPERWIRE_RERANK_URL"):
        make_settings(tmp_path, rerank="http")


def test_sentences_of_an_abstract():
    found = sentences("A title", "First sentence here is long. Second one, e.g. with an "
                      "abbreviation, goes on. Short. Third sentence (with 3 parts) ends!")
    assert found == ["A title", "First sentence here is long.",
                     "Second one, e.g. with an abbreviation, goes on. Short.",
                     "Third sentence (with 3 parts) ends!"]


def test_a_refused_connection_keeps_the_fused_order(corpus):
    from conftest import ReservedPort

    fused = ids(corpus.search_papers(QUERY))
    with ReservedPort() as port:  # bound, nobody listening: connections are refused
        update = {"rerank": "http", "rerank_url": f"http://127.0.0.1:{port.port}/rerank"}
        instance = Paperwire(corpus.settings.model_copy(update=update), engine=corpus.engine)
        assert ids(instance.search_papers(QUERY)) == fused
        working, detail = instance.rerank_stage.health()
        assert not working
        assert "ConnectError" in detail
        instance.rerank_stage.close()
