"""Query syntax: words, phrases, exclusions, fields, dates, and id / URL jumps."""

from datetime import date

import pytest

from paperwire.search.query import apply_options, date_span, parse_query


def test_words_phrases_exclusions_and_fields():
    q = parse_query('task-specific heads "gradient calibration" -vision author:"Ada L" cat:cs.LG')
    assert q.terms == ["heads"]
    assert q.phrases == [["task", "specific"], ["gradient", "calibration"]]
    assert q.quoted == [["gradient", "calibration"]]
    assert q.excluded == ["vision"]
    assert q.authors == ["Ada L"]
    assert q.categories == ["cs.LG"]
    assert q.text == "task specific heads gradient calibration"  # as typed, for meaning
    assert q.has_constraints


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2020", (date(2020, 1, 1), date(2021, 1, 1))),
        ("2020-12", (date(2020, 12, 1), date(2021, 1, 1))),
        ("2020-05-03", (date(2020, 5, 3), date(2020, 5, 4))),
    ],
)
def test_date_spans(value, span):
    assert date_span(value) == span


def test_after_and_before():
    q = parse_query("graphene after:2020 before:2022-06")
    assert (q.date_from, q.date_until) == (date(2020, 1, 1), date(2022, 6, 1))
    assert q.terms == ["graphene"]


def test_bad_date_is_reported_not_fatal():
    q = parse_query("graphene after:yesterday")
    assert q.date_from is None
    assert q.terms == ["graphene"]
    assert "after:yesterday" in q.problems[0]


def test_options_narrow_the_query():
    q = apply_options(parse_query("heads after:2020"), date_from=date(2019, 1, 1),
                      date_to=date(2024, 3, 5), category="cs.CV", author="Ada")
    assert q.date_from == date(2020, 1, 1)  # the later start wins
    assert q.date_until == date(2024, 3, 6)  # "to" is inclusive
    assert (q.categories, q.authors) == (["cs.CV"], ["Ada"])


@pytest.mark.parametrize(
    ("raw", "arxiv_id"),
    [
        ("2401.00001", "2401.00001"),
        ("2401.00001v3", "2401.00001"),
        ("https://arxiv.org/abs/2401.00001v2", "2401.00001"),
        ("arxiv.org/pdf/hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001", "hep-th/9901001"),
    ],
)
def test_ids_and_urls_jump(raw, arxiv_id):
    assert parse_query(raw).arxiv_id == arxiv_id


def test_id_with_other_words_is_not_a_jump():
    assert parse_query("2401.00001 heads").arxiv_id is None


def test_analysis_keeps_content_words_and_reads_the_kind_of_query():
    from paperwire.search.analysis import QueryClass, analyse

    question = analyse(parse_query("how can robots learn manipulation skills from videos?"))
    assert question.kind is QueryClass.QUESTION
    assert question.words == ["robots", "manipulation", "skills", "videos"]
    assert not question.all_words
    assert question.minimum_match < len(question.units)
    short = analyse(parse_query("task-specific heads"))
    assert short.units == [["task", "specific"], ["heads"]]  # a compound is one unit
    assert analyse(parse_query("graph neural")).all_words
    assert analyse(parse_query("BERT probing")).kind is QueryClass.ACRONYM
    assert analyse(parse_query("mixture of experts")).words == ["mixture", "experts"]
    quoted = analyse(parse_query('"mixture of experts" routing'))
    assert ["mixture", "of", "experts"] in quoted.units
    # A query of stop words only keeps them: something must be searched for.
    assert analyse(parse_query("the who")).words == ["the", "who"]
    weights = {kind: analyse(parse_query(q)).weights for kind, q in (
        ("question", "why do large language models hallucinate?"),
        ("topic", "federated learning"),
    )}
    assert weights["question"].semantic / weights["question"].keyword >= (
        weights["topic"].semantic / weights["topic"].keyword
    )


def test_a_topic_the_model_hardly_knows_leans_on_its_words():
    from paperwire.search.analysis import (
        KNOWN_TOPIC_COSINE,
        MIN_SEMANTIC_SHARE,
        UNKNOWN_TOPIC_COSINE,
        analyse,
    )

    topic = analyse(parse_query("task-specific heads"))
    known = topic.fusion_weights(KNOWN_TOPIC_COSINE + 0.2)
    assert known == topic.weights  # a topic the model knows: the class's weights
    shares = [
        topic.fusion_weights(cosine).semantic / topic.weights.semantic
        for cosine in (0.0, UNKNOWN_TOPIC_COSINE, 0.35, 0.45, KNOWN_TOPIC_COSINE)
    ]
    assert shares == sorted(shares)  # the nearer the nearest paper, the more meaning counts
    assert shares[0] == shares[1] == MIN_SEMANTIC_SHARE
    assert shares[-1] == 1.0
    assert topic.fusion_weights(0.3).keyword == topic.weights.keyword
    assert topic.fusion_weights(None) == topic.weights  # no semantic side
    # A question's words are a weak guide whatever the model knows: its weights stay.
    question = analyse(parse_query("why do large language models hallucinate?"))
    assert question.fusion_weights(0.3) == question.weights
