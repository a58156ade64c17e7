"""``paperwire summaries``: make the one-line summaries (extractive, and abstractive with
an endpoint configured)."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.app import app, count_progress, one_line_errors, open_core, out

summaries_app = typer.Typer(help="One-line summaries: build, status.", no_args_is_help=True)
app.add_typer(summaries_app, name="summaries")


@summaries_app.command("build")
@one_line_errors
def build(
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, help="At most this many papers of each kind.")] = None,
    abstractive: Annotated[bool, typer.Option(
        help="Also ask the configured endpoint (PAPERWIRE_SUMMARY_URL), if any.")] = True,
) -> None:
    """Summarize embedded papers whose summary is missing or stale (run `paperwire embed`
    first), then, with an endpoint configured, ask it for papers without an abstractive
    summary of their latest version. Safe to stop and run again: it resumes."""
    core = open_core()
    if core.semantic is None:
        out.print("semantic search is off (PAPERWIRE_EMBEDDER=none): no extractive summaries")
    with count_progress() as progress:
        plain = progress.add_task("extractive summaries", total=None)
        made = progress.add_task("abstractive summaries", total=None,
                                 visible=abstractive and core.summary_client is not None)
        report = core.build_summaries(
            limit=limit, abstractive=abstractive,
            on_progress=lambda done, total: progress.update(plain, completed=done, total=total),
            on_abstractive_progress=lambda done, total: progress.update(
                made, completed=done, total=total),
        )
    out.print(f"extractive {report.extractive:,} · abstractive {report.abstractive:,} · "
              f"refused answers {report.rejected:,} · endpoint unavailable {report.unavailable:,}")
    if report.endpoint_down:
        out.print("the endpoint answered none of the last papers asked: stopped; run again later")


@summaries_app.command("status")
@one_line_errors
def status() -> None:
    """Papers waiting for each kind of summary."""
    pending = open_core().pending_summaries()
    if not pending:
        out.print("no summaries to make (semantic search off, no endpoint configured)")
    for kind, count in pending.items():
        out.print(f"{kind:12} {count:,} pending")
