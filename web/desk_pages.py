"""Departments' and supervisors' pages: the work-order inbox, the supervisor's lists and approvals, the
interactive heat map and dashboard, the look-back."""
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import improvement, lookbacks, service
from api.access import allowed
from api.context import Context, context
from api.idempotency import message_id
from api.identity import Principal
from api.problems import Problem
from api.service import ComplaintError
from complaints import reads
from models import messages as m
from models.enums import Role
from models.errors import explain
from web.common import render, unchanged, viewer
from workflows.permissions import Can, can_refusal

router = APIRouter(prefix="/ui", include_in_schema=False)
Short = Annotated[str | None, Query(max_length=64)]


# The pages' doors, from the one table of who may do what (workflows/permissions.py).
SUPERVISE, REPORTS, LOOKBACK, RUN_LOOKBACK = (allowed(Can.SUPERVISE, viewer), allowed(Can.REPORTS, viewer),
                                              allowed(Can.LOOKBACK, viewer), allowed(Can.RUN_LOOKBACK, viewer))


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    orders = await run_in_threadpool(reads.work_orders_owed, ctx.engine, principal.department)
    return render(request, "inbox.html", principal, ctx, orders=orders,
                  now=datetime.now(UTC))


@router.post("/inbox/{complaint_id}/{work_order_id}", response_class=HTMLResponse)
async def answer(request: Request, complaint_id: str, work_order_id: str,
                 answer: Annotated[str, Form(min_length=1, max_length=4000)],
                 principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    """Answer a work order in place; the row becomes its answer, or shows why not."""
    try:
        msg = m.AnswerWorkOrder(actor=principal.actor, work_order_id=work_order_id, answer=answer)
        await service.acknowledge(ctx.client, complaint_id, "answer_work_order", msg,
                                  message_id(principal, request.headers.get("Idempotency-Key")))
    except (ComplaintError, ValidationError) as e:
        reason = explain(e) if isinstance(e, ValidationError) else e.reason
        request.state.outcome = f"refused: {reason[:200]}"
        return render(request, "inbox_answered.html", principal, ctx, status=422, complaint_id=complaint_id,
                      wo=work_order_id, error=reason)
    request.state.outcome = "answered"
    return render(request, "inbox_answered.html", principal, ctx, complaint_id=complaint_id, wo=work_order_id,
                  error=None, answer=answer)


@router.get("/messages", response_class=HTMLResponse)
async def messages(request: Request, principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    """Staff messages of the outbox (warnings, escalations, work orders, undelivered notices) for me, my
    department, or (supervisors) every department's supervisor."""
    items = await run_in_threadpool(reads.staff_messages, ctx.engine, principal.id, principal.department,
                                    principal.role is Role.SUPERVISOR)
    return render(request, "messages.html", principal, ctx, items=items)


def supervise_rows(ctx: Context, f: dict) -> reads.Oversight:
    found = reads.oversight(ctx.engine, reads.ComplaintFilter(**{k: f.get(k) for k in (
        "stage", "level", "department", "business_type", "problem_nature", "breached", "emergency", "tier",
        "received_from", "received_to")}))
    return found


Flag = Annotated[str | None, Query(pattern=r"^(|true|false)$")]
Week = Annotated[str | None, Query(pattern=r"^(|\d{4}-W\d{2})$")]


@router.get("/supervise", response_class=HTMLResponse)
async def supervise(request: Request, stage: Short = None, level: Short = None, department: Short = None,
                    business_type: Short = None, problem_nature: Short = None, breached: Flag = None,
                    emergency: Flag = None, tier: Short = None, week: Week = None,
                    principal: Principal = Depends(SUPERVISE), ctx: Context = Depends(context)):
    from sla.periods import week_bounds

    # The filter form sends "" for "any": the same as leaving the field out. A week (a heat-map cell) lists
    # the complaints received in it, closed ones too: exactly those the cell counts.
    f: dict[str, object] = {"stage": stage, "level": level, "department": department, "business_type": business_type,
         "problem_nature": problem_nature, "breached": _flag(breached), "emergency": _flag(emergency), "tier": tier,
         "week": week}
    if week:
        try:
            f["received_from"], f["received_to"] = week_bounds(week, ctx.settings.policy().timezone)
        except ValueError as e:
            raise Problem(422, "invalid", str(e)) from None
    found = await run_in_threadpool(supervise_rows, ctx, f)
    rows, counts, waiting = found.rows, found.counts, found.waiting
    version, same = unchanged(request, [(r.id, r.version) for r in rows + waiting + found.breached + found.came_back],
                              sorted((k, v) for k, v in counts.items() if k != "ended"),
                              [r.id for r in counts.get("ended", [])])
    if same:
        return Response(status_code=204)
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "v"])
    template = "supervise_rows.html" if request.headers.get("hx-request") else "supervise.html"
    return render(request, template, principal, ctx, rows=rows, counts=counts, waiting=waiting, f=f,
                  breached=found.breached, came_back=found.came_back,
                  query=query, v=version, now=datetime.now(UTC))



