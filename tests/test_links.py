"""Code and project links: extraction rules, and the whole sample as bad input."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import SAMPLE
from paperwire.links import extract_links, normalize

CASES = [
    ("Code: https://github.com/Foo/bar-baz.", "https://github.com/Foo/bar-baz"),
    ("code at https://github.com/ foo/bar.", "https://github.com/foo/bar"),
    ("see https:// github.com/foo/bar)", "https://github.com/foo/bar"),
    ("Code: github.com/foo/bar without scheme", "https://github.com/foo/bar"),
    ("(https://github.com/foo/bar.git)", "https://github.com/foo/bar"),
    ("\\url{https://github.com/foo/bar}.", "https://github.com/foo/bar"),
    ("\\href{https://github.com/foo/bar}{here}", "https://github.com/foo/bar"),
    ("https://GitHub.com/foo/bar/tree/main/src", "https://github.com/foo/bar"),
    ("https://github.com/foo/bar/blob/main/README.md#usage", "https://github.com/foo/bar"),
    ("https://www.github.com/foo/bar?tab=readme", "https://github.com/foo/bar"),
    ("http://github.com/foo/bar;", "https://github.com/foo/bar"),
    ("https://gitlab.com/group/sub/proj/-/tree/main", "https://gitlab.com/group/sub/proj"),
    ("https://huggingface.co/datasets/org/set/tree/main", "https://huggingface.co/datasets/org/set"),
    ("weights at https://huggingface.co/org/model.", "https://huggingface.co/org/model"),
    ("demo https://huggingface.co/spaces/org/app", "https://huggingface.co/spaces/org/app"),
    ("clone https://huggingface.co/org/model.git", "https://huggingface.co/org/model"),
    ("https://huggingface.co/datasets/org/set.git", "https://huggingface.co/datasets/org/set"),
    ("https://codeberg.org/who/what/src/branch/main", "https://codeberg.org/who/what"),
    ("https://bitbucket.org/who/what/src/master/", "https://bitbucket.org/who/what"),
    ("Project page: https://foo.github.io/bar/#demo.", "https://foo.github.io/bar"),
    ("project page: foo.github.io/bar", "https://foo.github.io/bar"),
    ("Project page: https://example.org/proj/index.html}", "https://example.org/proj/index.html"),
    ("Project page: https://example.org?id=3.", "https://example.org/?id=3"),
]


@pytest.mark.parametrize(("text", "url"), CASES)
def test_extracts_the_normalized_link(text: str, url: str) -> None:
    assert [link.url for link in extract_links(text)] == [url]


def test_normalizing_a_normalized_link_changes_nothing() -> None:
    for _, url in CASES:
        link = normalize(url)
        assert link is not None
        assert link.url == url
        assert str(httpx.URL(url)) == url


def test_github_links_carry_owner_and_name() -> None:
    (link,) = extract_links("https://github.com/Owner/Repo.git")
    assert (link.kind, link.host, link.owner, link.name) == ("repo", "github.com", "Owner", "Repo")


@pytest.mark.parametrize("text", [
    "https://arxiv.org/abs/2101.00001",
    "https://doi.org/10.1000/xyz",
    "https://github.com/foo",  # a user, not a repository
    "https://github.com/topics/nlp",
    "https://huggingface.co/papers/2101.00001",
    "published in https://journal.example.com/vol/1",  # no cue: a citation, not the page
    "licence http://creativecommons.org/licenses/by/4.0/",
    "https://github.com/<script>/x",
    "https://github.com/foo/bar\"onmouseover=alert(1)",
    "email me@github.com/foo",
])
def test_leaves_out_what_is_not_a_code_or_project_link(text: str) -> None:
    links = extract_links(text)
    assert all(link.host == "github.com" and "<" not in link.url and '"' not in link.url
               for link in links)
    assert [link.url for link in links] in ([], ["https://github.com/foo/bar"])


def test_each_link_once_in_order() -> None:
    links = extract_links("https://github.com/a/b and https://github.com/a/b.git",
                          "Project page: https://a.github.io/b; code https://github.com/A/B")
    assert [link.url for link in links] == ["https://github.com/a/b", "https://a.github.io/b"]


def test_every_link_in_the_sample_is_valid_and_normalized() -> None:
    with_github = 0
    for number, line in enumerate(SAMPLE.open(encoding="utf-8"), start=1):
        record = json.loads(line)
        links = extract_links(record.get("abstract"), record.get("comments"))
        for link in links:
            where = f"line {number} ({record['id']}): {link.url!r}"
            parts = urlsplit(link.url)
            assert parts.scheme in ("http", "https"), where
            assert parts.hostname, where
            assert str(httpx.URL(link.url)) == link.url, where
            assert normalize(link.url) == link, where
            assert not any(c.isspace() for c in link.url), where
            assert link.url[-1] not in ".,;:!?)]}'\"", where
            assert link.url.isascii(), where
            assert not set(link.url) & set("<>\"'"), where
        with_github += any(link.host == "github.com" for link in links)
    assert with_github >= 4_000
