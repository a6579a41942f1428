"""`complaints`: run the system, submit complaints, act on them, and look at them.

Each command group lives in a module of its own; importing them here registers their commands, in the
order `--help` shows them."""
from complaints.cli import access, cases, classifier, lookback, messages, reports, system  # noqa: F401
from complaints.cli.app import app

# The contract messages come after the commands above in `--help`.
app.registered_commands += messages.app.registered_commands


def main() -> None:
    """Run the CLI, then leave without interpreter teardown.

    Temporal's core keeps native threads that can outlive Python's finalisation and abort the process
    after the command has succeeded (temporalio/sdk-python#300); exiting at once once everything is
    flushed keeps the exit code the command's."""
    code = 0
    try:
        app()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    exit_now(code)


def exit_now(code: int) -> None:
    import logging
    import os
    import sys

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
