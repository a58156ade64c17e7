"""Citation export: BibTeX in arXiv's style, RIS, CSL-JSON, page metadata for Zotero."""

from __future__ import annotations

import html
import re

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from clients import Browser, open_client
from factories import load, make_user, paper
from paperwire import citations
from paperwire.web.app import create_app

QUIRKY = [
    paper("2405.00001", "Über $\\mathcal{O}(n^2)$ attention: 100% of the {heads} & more_than_all",
          "An abstract with \"quotes\" and <b>tags</b>.",
          authors="José Ñúñez-García, Łukasz Kaiser, Ada M. van der Waals Jr., Paul Erdős",
          cats="cs.LG stat.ML", doi="10.1000/ab_c.12"),
    paper("2405.00002", "Über the rest", "Another abstract.", authors="José Ñúñez-García"),
    paper("2405.00003", "A third", "Third abstract.", authors="Zoë Smith", day="2024-03-06"),
]
# The CSL-JSON fields paperwire writes, as the CSL 1.0.2 schema (csl-data.json) types them.
CSL_NAME = {"type": "object", "additionalProperties": False, "properties": {
    "family": {"type": "string"}, "given": {"type": "string"}, "suffix": {"type": "string"},
    "literal": {"type": "string"}}}
CSL_ITEM = {
    "type": "object", "required": ["id", "type"], "additionalProperties": False,
    "properties": {
        "id": {"type": ["string", "number"]},
        "type": {"enum": ["article", "article-journal", "report", "paper-conference"]},
        "genre": {"type": "string"}, "title": {"type": "string"},
        "author": {"type": "array", "items": CSL_NAME},
        "issued": {"type": "object", "required": ["date-parts"], "properties": {"date-parts": {
            "type": "array", "items": {"type": "array", "minItems": 1, "maxItems": 3,
                                       "items": {"type": ["string", "number"]}}}}},
        "abstract": {"type": "string"}, "publisher": {"type": "string"},
        "number": {"type": ["string", "number"]}, "URL": {"type": "string"},
        "DOI": {"type": "string"}, "keyword": {"type": "string"},
    },
}


@pytest.fixture
def web(core, tmp_path):
    load(core, tmp_path, QUIRKY)
    with open_client(create_app(core=core)) as client:
        yield client


