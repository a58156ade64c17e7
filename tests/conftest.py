"""Shared fixtures: a real store on SQLite and on PostgreSQL, the sample data, the web
app in process (and a real HTTP server, for what needs a socket).

Every test that takes ``core`` (or a fixture built on it) runs twice: once on
a fresh SQLite file, once on the PostgreSQL at 127.0.0.1:5432. Set
``PAPERWIRE_TEST_BACKENDS=sqlite`` to run only one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from clients import open_client
from paperwire.core import Paperwire
from paperwire.db.tables import metadata, papers
from paperwire.settings import Settings
from paperwire.web.app import create_app

REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(
    os.environ.get("PAPERWIRE_SAMPLE", REPO.parent / "shared" / "data" / "arxiv-sample.jsonl")
)
POSTGRES_ADMIN = os.environ.get(
    "PAPERWIRE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = os.environ.get("PAPERWIRE_TEST_BACKENDS", "sqlite,postgres").split(",")
# A small, varied slice of the sample for the shared read-only store: every Nth
# line plus papers that tests name.
SLICE_EVERY = 16
NAMED_IDS = {
    "1810.04805", "hep-th/9901001", "0704.0001", "0704.0525", "2101.10016",
    "cs/0212040", "0704.0156", "2604.26375", "2505.12268",
}


# Nothing in the tests may reach arXiv: sources point at a closed local port unless a
# test starts its own fake arXiv server.
OFFLINE_ENV = {
    "PAPERWIRE_HARVEST_ENABLED": "false",
    # Tests change the store and look at pages at once; test_pagecache turns the cache on.
    "PAPERWIRE_PAGE_CACHE_SECONDS": "0",
    "PAPERWIRE_ARXIV_OAI_URL": "http://127.0.0.1:9/oai",
    "PAPERWIRE_ARXIV_API_URL": "http://127.0.0.1:9/api/query",
    "PAPERWIRE_ARXIV_RSS_URL": "http://127.0.0.1:9",
    # Nor GitHub: tests/test_github.py starts a fake one.
    "PAPERWIRE_GITHUB_API_URL": "http://127.0.0.1:9",
    "PAPERWIRE_GITHUB_IN_BACKGROUND": "false",
}


def pytest_configure(config: pytest.Config) -> None:
    os.environ.update(OFFLINE_ENV)
    if not SAMPLE.is_file():
        raise pytest.UsageError(f"the arXiv sample is missing: {SAMPLE} (set PAPERWIRE_SAMPLE)")


def worker_id() -> str:
    """Names this test process's PostgreSQL databases: per checkout and per xdist worker,
    so two checkouts testing at once on one machine never drop each other's databases."""
    checkout = hashlib.blake2b(str(REPO).encode(), digest_size=3).hexdigest()
    return f"{checkout}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


# -- PostgreSQL databases ---------------------------------------------------------------


def fresh_postgres_database(name: str) -> str:
    """(Re)create an empty database and return its SQLAlchemy URL."""
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


QUEUE_TABLES = ("procrastinate_jobs", "procrastinate_periodic_defers", "procrastinate_events",
                "procrastinate_workers")  # the job queue's (db/queue.py): empty too


def truncate_all(core: Paperwire) -> None:
    names = ", ".join(f'"{name}"' for name in [*(t.name for t in metadata.sorted_tables),
                                               *QUEUE_TABLES])
    with core.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return fresh_postgres_database(f"paperwire_test_{worker_id()}")


@pytest.fixture(scope="session")
def postgres_core(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paperwire]:
    core = Paperwire(make_settings(tmp_path_factory.mktemp("pg"), database_url=postgres_url))
    core.migrate()
    yield core
    core.close()


# -- stores -------------------------------------------------------------------------


TEST_SECRET = "test-secret-key-for-paperwire-tests-only-0123456789"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    # Tests embed with the deterministic fake unless they ask for the real model.
    overrides.setdefault("embedder", "fake")
    overrides.setdefault("secret_key", TEST_SECRET)
    return Settings(data_dir=data_dir, **overrides)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def core(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Paperwire]:
    """A fresh, migrated, empty store on the backend under test."""
    if backend == "sqlite":
        instance = Paperwire(make_settings(tmp_path / "data"))
        instance.migrate()
        yield instance
        instance.close()
        return
    shared = request.getfixturevalue("postgres_core")
    truncate_all(shared)
    # The store starts each test empty: its index files go too.
    shutil.rmtree(shared.settings.vector_dir, ignore_errors=True)
    shutil.rmtree(shared.settings.text_index_dir, ignore_errors=True)
    # A fresh core object (own settings, mailer, fetcher, clock, search state) over the
    # shared engine, so what one test changes on its core does not leak into the next.
    instance = Paperwire(shared.settings.model_copy(), engine=shared.engine)
    yield instance
    instance.stop_index_follower()
    instance.close_job_queue()


@pytest.fixture
def day(core: Paperwire) -> date:
    """This test's digest day, read once from the core's clock as the test starts, so a
    test (or a suite) that runs across midnight still builds, fills and sends one day."""
    return core.digest_day()


