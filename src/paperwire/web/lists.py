"""Collections: create, rename, share, save papers with notes."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from paperwire.surface import core_of
from paperwire.web.pages import render
from paperwire.web.redirects import safe_next
from paperwire.web.viewer import see_other, signed_in, viewer

router = APIRouter(include_in_schema=False)
NAME = Form(default="", max_length=500)
TEXT = Form(default="", max_length=5000)
NOTE = Form(default="", max_length=5000)  # one Form object per parameter of a route
PAPER = Form(default="", max_length=200)


def _public(value: str) -> bool:
    return value in {"1", "on", "true", "public"}


@router.get("/collections")
def mine(request: Request) -> Response:
    user = signed_in(request)
    return render(request, "collections.html", collections=core_of(request).collections_of(user))


@router.post("/collections")
def create(request: Request, name: str = NAME, description: str = TEXT,
           public: str = Form(default=""), arxiv_id: str = PAPER,
           note: str = NOTE) -> Response:
    """Create a collection; with ``arxiv_id``, save that paper into it at once."""
    user = signed_in(request)
    core = core_of(request)
    collection_id = core.create_collection(
        user, name, description=description, public=_public(public)
    )
    if arxiv_id:
        core.save_paper(user, collection_id, arxiv_id, note=note)
    return see_other(f"/collections/{collection_id}")


@router.get("/collections/{collection_id}")
def show(request: Request, collection_id: int) -> Response:
    collection = core_of(request).collection(collection_id, viewer(request))
    return render(request, "collection.html", collection=collection)


@router.post("/collections/{collection_id}/edit")
def edit(request: Request, collection_id: int, name: str = NAME, description: str = TEXT,
         public: str = Form(default="")) -> Response:
    core_of(request).edit_collection(
        signed_in(request), collection_id, name=name, description=description,
        public=_public(public),
    )
    return see_other(f"/collections/{collection_id}")


@router.post("/collections/{collection_id}/delete")
def delete(request: Request, collection_id: int) -> Response:
    core_of(request).delete_collection(signed_in(request), collection_id)
    return see_other("/collections")


@router.post("/collections/{collection_id}/items")
def save(request: Request, collection_id: int, arxiv_id: str = PAPER, note: str = NOTE,
         next: str = Form(default="", max_length=2000)) -> Response:
    core_of(request).save_paper(signed_in(request), collection_id, arxiv_id, note=note)
    return see_other(safe_next(next) if next else f"/collections/{collection_id}")


@router.post("/collections/{collection_id}/items/remove")
def unsave(request: Request, collection_id: int, arxiv_id: str = PAPER) -> Response:
    core_of(request).unsave_paper(signed_in(request), collection_id, arxiv_id)
    return see_other(f"/collections/{collection_id}")
