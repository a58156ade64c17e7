"""Docs can't drift: every command and setting is documented, generated docs are current."""

import subprocess
import sys
from pathlib import Path

import typer

from paperwire.cli import app
from paperwire.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def command_names(command, prefix="paperwire"):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from command_names(sub, f"{prefix} {name}")
    else:
        yield prefix


def test_generated_docs_are_current():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_cli_docs.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_command_is_documented():
    cli_doc = (REPO / "docs" / "cli.md").read_text()
    readme = (REPO / "README.md").read_text()
    for name in command_names(typer.main.get_command(app)):
        assert f"`{name}`" in cli_doc
        assert name.split(" ", 1)[1].split(" ")[0] in readme, f"README doesn't mention {name}"


def test_every_setting_is_documented():
    config_doc = (REPO / "docs" / "configuration.md").read_text()
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"PAPERWIRE_{name.upper()}" in config_doc


def test_readme_quick_start_is_two_commands():
    readme = (REPO / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in quick.strip().splitlines()] == ["make run", "make test"]
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci
