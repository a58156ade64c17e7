"""Snapshot import: counts, idempotence, versions, and rejected lines that lose nothing."""

import gzip
import json

import pytest

from factories import write_jsonl
from paperwire.models import PaperFilter

GOOD = {
    "id": "2401.01234",
    "submitter": "Ada Lovelace",
    "authors": "Ada Lovelace, Charles Babbage and Mary Somerville",
    "title": "Engines of\n  Analysis",
    "comments": "12 pages",
    "journal-ref": None,
    "doi": "10.1000/xyz",
    "report-no": None,
    "categories": "cs.LG stat.ML",
    "license": None,
    "abstract": "  We study engines.\n",
    "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}],
    "update_date": "2024-01-01",
    "authors_parsed": [["Lovelace", "Ada", ""], ["Babbage", "Charles", ""]],
}


def record(**changes: object) -> dict:
    return {**GOOD, **changes}


def test_import_stores_every_field(core, tmp_path):
    report = core.import_snapshot([write_jsonl(tmp_path / "a.jsonl", [GOOD])])
    assert (report.added, report.updated, report.unchanged, report.rejected) == (1, 0, 0, 0)
    paper = core.get_paper("2401.01234")
    assert paper.title == "Engines of Analysis"
    assert paper.authors == ["Ada Lovelace", "Charles Babbage", "Mary Somerville"]
    assert paper.categories == ["cs.LG", "stat.ML"]
    assert paper.primary_category == "cs.LG"
    assert paper.abstract == "We study engines."
    assert paper.doi == "10.1000/xyz"
    assert paper.comments == "12 pages"
    assert paper.latest_version == 1
    assert paper.published.isoformat() == "2024-01-01T10:00:00+00:00"
    assert [n for n, _ in paper.versions] == [1]
    assert paper.announced_on.isoformat() == "2024-01-01"


def test_reimport_changes_nothing(core, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [GOOD, record(id="2401.01235", title="Other")])
    core.import_snapshot([path])
    again = core.import_snapshot([path])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_newer_version_updates_and_older_changes_nothing(core, tmp_path):
    core.import_snapshot([write_jsonl(tmp_path / "v1.jsonl", [GOOD])])
    v2 = record(
        title="Engines of Analysis, revised",
        versions=[*GOOD["versions"], {"version": "v2", "created": "Tue, 6 Feb 2024 09:00:00 GMT"}],
        update_date="2024-02-06",
    )
    report = core.import_snapshot([write_jsonl(tmp_path / "v2.jsonl", [v2])])
    assert report.updated == 1
    paper = core.get_paper("2401.01234")
    assert paper.title == "Engines of Analysis, revised"
    assert paper.latest_version == 2
    assert [n for n, _ in paper.versions] == [1, 2]
    assert paper.announced_on.isoformat() == "2024-01-01"  # still listed on its first day

    stale = record(title="Stale copy")
    report = core.import_snapshot([write_jsonl(tmp_path / "old.jsonl", [stale])])
    assert (report.updated, report.unchanged) == (0, 1)
    assert core.get_paper("2401.01234").title == "Engines of Analysis, revised"


def test_record_without_versions_is_dated_by_update_date(core, tmp_path):
    core.import_snapshot([write_jsonl(tmp_path / "a.jsonl", [record(versions=None, update_date="2026-03-04")])])
    paper = core.get_paper("2401.01234")
    assert paper.published is None
    assert paper.announced_on.isoformat() == "2026-03-04"


BAD_LINES = [
    ("{not json", "not JSON"),
    ('["a", "list"]', "expected a JSON object"),
    (json.dumps(record(id=None)), "field 'id': missing"),
    (json.dumps(record(title="  ")), "field 'title': missing"),
    (json.dumps(record(id="not-an-id")), "field 'id': not an arXiv id"),
    (json.dumps(record(title="x" * 5000)), "field 'title': 5,000 characters"),
    (json.dumps(record(abstract=["a", "list"])), "field 'abstract': expected a string"),
    (json.dumps(record(categories=7)), "field 'categories': expected a string"),
    (json.dumps(record(versions="v1")), "field 'versions': expected a list"),
    (json.dumps(record(versions=[{"version": "v1", "created": "yesterday"}])), "bad date"),
    (json.dumps(record(update_date="2024/01/01")), "field 'update_date'"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_bad_line_is_rejected_with_file_line_and_reason(core, tmp_path, line, reason):
    core.import_snapshot([write_jsonl(tmp_path / "good.jsonl", [record(id="2401.00001", title="Kept")])])
    path = write_jsonl(tmp_path / "mixed.jsonl", [record(id="2401.00002"), line, record(id="2401.00003")])
    report = core.import_snapshot([path])
    assert (report.added, report.rejected) == (2, 1)
    [rejection] = report.rejections
    assert rejection.where == f"{path}:2"
    assert reason in rejection.reason
    assert core.get_paper("2401.00001").title == "Kept"  # nothing stored was lost


def test_gzip_files_are_read(core, tmp_path):
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(GOOD) + "\n")
    assert core.import_snapshot([path]).added == 1


def test_duplicate_ids_in_one_file_keep_the_newest(core, tmp_path):
    newer = record(
        title="Newest",
        versions=[*GOOD["versions"], {"version": "v2", "created": "Tue, 6 Feb 2024 09:00:00 GMT"}],
    )
    path = write_jsonl(tmp_path / "dup.jsonl", [newer, GOOD])
    report = core.import_snapshot([path])
    assert report.added == 1
    assert core.get_paper("2401.01234").title == "Newest"


def test_withdrawn_papers_are_flagged(core, tmp_path):
    withdrawn = record(comments="This paper has been withdrawn by the author")
    core.import_snapshot([write_jsonl(tmp_path / "w.jsonl", [withdrawn])])
    assert core.get_paper("2401.01234").withdrawn


def test_old_style_ids_import(core, tmp_path):
    core.import_snapshot([write_jsonl(tmp_path / "o.jsonl", [record(id="hep-th/9901001")])])
    assert core.get_paper("hep-th/9901001v2").arxiv_id == "hep-th/9901001"


@pytest.mark.slow
def test_full_sample_imports(sqlite_core):
    from conftest import SAMPLE

    report = sqlite_core.import_snapshot([SAMPLE])
    assert (report.added, report.rejected) == (32_034, 0)
    stats = sqlite_core.stats()
    assert stats.papers == 32_034
    assert stats.withdrawn >= 10
    assert sqlite_core.list_papers(PaperFilter()).total > 0
    again = sqlite_core.import_snapshot([SAMPLE])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 32_034)
