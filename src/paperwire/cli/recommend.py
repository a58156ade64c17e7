"""``paperwire recommend``: a reader's For-you picks, explained."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer

from paperwire.cli.app import app, one_line_errors, open_core, out, parse_day_option


@app.command("recommend")
@one_line_errors
def recommend(
    user: Annotated[str, typer.Option("--user", help="The reader's email address.")],
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many picks.")] = 20,
    since: Annotated[str | None, typer.Option(
        help="Only papers announced on or after this day (YYYY-MM-DD).")] = None,
    hide_seen: Annotated[bool, typer.Option(
        "--hide-seen", help="Leave out papers already shown to the reader or opened.")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="JSON: one object per line (id, rank, score, because, title).")] = False,
) -> None:
    """A reader's For-you picks, best first, each with why (docs/for-you.md)."""
    core = open_core()
    reader = core.user_by_email(user)
    result = core.recommend(reader.id, limit=limit, since=parse_day_option(since),
                            hide_seen=hide_seen)
    if as_json:
        for pick in result.picks:
            sys.stdout.write(orjson.dumps({
                "id": pick.paper.arxiv_id, "rank": pick.rank, "score": pick.score,
                "because": pick.because, "title": pick.paper.title,
            }).decode() + "\n")
        return
    if result.basis != "model":
        out.print(f"no library or signals yet: {result.basis} picks", highlight=False)
    for pick in result.picks:
        out.print(f"{pick.rank:>3}. {pick.paper.arxiv_id}  {pick.score:.3f}  {pick.paper.title}",
                  highlight=False, markup=False)
        for reason in pick.because:
            out.print(f"       {reason}", highlight=False, markup=False)
