"""``paperwire library import | list | clear`` as a user runs them: real subprocesses
against a real store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from factories import paper, write_jsonl
from test_cli import env, run  # noqa: F401 - the fixture: a fresh store per backend

DATA = Path(__file__).parent / "data" / "library"
PAPERS = [
    paper("1810.04805", "BERT: Pre-training of Deep Bidirectional Transformers for"
          " Language Understanding", "An abstract."),
    paper("hep-th/9901001", "Old style paper on strings", "An abstract.", cats="hep-th"),
    paper("2103.00003", "Attention Is All You Need", "An abstract."),
    paper("2102.00002", "Observation of Gravitational Waves from a Binary Black Hole Merger",
          "An abstract.", doi="10.1103/PhysRevLett.116.061102"),
]


def test_import_list_and_clear(env, tmp_path):  # noqa: F811
    run(env, "migrate")
    run(env, "import", str(write_jsonl(tmp_path / "papers.jsonl", PAPERS)))
    run(env, "user", "add", "reader@example.org")
    listing = DATA / "reading-list.txt"
    text = run(env, "library", "import", "--user", "Reader@example.org", "--no-fetch",
               str(listing)).stdout
    assert "6 entries: 4 matched (by arXiv id 3, DOI 1, title 0, fetched from arXiv 0);" \
        " 4 added to the library, 0 already in it; 2 unmatched" in text
    assert f"{listing}:8 not an id at all: not an arXiv id, arXiv URL or DOI" in text
    summary = json.loads(run(env, "library", "import", "--user", "reader@example.org",
                             "--no-fetch", "--json", str(DATA / "zotero.bib")).stdout)
    assert summary["matched"]["arxiv_id"] == 3
    assert (summary["added"], summary["already"]) == (0, 4)
    assert {"file": str(DATA / "zotero.bib"), "line": 16, "key": "cafe2021",
            "reason": "no stored paper has this title"} in summary["unmatched"]
    rows = [json.loads(line) for line in run(
        env, "library", "list", "--user", "reader@example.org", "--json").stdout.splitlines()]
    assert {row["id"] for row in rows} == {"1810.04805", "hep-th/9901001", "2103.00003",
                                           "2102.00002"}
    assert {row["source"] for row in rows} == {"list"}  # the first import's entries stay
    cleared = run(env, "library", "clear", "--user", "reader@example.org", "--signals")
    assert "deleted 4 library entries and 0 signals" in cleared.stdout
    assert "0 papers" in run(env, "library", "list", "--user", "reader@example.org").stdout


def test_a_bad_file_or_an_unknown_reader_is_one_line_and_nonzero(env, tmp_path):  # noqa: F811
    run(env, "migrate")
    run(env, "user", "add", "reader@example.org")
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - Never ended\n")
    for args, message in [
        (["--user", "reader@example.org", str(bad)], f"{bad}, line 1: RIS: record has no"),
        (["--user", "nobody@example.org", str(bad)], "no account for nobody@example.org"),
    ]:
        result = run(env, "library", "import", *args, check=False)
        assert result.returncode == 1
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
