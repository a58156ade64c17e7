"""``/healthz``: what a load balancer asks before it sends readers here (200 or 503).

It fails when the store does not answer, or when a change has waited longer than
``healthz_max_index_lag_seconds`` to reach this host's keyword or vector index; papers
not yet embedded by any worker are reported, not failed on (the store is still right).
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from paperwire.surface import core_of

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    health = await anyio.to_thread.run_sync(core_of(request).health)
    body = {
        "status": "ok" if health.ok else "failing",
        "store": "ok" if health.store_error is None else health.store_error,
        "indexes": {
            index.name: {
                "behind": index.behind,
                "waited_seconds": None if index.waited_seconds is None
                else round(index.waited_seconds, 1),
                "rebuilding": index.rebuild,
                "fresh": index.fresh(health.max_wait),
            }
            for index in health.indexes
        },
        "pending_embeddings": health.pending_embeddings,
        "max_wait_seconds": health.max_wait,
    }
    return JSONResponse(body, status_code=200 if health.ok else 503,
                        headers={"Cache-Control": "no-store"})
