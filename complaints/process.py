"""Leaving a process that used Temporal's client."""
import logging
import os
import sys


def exit_now(code: int) -> None:
    """Exit without interpreter teardown once everything is flushed. Temporal's core keeps native threads that
    can outlive Python's finalisation and abort the process after the command has succeeded
    (temporalio/sdk-python#300), which would replace a clean exit code with a crash."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
