"""The access rules (`workflows/permissions.py`, the one place they are written) as FastAPI dependencies, for
the API's routes and the workbench's pages alike."""
from collections.abc import Awaitable, Callable

from fastapi import Depends

from api.identity import Principal, person
from api.problems import Problem
from models.state import ComplaintState
from workflows.permissions import Can, can_refusal, read_refusal


def allowed(can: Can, who: Callable[..., Awaitable[Principal]] = person):
    """A dependency: the verified principal (by `who`: the API's bearer or the workbench's session), if the
    rules let them do `can`; else 403 with the rule's reason."""

    async def check(principal: Principal = Depends(who)) -> Principal:
        if refused := can_refusal(principal, can):
            raise Problem(403, "forbidden", refused)
        return principal

    check.__name__ = f"may_{can.name.lower()}"
    return check


async def readable_state(ctx, principal: Principal, complaint_id: str) -> ComplaintState:
    """The complaint's live state for this person, or the problem that says why not (API and workbench)."""
    from api import service
    from api.errors import problem

    try:
        state = await service.state(ctx.client, complaint_id)
    except service.ComplaintError as e:
        raise problem(e) from None
    if reason := read_refusal(principal, state):
        raise Problem(403, "forbidden", reason)
    return state
