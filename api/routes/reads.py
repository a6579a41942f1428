"""Reading complaints: live state and clocks (queries), the audit trail and lists (the read model)."""
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import or_
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from api.access import list_scope, readable_state
from api.context import Context, context
from api.customer_view import CustomerView, customer_view
from api.errors import problem
from api.identity import Principal, anyone, person, roles
from api.problems import Problem
from api.routes.complaints import COMPLAINT_ID
from complaints import service
from complaints.reads import customer_in_clear
from models.enums import Role
from models.state import ComplaintState, SlaView
from models.tables import AuditEvent, ComplaintRow, WorkOrderRow

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


class TimelineEntry(BaseModel):
    seq: int
    at: datetime
    action: str
    actor_id: str
    actor_role: str
    accepted: bool
    stage: str
    detail: str


@router.get("/complaints/{complaint_id}/timeline", response_model=list[TimelineEntry],
            summary="The audit trail of a complaint (every message, timer and stage, refusals included)")
async def timeline(complaint_id: str = COMPLAINT_ID, principal: Principal = Depends(person),
                   ctx: Context = Depends(context)) -> list[TimelineEntry]:
    await _readable(ctx, complaint_id, principal)

    def read() -> list[TimelineEntry]:
        with Session(ctx.engine) as session:
            rows = session.exec(select(AuditEvent).where(AuditEvent.complaint_id == complaint_id)
                                .order_by(AuditEvent.seq)).all()
            return [TimelineEntry.model_validate(r, from_attributes=True) for r in rows]

    return await run_in_threadpool(read)


class Customer(BaseModel):
    complaint_id: str
    customer_id: str
    name: str
    phone: str


@router.get("/complaints/{complaint_id}/customer", response_model=Customer,
            summary="The customer's name and phone in clear (supervisors; every read is audited)")
async def customer(request: Request, complaint_id: str = COMPLAINT_ID,
                   principal: Principal = Depends(roles(Role.SUPERVISOR)), ctx: Context = Depends(context)) -> Customer:
    found = await run_in_threadpool(customer_in_clear, ctx.engine, ctx.cipher, complaint_id)
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
        principal: Principal = Depends(person), ctx: Context = Depends(context),
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
    if principal.role is Role.OPERATOR:
        raise Problem(403, "forbidden", "operators run the system; complaints are listed by the people on them")
    t = ComplaintRow
    q = select(t)
    if scope := list_scope(principal):
        me, dept = scope
        q = q.where(or_(t.department == dept, t.owner_id == me, t.first_responder_id == me))
    for column, value in ((t.stage, stage), (t.level, level), (t.department, department), (t.breached, breached),
                          (t.emergency, emergency), (t.outcome, outcome),
                          (t.customer_id_tag, ctx.cipher.tag(customer_id) if customer_id else None)):
        if value is not None:
            q = q.where(column == value)
    if owner is not None:
        q = q.where(t.owner_id == (principal.id if owner == "me" else owner))
    if received_from is not None:
        q = q.where(t.received_at >= received_from)
    if received_to is not None:
        q = q.where(t.received_at < received_to)
    if reference is not None:
        q = q.where(or_(t.id == reference, t.external_ref == reference))

    def read() -> list[Listed]:
        with Session(ctx.engine) as session:
            rows = session.exec(q.order_by(t.received_at.desc()).offset(offset).limit(limit)).all()
            return [Listed(complaint_id=r.id, **r.model_dump(exclude={"id", "customer_id", "text"})) for r in rows]

    return await run_in_threadpool(read)


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
    if dept != principal.department and principal.role is not Role.SUPERVISOR:
        raise Problem(403, "forbidden", f"you see {principal.department}'s work orders; {dept}'s are its own")

    def read() -> list[OwedWorkOrder]:
        with Session(ctx.engine) as session:
            rows = session.exec(select(WorkOrderRow).where(WorkOrderRow.department == dept,
                                                           WorkOrderRow.status == "open")
                                .order_by(WorkOrderRow.due_at)).all()
            return [OwedWorkOrder(complaint_id=r.complaint_id, work_order_id=r.id.split("/")[-1],
                                  department=r.department, question=r.question, opened_by=r.opened_by,
                                  opened_at=r.opened_at, due_at=r.due_at) for r in rows]

    return await run_in_threadpool(read)
