"""A paper as Markdown, for language models: ``GET /papers/{id}.md`` and the MCP
``paper://{id}`` resource render it here.

Every stored text (title, authors, abstract, comments, concepts) is untrusted: it is
put on one line and every character Markdown or HTML gives a meaning is
backslash-escaped, so a title cannot open a link, an image, a tag or a heading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

from paperwire import citations
from paperwire.models import Paper

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that
# can start a link, an image, emphasis, code, a tag, an entity, a table or a heading,
# and the ``.`` and ``:`` GitHub's autolinks need (``www.x.org``, ``http://``).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~&$.:])")
_LIST_START = re.compile(r"^([-+])")  # a list item, once the text starts a line
_SPACE = re.compile(r"\s+")
_BACKTICKS = re.compile(r"`+")


def escape(text: str) -> str:
    """``text`` on one line with Markdown's and HTML's special characters escaped."""
    line = _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", text.replace("\x00", "")).strip())
    return _LIST_START.sub(r"\\\1", line)


def link(label: str, url: str) -> str:
    """A link to an http(s) ``url`` (anything else is shown as escaped text)."""
    if urlsplit(url).scheme not in ("http", "https"):
        return escape(f"{label}: {url}")
    return f"[{escape(label)}](<{quote(url, safe=_URL_SAFE)}>)"


_URL_SAFE = ":/?#=&%@+~,;!$*'"  # not ( ) < > or spaces, which would end the destination


def code_block(text: str, language: str = "") -> str:
    """A fenced block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def paper_markdown(paper: Paper, *, base_url: str, concepts: Sequence[str] = ()) -> str:
    """The paper's page as Markdown: title, authors, dates, categories, links, abstract,
    concepts and its BibTeX."""
    page = f"{base_url.rstrip('/')}/papers/{paper.arxiv_id}"
    parts = [f"# {escape(paper.title)}", _facts(paper), "## Links\n\n" + "\n".join(
        f"- {item}" for item in _links(paper, page))]
    parts.append(f"## Abstract\n\n{escape(paper.abstract)}")
    if concepts:
        parts.append("## Concepts\n\n" + ", ".join(escape(concept) for concept in concepts))
    parts.append("## Citation\n\n" + code_block(citations.bibtex([paper]), "bibtex"))
    return "\n\n".join(parts) + "\n"


def _facts(paper: Paper) -> str:
    lines = [f"- **arXiv:** {escape(paper.arxiv_id)}v{paper.latest_version}",
             f"- **Authors:** {escape(', '.join(paper.authors))}"]
    if paper.published:
        lines.append(f"- **Published:** {paper.published.date().isoformat()}")
    if paper.updated and paper.updated != paper.published:
        lines.append(f"- **Updated:** {paper.updated.date().isoformat()}")
    lines.append(f"- **Announced:** {paper.announced_on.isoformat()}")
    lines.append(f"- **Categories:** {escape(', '.join(paper.categories))}")
    lines.append(f"- **Upvotes:** {paper.upvotes}")
    for label, value in (("Comments", paper.comments), ("Journal", paper.journal_ref),
                         ("DOI", paper.doi)):
        if value:
            lines.append(f"- **{label}:** {escape(value)}")
    if paper.withdrawn:
        lines.append("- **Withdrawn** by its authors")
    return "\n".join(lines)


def _links(paper: Paper, page: str) -> list[str]:
    items = [link("paperwire", page), link("arXiv", paper.abs_url), link("PDF", paper.pdf_url)]
    if paper.doi:
        items.append(link("DOI", f"https://doi.org/{paper.doi}"))
    for found in paper.links:
        kind = "Code" if found.kind == "repo" else "Project page"
        origin = "from the authors" if found.source == "authors" else "added by a reader"
        items.append(f"{link(f'{kind}: {found.label}', found.url)} ({origin})")
    return items
