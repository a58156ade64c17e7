"""The account page's library: upload library files (multipart, CSRF, size-limited by
the security middleware), see the import's summary, list and remove papers, and delete
the library and every signal in one confirmed click. Only ever the signed-in reader's
own: no route names another reader."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from paperwire.errors import InvalidInput
from paperwire.library.references import LibraryFileError
from paperwire.surface import core_of, rate
from paperwire.web.tokens import account_page
from paperwire.web.viewer import see_other, signed_in

router = APIRouter(include_in_schema=False)
UPLOAD_PATH = "/account/library/import"
MAX_FILES = 10


@router.post(UPLOAD_PATH)
def import_library(
    request: Request, files: list[UploadFile | str] = File(default=[])
) -> Response:
    """Import the uploaded files and show what matched and what did not. (A browser
    sends a file input left empty as a part without a file name: a string here.)"""
    user = signed_in(request)
    chosen = [upload for upload in files if not isinstance(upload, str) and upload.filename]
    if not chosen:
        return account_page(request, user, 400, error="Choose a library file to import.")
    if len(chosen) > MAX_FILES:
        return account_page(request, user, 400,
                            error=f"Import at most {MAX_FILES} files at once.")
    rate(request, "library-import", str(user.id), "rate_limit_library_imports")
    uploads = [(upload.filename or "upload", upload.file.read()) for upload in chosen]
    try:
        summary = core_of(request).import_library(user.id, uploads)
    except LibraryFileError as error:
        return account_page(request, user, 400, error=f"Nothing was imported: {error}")
    return account_page(request, user, library_summary=summary)


@router.post("/account/library/remove")
def remove_from_library(request: Request,
                        arxiv_id: str = Form(default="", max_length=60)) -> Response:
    """Take one paper out of the reader's own library."""
    user = signed_in(request)
    core_of(request).remove_from_library(user.id, arxiv_id.strip())
    return see_other("/account#library")


@router.post("/account/reader-data/delete")
def delete_reader_data(request: Request,
                       confirm: str = Form(default="", max_length=10)) -> Response:
    """Delete the reader's library and signals, once they ticked the confirmation."""
    user = signed_in(request)
    if confirm != "yes":
        raise InvalidInput("Tick the box to confirm: your library and signals will be deleted.")
    core_of(request).delete_reader_data(user.id)
    return see_other("/account?deleted=library#library")
