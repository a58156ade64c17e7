"""``paperwire export`` and ``paperwire restore``: a deployment to one file and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from paperwire.core import make_paperwire
from paperwire.settings import Settings


class RateColumn(ProgressColumn):
    """Rows a second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s")


def _progress() -> Progress:
    from paperwire.cli import err

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeRemainingColumn(), console=err,
    )


def register(app: typer.Typer) -> None:
    from paperwire.cli import fail, one_line_errors, open_core, out

    @app.command("export")
    @one_line_errors
    def export(
        out_path: Annotated[Path, typer.Option(
            "--out", help="The archive to write (gzip JSON lines, e.g. backup.jsonl.gz).",
        )],
        rate: Annotated[float | None, typer.Option(
            min=1, help="At most this many rows a second, to go easy on a busy store.",
        )] = None,
    ) -> None:
        """Write everything the deployment owns (papers, accounts, votes, comments,
        collections, subscriptions, digests, vectors ...; not sessions) to one archive,
        as of one moment, while the site keeps serving. See docs/backup.md."""
        if out_path.is_dir():
            raise fail(f"{out_path} is a directory: name the archive file")
        if not out_path.parent.is_dir():
            raise fail(f"no such directory: {out_path.parent}")
        core = open_core()
        with _progress() as progress:
            task = progress.add_task("exporting", total=None)
            report = core.export_archive(
                out_path, rows_per_second=rate,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        out.print(f"exported {report.total:,} rows of {len(report.rows)} tables to {out_path} "
                  f"({report.size / 1e6:.1f} MB, schema {report.revision}, "
                  f"sha256 {report.sha256[:12]}…)", highlight=False, soft_wrap=True)

    @app.command("restore")
    @one_line_errors
    def restore(
        archive: Annotated[Path, typer.Argument(help="An archive written by `paperwire export`.")],
    ) -> None:
        """Load an archive into an empty store (SQLite or PostgreSQL, as configured): checks
        the whole file first, loads it in one transaction, then rebuilds the keyword and
        vector indexes (embedding only papers the archive has no vectors for)."""
        if not archive.is_file():
            raise fail(f"no such file: {archive}")
        core = make_paperwire(Settings())  # restore migrates the empty store itself
        tasks: dict[str, TaskID] = {}
        with _progress() as progress:

            def on_progress(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    tasks[phase] = progress.add_task(phase, total=total)
                progress.update(tasks[phase], completed=done, total=total)

            report = core.restore_archive(archive, on_progress=on_progress)
        upgraded = f", upgraded to {report.upgraded_to}" if report.upgraded_to else ""
        out.print(f"restored {report.total:,} rows of {len(report.rows)} tables "
                  f"(schema {report.revision}{upgraded})", highlight=False, soft_wrap=True)
        out.print(f"keyword index: {report.keyword_indexed:,} papers · vector index: "
                  f"{report.vectors_indexed:,} vectors from the archive · embedded now: "
                  f"{report.embedded:,}", highlight=False, soft_wrap=True)
