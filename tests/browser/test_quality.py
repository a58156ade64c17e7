"""What a person notices: accessibility (axe-core), keyboard use, math, dark mode, phones."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import REPO
from factories import write_jsonl

pytestmark = pytest.mark.browser
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
MAIN_PAGES = [
    "/", "/?period=week", "/?period=month", "/trending", "/papers/hep-th/9901001", "/papers/2604.26375",
    "/papers?q=transformer", "/papers?q=zzzzqqq", "/papers", "/signin", "/status", "/no/such/page",
]


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make static`")
    # axe is injected as a script, which our CSP (rightly) forbids: bypass it for the audit only.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(axe_page, served_site, scheme):
    axe_page.emulate_media(color_scheme=scheme)
    problems = []
    for path in MAIN_PAGES:
        axe_page.goto(served_site.url + path)
        axe_page.add_script_tag(path=str(AXE))
        result = axe_page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"][:3]]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")
    assert problems == []


def test_keyboard_shortcuts(page, served_site):
    page.goto(served_site.url + "/")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(".paper-card.is-current")).to_have_count(1)
    second = page.locator(".paper-card").nth(1)
    expect(second).to_have_class(re.compile("is-current"))
    page.keyboard.press("k")
    expect(page.locator(".paper-card").first).to_have_class(re.compile("is-current"))
    title = page.locator(".paper-card").first.locator(".paper-title a").inner_text()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    page.keyboard.press("/")
    expect(page.locator("#site-search")).to_be_focused()
    page.keyboard.type("j")  # typing in the box is not a shortcut
    expect(page.locator("#site-search")).to_have_value("j")
    page.locator("#site-search").blur()
    page.keyboard.press("o")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_every_action_is_reachable_by_keyboard_with_visible_focus(page, served_site):
    page.goto(served_site.url + "/")
    page.bring_to_front()  # only the front page has focus, and so :focus styles
    seen = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => { const el = document.activeElement; const style = getComputedStyle(el);
                return {tag: el.tagName, text: (el.innerText || el.value || '').slice(0, 40),
                        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0}; }"""
        )
        assert info["outline"], f"no visible focus on {info}"
        seen.add(info["tag"])
    assert {"A", "INPUT", "BUTTON"} <= seen


def test_math_is_rendered_safely(page, served_site):
    page.goto(served_site.url + "/papers?q=K-MSHC")
    expect(page.locator(".paper-title .katex").first).to_be_attached()


def test_hostile_tex_cannot_run_script(browser, tmp_path, core, live_server):
    dialogs: list[str] = []
    hostile = {
        "id": "2401.00077", "title": r"Links $\href{javascript:alert(1)}{click}$ and $\url{javascript:alert(2)}$",
        "authors": "Eve", "abstract": r"$\htmlClass{x}{y}$ $\includegraphics{javascript:alert(3)}$ and $x$",
        "categories": "cs.LG", "versions": None, "update_date": "2024-01-02",
    }
    core.import_snapshot([write_jsonl(tmp_path / "tex.jsonl", [hostile])])
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + "/papers/2401.00077")
    expect(page.locator(".katex").first).to_be_attached()
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    page.locator("h1").click()
    context.close()
    assert dialogs == []


def test_dark_mode_follows_the_system(browser, served_site):
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(served_site.url + "/")
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert backgrounds["light"] != backgrounds["dark"]


def test_favicon_and_static_files_exist(page, served_site):
    for path in ("/static/favicon.svg", "/static/app.js", "/static/style.css"):
        assert page.request.get(served_site.url + path).ok, path
    assert Path(REPO / "src/paperwire/web/static/vendor/katex/katex.min.js").exists()


def test_api_docs_work_offline(page, served_site):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(served_site.url + "/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert all(url.startswith(served_site.url) or url.startswith("data:") for url in requests), requests
