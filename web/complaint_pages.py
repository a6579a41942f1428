"""A handler's pages: the queue (most urgent first) and the complaint page with only the actions this
person may take now. Every action goes to the engine as an update with the signed-in person as actor."""
import json
import re
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import or_
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from api.access import list_scope, readable_state
from api.context import Context, context
from api.errors import STATUS
from api.idempotency import message_id
from api.identity import Principal
from api.problems import Problem
from api.routes.departments import door_refusal
from complaints import service
from complaints.fields import opened
from complaints.reads import customer_in_clear
from delivery import templates
from models.enums import Role
from models.errors import explain
from models.messages import MESSAGES
from models.requests import REQUESTS, with_actor
from models.tables import AuditEvent, ComplaintRow, Notification
from web.common import render, unchanged, viewer
from web.views import available_actions, clock_views, form_fields, script_check

router = APIRouter(prefix="/ui", include_in_schema=False)
COMPLAINT_ID = re.compile(r"^[A-Z]{2}\d{10}$")
TEXT_SEARCH_SCOPE = 5000  # open complaints whose sealed text a search opens, the most urgent first


def queue_rows(ctx: Context, principal: Principal, q: str | None, limit: int = 200) -> list[ComplaintRow]:
    """Open complaints on this person's desk, the nearest deadline first (none last)."""
    t = ComplaintRow
    query = select(t).where(t.stage != "closed")
    if principal.role is Role.REVIEWER:
        query = query.where(t.awaiting == "review")
    elif scope := list_scope(principal):
        me, dept = scope
        query = query.where(or_(t.owner_id == me, t.department == dept, t.first_responder_id == me))
    order = (t.next_deadline.is_(None), t.next_deadline, t.received_at)
    if not q:
        with Session(ctx.engine) as session:
            return list(session.exec(query.order_by(*order).limit(limit)).all())
    q = q.strip()[:100]
    tag = ctx.cipher.tag(q)
    with Session(ctx.engine) as session:
        exact = list(session.exec(query.where(or_(t.id == q, t.external_ref == q, t.customer_id_tag == tag,
                                                  t.customer_phone_tag == tag)).order_by(*order).limit(limit)).all())
        if exact:
            return exact
        # The text is sealed: it is searched in clear here, over this desk's open complaints only.
        desk = session.exec(query.order_by(*order).limit(TEXT_SEARCH_SCOPE)).all()
    needle = q.casefold()
    return [r for r in desk if needle in opened(ctx.cipher, r, "text").casefold()][:limit]


