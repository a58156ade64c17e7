"""The CLI as a user runs it: a real subprocess against a real store."""

import json
import os
import subprocess
import sys

import pytest

from conftest import TEST_SECRET, fresh_postgres_database, worker_id


def run(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "paperwire", *args], capture_output=True, text=True, env=env, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


@pytest.fixture
def env(backend, tmp_path):
    environment = {**os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200",
                   "PAPERWIRE_SECRET_KEY": TEST_SECRET,
                   "PAPERWIRE_EMBEDDER": "fake"}  # the real model has its own tests
    environment.pop("PAPERWIRE_DATABASE_URL", None)
    if backend == "postgres":
        environment["PAPERWIRE_DATABASE_URL"] = fresh_postgres_database(f"paperwire_cli_{worker_id()}")
    return environment


def test_import_search_stats_doctor(env, sample_slice):
    imported = run(env, "import", str(sample_slice))
    assert "added" in imported.stdout
    assert "rejected 0" in imported.stdout
    again = run(env, "import", str(sample_slice))
    assert "added 0 · updated 0" in again.stdout

    found = run(env, "search", "task-specific heads", "--json", "--limit", "5")
    lines = [json.loads(line) for line in found.stdout.splitlines()]
    assert 0 < len(lines) <= 5
    assert all({"id", "title", "score"} <= set(line) for line in lines)
    assert [line["rank"] for line in lines] == list(range(1, len(lines) + 1))

    stats = run(env, "stats").stdout
    assert "papers" in stats
    assert "harvest      never run" in stats
    doctor = run(env, "doctor")
    assert "FAIL" not in doctor.stdout


def test_rejected_lines_are_reported(env, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "2401.00001", "title": "Fine"}\n{broken\n')
    result = run(env, "import", str(bad))
    assert f"{bad}:2: not JSON" in result.stderr
    assert "added 1" in result.stdout
    assert "rejected 1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/no/such/file.jsonl"], "no such file"),
        # Brackets in a path are text, not console markup.
        (["import", "/no/[such]/file.jsonl"], "/no/[such]/file.jsonl"),
        (["search", "anything"], "paperwire migrate"),
        (["stats"], "paperwire migrate"),
    ],
)
def test_errors_are_one_line_and_nonzero(env, args, message):
    result = run(env, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_clear_line(tmp_path):
    environment = {**os.environ, "PAPERWIRE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
                   "PAPERWIRE_SECRET_KEY": TEST_SECRET}
    result = run(environment, "stats", check=False)
    assert result.returncode == 1
    assert "store error" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_doctor_reports_an_unmigrated_store(env):
    result = run(env, "doctor", check=False)
    assert result.returncode == 1
    assert "run `paperwire migrate`" in result.stdout


def test_config_show_lists_every_setting(env):
    from paperwire.settings import Settings

    shown = run(env, "config", "show").stdout
    for name in Settings.model_fields:
        assert f"PAPERWIRE_{name.upper()}" in shown
