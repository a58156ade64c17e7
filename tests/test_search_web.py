"""Search, concepts and similar papers through the web app (in process) and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from factories import CORPUS, load, paper, write_jsonl
from paperwire.cli import app


@pytest.fixture
def site(core, tmp_path, web_client):
    load(core, tmp_path)
    return web_client


def test_search_page_shows_why_results_matched(site):
    page = site.get("/papers", params={"q": "task heads encoder"})
    assert page.status_code == 200
    assert "/papers/2401.00001" in page.text
    assert "<mark>heads</mark>" in page.text
    assert "badge-semantic" in page.text  # the meaning-only match is marked
    assert 'class="chip concept"' in page.text
    assert "results for" in page.text or "result for" in page.text


def test_search_page_filters_and_sort(site):
    page = site.get("/papers", params={
        "q": "task heads encoder", "cat": "cs.CV", "from": "2024-01-01", "sort": "newest"})
    assert "/papers/2401.00002" in page.text
    assert "/papers/2401.00001" not in page.text
    assert 'value="cs.CV"' in page.text
    assert '<option value="newest" selected' in page.text


def test_zero_result_page_helps(site):
    page = site.get("/papers", params={"q": "qubitz surfase"})
    assert page.status_code == 200
    assert "Nothing found" in page.text
    assert "Did you mean" in page.text
    assert "qubits surface" in page.text


def test_empty_query_explains_syntax(site):
    page = site.get("/papers")
    assert page.status_code == 200
    assert "after:2020" in page.text


def test_id_and_url_jump(site):
    page = site.get("/papers", params={"q": "https://arxiv.org/abs/2401.00003v1"})
    assert page.status_code == 303
    assert page.headers["location"] == "/papers/2401.00003"


def test_paper_page_has_concepts_and_similar(site):
    page = site.get("/papers/2401.00003")
    assert "<h2>Concepts</h2>" in page.text
    assert "<h2>Similar papers</h2>" in page.text
    assert "A duplicate of the black hole paper" in page.text
    assert 'href="/papers?q=' in page.text


def test_api_search_shape_filters_and_total(site):
    response = site.get("/api/papers/search",
                         params={"q": "task heads encoder", "cat": "cs.LG", "limit": 5})
    assert response.status_code == 200
    items = response.json()
    assert {item["paper"]["id"] for item in items} <= {"2401.00001", "2401.00005"}
    assert items[0]["matchKind"] in ("keyword", "both")
    assert isinstance(items[0]["concepts"], list)
    assert response.headers["x-total-count"] == str(len(items))
    bad = site.get("/api/papers/search", params={"q": "x", "from": "soon"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "from must look like 2026-01-02, got 'soon'"


def test_api_similar(site):
    response = site.get("/api/papers/2401.00003/similar", params={"limit": 2})
    assert response.status_code == 200
    items = response.json()
    assert items[0]["paper"]["id"] == "2401.00006"
    assert len(items) == 2
    assert 0 < items[0]["similarity"] <= 1
    assert site.get("/api/papers/2401.09999/similar").status_code == 404
    assert site.get("/api/papers/2401.00003").json()["id"] == "2401.00003"


def test_api_similar_for_old_style_ids(core, tmp_path, web_client):
    old = paper("hep-th/9901001", "Black hole microstates",
                "Counting microstates of black holes in string theory.", cats="hep-th")
    load(core, tmp_path, [*CORPUS, old])
    response = web_client.get("/api/papers/hep-th/9901001/similar")
    assert response.status_code == 200
    assert "2401.00003" in [item["paper"]["id"] for item in response.json()]


def test_cli_search_json_embed_and_reindex(core, tmp_path, monkeypatch):
    if core.engine.dialect.name != "sqlite":
        pytest.skip("the CLI reads its store from the environment: SQLite is enough")
    monkeypatch.setenv("PAPERWIRE_DATA_DIR", str(core.settings.data_dir))
    monkeypatch.setenv("PAPERWIRE_EMBEDDER", "fake")
    monkeypatch.setenv("PAPERWIRE_SECRET_KEY", core.settings.secret_key)

    runner = CliRunner()
    path = write_jsonl(tmp_path / "c.jsonl", CORPUS)
    imported = runner.invoke(app, ["import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "embedded 6" in imported.output
    found = runner.invoke(app, ["search", "task heads", "--json", "--cat", "cs.CV"])
    lines = [json.loads(line) for line in found.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["2401.00002"]
    assert lines[0]["match"] == "semantic"
    rebuilt = runner.invoke(app, ["reindex"])
    assert "vector index rebuilt over 6 papers" in rebuilt.output
    assert "embedded 0" in runner.invoke(app, ["embed"]).output
