"""Keyword-side pseudo-relevance feedback (RM3): the words that weigh most in the best
results find papers that share them but none of the query's own words."""

from __future__ import annotations

import pytest

from factories import load, paper
from paperwire.search import expansion
from paperwire.search.expansion import expansion_terms

DISTILLATION = [
    paper("2403.00001", "Small networks imitate large ones",
          "A small student network imitates a large teacher network: distillation of "
          "the teacher's soft labels into the student."),
    paper("2403.00002", "Compact detectors",
          "Distillation moves soft labels from a teacher to a student detector."),
    *[
        paper(f"2403.0001{n}", f"Survey number {n} of {topic}",
              f"A large survey of {topic} across observatories and seasons.")
        for n, topic in enumerate(["galaxies", "glaciers", "volcanoes", "coral reefs"])
    ],
]
QUERY = "small network imitates large one"


def test_terms_weigh_their_share_of_each_text_times_rarity():
    frequency = {"distil": 2, "teacher": 2, "survey": 40, "once": 1}
    terms = expansion_terms(
        ["distil teacher distil survey", "teacher survey the once"], str.split,
        lambda term: frequency.get(term, 0), papers=100, limit=3,
    )
    # teacher: (1/4 + 1/3) * ln(50); distil: 2/4 * ln(50); survey: (1/4 + 1/3) * ln(2.5)
    assert [term for term, _ in terms] == ["teacher", "distil", "survey"]
    assert terms[0][1] > terms[1][1] > terms[2][1] > 0
    # "once" is in one paper only, "the" is a stop word: neither names a topic.
    assert expansion_terms(["the once"], str.split, lambda t: frequency.get(t, 0), 100) == []


def ranked(core) -> list[str]:
    return [hit.paper.arxiv_id for hit in core.search_papers(QUERY, limit=10).hits]


def test_feedback_words_lift_a_paper_without_the_query_words(core, tmp_path, monkeypatch):
    load(core, tmp_path, DISTILLATION)
    monkeypatch.setattr(expansion, "EXPANSION_WEIGHT", 0.0)
    without = ranked(core)
    # The surveys share "large" with the query; the detector paper shares nothing.
    assert without[0] == "2403.00001"
    assert without[-1] == "2403.00002"
    # Terms from the best result only, its list weighed like the fused one: the detector
    # paper shares "distillation", "teacher", "student", "soft labels" with it.
    monkeypatch.setattr(expansion, "FEEDBACK_DOCS", 1)
    monkeypatch.setattr(expansion, "EXPANSION_WEIGHT", 1.0)
    hits = core.search_papers(QUERY, limit=10).hits
    position = [hit.paper.arxiv_id for hit in hits].index("2403.00002")
    assert position <= 2  # ahead of at least two of the four surveys
    assert hits[position].match.value == "semantic"
    assert hits[position].similarity is not None


@pytest.mark.parametrize("query", [f"{QUERY} -student", f"{QUERY} cat:astro-ph"])
def test_feedback_keeps_to_the_query_s_exclusions_and_filters(core, tmp_path, query):
    load(core, tmp_path, DISTILLATION)
    found = [hit.paper.arxiv_id for hit in core.search_papers(query, limit=10).hits]
    assert "2403.00002" not in found
