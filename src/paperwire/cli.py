"""The ``paperwire`` command: the same core methods the web app and scheduler call."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from paperwire.community.models import Role
from paperwire.core import Paperwire, make_paperwire
from paperwire.errors import PaperwireError
from paperwire.harvest.status import HarvestStatus
from paperwire.models import SearchOptions, Sort
from paperwire.settings import Settings

app = typer.Typer(
    name="paperwire",
    help="A self-hosted Daily Papers for arXiv.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Show the settings in force.", no_args_is_help=True)
app.add_typer(config_app, name="config")
user_app = typer.Typer(help="Manage accounts: add, promote, ban.", no_args_is_help=True)
app.add_typer(user_app, name="user")

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def one_line_errors(command: F) -> F:
    """Turn paperwire's and the store's errors into one line on stderr and exit 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PaperwireError as error:
            raise fail(str(error)) from None
        except ValidationError as error:  # a setting's value, from Settings()
            raise fail(settings_error(error)) from None
        except SQLAlchemyError as error:
            first = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
            raise fail(f"store error: {first}") from None
        except OSError as error:
            raise fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")) from None

    return wrapper  # type: ignore[return-value]


def settings_error(error: ValidationError) -> str:
    """One line naming each bad setting and its value."""
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not message.startswith("PAPERWIRE_"):
            name = "_".join(str(part) for part in problem["loc"]).upper()
            message = f"PAPERWIRE_{name}: {message} (got {problem.get('input')!r})"
        lines.append(message)
    return "; ".join(lines)


def open_core(*, migrate: bool = False) -> Paperwire:
    """The core of every command but ``config show`` and ``doctor``: it refuses the
    default secret key outside dev mode (``make_paperwire``) before the store is touched."""
    core = make_paperwire(Settings())
    if migrate:
        core.migrate()
    else:
        core.ensure_ready()
    return core


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
    with _progress() as progress:
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
    with _count_progress() as progress:
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


def _count_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=err,
    )


@app.command()
@one_line_errors
def embed() -> None:
    """Embed papers that are new or changed since they were last embedded (vectors and
    concepts), then update the vector index. Safe to stop and run again: it resumes."""
    _embed(open_core())


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


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
    checks = Paperwire(Settings()).doctor()  # reports a refused secret key, signs nothing
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
        with _count_progress() as progress:
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


@app.command()
@one_line_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Migrate the store if needed and serve the site and API."""
    import uvicorn

    settings = Settings()
    open_core(migrate=True).close()
    out.print(f"paperwire serving http://{host}:{port}  (store: {_store_label(settings)})")
    if workers > 1:
        uvicorn.run("paperwire.web.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="warning")
        return
    from paperwire.web.app import create_app

    app = create_app(settings, background_jobs=settings.harvest_enabled)
    if settings.embed_in_background:
        app.state.core.start_background_embedding()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _store_label(settings: Settings) -> str:
    if settings.is_sqlite:
        return str((settings.data_dir / "paperwire.db").resolve())
    return settings.resolved_database_url.split("@")[-1]


@user_app.command("add")
@one_line_errors
def user_add(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    name: Annotated[str | None, typer.Option(help="User name (a-z, 0-9, -, _).")] = None,
    role: Annotated[Role, typer.Option(help="user, moderator or admin.")] = Role.USER,
) -> None:
    """Create an account (it signs in by emailed link like any other)."""
    user = open_core().add_user(email, username=name, role=role)
    out.print(f"added {user.username} <{user.email}> as {user.role.value}", highlight=False)


@user_app.command("promote")
@one_line_errors
def user_promote(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    role: Annotated[Role, typer.Option(help="The new role.")] = Role.MODERATOR,
) -> None:
    """Give an account a role: moderator (hides comments) or admin (also reads the outbox)."""
    user = open_core().set_role(email, role)
    out.print(f"{user.username} is now {user.role.value}", highlight=False)


@user_app.command("ban")
@one_line_errors
def user_ban(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    undo: Annotated[bool, typer.Option("--undo", help="Lift the ban.")] = False,
) -> None:
    """Ban an account (ending all its sessions), or lift a ban with --undo."""
    user = open_core().set_banned(email, not undo)
    out.print(f"{user.username} is {'banned' if user.banned else 'no longer banned'}",
              highlight=False)


@config_app.command("show")
def config_show() -> None:
    """Every setting, its environment variable, current value and meaning."""
    table = Table("variable", "value", "meaning")
    for variable, value, description in Settings().describe():
        table.add_row(variable, value, description)
    out.print(table)


def main() -> None:
    app()


# -- harvesting: harvest, add, worker, announcements (issue 3) ------------------------
from paperwire.cli_harvest import register as _register_harvest  # noqa: E402

_register_harvest(app)

# -- email digests: digest preview|send|status|resume (issue 6) ------------------------
from paperwire.cli_digest import register as _register_digest  # noqa: E402

_register_digest(app)

# -- export and restore (issue 11) -------------------------------------------------------
from paperwire.cli_backup import register as _register_backup  # noqa: E402

_register_backup(app)