def _flag(value: str | None) -> bool | None:
    return None if not value else value == "true"


@router.get("/reports/heatmap", response_class=HTMLResponse)
async def heatmap(request: Request, week: Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$")] = None,
                  principal: Principal = Depends(REPORTS), ctx: Context = Depends(context)):
    from reports import heatmap as hm
    from sla.periods import last_full_week, week_of

    tz = ctx.settings.policy().timezone
    newest = await run_in_threadpool(reads.latest_received, ctx.engine)
    latest = week_of(newest, tz) if newest else None
    # Opened without a week: the latest week that has complaints (last full week on an empty system).
    week = week or latest or last_full_week(datetime.now(UTC).date())
    try:
        h = await run_in_threadpool(hm.compute, ctx.engine, week, tz)
    except ValueError as e:
        raise Problem(422, "invalid", str(e)) from None
    zone = ZoneInfo(tz)
    days = f"{h.start.astimezone(zone):%Y-%m-%d} – {(h.end.astimezone(zone) - timedelta(days=1)):%Y-%m-%d}"
    return render(request, "heatmap.html", principal, ctx, h=h.model_dump(mode="json"), week=week, days=days,
                  latest=latest if latest != week else None)


@router.get("/reports/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                    principal: Principal = Depends(REPORTS), ctx: Context = Depends(context)):
    from reports import dashboard as db
    from sla.periods import month_of, previous_month

    policy = ctx.settings.policy()
    newest = await run_in_threadpool(reads.latest_received, ctx.engine)
    latest = month_of(newest, policy.timezone) if newest else None
    month = month or latest or previous_month(datetime.now(UTC), policy.timezone)
    try:
        d = await run_in_threadpool(db.compute, ctx.engine, month, policy.timezone, policy.commitment)
    except ValueError as e:
        raise Problem(422, "invalid", str(e)) from None
    today = datetime.now(UTC).astimezone(ZoneInfo(policy.timezone)).date()
    problems = await run_in_threadpool(improvement.figures, ctx.engine, today)
    return render(request, "dashboard.html", principal, ctx, d=d.model_dump(mode="json"), month=month,
                  latest=latest if latest != month else None, problems=problems)


@router.get("/lookback", response_class=HTMLResponse)
async def lookback(request: Request, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                   principal: Principal = Depends(LOOKBACK), ctx: Context = Depends(context)):
    from sla.periods import month_not_ended, previous_month

    tz = ctx.settings.policy().timezone
    month = month or previous_month(datetime.now(UTC), tz)
    state: dict | None = None
    error: str | None = None
    not_started = False
    try:
        state = (await lookbacks.month_state(ctx.client, ctx.engine, month)).model_dump(mode="json")
    except ComplaintError as e:
        not_started, error = e.kind == "not-found", str(e)
    return render(request, "lookback.html", principal, ctx, state=state, month=month, error=error,
                  not_started=not_started, may_run=can_refusal(principal, Can.RUN_LOOKBACK) is None,
                  ended=month_not_ended(month, tz, datetime.now(UTC)) is None,
                  now=datetime.now(UTC).isoformat())


@router.post("/lookback/run", response_class=HTMLResponse)
async def lookback_run(request: Request, month: Annotated[str, Form(pattern=r"^\d{4}-\d{2}$")],
                       principal: Principal = Depends(RUN_LOOKBACK), ctx: Context = Depends(context)):
    """Start an ended month's look-back from the page (the schedule's single run, if it has not come yet);
    the page then shows its sample."""
    try:
        await lookbacks.run_month(ctx.client, month, ctx.settings.task_queue, ctx.settings.policy().timezone)
    except ComplaintError as e:
        request.state.outcome = f"refused: {str(e)[:200]}"
        return render(request, "lookback_refused.html", principal, ctx, status=422, reason=e.reason)
    request.state.outcome = f"look-back {month} started"
    return Response(status_code=204, headers={"HX-Redirect": f"/ui/lookback?{urlencode({'month': month})}"})
