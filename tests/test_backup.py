"""Export and restore: a deployment to one archive and back, SQLite <-> PostgreSQL.

Real SQLite files, the real PostgreSQL, real ``paperwire`` processes; no mocks.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from clients import session_for
from conftest import BACKENDS, REPO, TEST_SECRET, fresh_postgres_database, make_settings, worker_id
from factories import CORPUS, add_subscribers, load, make_user, trending_papers
from paperwire.backup.archive import EXCLUDED, TableSpec, archived_tables
from paperwire.community.models import Role
from paperwire.core import Paperwire
from paperwire.db import github as github_store
from paperwire.db import migrate
from paperwire.db.library import NewEntry, insert_entries
from paperwire.db.tables import (
    announcement_days,
    announcements,
    harvest_cursors,
    harvest_quarantine,
    harvest_runs,
    metadata,
    paper_embeddings,
    papers,
)
from paperwire.digest.models import Frequency, Topics
from paperwire.errors import ArchiveError, StoreNotEmpty
from paperwire.models import SearchOptions
from paperwire.sources.github import RepoFields

UNEMBEDDED = "2401.00005"  # its vector is left out of the archive: restore embeds it
needs_postgres = pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL not tested")


# -- a store with every kind of row ------------------------------------------------------


def fill_every_kind(core: Paperwire, tmp_path: Path) -> None:
    """Papers (versions, categories, authors, links, vectors and concepts), announcements, harvest
    state, accounts, votes, a comment thread, a collection, a submission, a followed and a
    claimed author, tokens, subscriptions,
    a digest issue with its send log, and a session (which archives leave out)."""
    with_links = {**CORPUS[0], "comments": "Code: https://github.com/ada/engine. "
                  "Project page: https://ada.github.io/engine"}  # paper_links
    load(core, tmp_path, [with_links, *CORPUS[1:]])
    day = core.digest_day()  # read once: one day even across midnight
    trending = trending_papers(core, 3, day=day)
    ada = make_user(core, "Ada@Example.org", username="ada")
    moderator = make_user(core, "mod@example.org", Role.MODERATOR)
    make_user(core, "gone@example.org")
    core.set_banned("gone@example.org")
    core.upvote(ada, "2401.00001")
    first = core.add_comment(ada, "2401.00001", "Nice *work*, $x^2$ ≠ “quotes”")
    reply = core.add_comment(moderator, "2401.00001", "Thanks", parent_id=first)
    core.hide_comment(moderator, reply)
    collection = core.create_collection(ada, "Reading", description="for later", public=True)
    core.save_paper(ada, collection, "2401.00003", note="black holes")
    _library_and_signals(core, ada.id)
    core.submit_paper(ada, trending[0])
    core.follow_author(ada, "Ada Lovelace")
    core.claim_author(ada, "Ada Lovelace")
    core.decide_author_claim(core.author_claims()[0].id, approve=True)
    core.create_api_token(ada, "laptop")
    core.rotate_feed_token(ada)
    core.subscribe_digest("reader@example.org", frequency=Frequency.WEEKLY,
                          topics=Topics(categories=("cs.LG",), keywords=("heads",)), user_id=ada.id)
    add_subscribers(core, 3)
    core.build_digest(Frequency.DAILY, day)
    session_for(core, "Ada@Example.org")
    core.embed_pending()
    assert core.build_summaries().extractive  # paper_summaries
    _harvest_and_listing_rows(core, day)
    _github_rows(core, day)
    with core.engine.begin() as connection:
        paper_id = connection.execute(
            select(papers.c.id).where(papers.c.arxiv_id == UNEMBEDDED)).scalar_one()
        connection.execute(delete(paper_embeddings).where(paper_embeddings.c.paper_id == paper_id))


def _library_and_signals(core: Paperwire, user_id: int) -> None:
    with core.engine.begin() as connection:
        insert_entries(connection, user_id, [NewEntry(1, "bibtex", "vaswani2017")], now=1764322200)
    core.mark_signal(user_id, "2401.00002", "more_like_this")
    core.mark_signal(user_id, "2401.00003", "not_interested")
    core.record_seen(user_id, [1, 2])


def _github_rows(core: Paperwire, day: date) -> None:
    """What a GitHub refresh stores for the linked repository (tests/test_github.py runs
    the refresh itself against a fake GitHub)."""
    fields = RepoFields(full_name="ada/engine", stars=42, description="An <engine>",
                        license="MIT", pushed_at=datetime(2026, 11, 27, 8, tzinfo=UTC),
                        archived=False)
    with core.engine.begin() as connection:
        assert github_store.sync_linked(connection, now=1764322200) == 1
        github_store.record_fetched(connection, "ada/engine", fields, etag='W/"abc"',
                                    now=1764322200, next_check_at=1764922200, day=day)


def _harvest_and_listing_rows(core: Paperwire, day: date) -> None:
    now = datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=UTC)
    with core.engine.begin() as connection:
        connection.execute(insert(harvest_cursors), [{
            "set_spec": "cs", "next_from": date(2026, 11, 27), "pass_from": None,
            "resumption_token": "tok|1001", "token_expires_at": now, "ordered": True,
            "pages": 3, "records": 2500, "updated_at": now,
        }])
        connection.execute(insert(harvest_runs), [{
            "kind": "oai", "status": "ok", "detail": "cs", "started_at": now,
            "finished_at": now, "requests": 4, "pages": 3, "added": 2500,
        }])
        connection.execute(insert(harvest_quarantine), [{
            "run_id": 1, "source": "oai", "arxiv_id": "2611.99999", "position": "page 2",
            "reason": "no title", "raw": "<record/>", "created_at": now,
        }])
        connection.execute(insert(announcement_days), [{
            "day": day, "mailing": True, "papers": 3, "categories": "cs.LG", "fetched_at": now,
        }])
        connection.execute(insert(announcements), [{
            "day": day, "arxiv_id": "2611.00001", "announce_type": "new", "version": 1,
        }])


# -- comparing stores ------------------------------------------------------------------


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | bytes):
        return value.isoformat() if isinstance(value, date) else value.hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def contents(core: Paperwire) -> dict[str, list[tuple]]:
    """Every archived table's rows, values normalized across backends, sorted."""
    found = {}
    with core.engine.connect() as connection:
        for source in archived_tables():
            rows = [tuple(_normal(v) for v in row) for row in connection.execute(select(source))]
            found[source.name] = sorted(rows, key=repr)
    return found


