"""ComplaintError (from the engine's answer) to problem details."""
from api.problems import Problem
from api.service import ComplaintError
from models.reasons import Reason

STATUS = {"not-found": 404, "closed": 409, "stage": 409, "conflict": 409, "idempotency": 422, "forbidden": 403, "rule": 422,
          "engine": 503}


def problem(e: ComplaintError) -> Problem:
    """The refusal as problem details; a coded one also as `code` and `values` (extension members, RFC 9457
    section 3.2), for a client that words it in its own language."""
    if isinstance(e.reason, Reason):
        return Problem(STATUS.get(e.kind, 422), e.kind, str(e), code=e.reason.code, values=e.reason.values)
    return Problem(STATUS.get(e.kind, 422), e.kind, str(e))
