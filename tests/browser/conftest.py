"""Browser fixtures: real Chromium (Debian's) driving a real `paperwire serve` subprocess.

A failing test leaves a screenshot in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import REPO, LiveServer, ReservedPort
from factories import load
from paperwire.core import Paperwire
from paperwire.web.app import create_app

CHROMIUM = os.environ.get("PAPERWIRE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = REPO / "test-artifacts"


class ServedSite:
    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = env


def start_serve(env: dict[str, str], reserved: ReservedPort) -> tuple[subprocess.Popen[bytes], str]:
    """`paperwire serve` on a reserved port (keep it reserved until the process ends):
    whatever answers there is this process, never another worker's server."""
    port = reserved.port
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"paperwire serve exited: {process.stdout.read().decode()}")
        try:
            httpx.get(url + "/static/style.css", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("paperwire serve did not start in 60 s")


@pytest.fixture(scope="session")
def served_site(sample_slice: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """`paperwire import` the sample slice, then `paperwire serve` it."""
    data_dir = tmp_path_factory.mktemp("served")
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir), "PAPERWIRE_EMBEDDER": "fake",
           "PAPERWIRE_SECRET_KEY": "browser-tests-secret-key-0123456789abcdef"}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "paperwire", "import", str(sample_slice)],
        env=env, check=True, capture_output=True, timeout=300,
    )
    with ReservedPort() as reserved:
        process, url = start_serve(env, reserved)
        yield ServedSite(url, env)
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def live_server(core: Paperwire) -> Iterator[LiveServer]:
    """A real HTTP server (uvicorn in a thread) over a fresh store, for Chromium to visit."""
    with LiveServer(create_app(core=core)) as server:
        yield server


@pytest.fixture
def site(core: Paperwire, tmp_path: Path, live_server: LiveServer, backend: str) -> LiveServer:
    """The small factory corpus served live, on SQLite (one backend is enough here)."""
    if backend != "sqlite":
        pytest.skip("one backend is enough in the browser")
    load(core, tmp_path)
    return live_server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        ARTIFACTS.mkdir(exist_ok=True)
        item.funcargs["page"].screenshot(path=str(ARTIFACTS / f"{item.name}.png"), full_page=True)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    instance = context.new_page()
    yield instance
    context.close()
