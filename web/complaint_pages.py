"""A handler's pages: the queue (most urgent first) and the complaint page with only the actions this
person may take now. Every action goes to the engine as an update with the signed-in person as actor."""
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import incidents, reviews, service
from api.access import allowed, readable_state
from api.context import Context, context
from api.errors import STATUS
from api.idempotency import message_id
from api.identity import Principal
from api.problems import Problem, Refused
from api.review_rules import Decided, review_refusal
from api.routes.departments import door_refusal
from complaints import reads
from complaints.fields import opened
from delivery import templates
from models.enums import Role
from models.errors import explain
from models.requests import with_actor
from models.tables import AuditEvent, ComplaintRow, Notification
from web.common import render, unchanged, viewer
from web.views import CHOICES, available_actions, blocked, clock_views, form_fields, repeat_candidates, script_check
from workflows.contract import MESSAGES, REQUESTS
from workflows.permissions import Can, intake_refusal, list_scope

UNMASK = allowed(Can.UNMASK, viewer)  # the rule, workflows/permissions.py
router = APIRouter(prefix="/ui", include_in_schema=False)
COMPLAINT_ID = re.compile(r"^[A-Z]{2}\d{10}$")


def queue_rows(ctx: Context, principal: Principal, q: str | None, limit: int = 200) -> list[ComplaintRow]:
    """Open complaints on this person's desk (a reviewer's: those awaiting review), the nearest deadline first."""
    return reads.desk_queue(ctx.engine, ctx.cipher, list_scope(principal), principal.role is Role.REVIEWER, q, limit)


