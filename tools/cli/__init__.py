"""`complaints`: run the system, submit complaints, act on them, and look at them.

Each command group lives in a module of its own; importing them here registers their commands, in the
order `--help` shows them."""
from complaints.process import exit_now
from tools.cli import (  # noqa: F401
    access,
    cases,
    classifier,
    incidents,
    lookback,
    messages,
    problems,
    redress,
    reports,
    system,
)
from tools.cli.app import app

# The contract messages come after the commands above in `--help`.
app.registered_commands += messages.app.registered_commands


def main() -> None:
    """Run the CLI, then leave without interpreter teardown (`complaints.process.exit_now`)."""
    code = 0
    try:
        app()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    exit_now(code)
