"""For you through the core: picks follow the reader's library, signals move the ranking
the expected way, seen papers hide, every reason names a real library paper, cold start
falls back to topics then trending. The fake embedder (shared words → close vectors)
stands in for the model; assertions are about sets and orders with margins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from factories import make_paper, make_user
from paperwire.core import Paperwire

TOPICS = {
    "graph": ("graph neural networks message passing node embeddings over molecular graphs",
              "cs.LG"),
    "quantum": ("quantum error correction surface codes logical qubits decoders", "quant-ph"),
    "galaxy": ("galaxy clusters dark matter halos weak lensing surveys", "astro-ph.CO"),
}
VARIANTS = ("study", "benchmark", "analysis", "survey", "method", "theory", "dataset", "toolkit")


def arxiv_id(topic: str, n: int) -> str:
    return f"2401.{list(TOPICS).index(topic)}{n:04d}"


@pytest.fixture
def corpus(core: Paperwire) -> Paperwire:
    day = date.today() - timedelta(days=2)
    for topic, (words, category) in TOPICS.items():
        for n, variant in enumerate(VARIANTS):
            make_paper(core, arxiv_id(topic, n), title=f"A {variant} of {words.split()[0]} "
                       f"{words.split()[1]} number {n}", abstract=f"{words} {variant}",
                       categories=[category], announced_on=day)
    core.embed_pending()
    return core


def library(core: Paperwire, user_id: int, *ids: str) -> None:
    summary = core.import_library(user_id, [("library.txt", "\n".join(ids).encode())], fetch=False)
    assert summary.added == len(ids), summary


def picked(core: Paperwire, user_id: int, **options: object) -> list[str]:
    return [pick.paper.arxiv_id for pick in core.recommend(user_id, **options).picks]


def topic_of(paper_id: str) -> str:
    return list(TOPICS)[int(paper_id[5])]


def test_picks_follow_the_library_and_leave_its_papers_out(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0), arxiv_id("graph", 1))
    picks = picked(corpus, reader, limit=6)
    assert len(picks) == 6
    assert {topic_of(p) for p in picks} == {"graph"}
    assert not {arxiv_id("graph", 0), arxiv_id("graph", 1)} & set(picks)


def test_a_two_interest_library_gets_both_interests(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0), arxiv_id("quantum", 1), arxiv_id("graph", 2),
            arxiv_id("quantum", 3))
    top = picked(corpus, reader, limit=8)
    assert {topic_of(p) for p in top} == {"graph", "quantum"}
    assert "galaxy" not in {topic_of(p) for p in top}


def test_not_interested_drops_the_paper_and_its_neighbourhood(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0), arxiv_id("quantum", 0))
    before = picked(corpus, reader, limit=24)
    graph_before = [i for i, p in enumerate(before) if topic_of(p) == "graph"]
    target = before[graph_before[0]] if graph_before else arxiv_id("graph", 2)
    assert corpus.mark_signal(reader, target, "not_interested")
    after = picked(corpus, reader, limit=24)
    assert target not in after
    graph_after = [i for i, p in enumerate(after) if topic_of(p) == "graph"]
    # The graph papers left sink: their mean rank is worse than before by a margin.
    assert sum(graph_after) / max(len(graph_after), 1) > sum(graph_before) / len(graph_before) + 1


def test_more_like_this_lifts_its_neighbourhood(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0), arxiv_id("quantum", 0))
    def mean_rank(ids: list[str], topic: str) -> float:
        ranks = [i for i, p in enumerate(ids) if topic_of(p) == topic]
        return sum(ranks) / len(ranks)
    before = picked(corpus, reader, limit=30)
    assert corpus.mark_signal(reader, arxiv_id("galaxy", 3), "more_like_this")
    after = picked(corpus, reader, limit=30)
    assert arxiv_id("galaxy", 3) not in after  # a positive now: never recommended back
    assert mean_rank(after, "galaxy") + 3 < mean_rank(before, "galaxy")


def test_seen_papers_hide_when_asked(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0))
    shown = corpus.recommend(reader, limit=3).picks
    corpus.record_seen(reader, [pick.paper.id for pick in shown])
    hidden = corpus.recommend(reader, limit=3, hide_seen=True)
    assert not {p.paper.id for p in shown} & {p.paper.id for p in hidden.picks}
    assert hidden.hidden_seen >= 3
    assert [p.paper.id for p in corpus.recommend(reader, limit=3).picks] == [
        p.paper.id for p in shown]


def test_every_pick_is_explained_by_a_real_library_paper(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    titles = {}
    for n in (0, 1):
        paper = corpus.get_paper(arxiv_id("quantum", n))
        titles[paper.title] = paper
    library(corpus, reader, arxiv_id("quantum", 0), arxiv_id("quantum", 1))
    result = corpus.recommend(reader, limit=5)
    assert result.basis == "model"
    assert "linear" in result.formula
    assert "nearest" in result.formula
    for pick in result.picks:
        close = [reason for reason in pick.because if reason.startswith("close to")]
        assert close, pick.because
        assert any(f"“{title}”" in close[0] for title in titles), close
        assert any(reason.startswith("shares ") for reason in pick.because), pick.because


def test_since_keeps_only_newer_papers(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    make_paper(corpus, "2402.00001", title="A fresh graph neural networks message passing paper",
               abstract=TOPICS["graph"][0], categories=["cs.LG"], announced_on=date.today())
    corpus.embed_pending()
    library(corpus, reader, arxiv_id("graph", 0))
    assert picked(corpus, reader, since=date.today()) == ["2402.00001"]


def test_cold_start_uses_topics_then_trending(corpus: Paperwire):
    newcomer = make_user(corpus, "new@example.org")
    voter = make_user(corpus, "voter@example.org")
    corpus.upvote(voter, arxiv_id("galaxy", 2), up=True)
    result = corpus.recommend(newcomer.id, limit=5)
    assert result.basis == "trending"
    assert [p.paper.arxiv_id for p in result.picks] == [arxiv_id("galaxy", 2)]
    assert "trending" in result.picks[0].because[0]
    corpus.upvote(newcomer, arxiv_id("galaxy", 2), up=True)  # now a positive: the model
    assert corpus.recommend(newcomer.id, limit=5).basis == "model"


def test_one_readers_signals_do_not_move_another(corpus: Paperwire):
    ada, bob = (make_user(corpus, f"{n}@example.org").id for n in ("ada", "bob"))
    library(corpus, ada, arxiv_id("graph", 0))
    library(corpus, bob, arxiv_id("graph", 0))
    before = picked(corpus, bob, limit=5)
    corpus.mark_signal(ada, before[0], "not_interested")
    assert picked(corpus, bob, limit=5) == before


def test_a_followed_author_is_named_whatever_the_spelling(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org")
    library(corpus, reader.id, arxiv_id("graph", 0))
    assert not any("author you follow" in r for p in corpus.recommend(reader.id).picks for r in p.because)
    corpus.follow_author(reader, "Lovelace, Ada")  # the papers spell it "Ada Lovelace"
    picks = corpus.recommend(reader.id, limit=3).picks
    assert picks
    for pick in picks:
        assert "by an author you follow: Ada Lovelace" in pick.because, pick.because


def test_a_followed_authors_paper_rises(corpus: Paperwire):
    """Following an author adds the blend's boost to their papers: of two papers with
    the same text, the followed author's passes the other, and says why."""
    day = date.today() - timedelta(days=2)
    words = TOPICS["graph"][0]
    for arxiv, author in (("2401.09001", "Grace Hopper"), ("2401.09002", "Edsger Dijkstra")):
        make_paper(corpus, arxiv, title="A note on graph neural networks", authors=[author],
                   abstract=f"{words} note", categories=["cs.LG"], announced_on=day)
    corpus.embed_pending()
    reader = make_user(corpus, "reader@example.org")
    library(corpus, reader.id, arxiv_id("graph", 0), arxiv_id("graph", 1))

    def twins() -> dict[str, object]:
        picks = corpus.recommend(reader.id, limit=30).picks
        return {p.paper.arxiv_id: p for p in picks if p.paper.arxiv_id.startswith("2401.0900")}

    before = twins()
    assert before["2401.09001"].score == pytest.approx(before["2401.09002"].score, abs=1e-3)
    corpus.follow_author(reader, "Grace Hopper")
    after = twins()
    grace, other = after["2401.09001"], after["2401.09002"]
    assert grace.rank < other.rank
    assert grace.score - other.score == pytest.approx(corpus.for_you_blend.followed, abs=1e-3)
    assert "by an author you follow: Grace Hopper" in grace.because
    assert not any("author you follow" in r for r in other.because)


