"""A complaint's records past retention (complaints/retention.py): a supervisor places a legal hold so they
are kept, or lifts it. Each request is in the access audit with its outcome, as every request is."""
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.access import allowed
from api.context import Context, context
from api.identity import Principal
from api.problems import Problem
from api.routes.complaints import COMPLAINT_ID
from complaints import reads, retention
from models.intake import Strict
from workflows.permissions import Can

router = APIRouter(prefix="/v1", tags=["records"])


class HoldRequest(Strict):
    reason: str = Field(min_length=1, max_length=500)


class Hold(BaseModel):
    complaint_id: str
    held: bool
    reason: str = ""
    held_by: str = ""
    held_at: datetime | None = None


@router.post("/complaints/{complaint_id}/legal-hold", response_model=Hold,
             summary="Keep a complaint's records past retention (a legal hold); again: the hold in place")
async def place_hold(request: Request, body: HoldRequest, complaint_id: str = COMPLAINT_ID,
                     principal: Principal = Depends(allowed(Can.HOLD)), ctx: Context = Depends(context)) -> Hold:
    def place():
        if reads.complaint_row(ctx.engine, complaint_id) is None:
            raise Problem(404, "not-found", f"no complaint {complaint_id} in the read model")
        return retention.hold(ctx.engine, complaint_id, body.reason, principal.id, datetime.now(UTC))

    found = await run_in_threadpool(place)
    request.state.outcome = "legal hold placed"
    return Hold(complaint_id=complaint_id, held=True, reason=found.reason, held_by=found.held_by,
                held_at=found.held_at)


@router.post("/complaints/{complaint_id}/legal-hold/release", response_model=Hold,
             summary="Lift a complaint's legal hold: past retention, the next sweep erases its personal data")
async def release_hold(request: Request, complaint_id: str = COMPLAINT_ID,
                       principal: Principal = Depends(allowed(Can.HOLD)), ctx: Context = Depends(context)) -> Hold:
    lifted = await run_in_threadpool(retention.release, ctx.engine, complaint_id)
    request.state.outcome = "legal hold lifted" if lifted else "no legal hold to lift"
    return Hold(complaint_id=complaint_id, held=False)

