"""The account page's library: a multipart upload with CSRF and a size limit, the
import's summary on the page (escaped), remove buttons, the confirmed one-click delete
of library and signals, and privacy: anonymous readers are sent to sign in, and no one
else's page, profile or request shows or changes a reader's library."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clients import BASE, Browser
from factories import make_paper, make_user
from paperwire.core import Paperwire
from paperwire.web.app import create_app

DATA = Path(__file__).parent / "data" / "library"


@pytest.fixture
def readers(core: Paperwire, app):  # type: ignore[no-untyped-def]
    make_paper(core, "1810.04805", title="BERT: Pre-training of Deep Bidirectional"
               " Transformers for Language Understanding")
    make_paper(core, "hep-th/9901001", title="Old style paper on strings")
    ada = make_user(core, "ada@example.org", username="ada")
    bob = make_user(core, "bob@example.org", username="bob")
    return {"ada": ada, "bob": bob, "ada_browser": Browser(app, core, "ada@example.org"),
            "bob_browser": Browser(app, core, "bob@example.org")}


def upload(browser: Browser, *files: tuple[str, bytes], csrf: bool = True):  # type: ignore[no-untyped-def]
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    if csrf:
        return browser.post("/account/library/import", files=parts)
    return browser.client.post("/account/library/import", files=parts, follow_redirects=False)


def test_upload_imports_and_shows_the_summary_escaped(core: Paperwire, readers):
    browser = readers["ada_browser"]
    hostile = b"1810.04805\n<script>alert(1)</script>\n"
    page = upload(browser, ("list.txt", hostile), ("zotero.bib", (DATA / "zotero.bib").read_bytes()))
    assert page.status_code == 200, page.text[:300]
    assert "8 entries read: 3 matched" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "not an arXiv id, arXiv URL or DOI" in page.text
    assert {item.arxiv_id for item in core.library(readers["ada"].id)} == {
        "1810.04805", "hep-th/9901001"}
    listed = browser.get("/account").text
    assert "Old style paper on strings" in listed
    assert 'action="/account/library/remove"' in listed


def test_a_bad_file_is_refused_with_its_line_and_keeps_the_library(core: Paperwire, readers):
    browser = readers["ada_browser"]
    upload(browser, ("list.txt", b"1810.04805\n"))
    page = upload(browser, ("list.txt", b"hep-th/9901001\n"), ("bad.ris", b"TY  - JOUR\n"))
    assert page.status_code == 400
    assert "Nothing was imported: bad.ris, line 1: RIS: record has no" in page.text
    assert core.library_paper_ids(readers["ada"].id) != []
    assert [i.arxiv_id for i in core.library(readers["ada"].id)] == ["1810.04805"]


def test_upload_needs_csrf_and_a_file_and_fits_the_size_limit(core: Paperwire, readers):
    browser = readers["ada_browser"]
    assert upload(browser, ("list.txt", b"1810.04805\n"), csrf=False).status_code == 403
    assert core.library_size(readers["ada"].id) == 0
    assert browser.post("/account/library/import", files=[
        ("files", ("", b"", "application/octet-stream"))]).status_code == 400
    core.settings.library_upload_max_bytes = 2048
    small = Browser(create_app(core=core), core, "ada@example.org")  # reads the new limit
    too_big = upload(small, ("list.txt", b"1810.04805\n" * 400))
    assert too_big.status_code == 413
    assert core.library_size(readers["ada"].id) == 0
    assert upload(small, ("list.txt", b"1810.04805\n")).status_code == 200


def test_remove_and_delete_touch_only_the_readers_own_data(core: Paperwire, readers):
    ada, bob = readers["ada"], readers["bob"]
    for browser in (readers["ada_browser"], readers["bob_browser"]):
        upload(browser, ("list.txt", b"1810.04805\nhep-th/9901001\n"))
    core.mark_signal(ada.id, "1810.04805", "not_interested")
    core.mark_signal(bob.id, "1810.04805", "more_like_this")
    # Bob's requests act on Bob's library only, whatever paper they name.
    removed = readers["bob_browser"].post("/account/library/remove", {"arxiv_id": "hep-th/9901001"})
    assert removed.status_code == 303
    assert core.library_size(bob.id) == 1
    assert core.library_size(ada.id) == 2
    unconfirmed = readers["bob_browser"].post("/account/reader-data/delete", {})
    assert unconfirmed.status_code == 400
    assert core.library_size(bob.id) == 1
    deleted = readers["bob_browser"].post("/account/reader-data/delete", {"confirm": "yes"})
    assert deleted.status_code == 303
    assert core.library_size(bob.id) == 0
    assert core.reader_signals(bob.id).more_like_this == []
    assert core.library_size(ada.id) == 2
    assert len(core.reader_signals(ada.id).negatives) == 1
    assert "Your library is empty" in readers["bob_browser"].get("/account").text


def test_nobody_else_sees_a_readers_library(core: Paperwire, readers):
    upload(readers["ada_browser"], ("list.txt", b"hep-th/9901001\n"))
    anonymous = TestClient(readers["ada_browser"].client.app, base_url=BASE)
    answer = anonymous.get("/account", follow_redirects=False)
    assert answer.status_code in (302, 303)
    assert "/signin" in answer.headers["location"]
    bob_page = readers["bob_browser"].get("/account").text
    assert "Old style paper on strings" not in bob_page
    for viewer in (anonymous, readers["bob_browser"].client, readers["ada_browser"].client):
        profile = viewer.get("/u/ada")
        assert profile.status_code == 200
        assert "Old style paper on strings" not in profile.text
    posted = anonymous.post("/account/library/import", follow_redirects=False,
                            files=[("files", ("l.txt", b"1810.04805\n", "text/plain"))])
    assert posted.status_code == 403  # no CSRF cookie: refused before anything runs
    assert core.library_size(readers["ada"].id) == 1
