"""A regulator's referral on its complaint page: the reference and the date the regulator set, the report
back's state, and its steps through the page's own forms (prepare, approve, mark sent) and its PDF. The
rules are api/referrals.py's, the same as the API's."""
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import referrals
from api.access import allowed, readable_state
from api.context import Context, context
from api.identity import Principal
from api.problems import Refused
from api.routes.referrals import PrepareRequest, SentRequest
from complaints import reads
from models.errors import explain
from web.common import render, viewer
from workflows.permissions import Can, may

PREPARE, APPROVE = allowed(Can.REFERRAL, viewer), allowed(Can.REFERRAL_APPROVE, viewer)
router = APIRouter(prefix="/ui", include_in_schema=False)


async def _section(request: Request, ctx: Context, principal: Principal, complaint_id: str, **shown):
    row = await run_in_threadpool(reads.complaint_row, ctx.engine, complaint_id)
    report = await run_in_threadpool(referrals.get, ctx.engine, complaint_id)
    return render(request, "referral.html", principal, ctx, cid=complaint_id, row=row, report=report,
                  may_approve=may(principal.role, Can.REFERRAL_APPROVE), **shown)


@router.get("/complaints/{complaint_id}/referral", response_class=HTMLResponse)
async def section(request: Request, complaint_id: str, principal: Principal = Depends(PREPARE),
                  ctx: Context = Depends(context)):
    await readable_state(ctx, principal, complaint_id)
    return await _section(request, ctx, principal, complaint_id)


@router.post("/complaints/{complaint_id}/referral/prepare", response_class=HTMLResponse)
async def prepare(request: Request, complaint_id: str, focus: Annotated[str, Form(min_length=1, max_length=2000)],
                  principal: Principal = Depends(PREPARE), ctx: Context = Depends(context)):
    state = await readable_state(ctx, principal, complaint_id)
    try:
        checked = PrepareRequest.model_validate({"focus": focus}).focus  # the API's rules: no control characters
        await run_in_threadpool(referrals.prepare, ctx.engine, ctx.cipher, state, checked, principal.id,
                                datetime.now(UTC))
    except ValidationError as e:
        return await _section(request, ctx, principal, complaint_id, error=explain(e))
    except Refused as e:
        return await _section(request, ctx, principal, complaint_id, error=e.reason)
    return await _section(request, ctx, principal, complaint_id, flash="prepared")


@router.post("/complaints/{complaint_id}/referral/approve", response_class=HTMLResponse)
async def approve(request: Request, complaint_id: str, principal: Principal = Depends(APPROVE),
                  ctx: Context = Depends(context)):
    await readable_state(ctx, principal, complaint_id)
    try:
        await run_in_threadpool(referrals.approve, ctx.engine, complaint_id, principal.id, datetime.now(UTC))
    except Refused as e:
        return await _section(request, ctx, principal, complaint_id, error=e.reason)
    return await _section(request, ctx, principal, complaint_id, flash="approved")


@router.post("/complaints/{complaint_id}/referral/sent", response_class=HTMLResponse)
async def sent(request: Request, complaint_id: str, via: Annotated[str, Form(min_length=1, max_length=200)],
               principal: Principal = Depends(APPROVE), ctx: Context = Depends(context)):
    await readable_state(ctx, principal, complaint_id)
    try:
        checked = SentRequest.model_validate({"via": via}).via
        await run_in_threadpool(referrals.mark_sent, ctx.engine, complaint_id, principal.id, checked, datetime.now(UTC))
    except ValidationError as e:
        return await _section(request, ctx, principal, complaint_id, error=explain(e))
    except Refused as e:
        return await _section(request, ctx, principal, complaint_id, error=e.reason)
    return await _section(request, ctx, principal, complaint_id, flash="sent")


@router.get("/complaints/{complaint_id}/referral.pdf")
async def printed(complaint_id: str, principal: Principal = Depends(PREPARE), ctx: Context = Depends(context)):
    await readable_state(ctx, principal, complaint_id)
    try:
        body = await run_in_threadpool(referrals.printed, ctx.engine, ctx.cipher, complaint_id)
    except Refused as e:
        raise e.problem() from None
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="referral-{complaint_id}.pdf"'})
