"""The report back to the regulator on a complaint it forwarded (api/referrals.py): prepare it from the
record, read it as JSON or PDF, approve it (a supervisor who did not prepare it), mark it sent."""
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api import referrals
from api.access import allowed, readable_state
from api.context import Context, context
from api.identity import Principal
from api.problems import Refused
from api.routes.complaints import COMPLAINT_ID
from models.intake import Strict
from models.reasons import why
from models.tables import ReferralReport
from workflows.permissions import Can

router = APIRouter(prefix="/v1/complaints", tags=["referrals"])
PREPARE, APPROVE = allowed(Can.REFERRAL), allowed(Can.REFERRAL_APPROVE)


class PrepareRequest(Strict):
    focus: str = Field(min_length=1, max_length=2000, description="The dispute's focus (争议焦点), in a sentence or two")


class SentRequest(Strict):
    via: str = Field(min_length=1, max_length=200, description="How it went: the regulator's system, a letter …")


class ReportStatus(BaseModel):
    complaint_id: str
    reference: str
    due: str | None
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_by: str | None
    sent_at: datetime | None
    sent_via: str | None

    @classmethod
    def of(cls, r: ReferralReport) -> "ReportStatus":
        return cls(complaint_id=r.complaint_id, reference=r.reference, due=r.due.isoformat() if r.due else None,
                   prepared_by=r.prepared_by, prepared_at=r.prepared_at, approved_by=r.approved_by,
                   approved_at=r.approved_at, sent_by=r.sent_by, sent_at=r.sent_at, sent_via=r.sent_via)


@router.post("/{complaint_id}/referral-report", response_model=ReportStatus,
             summary="Prepare the report back to the regulator from the record (again until it is sent)")
async def prepare(request: Request, body: PrepareRequest, complaint_id: str = COMPLAINT_ID,
                  principal: Principal = Depends(PREPARE), ctx: Context = Depends(context)) -> ReportStatus:
    state = await readable_state(ctx, principal, complaint_id)
    try:
        report = await run_in_threadpool(referrals.prepare, ctx.engine, ctx.cipher, state, body.focus, principal.id,
                                         datetime.now(UTC))
    except Refused as e:
        raise e.problem() from None
    request.state.outcome = "referral report prepared"
    return ReportStatus.of(report)


@router.get("/{complaint_id}/referral-report", summary="The report back to the regulator, as JSON or PDF")
async def read(complaint_id: str = COMPLAINT_ID, format: Literal["json", "pdf"] = "json",
               principal: Principal = Depends(PREPARE), ctx: Context = Depends(context)) -> Response:
    await readable_state(ctx, principal, complaint_id)
    try:
        if format == "pdf":
            body = await run_in_threadpool(referrals.printed, ctx.engine, ctx.cipher, complaint_id)
            return Response(body, media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="referral-{complaint_id}.pdf"'})
        report = await run_in_threadpool(referrals.get, ctx.engine, complaint_id)
        if report is None:
            raise Refused(404, why("no_report", complaint=complaint_id))
        doc = referrals.document(ctx.cipher, report)
    except Refused as e:
        raise e.problem() from None
    return JSONResponse({"status": ReportStatus.of(report).model_dump(mode="json"), "report": doc})


@router.post("/{complaint_id}/referral-report/approve", response_model=ReportStatus,
             summary="Approve the report (a supervisor who did not prepare it)")
async def approve(request: Request, complaint_id: str = COMPLAINT_ID, principal: Principal = Depends(APPROVE),
                  ctx: Context = Depends(context)) -> ReportStatus:
    await readable_state(ctx, principal, complaint_id)
    try:
        report = await run_in_threadpool(referrals.approve, ctx.engine, complaint_id, principal.id, datetime.now(UTC))
    except Refused as e:
        raise e.problem() from None
    request.state.outcome = "referral report approved"
    return ReportStatus.of(report)


@router.post("/{complaint_id}/referral-report/sent", response_model=ReportStatus,
             summary="Record that the approved report was sent, and how")
async def sent(request: Request, body: SentRequest, complaint_id: str = COMPLAINT_ID,
               principal: Principal = Depends(APPROVE), ctx: Context = Depends(context)) -> ReportStatus:
    await readable_state(ctx, principal, complaint_id)
    try:
        report = await run_in_threadpool(referrals.mark_sent, ctx.engine, complaint_id, principal.id, body.via,
                                         datetime.now(UTC))
    except Refused as e:
        raise e.problem() from None
    request.state.outcome = "referral report sent"
    return ReportStatus.of(report)
