"""``paperwire serve``: the site and API."""

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
    """Migrate the store if needed and serve the site and API."""
    import uvicorn

    settings = current_settings()
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