def test_a_signal_retrains_the_cached_model(corpus: Paperwire):
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0))
    first = corpus.reader_model(reader)
    assert corpus.reader_model(reader) is first  # nothing changed: the cached model
    corpus.mark_signal(reader, arxiv_id("quantum", 0), "more_like_this")
    second = corpus.reader_model(reader)
    assert second is not first
    assert set(second.positive_ids) == set(first.positive_ids) | {
        corpus.get_paper(arxiv_id("quantum", 0)).id}
    assert arxiv_id("quantum", 0) not in picked(corpus, reader, limit=24)  # now a positive
    corpus.clear_signal(reader, arxiv_id("quantum", 0), "more_like_this")
    assert set(corpus.reader_model(reader).positive_ids) == set(first.positive_ids)


def test_the_batched_path_equals_the_one_reader_path(corpus: Paperwire):
    """``reader_models`` (all readers' signals in a few statements, trained in blocks)
    gives each reader the model ``reader_model`` gives them, and ``score_batch`` the
    relevance each model's own ``score`` gives, within float tolerance."""
    import numpy as np

    from paperwire.recommend.batch import score_batch

    readers = []
    for n, ids in enumerate([("graph", 0, 1), ("quantum", 2), ("galaxy", 0, 3, 5)]):
        reader = make_user(corpus, f"r{n}@example.org")
        library(corpus, reader.id, *(arxiv_id(ids[0], i) for i in ids[1:]))
        readers.append(reader.id)
    corpus.upvote(make_user(corpus, "x@example.org"), arxiv_id("graph", 4), up=True)
    corpus.upvote(corpus.user_by_email("r1@example.org"), arxiv_id("graph", 4), up=True)
    corpus.mark_signal(readers[2], arxiv_id("quantum", 1), "not_interested")
    corpus.mark_signal(readers[0], arxiv_id("graph", 6), "more_like_this")
    one = [corpus.reader_model(r) for r in readers]
    corpus.__dict__.pop("_for_you_models")  # an empty cache: the batched path trains them
    many = corpus.reader_models([*readers, make_user(corpus, "none@example.org").id])
    assert many[max(many)].model is None  # a reader without signals has no model
    papers = [corpus.get_paper(arxiv_id(t, n)).id for t in TOPICS for n in range(8)]
    vectors = np.stack(list(corpus.semantic.index.vectors(papers).values()))
    batched = score_batch([many[r].model for r in readers], vectors, corpus.for_you_blend)
    for row, (reader, model) in enumerate(zip(readers, one, strict=True)):
        other = many[reader].model
        assert other.positive_ids == model.positive_ids
        np.testing.assert_allclose(other.weights, model.weights, rtol=1e-4, atol=1e-5)
        alone = corpus.for_you_blend.relevance(model.score(vectors))
        np.testing.assert_allclose(batched[row], alone, rtol=1e-4, atol=1e-5)
        assert list(np.argsort(-batched[row])[:5]) == list(np.argsort(-alone)[:5])


