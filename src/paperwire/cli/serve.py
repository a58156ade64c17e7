"""``paperwire serve``: the site and API in one or more worker processes, and the
deployment's background jobs (``background.py``) in one."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.app import app, current_settings, one_line_errors, open_core, out
from paperwire.settings import Settings


@app.command()
@one_line_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Migrate the store if needed and serve the site and API. Each worker process warms
    its search before taking requests and keeps its indexes in step; one of them runs the
    background jobs (docs/jobs.md: in-process on SQLite; on PostgreSQL a queue worker,
    unless PAPERWIRE_JOBS_IN_SERVE=false); /status names it."""
    import uvicorn

    from paperwire.web.app import create_app

    settings = current_settings()
    core = open_core(migrate=True)  # refuses a weak secret before any worker starts
    out.print(f"paperwire serving http://{host}:{port} with {workers} worker"
              f"{'s' if workers > 1 else ''}  (store: {_store_label(settings)})")
    if workers == 1:  # this process is the one worker, on this core
        uvicorn.run(create_app(core=core, background_jobs=True), host=host, port=port,
                    log_level="warning")
        return
    # Each worker builds its app and core from the same environment, this process's.
    core.close()
    uvicorn.run("paperwire.web.app:create_app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning")


def _store_label(settings: Settings) -> str:
    if settings.is_sqlite:
        return str((settings.data_dir / "paperwire.db").resolve())
    return settings.resolved_database_url.split("@")[-1]