def without_embedding_of(rows: dict[str, list[tuple]], paper_id: int) -> dict[str, list[tuple]]:
    return {**rows, "paper_embeddings": [r for r in rows["paper_embeddings"] if r[0] != paper_id]}


def ada_id(core: Paperwire) -> int:
    return core.profile("ada").user.id


def paper_id_of(core: Paperwire, arxiv_id: str) -> int:
    return core.get_paper(arxiv_id).id


def new_store(tmp_path: Path, name: str, backend: str) -> Paperwire:
    """A bare store: nothing created yet (restore migrates it)."""
    url = fresh_postgres_database(f"paperwire_{name}_{worker_id()}") if backend == "postgres" else None
    return Paperwire(make_settings(tmp_path / name, database_url=url))


def sqlite_source(tmp_path: Path) -> Paperwire:
    source = Paperwire(make_settings(tmp_path / "source"))
    source.migrate()
    fill_every_kind(source, tmp_path)
    return source


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    source = sqlite_source(tmp_path)
    path = tmp_path / "backup.jsonl.gz"
    source.export_archive(path)
    source.close()
    return path


# -- what an archive carries ------------------------------------------------------------


def test_every_table_is_archived_or_excluded_with_a_reason():
    carried = {t.name for t in archived_tables()}
    assert set(EXCLUDED) <= set(metadata.tables), "EXCLUDED names a table that does not exist"
    assert carried | set(EXCLUDED) == set(metadata.tables)
    assert not carried & set(EXCLUDED)
    assert all(reason for reason in EXCLUDED.values())
    for source in metadata.sorted_tables:
        TableSpec.of(source, 0)  # every column type has a codec, or this raises


