"""Major incidents: the list, one incident's live state, and the messages people send it (sealed updates,
exactly once by Idempotency-Key, like a complaint's). Who may send which is the workflow's rule
(workflows/permissions.py, `incident_refusal`); reading them is `Can.INCIDENTS`."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api import incidents
from api.access import allowed
from api.context import Context, context
from api.errors import problem
from api.idempotency import IDEMPOTENCY_KEY, message_id
from api.identity import Principal
from api.service import ComplaintError
from models.incidents import INCIDENT_ID, INCIDENT_MESSAGES, IncidentState
from models.requests import with_actor, without_actor
from workflows.permissions import Can

router = APIRouter(prefix="/v1/incidents", tags=["incidents"])
READ = allowed(Can.INCIDENTS)
IncidentId = Annotated[str, Path(pattern=INCIDENT_ID)]


class Listed(BaseModel):
    id: str
    opened_at: datetime
    status: str
    rule: str
    key: str
    members: int
    plan_published_at: datetime | None
    resolved_at: datetime | None


@router.get("", response_model=list[Listed], summary="Major incidents, newest first")
async def listed(open_only: Annotated[bool, Query(alias="open")] = False, principal: Principal = Depends(READ),
                 ctx: Context = Depends(context)) -> list[Listed]:
    rows = await run_in_threadpool(incidents.listed, ctx.engine, open_only)
    return [Listed.model_validate(r, from_attributes=True) for r in rows]


@router.get("/{incident_id}", response_model=IncidentState, summary="One incident's live state")
async def state(incident_id: IncidentId, principal: Principal = Depends(READ),
                ctx: Context = Depends(context)) -> IncidentState:
    try:
        return await incidents.state(ctx.client, incident_id)
    except ComplaintError as e:
        raise problem(e) from None


def _message_route(name: str) -> None:
    cls = INCIDENT_MESSAGES[name]
    model = without_actor(cls)

    async def endpoint(request: Request, incident_id: IncidentId, body: model = Body(),  # type: ignore[valid-type]
                       principal: Principal = Depends(READ), ctx: Context = Depends(context),
                       idempotency_key: str | None = IDEMPOTENCY_KEY) -> IncidentState:
        msg = with_actor(cls, body, principal.actor.model_dump())
        try:
            got = await incidents.update(ctx.client, incident_id, name, msg, message_id(principal, idempotency_key))
        except ComplaintError as e:
            raise problem(e) from None
        request.state.outcome = f"{name} applied"
        return got

    endpoint.__name__ = f"incident_{name}"
    router.add_api_route(f"/{{incident_id}}/{name}", endpoint, methods=["POST"], response_model=IncidentState,
                         summary=(cls.__doc__ or name).strip().splitlines()[0] if cls.__doc__ else name.replace("_", " "))


for _name in INCIDENT_MESSAGES:
    _message_route(_name)
