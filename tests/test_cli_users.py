"""``paperwire user add|promote|ban|claims|approve-claim|reject-claim``."""

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


def test_author_claim_commands(tmp_path, monkeypatch):
    from factories import make_paper, make_user

    monkeypatch.setenv("PAPERWIRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAPERWIRE_SECRET_KEY", TEST_SECRET)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    core = Paperwire(Settings(data_dir=tmp_path))
    make_paper(core, "2401.00001", authors=["Ada Lovelace"])
    ada = make_user(core, "ada@example.org", username="ada")
    assert "no claims waiting" in runner.invoke(app, ["user", "claims"]).output
    core.claim_author(ada, "Ada Lovelace")
    (claim,) = core.author_claims()
    listed = runner.invoke(app, ["user", "claims"])
    assert listed.output.split() == [str(claim.id), "pending", "ada", "<ada@example.org>",
                                     "Ada", "Lovelace"]
    approved = runner.invoke(app, ["user", "approve-claim", str(claim.id)])
    assert approved.exit_code == 0, approved.output
    assert "approved: Ada Lovelace is ada" in approved.output
    assert core.author_page("Ada Lovelace").claimed_by == [("ada", "ada")]
    assert "no claims waiting" in runner.invoke(app, ["user", "claims"]).output
    assert "approved" in runner.invoke(app, ["user", "claims", "--all"]).output.split()
    rejected = runner.invoke(app, ["user", "reject-claim", str(claim.id)])
    assert "rejected: ada's claim of Ada Lovelace" in rejected.output
    assert core.author_page("Ada Lovelace").claimed_by == []
    missing = runner.invoke(app, ["user", "approve-claim", "999"])
    assert missing.exit_code == 1
    assert "no author claim 999" in missing.output
    core.close()
