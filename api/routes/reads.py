"""Reading complaints: live state and clocks (queries), the audit trail and lists (the read model)."""
import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api import service
from api.access import allowed, readable_state
from api.context import Context, context
from api.customer_view import CustomerView, customer_view
from api.errors import problem
from api.identity import Principal, anyone, person
from api.problems import Problem
from api.routes.complaints import COMPLAINT_ID
from complaints import reads
from models.state import ComplaintState, SlaView, TimelineEntry
from workflows.permissions import Can, inbox_refusal, list_scope

router = APIRouter(prefix="/v1", tags=["reading"])


async def _readable(ctx: Context, complaint_id: str, principal: Principal) -> ComplaintState:
    return await readable_state(ctx, principal, complaint_id)


@router.get("/complaints/{complaint_id}", response_model=ComplaintState | CustomerView,
            summary="A complaint's live state (for a channel: what its customer may see)")
async def state(complaint_id: str = COMPLAINT_ID, principal: Principal = Depends(anyone),
                ctx: Context = Depends(context)) -> ComplaintState | CustomerView:
    s = await _readable(ctx, complaint_id, principal)
    if principal.kind == "channel":
        return await run_in_threadpool(customer_view, ctx.engine, s)
    return s


@router.get("/complaints/{complaint_id}/sla", response_model=SlaView, summary="Each SLA clock of a complaint")
async def sla(complaint_id: str = COMPLAINT_ID, principal: Principal = Depends(person),
              ctx: Context = Depends(context)) -> SlaView:
    await _readable(ctx, complaint_id, principal)
    try:
        return await service.sla(ctx.client, complaint_id)
    except service.ComplaintError as e:
        raise problem(e) from None


@router.get("/complaints/{complaint_id}/timeline", response_model=list[TimelineEntry],
            summary="The audit trail of a complaint (every message, timer and stage, refusals included)")
async def timeline(complaint_id: str = COMPLAINT_ID, principal: Principal = Depends(person),
                   ctx: Context = Depends(context)) -> list[TimelineEntry]:
    await _readable(ctx, complaint_id, principal)

    rows = await run_in_threadpool(reads.audit_trail, ctx.engine, complaint_id)
    return [TimelineEntry.model_validate(r, from_attributes=True).model_copy(
        update={"values": json.loads(r.code_values or "{}")}) for r in rows]


class Customer(BaseModel):
    complaint_id: str
    customer_id: str
    name: str
    phone: str


@router.get("/complaints/{complaint_id}/customer", response_model=Customer,
            summary="The customer's name and phone in clear (supervisors; every read is audited)")
async def customer(request: Request, complaint_id: str = COMPLAINT_ID,
                   principal: Principal = Depends(allowed(Can.UNMASK)), ctx: Context = Depends(context)) -> Customer:
    found = await run_in_threadpool(reads.customer_in_clear, ctx.engine, ctx.cipher, complaint_id)
    if found is None:
        raise Problem(404, "not-found", f"no complaint {complaint_id} in the read model")
    request.state.outcome = "unmasked: customer name and phone"
    return Customer(**found)


class Listed(BaseModel):
    complaint_id: str
    channel: str
    stage: str
    level: str | None
    emergency: bool
    breached: bool
    special_group: bool
    department: str
    owner_id: str
    business_type: str | None
    problem_nature: str | None
    tier: str
    customer_masked: str
    received_at: datetime
    closed_at: datetime | None
    outcome: str | None


@router.get("/complaints", response_model=list[Listed], summary="List complaints (the read model), newest first")
async def list_complaints(
        principal: Principal = Depends(allowed(Can.LIST)), ctx: Context = Depends(context),
        stage: str | None = None, level: Literal["I", "II", "III"] | None = None,
        department: Annotated[str | None, Query(max_length=64)] = None,
        breached: bool | None = None, emergency: bool | None = None,
        owner: Annotated[str | None, Query(max_length=64, description='an owner id, or "me"')] = None,
        received_from: datetime | None = None, received_to: datetime | None = None,
        reference: Annotated[str | None, Query(max_length=64, description="complaint id or external ref")] = None,
        customer_id: Annotated[str | None, Query(max_length=64)] = None,
        outcome: Annotated[str | None, Query(max_length=32, description="resolved, no_feedback, withdrawn, or how "
                                                                          "a workflow ended outside its lifecycle: "
                                                                          "terminated, timed_out, failed, cancelled")]
        = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0) -> list[Listed]:
    found = reads.ComplaintFilter(
        stage=stage, level=level, department=department, breached=breached, emergency=emergency, outcome=outcome,
        owner=(principal.id if owner == "me" else owner) if owner else None,
        customer_id_tag=ctx.cipher.tag(customer_id) if customer_id else None,
        received_from=received_from, received_to=received_to, reference=reference)
    rows = await run_in_threadpool(reads.complaints, ctx.engine, found, list_scope(principal), limit, offset)
    return [Listed(complaint_id=r.id, **r.model_dump(exclude={"id", "customer_id", "text"})) for r in rows]


class OwedWorkOrder(BaseModel):
    complaint_id: str
    work_order_id: str
    department: str
    question: str
    opened_by: str
    opened_at: datetime
    due_at: datetime | None


@router.get("/work-orders", response_model=list[OwedWorkOrder],
            summary="Open work orders a department owes, the most urgent first (default: yours)")
async def work_orders(principal: Principal = Depends(person), ctx: Context = Depends(context),
                      department: Annotated[str | None, Query(max_length=64)] = None) -> list[OwedWorkOrder]:
    dept = department or principal.department
    if refused := inbox_refusal(principal, dept):
        raise Problem(403, "forbidden", refused)

    rows = await run_in_threadpool(reads.work_orders_owed, ctx.engine, dept)
    return [OwedWorkOrder(complaint_id=r.complaint_id, work_order_id=r.id.split("/")[-1], department=r.department,
                          question=r.question, opened_by=r.opened_by, opened_at=r.opened_at, due_at=r.due_at)
            for r in rows]
