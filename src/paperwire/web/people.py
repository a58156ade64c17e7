"""Profiles, submitting a paper, and the admins' outbox."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from paperwire.errors import InvalidArxivId, JobBusy, PaperwireError, SubmissionRefused
from paperwire.surface import core_of, rate
from paperwire.web.pages import render
from paperwire.web.viewer import see_other, signed_in, viewer

router = APIRouter(include_in_schema=False)


@router.get("/u/{username}")
def profile(request: Request, username: str) -> Response:
    found = core_of(request).profile(username, viewer(request))
    return render(request, "profile.html", profile=found,
                  welcome=request.query_params.get("welcome") == "1")


@router.get("/submit")
def submit_form(request: Request) -> Response:
    signed_in(request)
    return _submit_page(request, 200, error=None, value="")


def _submit_page(request: Request, status: int, *, error: str | None, value: str) -> Response:
    days = core_of(request).settings.submission_window_days
    return render(request, "submit.html", status, error=error, value=value, window_days=days)


@router.post("/submit")
def submit(request: Request, paper: str = Form(default="", max_length=300)) -> Response:
    user = signed_in(request)
    rate(request, "submit", str(user.id), "rate_limit_submissions")
    core = core_of(request)
    try:
        done = core.submit_paper(user, paper)
    except (InvalidArxivId, SubmissionRefused) as error:
        return _submit_page(request, 400, error=str(error), value=paper)
    except JobBusy as error:  # a harvest is talking to arXiv: one process at a time
        message = f"arXiv lookups wait while a harvest runs; try again later ({error})"
        return _submit_page(request, 503, error=message, value=paper)
    except PaperwireError as error:  # e.g. arXiv unreachable
        return _submit_page(request, 502, error=str(error), value=paper)
    return see_other(f"/papers/{done.arxiv_id}?submitted=1")


@router.get("/admin/outbox")
def outbox(request: Request) -> Response:
    entries = core_of(request).outbox(signed_in(request))
    return render(request, "outbox.html", entries=entries)