def test_the_readers_words_score_candidates_on_their_own_papers_scale(corpus: Paperwire):
    """``recommend/words.py`` over the real keyword index: the library's own papers score
    1 on average, every paper of the same topic above every unrelated one (which share
    at most a title's "study" or "benchmark"), none above the cap."""
    import numpy as np

    from paperwire.db.session import read_transaction
    from paperwire.recommend import words

    own = [corpus.get_paper(arxiv_id("quantum", n)).id for n in (0, 1)]
    same = [corpus.get_paper(arxiv_id("quantum", n)).id for n in range(2, 8)]
    other = [corpus.get_paper(arxiv_id("galaxy", n)).id for n in range(8)]
    with read_transaction(corpus.engine) as connection:
        text = corpus.text_index.ready(connection)
    assert text is not None
    texts = [f"{p.title}. {p.abstract}" for p in (corpus.get_paper(arxiv_id("quantum", n))
                                                  for n in (0, 1))]
    terms = words.reader_terms(text, texts)
    assert {"qubit", "decod"} <= {term for term, _ in terms}  # stemmed index terms
    assert float(np.mean(words.word_scores(text, terms, own, own))) == pytest.approx(1.0)
    scores = words.word_scores(text, terms, same + other, own)
    assert scores[:len(same)].min() > 0.5
    assert scores[len(same):].max() < scores[:len(same)].min()
    assert (scores[len(same):] == 0.0).sum() >= len(other) - 2
    assert scores.max() <= words.CAP
    assert not words.word_scores(text, (), same, own).any()


