"""``paperwire library import | list | clear``: a reader's library from the CLI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from paperwire.cli.app import app, one_line_errors, open_core, out

library_app = typer.Typer(
    help="A reader's library (the papers For you learns from): import, list, clear.",
    no_args_is_help=True,
)
app.add_typer(library_app, name="library")

UserOption = Annotated[str, typer.Option("--user", help="The reader's email address.")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON: one object per line.")]


@library_app.command("import")
@one_line_errors
def library_import(
    files: Annotated[list[Path], typer.Argument(
        help="BibTeX, RIS, CSL-JSON or plain lists of arXiv ids, arXiv URLs or DOIs.",
        exists=True, dir_okay=False, readable=True)],
    user: UserOption,
    fetch: Annotated[bool, typer.Option(
        help="Fetch arXiv ids the store lacks from the arXiv API.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Add the papers of library files to a reader's library. A bad file is refused
    (its line named) and nothing is added; nothing already there is removed."""
    core = open_core()
    reader = core.user_by_email(user)
    summary = core.import_library(
        reader.id, [(str(path), path.read_bytes()) for path in files], fetch=fetch
    )
    if as_json:
        sys.stdout.write(orjson.dumps(summary.as_dict()).decode() + "\n")
        return
    matched = summary.matched
    out.print(
        f"{summary.entries} entries: {summary.matched_total} matched (by arXiv id"
        f" {matched['arxiv_id']}, DOI {matched['doi']}, title {matched['title']}, fetched"
        f" from arXiv {matched['fetched']}); {summary.added} added to the library,"
        f" {summary.already} already in it; {len(summary.unmatched)} unmatched",
        highlight=False, soft_wrap=True,
    )
    for entry in summary.unmatched:
        out.print(f"  {entry.file}:{entry.line} {entry.key}: {entry.reason}",
                  highlight=False, markup=False, soft_wrap=True)


@library_app.command("list")
@one_line_errors
def library_list(user: UserOption, as_json: JsonOption = False) -> None:
    """A reader's library, newest entry first: arXiv id, title, where it came from."""
    core = open_core()
    items = core.library(core.user_by_email(user).id)
    if as_json:
        for item in items:
            sys.stdout.write(orjson.dumps({
                "id": item.arxiv_id, "title": item.title, "source": item.source,
                "key": item.source_key, "added_at": item.added_at,
            }).decode() + "\n")
        return
    for item in items:
        out.print(f"{item.arxiv_id}\t{item.title}\t{item.source}:{item.source_key}",
                  highlight=False, markup=False, soft_wrap=True)
    out.print(f"{len(items)} papers", highlight=False)


@library_app.command("clear")
@one_line_errors
def library_clear(
    user: UserOption,
    signals: Annotated[bool, typer.Option(
        "--signals", help="Also delete the reader's signals (not interested, more like"
        " this, read, seen).")] = False,
) -> None:
    """Empty a reader's library (and, with --signals, their signals too)."""
    core = open_core()
    reader = core.user_by_email(user)
    if signals:
        deleted = core.delete_reader_data(reader.id)
        out.print(f"deleted {deleted.library_entries} library entries and"
                  f" {deleted.signals} signals of {reader.email}", highlight=False)
        return
    out.print(f"deleted {core.clear_library(reader.id)} library entries of {reader.email}",
              highlight=False)
