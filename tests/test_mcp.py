"""The MCP server driven by the SDK's own client: over stdio (``paperwire mcp`` as a
subprocess) and over streamable HTTP (``/mcp`` on a real server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from conftest import LiveServer, in_own_thread
from factories import make_paper, make_user
from paperwire.web.app import create_app

# Yesterday at noon: the minutes added below never carry a paper across midnight UTC.
DAY = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
PAPERS = {
    "2601.00001": "Task-specific heads for multi-task vision",
    "2601.00002": "Sparse attention for long documents",
    "2601.00003": "Quantum error correction codes",
}
PUBLIC_TOOLS = {"search_papers", "get_paper", "daily_papers", "weekly_papers", "monthly_papers",
                "trending", "similar_papers"}
PERSONAL_TOOLS = {"for_you", "list_collections", "get_collection", "save_to_collection"}
Session = Callable[[Client], Awaitable[None]]


@pytest.fixture
def store(core):
    """Three papers of one day (one with code), a reader with an API token and a
    collection holding one paper."""
    for minutes, (arxiv_id, title) in enumerate(PAPERS.items()):
        make_paper(core, arxiv_id, title=title, published=DAY + timedelta(minutes=minutes),
                   abstract=f"{title}: we study {title.lower()}. Code: https://github.com/ada/heads.",
                   categories=["cs.LG"] if minutes < 2 else ["quant-ph"])
    core.embed_pending()
    ada = make_user(core, "ada@example.org", username="ada")
    core.upvote(ada, "2601.00002", up=True)
    collection = core.create_collection(ada, "Reading")
    core.save_paper(ada, collection, "2601.00003")
    return {"core": core, "token": core.create_api_token(ada, "mcp").secret,
            "collection": collection}


async def tool_names(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    return result.structured_content or json.loads(result.content[0].text)


def error_text(result: Any) -> str:
    assert result.is_error
    return result.content[0].text


async def public_checks(client: Client) -> None:
    assert await tool_names(client) == PUBLIC_TOOLS  # no personal tools without a token
    found = structured(await client.call_tool("search_papers", {"query": "sparse attention"}))
    assert found["papers"][0]["id"] == "2601.00002"
    assert found["papers"][0]["code"] == "https://github.com/ada/heads"
    filtered = structured(await client.call_tool(
        "search_papers", {"query": "", "category": "quant-ph"}))
    assert [paper["id"] for paper in filtered["papers"]] == ["2601.00003"]
    paper = structured(await client.call_tool("get_paper", {"arxiv_id": "2601.00001v1"}))
    assert paper["title"] == PAPERS["2601.00001"]
    assert paper["authors"] == ["Ada Lovelace", "Alan Turing"]
    day = structured(await client.call_tool("daily_papers", {"date": DAY.date().isoformat()}))
    assert day["window"] == DAY.date().isoformat()
    assert next(p["id"] for p in day["papers"]) == "2601.00002"  # the upvoted one first
    assert {p["id"] for p in day["papers"]} == set(PAPERS)
    listed = await client.list_resources()
    assert [item.uri for item in listed.resources] == [
        "paper://2601.00003", "paper://2601.00002", "paper://2601.00001"]  # newest first
    assert listed.resources[0].title == PAPERS["2601.00003"]
    assert listed.resources[0].mime_type == "text/markdown"
    assert listed.next_cursor is None
    templates = (await client.list_resource_templates()).resource_templates
    assert [item.uri_template for item in templates] == ["paper://{+arxiv_id}"]
    resource = await client.read_resource("paper://2601.00003")
    text = resource.contents[0].text
    assert text.startswith("# Quantum error correction codes")
    assert "## Abstract" in text
    assert "@misc{" in text
    await list_checks(client)
    bad = await client.call_tool("daily_papers", {"date": "2026-13-45"})
    assert "date" in error_text(bad)
    too_many = await client.call_tool("search_papers", {"query": "x", "limit": 1000})
    assert "limit" in error_text(too_many)
    missing = await client.call_tool("get_paper", {"arxiv_id": "2601.09999"})
    assert "2601.09999" in error_text(missing)


async def list_checks(client: Client) -> None:
    """The query syntax and filters, the week's and month's lists, trending and similar."""
    async def ids(tool: str, arguments: dict[str, Any]) -> list[str]:
        return [paper["id"] for paper in structured(await client.call_tool(tool, arguments))["papers"]]

    assert await ids("search_papers", {"query": '"error correction" -sparse'}) == ["2601.00003"]
    assert await ids("search_papers", {"query": "cat:quant-ph"}) == ["2601.00003"]
    day, later = DAY.date(), (DAY + timedelta(days=2)).date()
    assert set(await ids("search_papers", {"query": "", "date_from": day.isoformat(),
                                           "date_to": day.isoformat()})) == set(PAPERS)
    assert await ids("search_papers", {"query": "", "date_from": later.isoformat()}) == []
    assert set(await ids("search_papers", {"query": "", "author": "Alan Turing"})) == set(PAPERS)
    assert await ids("search_papers", {"query": "", "author": "Grace Hopper"}) == []
    year, week, _ = DAY.isocalendar()
    weekly = structured(await client.call_tool("weekly_papers", {"week": f"{year}-W{week:02d}"}))
    assert weekly["window"] == f"{year}-W{week:02d}"
    assert set(PAPERS) <= {paper["id"] for paper in weekly["papers"]}
    monthly = await ids("monthly_papers", {"month": DAY.strftime("%Y-%m"), "category": "quant-ph"})
    assert monthly == ["2601.00003"]
    assert (await ids("trending", {"period": "week"}))[0] == "2601.00002"  # the upvoted one
    similar = structured(await client.call_tool("similar_papers", {"arxiv_id": "2601.00001"}))
    assert similar["papers"]
    assert "2601.00001" not in {paper["id"] for paper in similar["papers"]}
    assert all(0 <= paper["similarity"] <= 1 for paper in similar["papers"])


async def personal_refused(client: Client) -> None:
    assert not await tool_names(client) & PERSONAL_TOOLS
    for name, arguments in [("for_you", {}), ("list_collections", {}),
                            ("get_collection", {"collection_id": 1}),
                            ("save_to_collection", {"collection_id": 1, "arxiv_id": "2601.00001"})]:
        assert "this tool needs" in error_text(await client.call_tool(name, arguments))
        assert "API token" in error_text(await client.call_tool(name, arguments))


def personal_checks(collection: int) -> Session:
    async def checks(client: Client) -> None:
        assert await tool_names(client) == PUBLIC_TOOLS | PERSONAL_TOOLS
        listed = structured(await client.call_tool("list_collections", {}))
        assert [item["name"] for item in listed["collections"]] == ["Reading"]
        saved = await client.call_tool("save_to_collection",
                                       {"collection_id": collection, "arxiv_id": "2601.00001"})
        assert not saved.is_error
        one = structured(await client.call_tool("get_collection", {"collection_id": collection}))
        assert {paper["id"] for paper in one["papers"]} == {"2601.00001", "2601.00003"}
        picks = structured(await client.call_tool("for_you", {"limit": 5}))
        assert picks["basis"] in ("model", "topics", "trending")
    return checks


# -- stdio ------------------------------------------------------------------------------


def stdio_params(core: Any, token: str | None = None) -> StdioServerParameters:
    settings = core.settings
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(settings.data_dir),
           "PAPERWIRE_SECRET_KEY": settings.secret_key, "PAPERWIRE_EMBEDDER": "fake"}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    env.pop("PAPERWIRE_MCP_TOKEN", None)
    if settings.database_url:
        env["PAPERWIRE_DATABASE_URL"] = settings.database_url
    if token:
        env["PAPERWIRE_MCP_TOKEN"] = token
    return StdioServerParameters(command=sys.executable, args=["-m", "paperwire", "mcp"], env=env)


def over_stdio(core: Any, checks: Session, token: str | None = None) -> None:
    async def main() -> None:
        async with Client(stdio_params(core, token)) as client:
            await checks(client)
    in_own_thread(lambda: anyio.run(main))


def test_stdio_public_tools_and_resource(store):
    over_stdio(store["core"], public_checks)


def test_stdio_personal_tools_need_the_token(store):
    over_stdio(store["core"], personal_refused)
    over_stdio(store["core"], personal_checks(store["collection"]), token=store["token"])


def test_stdio_refuses_to_start_with_an_unknown_token(store):
    params = stdio_params(store["core"], "pw_not-a-token")
    done = subprocess.run([params.command, *params.args], env=params.env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "unknown or revoked API token" in done.stderr
    assert done.stdout == ""  # no JSON-RPC was offered


# -- streamable HTTP --------------------------------------------------------------------


def over_http(url: str, checks: Session, headers: dict[str, str] | None = None) -> None:
    async def main() -> None:
        async with httpx2.AsyncClient(headers=headers or {}) as http, \
                Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
            await checks(client)
    in_own_thread(lambda: anyio.run(main))


def test_http_public_personal_and_refused(store):
    with LiveServer(create_app(core=store["core"])) as server:
        over_http(server.url, public_checks)
        over_http(server.url, personal_refused)
        over_http(server.url, personal_refused, {"Authorization": "Bearer pw_not-a-token"})
        over_http(server.url, personal_checks(store["collection"]),
                  {"Authorization": f"Bearer {store['token']}"})


def test_http_is_rate_limited(store):
    core = store["core"]
    core.settings.rate_limit_mcp = "3/minute"
    with LiveServer(create_app(core=core)) as server:
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        statuses = [httpx2.post(f"{server.url}/mcp", json=body,
                                headers={"Accept": "application/json, text/event-stream"}).status_code
                    for _ in range(5)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:3]


def test_http_refuses_other_hosts_and_origins(store):
    """DNS rebinding: a page on another name, resolved to this server's address, sends
    its own name as Host and Origin; /mcp answers only the site's name and loopback."""
    core = store["core"]
    core.settings.base_url = "https://papers.example.org"
    with LiveServer(create_app(core=core)) as server:
        def post(**headers: str) -> int:
            return httpx2.post(f"{server.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                               headers={"Accept": "application/json, text/event-stream",
                                        **headers}).status_code
        assert post() == 200  # Host 127.0.0.1:<port>, no Origin: a local client
        assert post(Host="papers.example.org") == 200
        assert post(Host="papers.example.org", Origin="https://papers.example.org") == 200
        assert post(Origin=server.url) == 200
        assert post(Host="evil.example") == 421
        assert post(Host=f"evil.example:{server.port}") == 421
        assert post(Host="127.0.0.1.evil.example") == 421
        assert post(Origin="http://evil.example") == 403
        assert post(Host="papers.example.org", Origin="https://evil.example") == 403