# -- the round trip -------------------------------------------------------------------------


@needs_postgres
def test_sqlite_to_postgres_to_sqlite_keeps_every_row(tmp_path: Path):
    source = sqlite_source(tmp_path)
    before = contents(source)
    empty = [name for name, rows in before.items() if not rows]
    assert not empty, f"fill_every_kind() leaves {empty} empty: add rows of each kind"
    unembedded = paper_id_of(source, UNEMBEDDED)

    first = tmp_path / "a.jsonl.gz"
    exported = source.export_archive(first)
    assert exported.rows == {name: len(rows) for name, rows in before.items()}

    postgres = new_store(tmp_path, "backup_pg", "postgres")
    report = postgres.restore_archive(first)
    assert report.rows == exported.rows
    assert report.embedded == 1  # only the paper the archive has no vector for
    assert report.vectors_indexed == exported.rows["paper_embeddings"]
    on_postgres = contents(postgres)
    assert without_embedding_of(on_postgres, unembedded) == before

    second = tmp_path / "b.jsonl.gz"
    postgres.export_archive(second)
    assert_serves(postgres)  # (it writes: after the export)
    final = new_store(tmp_path, "final", "sqlite")
    again = final.restore_archive(second)
    assert again.embedded == 0
    assert contents(final) == on_postgres
    assert without_embedding_of(contents(final), unembedded) == before
    assert_serves(final)
    for core in (source, postgres, final):
        core.close()


def assert_serves(core: Paperwire) -> None:
    """Search by keyword and by meaning, sign-in state, and new ids after the restored ones."""
    keyword = core.search_papers("Bekenstein-Hawking entropy", options=SearchOptions(semantic=False))
    assert {hit.paper.arxiv_id for hit in keyword.hits} == {"2401.00003", "2401.00006"}
    meaning = core.search_papers("separate output heads multitask", options=SearchOptions(keyword=False))
    assert meaning.hits
    assert meaning.hits[0].paper.arxiv_id == "2401.00002"
    assert core.similar_papers("2401.00001")
    ada = core.author_page("Ada Lovelace")  # the author index, follows and claims came along
    assert ada.claimed_by == [("ada", "ada")]
    assert ada.page.total >= 5
    assert [a.key for a in core.followed_authors(ada_id(core))] == ["ada lovelace"]
    counts = core.row_counts()
    assert counts["user_sessions"] == 0  # everyone signs in again
    newcomer = make_user(core, "new@example.org")  # ids go on after the restored ones
    assert newcomer.id == counts["users"] + 1
    comment = core.add_comment(newcomer, "2401.00003", "A new comment after the restore")
    assert comment == counts["comments"] + 1


# -- refusals and damage -------------------------------------------------------------------


def test_restore_refuses_a_store_that_is_not_empty(core: Paperwire, archive: Path, tmp_path: Path):
    make_user(core, "someone@example.org")
    before = core.row_counts()
    with pytest.raises(StoreNotEmpty) as refused:
        core.restore_archive(archive)
    assert "not empty" in str(refused.value)
    assert "users" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert core.row_counts() == before


def _lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines(keepends=True)


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(gzip.compress(b"".join(lines)))
    return path


def assert_restores_nothing(core: Paperwire, path: Path, message: str) -> None:
    with pytest.raises(ArchiveError) as failed:
        core.restore_archive(path)
    assert message in str(failed.value), str(failed.value)
    assert set(core.row_counts().values()) == {0}


