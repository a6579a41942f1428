"""A complaint's records on its page, for a supervisor: whether a legal hold keeps them past retention, or
when its personal data was erased; placing and lifting the hold (complaints/retention.py)."""
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.access import allowed
from api.context import Context, context
from api.identity import Principal
from api.problems import Problem
from complaints import reads, retention
from web.common import render, viewer
from web.complaint_pages import COMPLAINT_ID
from workflows.permissions import Can

HOLD = allowed(Can.HOLD, viewer)  # the rule, workflows/permissions.py
router = APIRouter(prefix="/ui", include_in_schema=False)


def records(ctx: Context, complaint_id: str) -> dict:
    """What the records section shows: the hold in place (or None) and when the data was erased (or None)."""
    row = reads.complaint_row(ctx.engine, complaint_id)
    if row is None or not COMPLAINT_ID.match(complaint_id):
        raise Problem(404, "not-found", f"no complaint {complaint_id[:20]}")
    return {"complaint_id": complaint_id, "hold": retention.held(ctx.engine, complaint_id),
            "erased_at": row.erased_at, "closed_at": row.closed_at,
            "retention": ctx.settings.policy().records.retention}


@router.get("/complaints/{complaint_id}/records", response_class=HTMLResponse)
async def records_section(request: Request, complaint_id: str, principal: Principal = Depends(HOLD),
                          ctx: Context = Depends(context)):
    shown = await run_in_threadpool(records, ctx, complaint_id)
    return render(request, "records.html", principal, ctx, r=shown)


@router.post("/complaints/{complaint_id}/legal-hold", response_class=HTMLResponse)
async def place(request: Request, complaint_id: str, reason: Annotated[str, Form(min_length=1, max_length=500)],
                principal: Principal = Depends(HOLD), ctx: Context = Depends(context)):
    def held():
        shown = records(ctx, complaint_id)
        retention.hold(ctx.engine, complaint_id, reason, principal.id, datetime.now(UTC))
        return {**shown, "hold": retention.held(ctx.engine, complaint_id)}

    shown = await run_in_threadpool(held)
    request.state.outcome = "legal hold placed"
    return render(request, "records.html", principal, ctx, r=shown, flash="placed")


@router.post("/complaints/{complaint_id}/legal-hold/release", response_class=HTMLResponse)
async def release(request: Request, complaint_id: str, principal: Principal = Depends(HOLD),
                  ctx: Context = Depends(context)):
    def lifted():
        shown = records(ctx, complaint_id)
        retention.release(ctx.engine, complaint_id)
        return {**shown, "hold": None}

    shown = await run_in_threadpool(lifted)
    request.state.outcome = "legal hold lifted"
    return render(request, "records.html", principal, ctx, r=shown, flash="lifted")
