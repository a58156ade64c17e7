"""``scripts/setup-machine.sh``: installs what a fresh machine lacks, or says in one line
what to install. Run for real, with fakes on PATH for the commands that would change
the machine (``apt-get``, ``pg_ctlcluster``) or tell it what it is (``id``,
``pg_isready``, the ``ls`` of /etc/postgresql), so nothing is installed or stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SCRIPT = REPO / "scripts" / "setup-machine.sh"


class Machine:
    """A PATH of fakes in front of the real one, and a log of what the fakes were asked."""

    def __init__(self, folder: Path, *, uid: int) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir()
        self.calls = folder / "calls.log"
        self.calls.touch()
        self.fake("id", f"echo {uid}")
        self.fake("npm", "exit 0")
        for changes_the_machine in ("apt-get", "pg_ctlcluster"):
            self.fake(changes_the_machine, f'echo "{changes_the_machine} $*" >> {self.calls}; exit 1')
        self.chromium = self.fake("chromium", "exit 0")

    def fake(self, name: str, body: str) -> Path:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
        return path

    def postgres_down(self, *, clusters: str | None) -> None:
        """pg_isready says no server answers; /etc/postgresql lists these clusters
        (None: the folder is absent, as where only the client is installed)."""
        self.fake("pg_isready", "exit 2")
        self.fake("ls", "exit 2" if clusters is None else f"echo {clusters}")

    def run(self, *, backends: str, chromium: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {name: value for name, value in os.environ.items() if not name.startswith("PAPERWIRE_")}
        env.update({
            "PATH": f"{self.bin}:{os.environ['PATH']}", "PYTHON": sys.executable,
            "PAPERWIRE_CHROMIUM": str(chromium or self.chromium),
            "PAPERWIRE_TEST_BACKENDS": backends,
        })
        return subprocess.run(["bash", str(SCRIPT), "test"], env=env, capture_output=True,
                              text=True, timeout=60)

    def asked(self) -> str:
        return self.calls.read_text()


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def test_a_user_without_chromium_is_told_to_install_it(tmp_path):
    machine = Machine(tmp_path, uid=1000)
    result = machine.run(backends="sqlite", chromium=Path("/nonexistent/chromium"))
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith("setup: missing chromium")
    assert "apt-get install chromium" in line
    assert machine.asked() == ""


@pytest.mark.parametrize("uid", [0, 1000], ids=["root", "user"])
def test_a_machine_with_everything_installs_nothing(tmp_path, uid):
    machine = Machine(tmp_path, uid=uid)
    result = machine.run(backends="sqlite")
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""
    assert machine.asked() == ""  # root could have run apt-get: it had no need


def test_a_user_whose_postgresql_is_down_is_told_to_start_it(tmp_path):
    machine = Machine(tmp_path, uid=1000)
    machine.postgres_down(clusters="15")
    result = machine.run(backends="sqlite,postgres")
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith("setup: PostgreSQL is not running on 127.0.0.1:5432")
    assert "PAPERWIRE_TEST_BACKENDS=sqlite" in line
    assert machine.asked() == ""


def test_a_user_with_only_the_postgresql_client_is_told_to_install_the_server(tmp_path):
    machine = Machine(tmp_path, uid=1000)
    machine.postgres_down(clusters=None)
    result = machine.run(backends="sqlite,postgres")
    assert result.returncode == 1
    assert one_line(result).startswith("setup: missing postgresql")
    assert machine.asked() == ""


def test_sqlite_only_needs_no_postgresql(tmp_path):
    machine = Machine(tmp_path, uid=1000)
    machine.postgres_down(clusters=None)
    result = machine.run(backends="sqlite")
    assert result.returncode == 0, result.stderr
    assert machine.asked() == ""
