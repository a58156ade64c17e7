"""``paperwire migrate | import | embed | reindex | stats | doctor | export | restore``:
the store, its search indexes and its backups."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import TaskID

from paperwire.cli.app import (
    app,
    bytes_progress,
    count_progress,
    err,
    fail,
    one_line_errors,
    open_core,
    out,
    rows_progress,
)
from paperwire.core import Paperwire
from paperwire.harvest.status import HarvestStatus


@app.command()
@one_line_errors
def migrate() -> None:
    """Create the store, or upgrade its schema to the latest revision."""
    core = open_core(migrate=True)
    out.print(f"store is at the latest revision ({core.stats().revision})")


@app.command("import")
@one_line_errors
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Snapshot JSON-lines files (.gz too).")],
    show_rejections: Annotated[
        int, typer.Option(help="How many rejected lines to print.")
    ] = 20,
    embed: Annotated[
        bool, typer.Option(help="Embed new and changed papers afterwards (see `embed`).")
    ] = True,
) -> None:
    """Import arXiv metadata snapshot files; prints added / updated / unchanged / rejected,
    then embeds the new and changed papers for semantic search."""
    for path in paths:
        if not path.is_file():
            raise fail(f"no such file: {path}")
    core = open_core(migrate=True)
    total = sum(path.stat().st_size for path in paths)
    done_before = 0
    with bytes_progress() as progress:
        task = progress.add_task("importing", total=total)

        def on_progress(position: int) -> None:
            progress.update(task, completed=done_before + position)

        report = None
        for path in paths:
            progress.update(task, description=f"importing {path.name}")
            report = core.import_snapshot([path], on_progress=on_progress, report=report)
            done_before += path.stat().st_size
    assert report is not None
    for rejection in report.rejections[:show_rejections]:
        err.print(f"rejected {rejection}", highlight=False, soft_wrap=True)
    if report.rejected > show_rejections:
        err.print(f"... and {report.rejected - show_rejections:,} more rejected lines")
    out.print(
        f"added {report.added:,} · updated {report.updated:,} · "
        f"unchanged {report.unchanged:,} · rejected {report.rejected:,}"
    )
    if embed:
        _embed(core)


def _embed(core: Paperwire, *, rerun_model: bool = False) -> None:
    if core.semantic is None:
        out.print("semantic search is off (PAPERWIRE_EMBEDDER=none): nothing to embed")
        return
    with count_progress() as progress:
        task = progress.add_task(f"embedding with {core.semantic.model}", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if rerun_model:
            report = core.reindex_embeddings(rerun_model=True, on_progress=on_progress)
        else:
            report = core.embed_pending(on_progress=on_progress)
    out.print(
        f"embedded {report.embedded:,} · unchanged text {report.reused:,} · "
        f"vector index updated with {report.indexed:,}"
    )


@app.command()
@one_line_errors
def embed() -> None:
    """Embed papers that are new or changed since they were last embedded (vectors and
    concepts), then update the vector index. Safe to stop and run again: it resumes."""
    _embed(open_core())


@app.command()
@one_line_errors
def stats(
    as_json: Annotated[bool, typer.Option(
        "--json", help="The row count of every table as one JSON object.",
    )] = False,
) -> None:
    """What the store holds."""
    core = open_core()
    if as_json:
        counts = core.row_counts()
        sys.stdout.write(orjson.dumps(counts, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    numbers = core.stats()
    out.print(f"store        {numbers.backend}, schema revision {numbers.revision}")
    out.print(f"papers       {numbers.papers:,} ({numbers.withdrawn:,} withdrawn)")
    out.print(f"listed days  {numbers.days:,}, from {numbers.first_day} to {numbers.last_day}")
    shown = ", ".join(f"{name} {count:,}" for name, count in numbers.categories)
    out.print(f"categories   {shown}")
    for line in harvest_lines(core.harvest_status()):
        out.print(line, highlight=False)


def harvest_lines(status: HarvestStatus) -> list[str]:
    """The last harvest, its counts and any error, for `paperwire stats`."""
    run = status.running or status.last_run
    if run is None:
        return ["harvest      never run (`paperwire harvest`, or `paperwire serve` runs it daily)"]
    counts = run.counts
    lines = [
        f"harvest      {'running since' if status.running else 'last'} {run.kind} {run.started_at:%Y-%m-%d %H:%M} UTC:"
        f" {run.status}, {counts.added:,} added · {counts.updated:,} updated · {counts.unchanged:,} unchanged"
        f" · {counts.quarantined:,} quarantined in {counts.pages:,} pages"
    ]
    if run.error:
        lines.append(f"  error      {run.error}")
    if status.last_success and status.last_success is not run:
        lines.append(f"  last ok    {status.last_success.started_at:%Y-%m-%d %H:%M} UTC")
    if status.next_run:
        lines.append(f"  next run   {status.next_run:%Y-%m-%d %H:%M} UTC")
    return lines


@app.command()
@one_line_errors
def doctor() -> None:
    """Check the secret key, the store and its migrations; say what is missing or wrong."""
    # reports a refused secret key (a FAIL line) instead of refusing; signs nothing
    checks = open_core(ensure_ready=False, refuse_weak_secret=False).doctor()
    for check in checks:
        mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
        out.print(f"{mark} {check.name}: {check.detail}", highlight=False)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@app.command()
@one_line_errors
def reindex(
    keyword: Annotated[bool, typer.Option(help="Rebuild the keyword index.")] = True,
    vectors: Annotated[
        bool, typer.Option(help="Embed pending papers, rebuild the vector index file.")
    ] = True,
    rerun_model: Annotated[
        bool, typer.Option(help="Embed every paper again (after changing the model).")
    ] = False,
) -> None:
    """Rebuild the search indexes from the stored papers: keywords, and vectors from the
    stored embeddings (the model runs only for new or changed papers, or --rerun-model)."""
    core = open_core()
    if keyword:
        with count_progress() as progress:
            task = progress.add_task("keyword index", total=core.stats().papers)
            count = core.rebuild_keyword_index(
                on_progress=lambda done: progress.update(task, completed=done)
            )
        out.print(f"keyword index rebuilt over {count:,} papers")
    if vectors:
        _embed(core, rerun_model=rerun_model)
        if not rerun_model and core.semantic is not None:
            count = core.rebuild_vector_index()
            out.print(f"vector index rebuilt over {count:,} papers")


@app.command("index-snapshot")
@one_line_errors
def index_snapshot() -> None:
    """Publish this host's keyword and vector indexes (brought up to the store first) to
    PAPERWIRE_INDEX_SNAPSHOT_DIR, where new web hosts start from them. Run it on a worker
    host from a timer (hourly, say); the two newest snapshots are kept."""
    snapshot = open_core().publish_index_snapshot()
    vectors = ", ".join(f"{model} {count:,}" for model, count in snapshot.vectors.items())
    out.print(f"published {snapshot.path}: keyword index {snapshot.papers:,} papers"
              f"{'; vectors ' + vectors if vectors else ''}")


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
    with rows_progress() as progress:
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
    core = open_core(ensure_ready=False)  # restore migrates the empty store itself
    tasks: dict[str, TaskID] = {}
    with rows_progress() as progress:

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