# -- the Markdown rendering ---------------------------------------------------------------


def test_paper_markdown_page(store, web_client):
    response = web_client.get("/papers/2601.00001.md")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    assert text.startswith("# Task-specific heads for multi-task vision\n")
    assert "Ada Lovelace, Alan Turing" in text
    assert "(<https://github.com/ada/heads>)" in text
    assert "(<https://arxiv.org/abs/2601.00001>)" in text
    assert web_client.get("/papers/2601.00001v1.md").status_code == 301
    assert web_client.get("/papers/2601.09999.md").status_code == 404


def test_hostile_text_cannot_inject_markdown(core, web_client):
    from markdown_it import MarkdownIt

    hostile = ("[click](https://evil.example/x) ![img](https://evil.example/i.png)"
               " <script>alert(1)</script> https://evil.example **bold** `code`\n# heading")
    make_paper(core, "2601.00009", title=hostile, abstract=f"- {hostile}",
               authors=["<img src=x onerror=alert(1)>", "[A](https://evil.example)"])
    text = web_client.get("/papers/2601.00009.md").text
    html = MarkdownIt("commonmark").render(text)
    assert "evil.example" in html  # shown as text ...
    assert 'href="https://evil.example' not in html  # ... never a link,
    assert "<script" not in html
    assert "<img" not in html
    assert "<strong>bold" not in html
    assert "<code>code" not in html
    assert html.count("<h1>") == 1
    assert "<h2>Abstract</h2>\n<p>" in html