def test_picks_add_the_blends_share_of_the_readers_words(corpus: Paperwire, monkeypatch):
    """The page's score is the blend with the words term: without it (weight 0) the
    picks of the library's topic lose most, unrelated papers less, none more than the
    weight times the cap."""
    import dataclasses

    from paperwire.core import recommend as core_recommend

    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0), arxiv_id("graph", 1))
    with_words = {p.paper.arxiv_id: p.score for p in corpus.recommend(reader, limit=24).picks}
    blend = core_recommend.BLEND
    monkeypatch.setattr(core_recommend, "BLEND", dataclasses.replace(blend, words=0.0))
    corpus.__dict__.pop("_for_you_models")
    without = {p.paper.arxiv_id: p.score for p in corpus.recommend(reader, limit=24).picks}
    gains = {pid: with_words[pid] - without[pid] for pid in with_words.keys() & without.keys()}
    graph = [gain for pid, gain in gains.items() if topic_of(pid) == "graph"]
    assert graph
    assert min(graph) > 0.05
    assert max(gain for pid, gain in gains.items() if topic_of(pid) != "graph") < min(graph)
    assert max(gains.values()) <= blend.words * 1.5 + 1e-3


def test_a_not_interested_keeps_the_readers_words_and_concepts(corpus: Paperwire):
    """A signal that leaves the positives as they were (not interested) keeps what the
    previous model worked out from them; the picks are those a fresh cache gives. A new
    positive works them out again."""
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("graph", 0), arxiv_id("graph", 1))
    picked(corpus, reader, limit=6)
    first = corpus._trained(reader)
    assert first.terms
    assert first.concepts is not None
    corpus.mark_signal(reader, arxiv_id("graph", 2), "not_interested")
    after = [(p.paper.arxiv_id, p.score, p.because) for p in corpus.recommend(reader, limit=12).picks]
    second = corpus._trained(reader)
    assert second is not first
    assert second.terms is first.terms
    assert second.concepts is first.concepts
    corpus.__dict__.pop("_for_you_models")
    fresh = [(p.paper.arxiv_id, p.score, p.because) for p in corpus.recommend(reader, limit=12).picks]
    assert after == fresh
    library(corpus, reader, arxiv_id("quantum", 0))
    picked(corpus, reader, limit=6)
    third = corpus._trained(reader)
    assert third.terms is not second.terms
    assert third.concepts is not second.concepts
    assert "qubit" in {term for term, _ in third.terms}


def test_a_pick_names_the_readers_words_it_shares(corpus: Paperwire):
    """Beside the shared concepts, a pick that scores on the words of the reader's papers
    names them: each one in the pick's text and in a library paper's, none a shown
    concept already says."""
    reader = make_user(corpus, "reader@example.org").id
    library(corpus, reader, arxiv_id("quantum", 0), arxiv_id("quantum", 1))
    own = " ".join(f"{p.title} {p.abstract}".lower() for p in (
        corpus.get_paper(arxiv_id("quantum", n)) for n in (0, 1)))
    named = 0
    for pick in corpus.recommend(reader, limit=4).picks:
        said = [r for r in pick.because if r.startswith("uses your papers' words: ")]
        if not said:
            continue
        named += 1
        concepts = " ".join(r for r in pick.because if r.startswith("shares ")).lower()
        for word in said[0].removeprefix("uses your papers' words: ").split(", "):
            assert word.lower() in f"{pick.paper.title} {pick.paper.abstract}".lower()
            assert word.lower() in own
            assert word.lower() not in concepts
    assert named >= 2, [p.because for p in corpus.recommend(reader, limit=4).picks]