def decoded(bibtex: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(bibtex, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    return library


def test_tex_escapes_specials_and_accents_and_keeps_math():
    assert citations.tex("50% & $x_1$ #1_a {b}") == r"50\% \& $x_1$ \#1\_a \{b\}"
    assert citations.tex("Erdős Łódź façade naïve") == r"Erd{\H{o}}s {\L}{\'o}d{\'z} fa{\c{c}}ade na{\"\i}ve"
    assert citations.tex("日本") == "日本"  # no TeX accent draws it: kept as UTF-8


def test_names_keep_particles_and_suffixes():
    assert citations.parse_name("Ada M. van der Waals Jr.") == citations.Name("Ada M.", "van der Waals", "Jr.")
    assert citations.parse_name("Plato") == citations.Name("", "Plato")
    assert citations.parse_name("Jean de la Fontaine") == citations.Name("Jean", "de la Fontaine")


def test_a_paper_s_bibtex_round_trips_through_bibtexparser(web):
    response = web.get("/papers/2405.00001.bib")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-bibtex")
    (entry,) = decoded(response.text).entries
    assert entry.entry_type == "misc"
    assert entry.key == "nunezgarcia2024uber"
    assert entry["eprint"] == "2405.00001"
    assert entry["archivePrefix"] == "arXiv"
    assert entry["primaryClass"] == "cs.LG"
    assert entry["url"] == "https://arxiv.org/abs/2405.00001"
    assert entry["doi"] == "10.1000/ab_c.12"
    assert entry["title"] == QUIRKY[0]["title"]
    authors = [name.strip() for name in entry["author"].split(" and ")]
    assert authors == ["José Ñúñez-García", "Łukasz Kaiser", "van der Waals, Jr, Ada M.", "Paul Erdős"]


def test_a_search_page_exports_its_hits_with_unique_keys(web):
    listed = re.findall(r'class="paper-title"><a href="/papers/([^"]+)"', web.get("/papers?q=abstract").text)
    library = decoded(web.get("/papers.bib?q=abstract").text)
    assert [entry["eprint"] for entry in library.entries] == listed
    assert len({entry.key for entry in library.entries}) == len(library.entries) == 3
    ris = rispy.loads(web.get("/papers.ris?q=abstract").text)
    assert [record["urls"][0] for record in ris] == [f"https://arxiv.org/abs/{i}" for i in listed]
    csl = web.get("/papers.json?q=abstract")
    assert csl.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    jsonschema.validate(csl.json(), {"type": "array", "items": CSL_ITEM})
    assert [item["id"] for item in csl.json()] == [f"arXiv:{i}" for i in listed]


def test_a_search_export_takes_the_page_s_filters(web):
    page = web.get("/papers?q=abstract&cat=stat.ML").text
    listed = re.findall(r'class="paper-title"><a href="/papers/([^"]+)"', page)
    assert listed == ["2405.00001"]
    links = {label: html.unescape(href) for href, label in re.findall(
        r'<a href="(/papers\.(?:bib|ris|json)\?[^"]+)" download>([^<]+)</a>', page)}
    assert sorted(links) == ["BibTeX", "CSL-JSON", "RIS"]  # the page's own links
    assert all("cat=stat.ML" in link for link in links.values())
    (entry,) = decoded(web.get(links["BibTeX"]).text).entries
    (record,) = rispy.loads(web.get(links["RIS"]).text)
    (item,) = web.get(links["CSL-JSON"]).json()
    assert (entry["eprint"], record["urls"][0], item["id"]) == (
        "2405.00001", "https://arxiv.org/abs/2405.00001", "arXiv:2405.00001")


def test_ris_and_csl_json_carry_the_same_paper(web):
    (record,) = rispy.loads(web.get("/papers/2405.00001.ris").text)
    assert record["type_of_reference"] == "UNPB"
    assert record["authors"][2] == "van der Waals, Ada M., Jr"
    assert record["doi"] == "10.1000/ab_c.12"
    assert record["keywords"] == ["cs.LG", "stat.ML"]
    items = web.get("/papers/2405.00001.json").json()
    jsonschema.validate(items, {"type": "array", "items": CSL_ITEM})
    assert items[0]["author"][2] == {"family": "van der Waals", "given": "Ada M.", "suffix": "Jr"}
    assert items[0]["author"][3] == {"family": "Erdős", "given": "Paul"}
    assert items[0]["issued"]["date-parts"][0][0] == 2024


def test_old_versions_redirect_and_unknown_papers_are_404(web):
    assert web.get("/papers/2405.00001v2.bib").headers["location"] == "/papers/2405.00001.bib"
    assert web.get("/papers/2405.09999.ris").status_code == 404


def test_the_paper_page_carries_highwire_tags_coins_and_a_copy_button(web):
    page = web.get("/papers/2405.00001").text
    tags = re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', page)
    values = {name: html.unescape(value) for name, value in tags}
    assert values["citation_title"] == QUIRKY[0]["title"]
    assert next(html.unescape(v) for n, v in tags if n == "citation_author") == "José Ñúñez-García"
    assert values["citation_arxiv_id"] == "2405.00001"
    assert values["citation_pdf_url"] == "https://arxiv.org/pdf/2405.00001"
    coins = re.search(r'<span class="Z3988" title="([^"]+)">', page)
    assert coins
    assert "rft_id=info%3Aarxiv%2F2405.00001" in html.unescape(coins[1])
    assert 'data-copy="bibtex"' in page
    assert "<b>tags</b>" not in page  # the abstract is escaped as ever


def test_a_collection_exports_only_for_who_may_see_it(core, web, app):
    ada = make_user(core, "ada@example.org")
    make_user(core, "bob@example.org")
    private = core.create_collection(ada, "Mine")
    core.save_paper(ada, private, "2405.00003")
    public = core.create_collection(ada, "Shared", public=True)
    core.save_paper(ada, public, "2405.00001")
    core.save_paper(ada, public, "2405.00002")
    assert web.get(f"/collections/{private}.bib").status_code == 404
    assert Browser(app, core, "bob@example.org").get(f"/collections/{private}.csl.json").status_code == 404
    mine = Browser(app, core, "ada@example.org").get(f"/collections/{private}.csl.json").json()
    assert [item["id"] for item in mine] == ["arXiv:2405.00003"]
    shared = decoded(web.get(f"/collections/{public}.bib").text)
    assert sorted(entry["eprint"] for entry in shared.entries) == ["2405.00001", "2405.00002"]
    ris = web.get(f"/collections/{public}.ris")
    assert ris.headers["content-type"].startswith("application/x-research-info-systems")
    assert sorted(record["urls"][0] for record in rispy.loads(ris.text)) == [
        "https://arxiv.org/abs/2405.00001", "https://arxiv.org/abs/2405.00002"]
    csl = web.get(f"/collections/{public}.csl.json").json()
    jsonschema.validate(csl, {"type": "array", "items": CSL_ITEM})
    assert web.get(f"/collections/{private}.ris").status_code == 404
    assert web.get(f"/collections/{public}.json").json()["version"].startswith("https://jsonfeed.org")


def test_a_csl_processor_formats_the_csl_json(web):
    """citeproc-py, a CSL 1.0 processor, reads the export and formats it in a style it
    ships: the names, the year and the title come out as a reference manager shows them."""
    items = web.get("/papers/2405.00001.json").json()
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem(items[0]["id"])]))
    (entry,) = [str(text) for text in bibliography.bibliography()]
    assert entry.startswith("Ñúñez-García, J. et al. (2024) “Über")  # the style cuts 4 names
    assert "attention: 100% of the {heads} & more_than_all”. arXiv." in entry
    assert entry.endswith("Available at: https://doi.org/10.1000/ab_c.12.")
