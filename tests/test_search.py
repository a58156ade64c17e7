"""Keyword search: ranking, syntax, filters, highlighting and the id jump."""

import re

import pytest

from paperwire.models import MatchKind
from paperwire.search.highlight import highlight, highlight_pattern, stem
from paperwire.search.query import parse_query


def test_query_syntax_is_parsed():
    parsed = parse_query('task-specific heads "gradient calibration" -survey author:"Xiaodan Liang" cat:cs.CV')
    assert parsed.terms == ["heads"]
    assert parsed.phrases == [["task", "specific"], ["gradient", "calibration"]]
    assert parsed.excluded == ["survey"]
    assert parsed.authors == ["Xiaodan Liang"]
    assert parsed.categories == ["cs.CV"]


@pytest.mark.parametrize("raw", ["2604.26375", "https://arxiv.org/abs/2604.26375v1", "arXiv:2604.26375"])
def test_an_id_or_url_is_a_jump(read_core, raw):
    assert read_core.search_papers(raw).jump_to == "2604.26375"


def test_ranked_keyword_results(read_core):
    results = read_core.search_papers("transformer", limit=10)
    assert results.total >= 10
    scores = [hit.score for hit in results.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(any(t.startswith("transform") for t in h.matched_terms) for h in results.hits)


def test_all_words_must_match(read_core):
    hits = read_core.search_papers("image segmentation", limit=50).hits
    # Keyword matches have every word; semantic ones (close in meaning) need not.
    for hit in (hit for hit in hits if hit.match != MatchKind.SEMANTIC):
        text = f"{hit.paper.title} {hit.paper.abstract} {' '.join(hit.paper.authors)}"
        stems = {stem(word) for word in re.findall(r"\w+", text)}
        assert {"imag", "segment"} <= stems


def test_excluded_words_are_excluded(read_core):
    with_word = read_core.search_papers("language model", limit=200)
    without = read_core.search_papers("language model -reasoning", limit=200)
    assert without.total < with_word.total
    for hit in without.hits:
        text = f"{hit.paper.title} {hit.paper.abstract}"
        assert "reason" not in {stem(word) for word in re.findall(r"\w+", text)}


def test_category_and_author_filters(read_core):
    results = read_core.search_papers("learning cat:cs.CV", limit=50)
    assert results.total > 0
    assert all("cs.CV" in h.paper.categories for h in results.hits)
    author = read_core.get_paper("2604.26375").authors[0]
    by_author = read_core.search_papers(f'author:"{author}"', limit=50)
    assert any(h.paper.arxiv_id == "2604.26375" for h in by_author.hits)


def test_hostile_syntax_is_just_text(read_core):
    for raw in ['"unclosed', "NEAR(a b)", "a AND OR NOT", "title:* ^x", "'; DROP TABLE papers; --", "-", '""']:
        read_core.search_papers(raw)  # never raises


def test_pages_do_not_overlap(read_core):
    first = read_core.search_papers("learning", limit=10)
    second = read_core.search_papers("learning", limit=10, offset=10)
    assert {h.paper.id for h in first.hits}.isdisjoint(h.paper.id for h in second.hits)


def test_highlight_escapes_then_marks():
    pattern = highlight_pattern(["heads"])
    marked = highlight("<b>Task</b> heads & head", pattern)
    assert str(marked) == "&lt;b&gt;Task&lt;/b&gt; <mark>heads</mark> &amp; <mark>head</mark>"


def test_stemming_is_thread_safe():
    from concurrent.futures import ThreadPoolExecutor

    words = [f"{base}{suffix}{n}" for n in range(400) for base in ("calibrat", "transform", "segment")
             for suffix in ("ing", "ions", "ers")]
    stem.cache_clear()
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert len(list(pool.map(stem, words))) == len(words)
