"""``create_app(settings)``: the one place the web application is assembled."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from paperwire import __version__
from paperwire.api import papers as api_papers
from paperwire.core import Paperwire
from paperwire.settings import Settings
from paperwire.web import errors, feeds, pages
from paperwire.web.templating import make_templates

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, core: Paperwire | None = None) -> FastAPI:
    """Build the app around a core. Tests pass their own ``core``; ``serve`` passes settings."""
    core = core or Paperwire(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        yield
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
    errors.install(app)
    return app
