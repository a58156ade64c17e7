"""``paperwire config show``: the settings in force."""

from __future__ import annotations

import typer
from rich.table import Table

from paperwire.cli.app import app, current_settings, one_line_errors, out

config_app = typer.Typer(help="Show the settings in force.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
@one_line_errors
def config_show() -> None:
    """Every setting, its environment variable, current value and meaning."""
    table = Table("variable", "value", "meaning")
    for variable, value, description in current_settings().describe():
        table.add_row(variable, value, description)
    out.print(table)
