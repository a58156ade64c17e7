"""Schemathesis against our own OpenAPI document: every operation, 100 examples each, 0 failures.

Two runs: every operation anonymously over the shared sample store, then the
operations that take an API token again, over a fresh store, with a real
``Authorization: Bearer`` token (writes included).
"""

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LiveServer
from factories import make_paper, make_user
from paperwire.core import Paperwire
from paperwire.web.app import create_app

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Operations that read or need a token: the API's write calls, the caller's collections,
# collections and profiles (which show their owner private things), whoami.
TOKEN_OPERATIONS = r"^/api/(papers/\{arxiv_id\}/(upvote|comments)|collections|users|whoami)"


def schemathesis(url: str, *extra: str) -> subprocess.CompletedProcess:
    cli = Path(sys.executable).parent / "schemathesis"
    command = [str(cli if cli.exists() else shutil.which("schemathesis"))]
    return subprocess.run(
        [*command, "--config-file", str(CONFIG), "run", f"{url}/openapi.json", "--max-examples", "100",
         "--checks", "all", "--seed", "20261128", "--no-color", *extra],
        capture_output=True, text=True, timeout=600,
    )


# Schemathesis runs as its own process (the command line, as a user runs it), so it
# needs the app on a real socket.
@pytest.fixture(scope="session")
def read_server(read_core: Paperwire) -> Iterator[LiveServer]:
    """A real HTTP server over the shared read-only store."""
    with LiveServer(create_app(core=read_core)) as server:
        yield server


def test_openapi_holds_under_fuzzing(read_server):
    result = schemathesis(read_server.url)
    assert result.returncode == 0, result.stdout[-6000:]


def test_token_operations_hold_under_fuzzing_with_a_token(core):
    core.settings.rate_limit_votes = "100000/minute"
    core.settings.rate_limit_comments = "100000/minute"
    for n in range(1, 4):
        make_paper(core, f"2604.2637{n}")
    ada = make_user(core, "ada@example.org", username="ada")
    core.create_collection(ada, "Public", public=True)
    secret = core.create_api_token(ada, "fuzz").secret
    with LiveServer(create_app(core=core)) as server:
        result = schemathesis(server.url, "--include-path-regex", TOKEN_OPERATIONS,
                              "-H", f"Authorization: Bearer {secret}")
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Tested: 12" in result.stdout, result.stdout[-3000:]
    assert core.user_for_api_token(secret) is not None  # fuzzing never revoked it