def test_old_style_ids_are_resources_too(core):
    from paperwire.mcp_server import build_server

    make_paper(core, "hep-th/9901001", title="Black hole entropy")

    async def main() -> None:
        async with Client(build_server(core)) as client:
            found = await client.read_resource("paper://hep-th/9901001")
            assert found.contents[0].text.startswith("# Black hole entropy\n")
            assert found.contents[0].mime_type == "text/markdown"
    in_own_thread(lambda: anyio.run(main))


def test_resource_list_pages_with_a_cursor(store, monkeypatch):
    from mcp import MCPError

    from paperwire.mcp_server import build_server, listing

    monkeypatch.setattr(listing, "PAGE_SIZE", 2)

    async def main() -> None:
        async with Client(build_server(store["core"])) as client:
            first = await client.list_resources()
            assert [item.name for item in first.resources] == ["2601.00003", "2601.00002"]
            assert first.next_cursor == "1"
            second = await client.list_resources(cursor=first.next_cursor)
            assert [item.name for item in second.resources] == ["2601.00001"]
            assert second.next_cursor is None
            with pytest.raises(MCPError, match="invalid cursor"):
                await client.list_resources(cursor="not-a-page")
    in_own_thread(lambda: anyio.run(main))


def test_personal_tools_reach_only_the_token_owners_data(store):
    from paperwire.mcp_server import build_server

    core = store["core"]
    bob = make_user(core, "bob@example.org", username="bob")
    private = core.create_collection(bob, "Bob's private list")
    core.save_paper(bob, private, "2601.00002")

    async def main() -> None:
        async with Client(build_server(core, local_token=store["token"])) as client:
            listed = structured(await client.call_tool("list_collections", {}))
            assert private not in {item["id"] for item in listed["collections"]}
            assert error_text(await client.call_tool("get_collection", {"collection_id": private}))
            saved = await client.call_tool("save_to_collection",
                                           {"collection_id": private, "arxiv_id": "2601.00001"})
            assert saved.is_error
            picks = structured(await client.call_tool("for_you", {"limit": 5}))
            # ada's upvoted and saved papers are left out: the third is her pick
            assert [paper["id"] for paper in picks["papers"]] == ["2601.00001"]
            assert isinstance(picks["papers"][0]["because"], list)
    in_own_thread(lambda: anyio.run(main))
    assert [item.arxiv_id for item in core.collection(private, bob).items] == ["2601.00002"]
