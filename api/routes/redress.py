"""The redress ledger through the API: a month's lines and totals (JSON or CSV), and marking a line paid or
reversed (api/redress.py)."""
import csv
import io
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api import redress
from api.access import allowed
from api.context import Context, context
from api.identity import Principal
from api.problems import Refused
from api.routes.supervision import MONTH, _month
from models.intake import Strict
from models.text import spreadsheet_safe
from workflows.permissions import Can

router = APIRouter(prefix="/v1/redress", tags=["redress"])
LEDGER = allowed(Can.REDRESS)
REDRESS_ID = Path(pattern=r"^[A-Z]{2}\d{10}-R\d{1,3}$", description="e.g. HL1234567890-R1")
COLUMNS = ["id", "complaint_id", "department", "amount", "currency", "purpose", "decided_at", "decided_by",
           "approved_by", "status", "paid_at", "paid_by", "paid_ref", "reversed_at", "reversed_by", "reversed_reason"]


class PaidRequest(Strict):
    reference: str = Field(min_length=1, max_length=64, description="The payment's reference in the bank's system")


class ReversedRequest(Strict):
    reason: str = Field(min_length=1, max_length=500)


@router.get("/{month}", summary="A month's redress ledger: each line with a step in the month, and the totals")
async def ledger(month: str = MONTH, format: Literal["json", "csv"] = "json", principal: Principal = Depends(LEDGER),
                 ctx: Context = Depends(context)) -> Response:
    got = await run_in_threadpool(redress.ledger, ctx.engine, _month(month), ctx.settings.policy().timezone)
    if format == "json":
        return JSONResponse(got.model_dump(mode="json"))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for line in got.lines:
        writer.writerow({k: spreadsheet_safe("" if v is None else str(v)) for k, v in line.items()})
    return Response(("\ufeff" + buf.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="redress-{month}.csv"'})


@router.post("/{redress_id}/paid", summary="Mark a line paid (never by who decided it)")
async def paid(request: Request, body: PaidRequest, redress_id: str = REDRESS_ID,
               principal: Principal = Depends(LEDGER), ctx: Context = Depends(context)) -> JSONResponse:
    try:
        row = await run_in_threadpool(redress.mark_paid, ctx.engine, redress_id, body.reference, principal.id,
                                      datetime.now(UTC))
    except Refused as e:
        raise e.problem() from None
    request.state.outcome = f"redress {redress_id} paid"
    return JSONResponse(row.model_dump(mode="json"))


@router.post("/{redress_id}/reversed", summary="Mark a line reversed (a payment returned, a decision revised)")
async def reversed_(request: Request, body: ReversedRequest, redress_id: str = REDRESS_ID,
                    principal: Principal = Depends(LEDGER), ctx: Context = Depends(context)) -> JSONResponse:
    try:
        row = await run_in_threadpool(redress.mark_reversed, ctx.engine, redress_id, body.reason, principal.id,
                                      datetime.now(UTC))
    except Refused as e:
        raise e.problem() from None
    request.state.outcome = f"redress {redress_id} reversed"
    return JSONResponse(row.model_dump(mode="json"))