@pytest.fixture
def sqlite_core(tmp_path: Path) -> Iterator[Paperwire]:
    instance = Paperwire(make_settings(tmp_path / "data"))
    instance.migrate()
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def sample_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2,000 real records from the sample, as a snapshot file."""
    target = tmp_path_factory.mktemp("sample") / "slice.jsonl"
    with SAMPLE.open("rb") as source, target.open("wb") as sink:
        for number, line in enumerate(source):
            named = any(f'"id": "{arxiv_id}"'.encode() in line[:60] for arxiv_id in NAMED_IDS)
            if number % SLICE_EVERY == 0 or named:
                sink.write(line)
    return target


@pytest.fixture(scope="session", params=BACKENDS)
def read_core(
    request: pytest.FixtureRequest,
    sample_slice: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Paperwire]:
    """A store filled with the sample slice, shared by read-only tests. Do not write."""
    data_dir = tmp_path_factory.mktemp(f"read-{request.param}")
    database_url = None
    if request.param == "postgres":
        database_url = fresh_postgres_database(f"paperwire_read_{worker_id()}")
    instance = Paperwire(make_settings(data_dir, database_url=database_url))
    instance.migrate()
    instance.import_snapshot([sample_slice])
    instance.embed_pending()
    yield instance
    instance.close()


# -- what a list should show ------------------------------------------------------------


def announced_between(instance: Paperwire, start: date, end: date) -> list[str]:
    """arXiv ids announced in [start, end), straight from the table, in list order (most
    upvoted first, then arXiv id): what a day/week/month list must show."""
    with instance.engine.connect() as connection:
        rows = connection.execute(
            select(papers.c.arxiv_id, papers.c.upvotes)
            .where(papers.c.announced_on >= start, papers.c.announced_on < end)
        ).all()
    return [arxiv_id for arxiv_id, _votes in sorted(rows, key=lambda row: (-row[1], row[0]))]


def expected_window(instance: Paperwire, params: dict[str, str]) -> tuple[date, date]:
    """[start, end) of the list a request names (date=, week=, month=, or period= around
    the latest day with papers), worked out here rather than by the code under test."""
    if "date" in params:
        day = date.fromisoformat(params["date"])
        return day, day + timedelta(days=1)
    if "week" in params:
        year, week = params["week"].split("-W")
        start = date.fromisocalendar(int(year), int(week), 1)
        return start, start + timedelta(days=7)
    if "month" in params:
        start = date.fromisoformat(params["month"] + "-01")
    else:
        with instance.engine.connect() as connection:
            latest = connection.execute(select(func.max(papers.c.announced_on))).scalar_one()
        period = params.get("period", "day")
        if period == "day":
            return latest, latest + timedelta(days=1)
        if period == "week":
            start = latest - timedelta(days=latest.weekday())
            return start, start + timedelta(days=7)
        start = latest.replace(day=1)
    return start, (start + timedelta(days=31)).replace(day=1)


# -- counting SQL -------------------------------------------------------------------


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def count_statements() -> Iterator[callable]:
    """``with count_statements(core) as counter:`` counts SQL sent through core's engine."""
    from contextlib import contextmanager

    @contextmanager
    def counting(instance: Paperwire) -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
                counter.statements.append(statement)

        event.listen(instance.engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(instance.engine, "before_cursor_execute", record)

    return counting


# -- a real HTTP server (only for what needs a socket: a browser, an outside client) ------


class ReservedPort:
    """A port on 127.0.0.1 that no other test, worker or process is handed until
    ``release()``: it stays bound, not listening, with SO_REUSEADDR.

    Probing a free port and binding it later races under ``pytest -n 2`` (another
    worker, or an outgoing connection, may be handed the same port in between). A
    reserved port cannot be: the kernel skips bound ports when it picks one for
    ``bind(("", 0))`` or ``connect()``. A server that binds it with SO_REUSEADDR, as
    uvicorn, asyncio and aiosmtpd do, listens on it meanwhile; while none listens,
    connections to it are refused, so a server can go down and come back on it.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    def release(self) -> None:
        self._socket.close()

    def __enter__(self) -> ReservedPort:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def listening_socket() -> socket.socket:
    """A socket already listening on a port the kernel picked: hand it to the server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread, on a socket bound
    before the server starts (no port to race for)."""

    def __init__(self, app: object) -> None:
        self.socket = listening_socket()
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


# -- the web app, in process ------------------------------------------------------------


@pytest.fixture
def app(core: Paperwire):  # type: ignore[no-untyped-def]
    """The web app over a fresh store (rate limits as configured)."""
    return create_app(core=core)


@pytest.fixture
def web_client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """``app`` answering in process, started as a server starts it (its lifespan runs);
    redirects are not followed."""
    with open_client(app) as client:
        yield client


@pytest.fixture(scope="session")
def read_app_client(read_core: Paperwire) -> Iterator[TestClient]:
    with open_client(create_app(core=read_core)) as client:
        yield client


@pytest.fixture
def read_client(read_app_client: TestClient) -> TestClient:
    """The web app over the shared read-only store, in process: one app for the session,
    no cookies from an earlier test; redirects are not followed."""
    read_app_client.cookies.clear()
    return read_app_client


def screenshot_on_failure(page: object, name: str) -> None:
    """Keep a screenshot of a failed browser test in test-artifacts/."""
    folder = REPO / "test-artifacts"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def in_own_thread(work: Callable[[], None]) -> None:
    """Run ``work`` on a thread of its own: Playwright's sync API may own this thread's
    event loop (browser tests share the xdist worker), and asyncio.run refuses a second."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
