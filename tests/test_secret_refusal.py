"""No command runs with the published default secret key (or a short one) outside dev mode.

Every command that opens the store refuses with one line and a non-zero exit, before
it touches anything; ``config show`` and ``doctor`` report the key instead. Each
command runs as a real process with a clean environment.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from conftest import SAMPLE, TEST_SECRET, ReservedPort, make_settings
from factories import trending_papers
from harvest.fake_arxiv import FakeArxiv, make_records
from paperwire.core import Paperwire, make_paperwire
from paperwire.digest.models import Frequency, Topics
from paperwire.errors import InsecureSettings
from paperwire.settings import DEFAULT_SECRET, SECRET_REFUSAL, Settings
from paperwire.web.app import create_app

REFUSAL = f"error: {SECRET_REFUSAL}"
SUBSCRIBER = "ada@example.org"
# The day the prepared store's papers trend and `digest send` sends: a fixed day, so it
# is the same day whenever (across midnight too) the module runs.
DIGEST_DAY = date(2026, 2, 2)
# Every command that builds a core. {snapshot} and {port} are filled in per test.
COMMANDS: dict[str, list[str]] = {
    "migrate": ["migrate"],
    "import": ["import", "{snapshot}"],
    "embed": ["embed"],
    "summaries build": ["summaries", "build"],
    "search": ["search", "Calabi-Yau"],
    "stats": ["stats"],
    "reindex": ["reindex"],
    "user add": ["user", "add", "bob@example.org"],
    "user promote": ["user", "promote", SUBSCRIBER],
    "user ban": ["user", "ban", SUBSCRIBER],
    "harvest": ["harvest", "--set", "cs", "--from", "2026-02-01"],
    "add": ["add", "2602.00001"],
    "announcements": ["announcements", "2026-02-02"],
    "digest send": ["digest", "send", "--date", DIGEST_DAY.isoformat()],
    "digest preview": ["digest", "preview", "--email", SUBSCRIBER],
    "digest status": ["digest", "status"],
    "digest resume": ["digest", "resume"],
    "worker": ["worker"],
    "serve": ["serve", "--port", "{port}"],
    "export": ["export", "--out", "{snapshot}.jsonl.gz"],
}
# Refused like the rest; a run needs an empty store and an archive (tests/test_backup.py).
REFUSED_ONLY: dict[str, list[str]] = {"restore": ["restore", "{snapshot}"]}
LONG_RUNNING = {"worker", "serve"}
SAYS = {  # what a command that ran prints, where it says something telling
    "harvest": "added 3", "add": "added 1", "user add": "<bob@example.org>",
    "digest send": "sent 1 ", "search": "Calabi-Yau", "announcements": "2026-02-02",
    "export": "exported ",
    "summaries build": "extractive ",
}
API_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>http://arxiv.org/api/secret-refusal</id>
  <updated>2026-02-03T00:00:00-05:00</updated>
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2602.00001v1</id>
    <updated>2026-02-01T12:00:00Z</updated>
    <published>2026-02-01T12:00:00Z</published>
    <title>Paper number 1</title>
    <summary>We study things.</summary>
    <author><name>Ada Lovelace</name></author>
    <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""
RUNS = {"dev mode": {"PAPERWIRE_DEV_MODE": "true"}, "a real key": {"PAPERWIRE_SECRET_KEY": TEST_SECRET}}


# -- helpers ------------------------------------------------------------------------


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any PAPERWIRE_ variable, on a store in data_dir
    whose arXiv and SMTP point at nothing that answers."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PAPERWIRE_")}
    nowhere = "http://127.0.0.1:9"
    env.update({
        "PAPERWIRE_DATA_DIR": str(data_dir), "PAPERWIRE_EMBEDDER": "fake",
        "PAPERWIRE_ARXIV_OAI_URL": f"{nowhere}/oai", "PAPERWIRE_ARXIV_API_URL": f"{nowhere}/api",
        "PAPERWIRE_ARXIV_RSS_URL": nowhere, "PAPERWIRE_ARXIV_DELAY_SECONDS": "0",
        "PAPERWIRE_HARVEST_ENABLED": "false", "PAPERWIRE_EMBED_IN_BACKGROUND": "false",
        "PYTHONUNBUFFERED": "1", "COLUMNS": "200",
    })
    env.update(extra)
    return env


def command_line(name: str, snapshot: Path, port: int) -> list[str]:
    args = [arg.format(snapshot=snapshot, port=port) for arg in {**COMMANDS, **REFUSED_ONLY}[name]]
    return [sys.executable, "-m", "paperwire", *args]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)


def files_of(folder: Path) -> dict[str, str]:
    """Every file under folder and a hash of its bytes."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def until(condition: Callable[[], bool], process: subprocess.Popen[str], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def long_running_starts(name: str, args: list[str], env: dict[str, str], port: int,
                        log: Path) -> bool:
    """Start `serve` or `worker`, wait until it is at work (serving pages, or its
    jobs announced), then stop it."""
    with log.open("w") as stderr:
        process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                                   text=True)
    try:
        if name == "serve":
            return until(lambda: answers(port), process, 60)
        return until(lambda: "worker: 1 at once" in log.read_text(), process, 60)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five real records from the sample."""
    target = tmp_path_factory.mktemp("snapshot") / "five.jsonl"
    with SAMPLE.open("rb") as source:
        target.write_bytes(b"".join(source.readline() for _ in range(5)))
    return target


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, snapshot: Path) -> Path:
    """A migrated store with papers (some trending on DIGEST_DAY) and a confirmed daily
    subscriber who has an account."""
    data_dir = tmp_path_factory.mktemp("prepared") / "data"
    core = Paperwire(make_settings(data_dir))
    core.migrate()
    core.import_snapshot([snapshot])
    trending_papers(core, day=DIGEST_DAY)
    core.add_user(SUBSCRIBER, username="ada")
    mail = core.subscribe_digest(SUBSCRIBER, frequency=Frequency.DAILY, topics=Topics())
    core.confirm_digest(re.search(r"token=([A-Za-z0-9_.\-]+)", mail.text)[1])
    core.close()
    return data_dir


@pytest.fixture
def smtp() -> Iterator[socket.socket]:
    """A listening socket standing in for the SMTP server: it must see no connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    yield listener
    listener.close()


