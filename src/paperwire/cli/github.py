"""``paperwire github``: refresh the GitHub metadata of linked repositories, and its state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from paperwire.cli.app import app, count_progress, one_line_errors, open_core, out

github_app = typer.Typer(help="GitHub metadata of linked repositories: refresh, status.",
                         no_args_is_help=True)
app.add_typer(github_app, name="github")


def _when(epoch: int) -> str:
    return f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H:%M:%S} UTC"


@github_app.command("refresh")
@one_line_errors
def refresh(
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, help="At most this many repositories.")] = None,
) -> None:
    """Fetch stars, description, license, last push and archived state of the
    repositories due: newly linked ones first, then by age and popularity. Stops at
    GitHub's rate limit and says when it lifts; run it again then."""
    core = open_core()
    with count_progress() as progress:
        task = progress.add_task("repositories", total=None)
        report = core.refresh_github(
            limit=limit,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    out.print(f"new links {report.new:,} · requests {report.requests:,} · "
              f"updated {report.fetched:,} · unchanged (304) {report.not_modified:,} · "
              f"gone {report.gone:,} · skipped {report.skipped:,}")
    if report.resumes_at is not None:
        out.print(f"GitHub's rate limit is reached: resumes at {_when(report.resumes_at)}")


@github_app.command("status")
@one_line_errors
def status() -> None:
    """Repositories known, fetched, gone and due, and GitHub's rate-limit state."""
    state = open_core().github_status()
    counts = state.counts
    out.print(f"repositories {counts.known:,} · fetched {counts.fetched:,} · "
              f"gone {counts.gone:,} · due {counts.due:,}")
    limited = state.limited_until
    out.print("rate limit: not reached" if limited is None
              else f"rate limit: reached, resumes at {_when(limited)}")
