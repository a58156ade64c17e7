"""Holding a job lock in a real, separate process, and waiting for a dead holder's to go."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from paperwire.core import Paperwire
from paperwire.db.locks import is_held

# Takes the lock, prints its owner (host:pid:id), holds it until stdin closes.
HOLD = """
import sys
from paperwire.db.engine import make_engine
from paperwire.db.locks import JobLock
from paperwire.settings import Settings
lock = JobLock(make_engine(Settings()), sys.argv[1])
lock.acquire()
print(lock.owner, flush=True)
sys.stdin.read()
lock.release()
"""


@dataclass
class Holder:
    process: subprocess.Popen[bytes]
    owner: str

    def kill_9(self) -> None:
        self.process.kill()  # SIGKILL: no cleanup, no release
        self.process.wait(timeout=30)

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


def store_env(core: Paperwire, **extra: str) -> dict[str, str]:
    """The environment of a paperwire process on ``core``'s store."""
    return {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(core.settings.data_dir),
        "PAPERWIRE_DATABASE_URL": core.settings.resolved_database_url,
        "PAPERWIRE_SECRET_KEY": core.settings.secret_key,
        **extra,
    }


@contextmanager
def held_elsewhere(core: Paperwire, name: str) -> Iterator[Holder]:
    """``name`` held by another process until the block ends (or the test kills it)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, name], env=store_env(core),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    owner = process.stdout.readline().decode().strip()
    try:
        assert owner, process.stderr.read().decode()[-2000:]
        yield Holder(process, owner)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def wait_until_freed(core: Paperwire, name: str) -> None:
    """After its holder died. SQLite: nothing to wait for, the kernel closed the dead
    process's files (and dropped its flock) before ``wait`` returned. PostgreSQL frees an
    advisory lock when the server process sees the connection end, a moment later."""
    if core.engine.dialect.name == "sqlite":
        assert not is_held(core.engine, name)
        return
    deadline = time.monotonic() + 30  # a guard against hanging, not a speed limit
    while is_held(core.engine, name):
        assert time.monotonic() < deadline, "PostgreSQL kept a dead holder's lock"
        time.sleep(0.01)
