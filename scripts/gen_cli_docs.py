"""Write docs/cli.md and docs/configuration.md from the CLI and Settings themselves.

`--check` fails (exit 1) when the committed files differ from what the code says,
so the docs can't drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from paperwire.cli import app
from paperwire.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _walk(command: Any, prefix: str) -> list[tuple[str, Any]]:
    if hasattr(command, "commands"):
        found = []
        for name in sorted(command.commands):
            found += _walk(command.commands[name], f"{prefix} {name}")
        return found
    return [(prefix, command)]


def _param_line(param: Any) -> str:
    if param.param_type_name == "argument":
        name = (param.metavar or param.name).upper()
        return f"- `{name}`{'...' if param.nargs == -1 else ''}: {getattr(param, 'help', '') or ''}"
    flags = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    default = param.default
    shown = "" if default in (None, False, ()) or callable(default) else f" (default: `{default}`)"
    return f"- {flags}: {param.help or ''}{shown}"


def cli_markdown() -> str:
    root = typer.main.get_command(app)
    lines = [
        "# Command line",
        "",
        "Generated from the code by `make docs` (scripts/gen_cli_docs.py); do not edit by hand.",
        "Every command reads the same settings as the server (see configuration.md).",
        "",
    ]
    for name, command in _walk(root, "paperwire"):
        lines += [f"## `{name}`", "", (command.help or "").strip(), ""]
        params = [p for p in command.params if p.name != "help"]
        lines += [_param_line(p) for p in params]
        lines += [""] if params else []
    return "\n".join(lines).rstrip() + "\n"


def config_markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `paperwire.settings.Settings` by `make docs`; do not edit by hand.",
        "Every setting is an environment variable; `paperwire config show` prints the values in force.",
        "",
        "**The secret key.** Outside dev mode, every command that opens the store, and the web",
        "app, refuses to run when `PAPERWIRE_SECRET_KEY` is unset, the published default or",
        "shorter than 32 characters: it exits 1 with one line saying so, before touching",
        "anything. Only `paperwire config show`, `paperwire doctor` and `--help` run without",
        "one (the first two report it). Every process of a deployment needs the same key.",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    defaults = Settings.model_construct()
    for name, field in Settings.model_fields.items():
        default = getattr(defaults, name, None)
        shown = "(unset)" if default is None else f"`{default}`"
        lines.append(f"| `PAPERWIRE_{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    targets = {DOCS / "cli.md": cli_markdown(), DOCS / "configuration.md": config_markdown()}
    if "--check" in sys.argv:
        stale = [p.name for p, text in targets.items() if not p.exists() or p.read_text() != text]
        if stale:
            print(f"docs out of date: {', '.join(stale)} (run `make docs`)", file=sys.stderr)
            return 1
        return 0
    DOCS.mkdir(exist_ok=True)
    for path, text in targets.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
