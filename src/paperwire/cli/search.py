"""``paperwire search``: the store searched with the same engine as the site."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.table import Table

from paperwire.cli.app import app, one_line_errors, open_core, out
from paperwire.models import SearchOptions, Sort


@app.command()
@one_line_errors
def search(
    query: Annotated[str, typer.Argument(help="Words, \"phrases\", -word, author:, cat:.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="How many results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    sort: Annotated[Sort, typer.Option(help="Order of results.")] = Sort.RELEVANCE,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Listed on or after, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Listed on or before, YYYY-MM-DD.")
    ] = None,
    cat: Annotated[str | None, typer.Option(help="Only this category, e.g. cs.LG.")] = None,
    author: Annotated[str | None, typer.Option(help="Only papers by this author.")] = None,
    semantic: Annotated[
        bool, typer.Option(help="Also find papers close in meaning.")
    ] = True,
) -> None:
    """Search the store with the same engine as the site."""
    core = open_core()
    options = SearchOptions.from_params({
        "sort": sort.value, "from": date_from or "", "to": date_to or "", "cat": cat or "",
        "author": author or "", "semantic": str(semantic),
    })
    results = core.search_papers(query, limit=limit, options=options)
    if results.jump_to:
        rows = [(core.get_paper(results.jump_to), 1.0, "id", [])]
        results.total = 1
    else:
        rows = [(hit.paper, hit.score, hit.match.value, hit.concepts) for hit in results.hits]
    if as_json:
        for rank, (paper, score, match, concepts) in enumerate(rows, start=1):
            line = {
                "rank": rank, "id": paper.arxiv_id, "title": paper.title,
                "score": round(score, 6), "match": match, "authors": paper.authors,
                "published": paper.published_or_announced.isoformat(),
                "categories": paper.categories, "concepts": concepts, "url": paper.abs_url,
            }
            sys.stdout.write(orjson.dumps(line).decode() + "\n")
        return
    table = Table(show_lines=False, title=f"{results.total:,} matches for {query!r}")
    for name in ("#", "id", "title", "match", "score"):
        table.add_column(name, justify="right" if name in ("#", "score") else "left")
    for rank, (paper, score, match, _) in enumerate(rows, start=1):
        table.add_row(str(rank), paper.arxiv_id, paper.title, match, f"{score:.3f}")
    out.print(table)
    if results.suggestion:
        out.print(f"did you mean: {results.suggestion}")