@router.get("/queue", response_class=HTMLResponse)
async def queue(request: Request, q: Annotated[str | None, Query(max_length=100)] = None,
                principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    rows = await run_in_threadpool(queue_rows, ctx, principal, q)
    return render(request, "queue.html", principal, ctx, rows=rows, q=q or "", now=datetime.now(UTC))


@router.get("/queue/rows", response_class=HTMLResponse)
async def queue_fragment(request: Request, q: Annotated[str | None, Query(max_length=100)] = None,
                         principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    rows = await run_in_threadpool(queue_rows, ctx, principal, q)
    version, same = unchanged(request, [(r.id, r.version) for r in rows])
    if same:
        return Response(status_code=204)
    return render(request, "queue_rows.html", principal, ctx, rows=rows, q=q or "", v=version,
                  now=datetime.now(UTC))


async def _state(ctx: Context, principal: Principal, complaint_id: str):
    if not COMPLAINT_ID.match(complaint_id):
        raise Problem(404, "not-found", f"no complaint {complaint_id[:20]}")
    return await readable_state(ctx, principal, complaint_id)


def _timeline(ctx: Context, complaint_id: str) -> tuple[list[AuditEvent], str, list[Notification]]:
    """The newest 100 audit entries, the complaint's text, and every message sent to the customer."""
    row = reads.complaint_row(ctx.engine, complaint_id)
    events = reads.audit_trail(ctx.engine, complaint_id, newest=100)
    sent = reads.sent_to_customer(ctx.engine, complaint_id)
    # The words the customer was sent: the bank's template in their language, as the outbox renders it.
    bank = templates.load(ctx.settings.delivery_templates)
    language = (row.customer_language if row else "") or "zh"
    for n in sent:
        n.body = templates.render(bank, n.template, language, json.loads(n.params or "{}"), n.body)
    return events, opened(ctx.cipher, row, "text") if row else "", sent


async def _body(request: Request, ctx: Context, principal: Principal, complaint_id: str, *, page: bool = False,
                flash: str | None = None, error: str | None = None, status: int = 200,
                typed: dict[str, dict[str, str]] | None = None, review_started: str | None = None):
    state = await _state(ctx, principal, complaint_id)
    now = datetime.now(UTC)
    policy = ctx.settings.policy()
    actions = available_actions(principal.actor, state, policy, now)
    not_yet = blocked(principal.actor, state, policy, now, actions)
    timeline, text, sent = await run_in_threadpool(_timeline, ctx, complaint_id)
    incident = await run_in_threadpool(incidents.incident_of, ctx.engine, complaint_id)
    review = await run_in_threadpool(reads.review_for, ctx.engine, complaint_id)
    images = await run_in_threadpool(reads.images_of, ctx.engine, complaint_id)
    return render(request, "complaint.html" if page else "complaint_body.html", principal, ctx, status=status,
                  s=state, poll=poll_token(ctx, principal, complaint_id, state.history_total),
                  clocks=clock_views(state, now), actions=actions,
                  forms={name: form_fields(name) for name in actions}, timeline=timeline, flash=flash, error=error,
                  stages=["receive", "analyse", "handle", "respond", "verify", "closed"],
                  notes=[e for e in timeline if e.action == "add_note" and e.accepted], text=text,
                  typed=typed or {}, sent=sent, images=images, not_yet=not_yet, labels=_labels(ctx), incident=incident,
                  may_ask_review=review is None and _may_ask_review(principal, state, policy.timezone), review=review,
                  repeats=repeat_candidates(state),
                  review_started=review_started)


def _may_ask_review(principal: Principal, s, tz: str) -> bool:
    """Offer to key in the customer's review (核查) when the review's own rules allow one now, to whoever may key
    in for the complaint's channel (the API's rules, both)."""
    return review_refusal(Decided.of_state(s), datetime.now(UTC), tz) is None and \
        intake_refusal(principal, s.channel) is None


@router.post("/complaints/{complaint_id}/review", response_class=HTMLResponse)
async def ask_review(request: Request, complaint_id: str, principal: Principal = Depends(viewer),
                     ctx: Context = Depends(context)):
    """A person keys in the customer's review: the page says which unit reviews it, under which reference (the
    review is the higher-level unit's, and the person who keyed it in may not be able to open it)."""
    state = await _state(ctx, principal, complaint_id)
    if refused := intake_refusal(principal, state.channel):
        raise Problem(403, "forbidden", refused)
    form = await request.form()
    try:
        body = reviews.ReviewRequest.model_validate({"reason": str(form.get("reason") or "")})
        started = await reviews.apply(ctx.client, ctx.engine, ctx.cipher, ctx.settings.departments(),
                                      ctx.settings.task_queue, complaint_id, body, datetime.now(UTC),
                                      ctx.settings.policy().timezone)
    except ValidationError as e:
        return await _body(request, ctx, principal, complaint_id, error=explain(e), status=422)
    except Refused as e:
        request.state.outcome = f"rule: {e.reason[:200]}"
        return await _body(request, ctx, principal, complaint_id, error=e.reason, status=e.status)
    request.state.outcome = "review started" if started.review.created else "review asked for before"
    return await _body(request, ctx, principal, complaint_id, review_started=started.department)


def _labels(ctx: Context) -> dict[str, list[str]]:
    """The labels a correction may choose, the configured classifier's (its taxonomy, a model's too)."""
    business, natures = ctx.classifier.labels() if ctx.classifier else (set(), set())
    return {"business_type": sorted(business), "problem_nature": sorted(natures), **CHOICES}


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
async def complaint_page(request: Request, complaint_id: str, principal: Principal = Depends(viewer),
                         ctx: Context = Depends(context)):
    return await _body(request, ctx, principal, complaint_id, page=True)


def poll_token(ctx: Context, principal: Principal, complaint_id: str, since: int) -> str:
    """What a page rendered for this person at this point of the complaint polls with: proof it was allowed to
    read it then, so an idle poll is answered from the read model without asking Temporal again."""
    bound = f"poll\n{principal.kind}:{principal.id}\n{complaint_id}\n{since}".encode()
    return hmac.new(ctx.api_secret.encode(), bound, hashlib.sha256).hexdigest()[:32]


@router.get("/complaints/{complaint_id}/body", response_class=HTMLResponse)
async def complaint_body(request: Request, complaint_id: str, since: int | None = None, poll: str = "",
                         principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    """Polled every few seconds: 204 (nothing to redraw) until the complaint has moved. An idle page costs one
    indexed read of the read model: its version is the complaint's history position as last written, and only
    when it moved (or the page's token is not this person's) is Temporal asked."""
    if since is not None and hmac.compare_digest(poll.encode(errors="replace"),
                                                 poll_token(ctx, principal, complaint_id, since).encode()):
        version = await run_in_threadpool(reads.complaint_version, ctx.engine, complaint_id)
        if version == since:
            request.state.quiet = True
            return Response(status_code=204)
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
        return await _body(request, ctx, principal, complaint_id, error=e.reason,
                           status=STATUS.get(e.kind, 422), typed={name: fields})
    request.state.outcome = f"applied #{ack.seq}"
    return await _body(request, ctx, principal, complaint_id, flash=name)


@router.post("/script-check", response_class=HTMLResponse)
async def check_script(request: Request, text: Annotated[str, Form(max_length=4000)] = "",
                       principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    check = script_check(text, ctx.settings.policy().script.prohibited)
    return render(request, "script_check.html", principal, ctx, check=check)


@router.get("/complaints/{complaint_id}/customer", response_class=HTMLResponse)
async def customer_page(request: Request, complaint_id: str, principal: Principal = Depends(UNMASK),
                        ctx: Context = Depends(context)):
    found = await run_in_threadpool(reads.customer_in_clear, ctx.engine, ctx.cipher, complaint_id[:20])
    if found is None:
        raise Problem(404, "not-found", f"no complaint {complaint_id[:20]}")
    request.state.outcome = "unmasked: customer name and phone"
    return HTMLResponse(f'<span class="clear">{_esc(found["name"])} · {_esc(found["phone"])}</span>')


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