def test_a_cut_archive_names_the_line_and_restores_nothing(core: Paperwire, archive: Path):
    data = archive.read_bytes()
    cut = archive.with_name("cut.jsonl.gz")
    cut.write_bytes(data[: len(data) // 2])
    assert_restores_nothing(core, cut, f"{cut}:")
    assert_restores_nothing(core, cut, "cut short")

    lines = _lines(archive)
    short = _write(archive.with_name("short.jsonl.gz"), lines[:-3])  # ends on a whole line
    assert_restores_nothing(core, short, f"{short}:{len(lines) - 2}: the archive ends before")


def test_a_corrupted_line_is_named_and_nothing_is_restored(core: Paperwire, archive: Path):
    lines = _lines(archive)
    broken = [*lines]
    broken[41] = broken[41][: len(broken[41]) // 2] + b"\n"
    bad = _write(archive.with_name("bad.jsonl.gz"), broken)
    assert_restores_nothing(core, bad, f"{bad}:42: not valid JSON")

    # Valid JSON, wrong value: the line's type check or, failing that, the checksum.
    edited = [line.replace(b'"upvotes":0', b'"upvotes":7', 1) for line in lines]
    assert edited != lines
    tampered = _write(archive.with_name("tampered.jsonl.gz"), edited)
    assert_restores_nothing(core, tampered, f"{tampered}:{len(lines)}: checksum mismatch")

    typed = [line.replace(b'"announced_on":"', b'"announced_on":"x', 1) for line in lines]
    wrong = _write(archive.with_name("wrong.jsonl.gz"), typed)
    assert_restores_nothing(core, wrong, "papers.announced_on: not a YYYY-MM-DD date")


def test_an_archive_from_an_unknown_schema_is_refused(core: Paperwire, archive: Path):
    lines = _lines(archive)
    header = json.loads(lines[0])
    header["schema_revision"] = "9999"
    newer = _write(archive.with_name("newer.jsonl.gz"), [json.dumps(header).encode() + b"\n", *lines[1:]])
    assert_restores_nothing(core, newer, "schema revision '9999' is unknown here")


# Tables 0008 (authors), 0009 (readers' library and signals), 0010 (paper links), 0012
# (one-line summaries) and 0015 (GitHub metadata) add; 0011's change log, 0013's shared
# limits, 0014's job failures and 0015's rate limit are not archived.
AFTER_0006 = {"paper_authors", "author_follows", "author_claims",
              "library_entries", "reader_signals", "reader_versions", "paper_links",
              "paper_summaries", "github_repos", "github_stars"}


def as_revision_0006(archive: Path) -> tuple[Path, dict]:
    """The archive as a 0006 store would have written it: without the tables later
    revisions add (0007 only adds an index), its trailer recounted."""
    lines = _lines(archive)
    header = json.loads(lines[0])
    header["schema_revision"] = "0006"
    header["tables"] = [t for t in header["tables"] if t["name"] not in AFTER_0006]
    rows = [line for line in lines[1:-1] if json.loads(line)["t"] not in AFTER_0006]
    counts = {t["name"]: t["rows"] for t in header["tables"]}
    trailer = {"end": True, "rows": counts, "total": sum(counts.values()),
               "sha256": hashlib.sha256(b"".join(rows)).hexdigest()}
    path = _write(archive.with_name("older.jsonl.gz"),
                  [json.dumps(header).encode() + b"\n", *rows, json.dumps(trailer).encode() + b"\n"])
    return path, header


def test_an_older_archive_is_restored_at_its_revision_then_upgraded(core: Paperwire, archive: Path):
    head = json.loads(_lines(archive)[0])["schema_revision"]
    older, header = as_revision_0006(archive)
    report = core.restore_archive(older)  # the store is migrated to head: down to 0006 first
    assert report.revision == "0006"
    assert report.upgraded_to == head
    assert migrate.current_revision(core.engine) == head
    assert core.row_counts()["votes"] == header_rows(header, "votes") > 0
    # The upgrade indexed the restored papers' authors (0008's backfill).
    assert core.author_page("Ada Lovelace").page.total >= 5


def header_rows(header: dict, name: str) -> int:
    return next(t["rows"] for t in header["tables"] if t["name"] == name)


# -- one moment, and an atomic file ------------------------------------------------------


def test_export_sees_one_moment_while_others_write(core: Paperwire, tmp_path: Path):
    fill_every_kind(core, tmp_path)
    before = core.row_counts()
    wrote = []

    def write_meanwhile(done: int, total: int) -> None:
        if not wrote:  # after the first rows are out; users and votes are read later
            late = make_user(core, "late@example.org")
            core.upvote(late, "2401.00004")
            wrote.append(late)

    path = tmp_path / "moment.jsonl.gz"
    report = core.export_archive(path, on_progress=write_meanwhile)
    assert wrote
    assert report.rows["users"] == before["users"]
    assert report.rows["votes"] == before["votes"]
    assert core.row_counts()["votes"] == before["votes"] + 1
    target = new_store(tmp_path, "moment_target", "sqlite")
    assert target.restore_archive(path).rows == report.rows
    target.close()


def test_kill_9_during_export_leaves_no_file_under_the_final_name(tmp_path: Path):
    source = sqlite_source(tmp_path)
    total = sum(source.export_archive(tmp_path / "whole.jsonl.gz").rows.values())
    source.close()
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path / "source"), "PAPERWIRE_EMBEDDER": "fake",
           "PAPERWIRE_SECRET_KEY": TEST_SECRET}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    final = tmp_path / "nightly.jsonl.gz"
    # --rate 5 keeps it running for total/5 seconds (well over a minute): killed mid-way.
    process = subprocess.Popen([sys.executable, "-m", "paperwire", "export", "--out", str(final),
                                "--rate", "5"], env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = final.with_name(f"{final.name}.partial-{process.pid}")
    deadline = time.monotonic() + 120
    while not partial.exists():
        assert process.poll() is None, "export ended before it could be killed"
        assert time.monotonic() < deadline, "export never started writing"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL  # killed, not finished
    assert not final.exists()
    assert partial.exists()

    done = subprocess.run([sys.executable, "-m", "paperwire", "export", "--out", str(final)],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert final.exists()
    assert not partial.exists()
    assert f"exported {total:,} rows" in done.stdout


# -- the CLI ------------------------------------------------------------------------------


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "paperwire", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_export_restore_and_stats_json(backend: str, tmp_path: Path):
    source = sqlite_source(tmp_path)
    expected = source.row_counts()
    source.close()
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path / "source"), "PAPERWIRE_EMBEDDER": "fake",
           "PAPERWIRE_SECRET_KEY": TEST_SECRET, "COLUMNS": "200"}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    counts = json.loads(_cli(env, "stats", "--json").stdout)
    assert counts == expected
    assert set(counts) == set(metadata.tables)
    assert counts["papers"] == 9
    assert counts["votes"] == 4

    path = tmp_path / "cli.jsonl.gz"
    exported = _cli(env, "export", "--out", str(path))
    assert exported.returncode == 0, exported.stderr
    target = {**env, "PAPERWIRE_DATA_DIR": str(tmp_path / "target")}
    if backend == "postgres":
        target["PAPERWIRE_DATABASE_URL"] = fresh_postgres_database(f"paperwire_backup_cli_{worker_id()}")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(path.read_bytes()[:-40])
    refused = _cli(target, "restore", str(cut))
    assert refused.returncode == 1
    assert f"{cut}:" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr

    restored = _cli(target, "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert "embedded now: 1" in restored.stdout
    after = json.loads(_cli(target, "stats", "--json").stdout)
    for name in EXCLUDED:
        expected[name] = 0
    expected["paper_embeddings"] += 1
    # The store's triggers log what the restore wrote, for the other hosts' indexes.
    assert after.pop("change_log") >= expected["papers"] + expected["paper_embeddings"]
    expected.pop("change_log")
    assert after == expected
    again = _cli(target, "restore", str(path))
    assert again.returncode == 1
    assert "not empty" in again.stderr


@needs_postgres
def test_the_postgres_snapshot_is_repeatable_read_and_read_only(postgres_core: Paperwire):
    from sqlalchemy import text

    from paperwire.db.session import snapshot_transaction

    with snapshot_transaction(postgres_core.engine) as connection:
        assert connection.execute(text("SHOW transaction_isolation")).scalar() == "repeatable read"
        assert connection.execute(text("SHOW transaction_read_only")).scalar() == "on"
    with postgres_core.engine.connect() as connection:  # the pooled connection is itself again
        assert connection.execute(text("SHOW transaction_read_only")).scalar() == "off"
