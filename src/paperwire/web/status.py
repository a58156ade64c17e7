"""``/status`` (HTML) and ``/status.json``: the last harvest, the one running, first-run
progress, who runs the background jobs (the live holder of each job lock), and the jobs
themselves: how many of each task wait, run or failed, and the latest failures.

Include with ``app.include_router(status.router)``. The daily page can show
``core.announcement_status(day)`` and ``core.harvest_status()`` the same way.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from paperwire.core import Paperwire
from paperwire.core.jobs import JobsOverview
from paperwire.surface import core_of

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def status_context(core: Paperwire) -> dict[str, Any]:
    harvest = core.harvest_status()
    today = datetime.now(UTC).date()
    return {
        "harvest": harvest,
        "announcement": core.announcement_status(today),
        "papers": core.stats().papers,
        "jobs": core.job_holders(),
        "queue": _queue(core),
        "reranker": _reranker(core),
    }


def _queue(core: Paperwire) -> JobsOverview | None:
    """The jobs per task and status and the latest failures (None: the queue cannot be
    read now; the page says so instead of failing)."""
    try:
        return core.jobs_overview()
    except Exception:
        log.exception("could not read the job queue for /status")
        return None


def _reranker(core: Paperwire) -> dict[str, Any] | None:
    """This process's reranker: working or failing since when (None: off)."""
    stage = core.rerank_stage
    if stage is None:
        return None
    working, detail = stage.health()
    return {"kind": stage.reranker.name, "working": working, "detail": detail}


@router.get("/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    core = core_of(request)
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "status.html", status_context(core))


@router.get("/status.json")
def status_json(request: Request) -> Response:
    context = status_context(core_of(request))
    body = {
        "papers": context["papers"],
        "harvest": asdict(context["harvest"]),
        "announcement_today": asdict(context["announcement"]),
        "reranker": context["reranker"],
        "queue": None if context["queue"] is None else asdict(context["queue"]),
        "jobs": {
            name: None if holder is None else
            {"process": holder.process, "owner": holder.owner, "since": holder.since}
            for name, holder in context["jobs"].items()
        },
    }
    return JSONResponse(_jsonable(body))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
