"""The `complaints` Typer app and what every command group shares."""
from typing import Annotated

import typer

from complaints.config import settings
from complaints.logs import configure

Force = Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")]

app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Complaint lifecycle pipeline: every complaint a durable Temporal workflow.")


@app.callback()
def _setup() -> None:
    cfg = settings()
    configure(cfg.log_format, cfg.log_level)
