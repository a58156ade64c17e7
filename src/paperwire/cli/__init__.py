"""The ``paperwire`` command: the same core methods the web app and scheduler call.

``app.py`` holds what the commands share (the Typer app, the error decorator, the
run's one ``Settings`` and ``open_core``, progress bars); each other module is one
group of commands and imports only ``cli.app``. Importing them here registers them.
"""

from __future__ import annotations

# The groups, in the order `paperwire --help` lists them.
# isort: off
from paperwire.cli import store, search, summaries, github, serve, assistant, harvest  # noqa: F401
from paperwire.cli import jobs, digest, users, library, recommend, config  # noqa: F401
# isort: on
from paperwire.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
