"""Which stored paper each reference is: by arXiv id, then DOI, then normalized title
(only for references without an arXiv id: a written id is never overruled by a title).
References with an arXiv id the store lacks are left for the core to fetch from the
arXiv API and match again. The SQL is ``paperwire.db.library``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from paperwire.db import library as store
from paperwire.db.session import Connection
from paperwire.library.models import LibrarySource, MatchedBy
from paperwire.library.references import Reference
from paperwire.text import title_key

MIN_TITLE_WORDS = 3  # "Introduction" or "Notes" alone would match too much


@dataclass(frozen=True, slots=True)
class Located:
    """A reference of one file, with the file's name and format."""

    file: str
    source: str
    reference: Reference


@dataclass(slots=True)
class Matches:
    found: list[tuple[Located, int, MatchedBy]] = field(default_factory=list)
    to_fetch: list[Located] = field(default_factory=list)  # arXiv ids the store lacks
    unmatched: list[tuple[Located, str]] = field(default_factory=list)


def match(connection: Connection, located: Sequence[Located]) -> Matches:
    refs = [item.reference for item in located]
    by_id = store.ids_by_arxiv_id(connection, [r.arxiv_id for r in refs if r.arxiv_id])
    by_doi = store.ids_by_doi(connection, [r.doi for r in refs if r.doi])
    wanted_titles = {
        title_key(r.title) for r in refs
        if not r.arxiv_id and r.title and (not r.doi or r.doi not in by_doi)
    }
    by_title = _titles(connection, {key for key in wanted_titles
                                    if len(key.split()) >= MIN_TITLE_WORDS})
    result = Matches()
    for item in located:
        _match_one(item, by_id, by_doi, by_title, result)
    return result


def match_fetched(connection: Connection, located: Sequence[Located],
                  missing: set[str]) -> Matches:
    """Match again the references whose arXiv ids were just fetched."""
    by_id = store.ids_by_arxiv_id(
        connection, [item.reference.arxiv_id for item in located if item.reference.arxiv_id]
    )
    result = Matches()
    for item in located:
        arxiv_id = item.reference.arxiv_id or ""
        if arxiv_id in by_id:
            result.found.append((item, by_id[arxiv_id], MatchedBy.FETCHED))
        elif arxiv_id in missing:
            result.unmatched.append((item, f"arXiv has no paper {arxiv_id}"))
        else:
            result.unmatched.append((item, f"arXiv id {arxiv_id} not stored and not fetched"))
    return result


def _match_one(item: Located, by_id: dict[str, int], by_doi: dict[str, int],
               by_title: dict[str, list[int]], result: Matches) -> None:
    ref = item.reference
    if ref.arxiv_id and ref.arxiv_id in by_id:
        result.found.append((item, by_id[ref.arxiv_id], MatchedBy.ARXIV_ID))
    elif ref.doi and ref.doi in by_doi:
        result.found.append((item, by_doi[ref.doi], MatchedBy.DOI))
    elif ref.arxiv_id:
        result.to_fetch.append(item)
    elif ref.title:
        key = title_key(ref.title)
        papers = by_title.get(key, [])
        if len(papers) == 1:
            result.found.append((item, papers[0], MatchedBy.TITLE))
        else:
            result.unmatched.append((item, _title_reason(ref, key, len(papers))))
    elif ref.doi:
        result.unmatched.append((item, f"DOI {ref.doi} not stored, and no arXiv id or title"))
    elif item.source == LibrarySource.LIST:
        result.unmatched.append((item, "not an arXiv id, arXiv URL or DOI"))
    else:
        result.unmatched.append((item, "no arXiv id, DOI or title"))


def _title_reason(ref: Reference, key: str, count: int) -> str:
    doi = f"DOI {ref.doi} not stored; " if ref.doi else ""
    if len(key.split()) < MIN_TITLE_WORDS:
        return f"{doi}title too short to match on its own"
    if count > 1:
        return f"{doi}title matches {count} stored papers"
    return f"{doi}no stored paper has this title"


def _titles(connection: Connection, keys: set[str]) -> dict[str, list[int]]:
    """Stored papers whose title reduces to one of ``keys``. Scans every stored title
    once, so it runs only when some reference has neither an arXiv id nor a known DOI."""
    if not keys:
        return {}
    found: dict[str, list[int]] = defaultdict(list)
    for paper_id, title in store.stored_titles(connection):
        key = title_key(title)
        if key in keys:
            found[key].append(paper_id)
    return found