def nobody_connected(listener: socket.socket) -> bool:
    try:
        listener.accept()[0].close()
    except BlockingIOError:
        return True
    return False


@pytest.fixture(scope="module")
def arxiv() -> Iterator[FakeArxiv]:
    fake = FakeArxiv()
    fake.records = make_records(3)
    fake.api_body = API_FEED
    fake.start()
    yield fake
    fake.stop()


# -- refused ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*COMMANDS, *REFUSED_ONLY])
def test_command_refuses_without_a_secret_and_creates_nothing(name, tmp_path, snapshot, smtp):
    data_dir = tmp_path / "data"
    env = clean_env(data_dir, PAPERWIRE_SMTP_HOST="127.0.0.1",
                    PAPERWIRE_SMTP_PORT=str(smtp.getsockname()[1]))
    with ReservedPort() as port:
        result = run(command_line(name, snapshot, port.port), env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == REFUSAL
    assert not data_dir.exists()  # the store was not even created
    assert nobody_connected(smtp)


@pytest.mark.parametrize(
    "secret", [DEFAULT_SECRET, "x" * 31], ids=["the published default", "31 characters"]
)
@pytest.mark.parametrize("name", ["digest send", "serve"])
def test_weak_key_is_refused_and_changes_nothing(name, secret, tmp_path, prepared, smtp):
    data_dir = tmp_path / "data"
    shutil.copytree(prepared, data_dir)
    before = files_of(data_dir)
    env = clean_env(data_dir, PAPERWIRE_SECRET_KEY=secret, PAPERWIRE_SMTP_HOST="127.0.0.1",
                    PAPERWIRE_SMTP_PORT=str(smtp.getsockname()[1]))
    with ReservedPort() as port:
        result = run(command_line(name, tmp_path, port.port), env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == REFUSAL
    assert files_of(data_dir) == before  # no issue built, nothing queued, no outbox row
    assert nobody_connected(smtp)


# -- runs ---------------------------------------------------------------------------


@pytest.mark.parametrize("run_with", RUNS)
@pytest.mark.parametrize("name", COMMANDS)
def test_command_runs_in_dev_mode_or_with_a_real_key(name, run_with, tmp_path, prepared,
                                                     snapshot, arxiv):
    data_dir = tmp_path / "data"
    shutil.copytree(prepared, data_dir)
    env = clean_env(data_dir, PAPERWIRE_ARXIV_OAI_URL=f"{arxiv.url}/oai",
                    PAPERWIRE_ARXIV_API_URL=f"{arxiv.url}/api/query",
                    PAPERWIRE_ARXIV_RSS_URL=arxiv.url, **RUNS[run_with])
    reserved = ReservedPort()
    args = command_line(name, snapshot, reserved.port)
    if name in LONG_RUNNING:
        log = tmp_path / "stderr.log"
        with reserved:
            assert long_running_starts(name, args, env, reserved.port, log), log.read_text()
        return
    reserved.release()
    result = run(args, env)
    assert REFUSAL not in result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert SAYS.get(name, "") in result.stdout


# -- the commands that report instead ------------------------------------------------


def test_config_show_and_doctor_report_the_key(tmp_path):
    env = clean_env(tmp_path / "data")
    shown = run([sys.executable, "-m", "paperwire", "config", "show"], env)
    assert shown.returncode == 0
    assert "(the default or too short: allowed only in dev mode)" in shown.stdout
    doctor = run([sys.executable, "-m", "paperwire", "doctor"], env)
    assert doctor.returncode == 1
    assert f"FAIL secret key: {SECRET_REFUSAL}" in doctor.stdout
    assert REFUSAL not in doctor.stderr


def test_help_needs_no_secret(tmp_path):
    result = run([sys.executable, "-m", "paperwire", "digest", "send", "--help"],
                 clean_env(tmp_path / "data"))
    assert result.returncode == 0
    assert "Build the period's digest" in result.stdout


# -- in process: the one rule, the factory, the web app and the signers --------------


def weak(tmp_path: Path, **fields: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key=DEFAULT_SECRET, dev_mode=False,
                    **fields)


@pytest.mark.parametrize(
    ("secret", "dev_mode", "refused"),
    [(DEFAULT_SECRET, False, True), ("k" * 31, False, True), ("k" * 32, False, False),
     (DEFAULT_SECRET, True, False), ("short", True, False)],
)
def test_require_secret(tmp_path, secret, dev_mode, refused):
    settings = Settings(data_dir=tmp_path, secret_key=secret, dev_mode=dev_mode)
    if refused:
        with pytest.raises(InsecureSettings, match="PAPERWIRE_SECRET_KEY is unset"):
            settings.require_secret()
    else:
        assert settings.require_secret() == secret


def test_factory_and_web_app_refuse_before_touching_the_store(tmp_path):
    with pytest.raises(InsecureSettings) as raised:
        make_paperwire(weak(tmp_path))
    assert str(raised.value) == SECRET_REFUSAL
    with pytest.raises(InsecureSettings):
        create_app(weak(tmp_path))
    assert not (tmp_path / "data").exists()


def test_a_core_built_directly_still_signs_nothing(tmp_path):
    core = Paperwire(weak(tmp_path))
    try:
        with pytest.raises(InsecureSettings):
            create_app(core=core)
        with pytest.raises(InsecureSettings):
            _ = core.signer  # digest links: confirm, manage, unsubscribe
        with pytest.raises(InsecureSettings):
            core.user_for_feed_token("1.abc")
    finally:
        core.close()
