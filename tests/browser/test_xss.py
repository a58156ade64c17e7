"""At least 150 hostile strings in titles, abstracts, author names, comments,
collection names and display names, rendered in real Chromium with the CSP
switched off (bypass_csp), so escaping and sanitizing alone must hold: no script
runs, no alert fires, and no hostile element or attribute reaches the DOM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from browser.xss_corpus import corpus
from conftest import screenshot_on_failure
from factories import make_paper, make_user
from paperwire.db import github, summaries
from paperwire.db.session import write_transaction
from paperwire.db.tables import paper_links
from paperwire.errors import InvalidInput
from paperwire.sources.github import RepoFields

pytestmark = pytest.mark.browser

SPY = """
window.__xss = [];
window.alert = window.confirm = window.prompt = (m) => { window.__xss.push(String(m)); };
"""
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/\\s/g, '').toLowerCase();
      if (attr.name.startsWith('on')) bad.push(el.tagName + ' ' + attr.name);
      if (['href', 'src', 'action', 'formaction', 'data', 'srcdoc'].includes(attr.name)
          && (value.startsWith('javascript:') || value.startsWith('data:text/html')))
        bad.push(el.tagName + ' ' + attr.name + '=' + attr.value);
    }
    // KaTeX (trust: false) writes its own MathML and SVG inside .katex; nothing else may.
    const tag = el.tagName.toUpperCase();
    if (['IFRAME', 'OBJECT', 'EMBED', 'BASE', 'META', 'SVG', 'MATH', 'TEMPLATE'].includes(tag)
        && !el.closest('head') && !(['MATH', 'SVG'].includes(tag) && el.closest('.katex'))) bad.push(el.tagName);
  }
  const ours = ['/static/htmx.min.js', '/static/app.js', '/static/vendor/katex/katex.min.js',
                '/static/vendor/katex/auto-render.min.js'];
  for (const s of document.scripts) if (!ours.some((src) => s.src.endsWith(src))) bad.push('SCRIPT ' + s.src);
  return bad;
}"""


def seed(core) -> list[str]:  # type: ignore[no-untyped-def]
    strings = corpus()
    assert len(strings) >= 150
    day = datetime.now(UTC).replace(hour=12)
    users = []
    for n in range(8):
        user = make_user(core, f"evil{n}@example.org", username=f"evil-{n}")
        name = strings[n * 7][:60].strip() or "x"
        try:
            core.update_profile(user, display_name=name, username=user.username)
        except InvalidInput:
            core.update_profile(user, display_name="x" + name[:50], username=user.username)
        users.append(user)
    core.settings.page_size = 500
    core.settings.search_page_size = 500
    for index, hostile in enumerate(strings):
        arxiv_id = make_paper(
            core, f"2401.{50000 + index}", title=f"T {hostile}", abstract=f"A {hostile}",
            authors=[f"Au {hostile}"[:200], "Plain Name"], published=day,
        )
        author = users[index % len(users)]
        core.add_comment(author, arxiv_id, hostile)
        collection = core.create_collection(author, hostile[:100], description=hostile,
                                            public=True)
        core.save_paper(author, collection, arxiv_id, note=hostile[:1000])
        core.upvote(author, arxiv_id)
    hostile_summaries(core, strings)
    hostile_repositories(core, strings)
    return [f"2401.{50000 + index}" for index in range(len(strings))]


def hostile_summaries(core, strings: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Each paper's one-line summary and its model's name are hostile too, stored as if an
    endpoint's answer had got past validation (validate.py refuses every one of them)."""
    rows = [{"paper_id": core.get_paper(f"2401.{50000 + index}").id, "model": hostile[:200],
             "text": f"S {hostile}", "source_hash": "x", "version": 1, "error": None,
             "made_at": datetime.now(UTC)} for index, hostile in enumerate(strings)]
    with write_transaction(core.engine) as connection:
        summaries.write_summaries(connection, summaries.ABSTRACTIVE, rows)


def hostile_repositories(core, strings: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Each paper links a GitHub repository whose description, license and new name
    (after a rename) are hostile, as a GitHub answer could carry them, with stars gained
    this week so every paper is on /trending/code too."""
    today = datetime.now(UTC).date()
    with write_transaction(core.engine) as connection:
        connection.execute(insert(paper_links), [
            {"paper_id": core.get_paper(f"2401.{50000 + index}").id, "position": 0,
             "kind": "repo", "host": "github.com", "url": f"https://github.com/evil/repo{index}",
             "owner": "evil", "name": f"repo{index}", "source": "authors", "status": "active",
             "created_at": 0} for index in range(len(strings))])
        github.sync_linked(connection, now=0)
        for index, hostile in enumerate(strings):
            key = f"evil/repo{index}"
            fields = RepoFields(full_name=f"evil/{hostile}"[:400], stars=index + 10,
                                       description=f"D {hostile}", license=hostile[:100],
                                       pushed_at=datetime.now(UTC), archived=index % 2 == 0)
            github.record_stars(connection, key, today - timedelta(days=7), index)
            github.record_fetched(connection, key, fields, etag=None, now=0, next_check_at=0,
                                  day=today)


def test_hostile_strings_never_run(core, live_server, browser):
    ids = seed(core)
    pages = ["/", "/trending?period=week", "/trending/code", "/trending/code?days=30",
             "/papers?q=alert",
             "/api/daily_papers"]
    # Every string shows on "/" (title, abstract, authors) and on the profiles (comments,
    # collection names, display names); paper and collection pages are sampled.
    pages += [f"/papers/{arxiv_id}" for arxiv_id in ids[::3]]
    pages += [f"/u/evil-{n}" for n in range(8)]
    pages += [f"/collections/{n}" for n in range(1, len(ids) + 1, 4)]
    context = browser.new_context(bypass_csp=True, java_script_enabled=True)
    context.add_init_script(SPY)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        for path in pages:
            response = page.goto(live_server.url + path)
            assert response is not None
            assert response.status < 500, path
            assert page.evaluate("window.__xss") == [], path
            assert page.evaluate("window.__pwned") is None, path
            if not path.startswith("/api/"):
                assert page.evaluate(DOM_CHECK) == [], path
            if path == "/":  # the strings are there, as text
                assert "T <script>alert(1)</script>" in page.inner_text("main")
            if path in ("/", "/trending/code"):  # the cards' one-line summaries too
                assert "S <script>alert(1)</script>" in page.inner_text("main")
                assert page.locator(".card-summary").count() > 0
            if path == f"/papers/{ids[0]}":  # and the summary, with its model's name
                assert "S <script>alert(1)</script>" in page.text_content(".summary-line")
                assert "summary by <script>alert(1)</script>" in page.text_content(".summary-line")
                assert "D <script>alert(1)</script>" in page.text_content(".repo-description")
        assert dialogs == []
    except Exception:
        screenshot_on_failure(page, "xss")
        raise
    finally:
        context.close()
