"""``paperwire harvest``, ``add`` and ``announcements``: harvesting from the CLI."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from paperwire.cli.app import app, err, one_line_errors, open_core, out, parse_day_option
from paperwire.harvest.oai import PageProgress

FromOption = Annotated[
    str | None, typer.Option("--from", help="YYYY-MM-DD; default: where the set's cursor is.")
]
UntilOption = Annotated[str | None, typer.Option(help="YYYY-MM-DD (inclusive).")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="OAI-PMH set (cs, cs:cs:AI ...); repeatable. Default: all."),
]
DailyOption = Annotated[
    bool, typer.Option("--daily", help="Run the scheduled job now: listing + categories.")
]
DayArgument = Annotated[
    str | None, typer.Argument(help="YYYY-MM-DD; default: fetch today's listing.")
]
STATES = {True: "announcement", False: "no announcement", None: "unknown"}


@app.command()
@one_line_errors
def harvest(
    from_: FromOption = None,
    until: UntilOption = None,
    set_: SetOption = None,
    daily: DailyOption = False,
) -> None:
    """Harvest arXiv over OAI-PMH (arXivRaw), politely and resumably."""
    core = open_core(migrate=True)
    started = time.monotonic()
    with Progress(TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err) as progress:
        task = progress.add_task("harvesting", total=None)

        def on_page(page: PageProgress) -> None:
            rate = page.counts.records / max(time.monotonic() - started, 1e-6)
            progress.update(task, description=(
                f"{page.set_spec or 'arXiv'} page {page.page}: {page.counts.records:,}"
                f" records ({page.counts.added:,} new) · {rate:,.0f} records/s"
            ))

        if daily:
            report = core.harvest_daily(on_page=on_page)
        else:
            report = core.harvest(sets=set_ or [""], from_date=parse_day_option(from_),
                                  until=parse_day_option(until), on_page=on_page)
    counts = report.counts
    for problem in report.errors[:20]:
        err.print(f"rejected {problem}", highlight=False, soft_wrap=True)
    out.print(
        f"added {counts.added:,} · updated {counts.updated:,} · unchanged"
        f" {counts.unchanged:,} · withdrawn {counts.deleted:,} · quarantined"
        f" {counts.quarantined:,} · {counts.requests:,} requests"
    )


@app.command()
@one_line_errors
def add(
    ids: Annotated[list[str], typer.Argument(help="arXiv ids or URLs (abs/pdf).")],
) -> None:
    """Fetch papers from the arXiv API and store them."""
    core = open_core(migrate=True)
    report = core.add_papers(ids)
    for missing in report.missing:
        err.print(f"not found on arXiv: {missing}")
    out.print(f"added {report.counts.added:,} · updated {report.counts.updated:,}"
              f" · unchanged {report.counts.unchanged:,}")
    if report.missing:
        raise typer.Exit(1)


@app.command()
@one_line_errors
def announcements(
    day: DayArgument = None,
) -> None:
    """Fetch arXiv's daily listing, or say whether DAY had an announcement."""
    core = open_core(migrate=True)
    if day:
        status = core.announcement_status(parse_day_option(day))
        state = STATES[status.mailing]
        out.print(f"{status.day}: {state}{f' ({status.reason})' if status.reason else ''}"
                  f" · {status.papers:,} papers listed")
        return
    report = core.fetch_announcements()
    out.print(f"listing of {report.listing_day}: {report.counts.added:,} new papers stored")