@router.get("/queue", response_class=HTMLResponse)
async def queue(request: Request, q: Annotated[str | None, Query(max_length=100)] = None,
                principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    rows = await run_in_threadpool(queue_rows, ctx, principal, q)
    return render(request, "queue.html", principal, ctx, rows=rows, q=q or "", now=datetime.now(timezone.utc))


@router.get("/queue/rows", response_class=HTMLResponse)
async def queue_fragment(request: Request, q: Annotated[str | None, Query(max_length=100)] = None,
                         principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    rows = await run_in_threadpool(queue_rows, ctx, principal, q)
    version, same = unchanged(request, [(r.id, r.version) for r in rows])
    if same:
        return Response(status_code=204)
    return render(request, "queue_rows.html", principal, ctx, rows=rows, q=q or "", v=version,
                  now=datetime.now(timezone.utc))


async def _state(ctx: Context, principal: Principal, complaint_id: str):
    if not COMPLAINT_ID.match(complaint_id):
        raise Problem(404, "not-found", f"no complaint {complaint_id[:20]}")
    return await readable_state(ctx, principal, complaint_id)


def _timeline(ctx: Context, complaint_id: str) -> tuple[list[AuditEvent], str, list[Notification]]:
    """The newest 100 audit entries, the complaint's text, and every message sent to the customer."""
    with Session(ctx.engine) as session:
        row = session.get(ComplaintRow, complaint_id)
        events = list(session.exec(select(AuditEvent).where(AuditEvent.complaint_id == complaint_id)
                                   .order_by(AuditEvent.seq.desc()).limit(100)).all())
        sent = list(session.exec(select(Notification).where(Notification.complaint_id == complaint_id,
                                                            Notification.recipient_kind == "customer")
                                 .order_by(Notification.created_at)).all())
        # The words the customer was sent: the bank's template in their language, as the outbox renders it.
        bank = templates.load(ctx.settings.delivery_templates)
        language = (row.customer_language if row else "") or "zh"
        for n in sent:
            n.body = templates.render(bank, n.template, language, json.loads(n.params or "{}"), n.body)
            session.expunge(n)
        return events, opened(ctx.cipher, row, "text") if row else "", sent


async def _body(request: Request, ctx: Context, principal: Principal, complaint_id: str, *, page: bool = False,
                flash: str | None = None, error: str | None = None, status: int = 200,
                typed: dict[str, dict[str, str]] | None = None):
    state = await _state(ctx, principal, complaint_id)
    now = datetime.now(timezone.utc)
    policy = ctx.settings.policy()
    actions = available_actions(principal.actor, state, policy, now)
    timeline, text, sent = await run_in_threadpool(_timeline, ctx, complaint_id)
    return render(request, "complaint.html" if page else "complaint_body.html", principal, ctx, status=status,
                  s=state, clocks=clock_views(state, now), actions=actions,
                  forms={name: form_fields(name) for name in actions}, timeline=timeline, flash=flash, error=error,
                  stages=["receive", "analyse", "handle", "respond", "verify", "closed"],
                  notes=[e for e in timeline if e.action == "add_note" and e.accepted], text=text,
                  typed=typed or {}, sent=sent)


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
async def complaint_page(request: Request, complaint_id: str, principal: Principal = Depends(viewer),
                         ctx: Context = Depends(context)):
    return await _body(request, ctx, principal, complaint_id, page=True)


@router.get("/complaints/{complaint_id}/body", response_class=HTMLResponse)
async def complaint_body(request: Request, complaint_id: str, since: int | None = None,
                         principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    """Polled every few seconds: 204 (nothing to redraw) until the complaint has moved."""
    if since is not None:
        state = await _state(ctx, principal, complaint_id)
        if state.history_total == since:
            request.state.quiet = True
            return Response(status_code=204)
    return await _body(request, ctx, principal, complaint_id)


@router.post("/complaints/{complaint_id}/act/{name}", response_class=HTMLResponse)
async def act(request: Request, complaint_id: str, name: str, principal: Principal = Depends(viewer),
              ctx: Context = Depends(context)):
    if name not in MESSAGES:
        raise Problem(404, "not-found", f"no message {name[:40]}")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and (v.strip() or k in ("text", "answer"))}
    try:
        body = REQUESTS[name].model_validate(fields)
        msg = with_actor(MESSAGES[name], body, principal.actor.model_dump())
    except ValidationError as e:
        request.state.outcome = f"invalid: {explain(e)[:200]}"
        return await _body(request, ctx, principal, complaint_id, error=explain(e), status=422,
                           typed={name: fields})
    if refused := door_refusal(msg, ctx):
        request.state.outcome = f"rule: {refused[1][:200]}"
        return await _body(request, ctx, principal, complaint_id, error=refused[1], status=422, typed={name: fields})
    try:
        ack = await service.acknowledge(ctx.client, complaint_id, name, msg,
                                        message_id(principal, request.headers.get("Idempotency-Key")))
    except service.ComplaintError as e:
        request.state.outcome = f"{e.kind}: {str(e)[:200]}"
        return await _body(request, ctx, principal, complaint_id, error=str(e),
                           status=STATUS.get(e.kind, 422), typed={name: fields})
    request.state.outcome = f"applied #{ack.seq}"
    return await _body(request, ctx, principal, complaint_id, flash=name)


@router.post("/script-check", response_class=HTMLResponse)
async def check_script(request: Request, text: Annotated[str, Form(max_length=4000)] = "",
                       principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    check = script_check(text, ctx.settings.policy().script.prohibited)
    return render(request, "script_check.html", principal, ctx, check=check)


@router.get("/complaints/{complaint_id}/customer", response_class=HTMLResponse)
async def customer_page(request: Request, complaint_id: str, principal: Principal = Depends(viewer),
                        ctx: Context = Depends(context)):
    if principal.role is not Role.SUPERVISOR:
        raise Problem(403, "forbidden", "customer data in clear is for supervisors")

    found = await run_in_threadpool(customer_in_clear, ctx.engine, ctx.cipher, complaint_id[:20])
    if found is None:
        raise Problem(404, "not-found", f"no complaint {complaint_id[:20]}")
    request.state.outcome = "unmasked: customer name and phone"
    return HTMLResponse(f'<span class="clear">{_esc(found["name"])} · {_esc(found["phone"])}</span>')


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
