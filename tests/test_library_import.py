"""Importing a reader's library: each format with the quirks real exports have
(BibTeX braces and TeX accents, ids in ``journal``/``eprint``/``url``; RIS CRLF and
multi-line fields; Zotero's CSL-JSON ``number`` and arXiv DOIs; plain lists of ids,
URLs and DOIs), matching by arXiv id, DOI, then title, unmatched entries with their
line and reason, bad files refused with the line and nothing stored, and arXiv ids the
store lacks fetched from a local fake arXiv API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from factories import make_paper, make_user
from harvest.conftest import point_at
from harvest.fake_arxiv import FakeArxiv
from paperwire.core import Paperwire
from paperwire.library.formats import read_references
from paperwire.library.references import LibraryFileError
from test_community import api_feed

DATA = Path(__file__).parent / "data" / "library"
LIGO_DOI = "10.1103/PhysRevLett.116.061102"


@pytest.fixture
def shelf(core: Paperwire) -> Paperwire:
    """A store with the papers the fixture libraries name (and two sharing a title)."""
    make_paper(core, "1810.04805", title="BERT: Pre-training of Deep Bidirectional "
               "Transformers for Language Understanding")
    make_paper(core, "hep-th/9901001", title="Old style paper on strings")
    make_paper(core, "2101.00001", title="Caf\\'e au lait: M\\\"uller's accents in titles")
    make_paper(core, "2102.00002", title="Observation of Gravitational Waves from a Binary"
               " Black Hole Merger", doi=LIGO_DOI)
    make_paper(core, "2103.00003", title="Attention Is All You Need")
    make_paper(core, "2104.00004", title="A duplicate title for testing")
    make_paper(core, "2104.00005", title="A Duplicate Title for Testing!")
    return core


def library_ids(core: Paperwire, user_id: int) -> set[str]:
    return {item.arxiv_id for item in core.library(user_id)}


def fixture(name: str) -> tuple[str, bytes]:
    return name, (DATA / name).read_bytes()


def unmatched(summary) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return [(u.line, u.key, u.reason) for u in summary.unmatched]


def test_bibtex_braces_accents_and_ids_where_exporters_write_them(shelf: Paperwire):
    reader = make_user(shelf, "reader@example.org").id
    summary = shelf.import_library(reader, [fixture("zotero.bib")], fetch=False)
    assert summary.entries == 6
    assert summary.matched == {"arxiv_id": 3, "doi": 1, "title": 1, "fetched": 0}
    assert library_ids(shelf, reader) == {
        "1810.04805", "hep-th/9901001", "2101.00001", "2102.00002", "2103.00003"}
    assert unmatched(summary) == [
        (34, "knuth1968", "no stored paper has this title")]
    keys = {item.arxiv_id: (item.source, item.source_key) for item in shelf.library(reader)}
    assert keys["2101.00001"] == ("bibtex", "cafe2021")  # matched by its accented title


def test_ris_crlf_and_multi_line_fields(shelf: Paperwire):
    reader = make_user(shelf, "reader@example.org").id
    summary = shelf.import_library(reader, [fixture("mendeley.ris")], fetch=False)
    assert summary.matched == {"arxiv_id": 2, "doi": 1, "title": 1, "fetched": 0}
    assert "2103.00003" in library_ids(shelf, reader)  # its id is on N1's second line
    assert unmatched(summary) == [(23, "tex", "title too short to match on its own")]


def test_zotero_csl_json_number_arxiv_dois_and_ambiguous_titles(shelf: Paperwire):
    reader = make_user(shelf, "reader@example.org").id
    summary = shelf.import_library(reader, [fixture("zotero.json")], fetch=False)
    assert summary.matched == {"arxiv_id": 2, "doi": 1, "title": 0, "fetched": 0}
    assert library_ids(shelf, reader) == {"1810.04805", "hep-th/9901001", "2102.00002"}
    assert unmatched(summary) == [
        (18, "dup", "title matches 2 stored papers"),
        (19, "nothing", "no arXiv id, DOI or title"),
    ]


def test_plain_list_of_ids_urls_and_dois(shelf: Paperwire):
    reader = make_user(shelf, "reader@example.org").id
    summary = shelf.import_library(reader, [fixture("reading-list.txt")], fetch=False)
    assert summary.matched == {"arxiv_id": 3, "doi": 1, "title": 0, "fetched": 0}
    assert library_ids(shelf, reader) == {
        "1810.04805", "2103.00003", "hep-th/9901001", "2102.00002"}
    assert unmatched(summary) == [
        (7, "https://doi.org/10.9999/unknown.doi",
         "DOI 10.9999/unknown.doi not stored, and no arXiv id or title"),
        (8, "not an id at all", "not an arXiv id, arXiv URL or DOI"),
    ]


def test_importing_again_adds_nothing_twice_and_reports_what_was_there(shelf: Paperwire):
    reader = make_user(shelf, "reader@example.org").id
    first = shelf.import_library(reader, [fixture("zotero.bib")], fetch=False)
    version = shelf.signals_version(reader)
    again = shelf.import_library(reader, [fixture("zotero.bib"), fixture("zotero.json")],
                                 fetch=False)
    assert (first.added, again.added, again.already) == (5, 0, 5)
    assert shelf.library_size(reader) == 5
    assert shelf.signals_version(reader) == version  # nothing new: nothing to retrain
    assert [u.file for u in again.unmatched] == ["zotero.bib", "zotero.json", "zotero.json"]


BAD_FILES = [
    ("broken.bib", b"@article{ok, title={Fine}}\n\n@article{broken,\n  title = {never closed\n"
     b"@misc{next, title={x}}\n", 3, "BibTeX syntax"),
    ("open.ris", b"TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two\n", 4,
     "no 'ER  - ' end line"),
    ("stray.ris", b"TY  - JOUR\nTI  - One\nER  - \nstray words\n", 4, "must start with 'TY  - '"),
    ("bad.json", b'[\n  {"id": "a", "title": "x"},\n  {"id": "b" "title": "y"}\n]\n', 3,
     "CSL-JSON: Expecting ','"),
    ("items.json", b'[\n  {"id": "a"},\n  "just a string"\n]\n', 3, "an item must be an object"),
    ("latin1.txt", b"1810.04805\n2103.00003 caf\xe9\n", 2, "not UTF-8 text"),
]


@pytest.mark.parametrize(("name", "data", "line", "reason"), BAD_FILES,
                         ids=[name for name, *_ in BAD_FILES])
def test_a_bad_file_names_its_line_and_loses_nothing(
    shelf: Paperwire, name: str, data: bytes, line: int, reason: str
):
    reader = make_user(shelf, "reader@example.org").id
    shelf.import_library(reader, [fixture("reading-list.txt")], fetch=False)
    before = library_ids(shelf, reader)
    with pytest.raises(LibraryFileError) as refused:
        # a good file first: an import is all or nothing, whichever file is bad
        shelf.import_library(reader, [fixture("zotero.bib"), (name, data)], fetch=False)
    assert str(refused.value).startswith(f"{name}, line {line}: "), str(refused.value)
    assert reason in str(refused.value)
    assert library_ids(shelf, reader) == before


# -- fetching what the store lacks ---------------------------------------------------------


@pytest.fixture
def arxiv(shelf: Paperwire) -> Iterator[FakeArxiv]:
    fake = FakeArxiv().start()
    point_at(shelf, fake)
    yield fake
    fake.stop()


def test_unmatched_arxiv_ids_are_fetched_through_the_arxiv_api(shelf: Paperwire, arxiv):
    reader = make_user(shelf, "reader@example.org").id
    published = datetime.now(UTC) - timedelta(days=400)
    arxiv.api_body = api_feed(("2401.07777", "Fetched for the library", published))
    listing = b"1810.04805\narXiv:2401.07777v2\nhttps://arxiv.org/abs/2401.07778\n"
    summary = shelf.import_library(reader, [("list.txt", listing)])
    calls = [r for r in arxiv.requests if r.path == "/api/query"]
    assert len(calls) == 1
    assert set(calls[0].params["id_list"].split(",")) == {"2401.07777", "2401.07778"}
    assert summary.matched == {"arxiv_id": 1, "doi": 0, "title": 0, "fetched": 1}
    assert unmatched(summary) == [
        (3, "https://arxiv.org/abs/2401.07778", "arXiv has no paper 2401.07778")]
    assert library_ids(shelf, reader) == {"1810.04805", "2401.07777"}
    assert shelf.get_paper("2401.07777").title == "Fetched for the library"


def test_fetching_off_or_over_the_limit_is_reported_not_fetched(shelf: Paperwire, arxiv):
    reader = make_user(shelf, "reader@example.org").id
    shelf.settings.library_fetch_max = 1
    arxiv.api_body = api_feed(("2401.07777", "Fetched", datetime.now(UTC)))
    summary = shelf.import_library(reader, [("list.txt", b"2401.07777\n2401.07778\n")])
    assert summary.matched["fetched"] == 1
    assert unmatched(summary) == [(2, "2401.07778",
                                   "arXiv id 2401.07778 not fetched: over 1 new ids in one import")]
    before = len(arxiv.requests)
    off = shelf.import_library(reader, [("list.txt", b"2401.07779\n")], fetch=False)
    assert len(arxiv.requests) == before
    assert unmatched(off) == [(1, "2401.07779", "arXiv id 2401.07779 not fetched: fetching is off")]


# -- quirks, one entry each (no store needed) -----------------------------------------------

QUIRKS = [
    ("arxiv-doi.bib", b"@article{a, title={T}, doi={10.48550/arXiv.2101.00001}}\n",
     "2101.00001", None),
    ("old-url.bib", b"@misc{a, title={T}, url={https://arxiv.org/abs/math.AG/0101001v3}}\n",
     "math.AG/0101001", None),
    ("howpublished.bib", b"@misc{a, title={T}, howpublished={\\url{https://arxiv.org/pdf/2101.00002v1}}}\n",
     "2101.00002", None),
    ("duplicate-key.bib", b"@misc{k, doi={10.1000/one}}\n@misc{k, doi={10.1000/Two}}\n", None, "10.1000/two"),
    ("doi-url.json", b'[{"id": "x", "DOI": "https://doi.org/10.1145/ABC.123"}]', None, "10.1145/abc.123"),
    ("mendeley.json", b'{"id": "y", "note": "arXiv: 1706.03762"}', "1706.03762", None),
    ("l2.ris", b"TY  - JOUR\nL2  - https://arxiv.org/abs/2101.00003\nER  - \n", "2101.00003", None),
    ("bom.txt", "\ufeff2101.00004v2\n".encode(), "2101.00004", None),
]


@pytest.mark.parametrize(("name", "data", "arxiv_id", "doi"), QUIRKS, ids=[q[0] for q in QUIRKS])
def test_identifiers_are_found_where_exporters_put_them(
    name: str, data: bytes, arxiv_id: str | None, doi: str | None
):
    references = read_references(data, name)[1]
    assert (references[-1].arxiv_id, references[-1].doi) == (arxiv_id, doi)
