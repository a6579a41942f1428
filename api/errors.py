"""ComplaintError (from the engine's answer) to problem details."""
from api.problems import Problem
from api.service import ComplaintError

STATUS = {"not-found": 404, "closed": 409, "stage": 409, "conflict": 409, "idempotency": 422, "forbidden": 403, "rule": 422,
          "engine": 503}


def problem(e: ComplaintError) -> Problem:
    return Problem(STATUS.get(e.kind, 422), e.kind, str(e))
