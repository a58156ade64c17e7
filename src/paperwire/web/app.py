"""``create_app(settings)``: the one place the web application is assembled."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from paperwire import __version__
from paperwire.api import community as api_community
from paperwire.api import for_you as api_for_you
from paperwire.api import papers as api_papers
from paperwire.api import writes as api_writes
from paperwire.background import BackgroundJobs
from paperwire.core import Paperwire, make_paperwire
from paperwire.settings import Settings, load_settings
from paperwire.web import (
    auth,
    authors,
    citations,
    digests,
    discussion,
    errors,
    feeds,
    feeds_community,
    for_you,
    health,
    library,
    links,
    lists,
    pages,
    paper_markdown,
    people,
    status,
    tokens,
)
from paperwire.web.mcp_http import McpEndpoint
from paperwire.web.pagecache import PageCache
from paperwire.web.ratelimit import make_limiter
from paperwire.web.security import SecurityMiddleware
from paperwire.web.templating import compile_templates, make_templates
from paperwire.web.timing import ServerTimingMiddleware

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None,
    *,
    core: Paperwire | None = None,
    background_jobs: bool = False,
) -> FastAPI:
    """Build the app around a core: the one ``serve`` built, one a test built, or one
    made here from ``settings`` by the core factory. With ``background_jobs`` this
    process offers to run the deployment's background jobs (``background.py``: the one
    process holding the ``jobs`` lock runs the scheduler and background embedding)."""
    if core is None:
        if settings is None:
            raise TypeError("create_app needs settings or a core")
        core = make_paperwire(settings)
    secret = core.settings.require_secret()  # a core built directly is checked here too
    mcp = McpEndpoint(core)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        # Pages are rendered in threads; past a few, they only fight over the GIL.
        anyio.to_thread.current_default_thread_limiter().total_tokens = core.settings.web_threads
        # A worker takes requests once its model and indexes are loaded and its templates
        # compiled, so the first readers do not queue behind that (a second or two).
        if background_jobs:  # a serving host with no indexes yet starts from a snapshot
            await anyio.to_thread.run_sync(core.adopt_index_snapshot)
        await anyio.to_thread.run_sync(core.warm_search)
        await anyio.to_thread.run_sync(compile_templates, app.state.templates)
        jobs = BackgroundJobs(core).start() if background_jobs else None
        async with mcp.running():
            yield
        if jobs:
            await anyio.to_thread.run_sync(jobs.stop)
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
        docs_url=None,
        redoc_url=None,
    )
    app.state.core = core
    app.state.templates = make_templates(core.settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.limiter = make_limiter(core)
    app.state.page_cache = PageCache(core.settings.page_cache_seconds)
    # Before the papers router: its /api/papers/{id:path} would swallow .../comments.
    app.include_router(api_community.router)
    app.include_router(api_writes.router)
    app.include_router(api_for_you.router)
    app.include_router(api_papers.router)
    app.include_router(health.router)
    app.include_router(citations.router)  # before the feeds: /collections/{id}.{fmt} is theirs
    app.include_router(paper_markdown.router)  # before the pages: /papers/{id:path} is theirs
    app.router.routes.append(mcp.route())
    app.include_router(feeds.router)
    app.include_router(feeds_community.router)
    for module in (discussion, for_you, auth, tokens, library, digests, lists, people, authors,
                   links, pages, status):
        app.include_router(module.router)
    app.add_api_route("/docs", docs, include_in_schema=False)
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(ServerTimingMiddleware)
    app.add_middleware(
        SecurityMiddleware,
        secret=secret,
        max_body_bytes=core.settings.max_body_bytes,
        body_limits={library.UPLOAD_PATH: core.settings.library_upload_max_bytes},
        render_error=errors.error_response,
    )
    return app


def create_app_from_env() -> FastAPI:
    """The factory each worker process of ``paperwire serve --workers N`` calls (uvicorn
    ``factory=True``): the settings come from the environment ``serve`` was started with
    and had already checked (``serve`` takes no option that changes a setting), and every
    worker offers to run the background jobs; one of them does."""
    return create_app(load_settings(), background_jobs=True)


def docs(request: Request) -> HTMLResponse:
    """Swagger UI, its inline script carrying this response's CSP nonce."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="paperwire API",
        swagger_js_url="/static/vendor/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
    nonce = request.state.csp_nonce
    body = page.body.decode().replace("<script", f'<script nonce="{nonce}"')
    return HTMLResponse(body)
