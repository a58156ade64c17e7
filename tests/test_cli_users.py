"""``paperwire user add|promote|ban``."""

from __future__ import annotations

from typer.testing import CliRunner

from conftest import TEST_SECRET
from paperwire.cli import app
from paperwire.core import Paperwire
from paperwire.settings import Settings


def test_user_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERWIRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAPERWIRE_SECRET_KEY", TEST_SECRET)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    added = runner.invoke(app, ["user", "add", "Ada@Example.org", "--name", "ada"])
    assert added.exit_code == 0, added.output
    assert "added ada" in added.output
    again = runner.invoke(app, ["user", "add", "ada@example.org"])
    assert again.exit_code == 1
    assert "already an account" in again.output
    promoted = runner.invoke(app, ["user", "promote", "ADA@example.org", "--role", "admin"])
    assert "now admin" in promoted.output
    banned = runner.invoke(app, ["user", "ban", "ada@example.org"])
    assert "is banned" in banned.output
    core = Paperwire(Settings(data_dir=tmp_path))
    assert core.request_sign_in("ada@example.org") is None
    assert runner.invoke(app, ["user", "ban", "--undo", "ada@example.org"]).exit_code == 0
    assert core.request_sign_in("ada@example.org") is not None
    missing = runner.invoke(app, ["user", "promote", "nobody@example.org"])
    assert missing.exit_code == 1
