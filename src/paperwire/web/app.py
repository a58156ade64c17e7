"""``create_app(settings)``: the one place the web application is assembled."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from paperwire import __version__
from paperwire.api import papers as api_papers
from paperwire.core import Paperwire
from paperwire.settings import Settings
from paperwire.web import errors, feeds, pages, status
from paperwire.web.status import start_scheduler
from paperwire.web.templating import make_templates
from paperwire.web.timing import ServerTimingMiddleware

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None,
    *,
    core: Paperwire | None = None,
    background_jobs: bool = False,
) -> FastAPI:
    """Build the app around a core. Tests pass their own ``core``; ``serve`` passes settings
    and ``background_jobs=True`` to run the daily harvest in this process."""
    core = core or Paperwire(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        # Pages are rendered in threads; past a few, they only fight over the GIL.
        anyio.to_thread.current_default_thread_limiter().total_tokens = core.settings.web_threads
        scheduler = start_scheduler(core) if background_jobs else None
        yield
        if scheduler:
            scheduler.stop()
        core.close()

    app = FastAPI(
        title="paperwire",
        version=__version__,
        description=(
            "A self-hosted Daily Papers for arXiv. The `/api/daily_papers`, "
            "`/api/papers/{id}` and `/api/papers/search` endpoints answer in the shape of "
            "Hugging Face's Daily Papers API, so its clients can read them."
        ),
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.core = core
    app.state.templates = make_templates(core.settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_papers.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    app.include_router(status.router)
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(ServerTimingMiddleware)
    return app
