"""Which activity failures a retry can mend, and which it cannot.

Temporal retries an activity until it succeeds, which is right for a database that is down or restarting
(the complaint waits, nothing is lost). It is wrong for a fault that will fail the same way every time: a
missing row, a value the database refuses, a broken constraint. Those become non-retryable errors, so the
workflow hears of them at once and records them for an operator instead of retrying for ever."""
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError
from temporalio.exceptions import ApplicationError

from complaints.metrics import WRITE_FAULTS

PERMANENT = "PermanentFault"


def permanent(message: str) -> ApplicationError:
    return ApplicationError(message[:300], type=PERMANENT, non_retryable=True)


@contextmanager
def permanent_faults() -> Iterator[None]:
    """Turn the database's "this will never work" errors into non-retryable ones; connection errors
    (OperationalError, InterfaceError) pass through and are retried."""
    try:
        yield
    except (DataError, IntegrityError, ProgrammingError) as e:
        WRITE_FAULTS.inc()  # for the operator's alert; the workflow records which complaint and why
        # The driver's own message, without the statement's parameters (they can hold personal data).
        raise permanent(f"{type(e).__name__}: {str(e.orig).splitlines()[0] if e.orig else e}") from None
