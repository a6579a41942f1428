"""Major incidents in the workbench: the list, and one incident's page (live count, the linked complaints over
time, the words they share, its clocks, the plan's editor, link and unlink, confirm, dismiss, resolve)."""
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api import incidents
from api.access import allowed
from api.context import Context, context
from api.idempotency import message_id
from api.identity import Principal
from api.problems import Problem
from api.service import ComplaintError
from complaints.fields import opened
from models.errors import explain
from models.incidents import INCIDENT_ID, INCIDENT_MESSAGES, IncidentState
from models.requests import with_actor, without_actor
from models.tables import ComplaintRow
from web.common import render, viewer
from web.views import CHOICES
from workflows.permissions import Can, incident_refusal

router = APIRouter(prefix="/ui", include_in_schema=False)
READ = allowed(Can.INCIDENTS, viewer)
IncidentId = Annotated[str, Path(pattern=INCIDENT_ID)]
BIN_MINUTES = 10
_WORD = re.compile(r"[a-z]{4,}|[\u4e00-\u9fff]{2}")
_COMMON = {"please", "with", "this", "that", "have", "what", "your", "from", "请问", "我的", "怎么", "什么", "一直"}


@router.get("/incidents", response_class=HTMLResponse)
async def incidents_page(request: Request, principal: Principal = Depends(READ), ctx: Context = Depends(context)):
    rows = await run_in_threadpool(incidents.listed, ctx.engine)
    return render(request, "incidents.html", principal, ctx, rows=rows)


def _linked(ctx: Context, members: list[str]) -> tuple[list[ComplaintRow], list[str]]:
    """The linked complaints (newest 500) and the words most of them share (their texts opened here only)."""
    with Session(ctx.engine) as session:
        rows = list(session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(members[-500:]))
                                 .order_by(col(ComplaintRow.received_at))).all())
    seen: Counter[str] = Counter()
    for r in rows:
        seen.update(set(_WORD.findall(opened(ctx.cipher, r, "text").lower())) - _COMMON)
    return rows, [w for w, n in seen.most_common(8) if n >= max(2, len(rows) // 4)]


def _over_time(rows: list[ComplaintRow], tz: str) -> list[list[object]]:
    """Linked complaints received per 10 minutes, every bin from the first to the last (empty ones too):
    [bin start in the bank's time, count]."""
    bins: Counter[datetime] = Counter()
    for r in rows:
        at = r.received_at.replace(tzinfo=r.received_at.tzinfo or UTC).astimezone(ZoneInfo(tz))
        bins[at.replace(minute=at.minute - at.minute % BIN_MINUTES, second=0, microsecond=0)] += 1
    if not bins:
        return []
    out: list[list[object]] = []
    t, last = min(bins), max(bins)
    while t <= last and len(out) < 1000:
        out.append([f"{t:%m-%d %H:%M}", bins.get(t, 0)])
        t += timedelta(minutes=BIN_MINUTES)
    return out


async def _page(request: Request, ctx: Context, principal: Principal, incident_id: str, *, body_only: bool = False,
                flash: str | None = None, error: str | None = None, typed: dict | None = None, status: int = 200):
    try:
        s = await incidents.state(ctx.client, incident_id)
    except ComplaintError as e:
        raise Problem(404 if e.kind == "not-found" else 503, e.kind, str(e)) from None
    rows, words = await run_in_threadpool(_linked, ctx, s.members)
    offered = [n for n in INCIDENT_MESSAGES if _offered(n, principal, s)]
    return render(request, "incident_body.html" if body_only else "incident.html", principal, ctx, status=status,
                  s=s, rows=rows, words=words, over_time=_over_time(rows, ctx.settings.policy().timezone), offered=offered, flash=flash, error=error,
                  typed=typed or {}, now=datetime.now(UTC), choices={"finding": CHOICES["finding"], "relief": CHOICES["relief"]})


def _offered(name: str, principal: Principal, s: IncidentState) -> bool:
    """A form is shown only when its sender and the incident's state allow it (the content is checked on send)."""
    if name == "absorb":
        return False  # a merge's hand-over between incidents, never a person's form
    first = s.members[0] if s.members else "AP0000000000"
    probes: dict[str, dict[str, Any]] = {
        "link": {"complaint_id": "AP0000000000"}, "unlink": {"complaint_id": first, "reason": "·"},
        "dismiss": {"reason": "·"}, "publish_plan": {"zh": "·"}, "resolve": {"text": "·"},
        "merge": {"into": "INC-000000000000-000000", "reason": "·"}, "split": {"complaint_ids": [first], "reason": "·"}}
    probe = probes.get(name, {})
    if name == "split" and len(s.members) < 2:
        return False
    msg = INCIDENT_MESSAGES[name].model_validate({"actor": principal.actor.model_dump(), **probe})
    return incident_refusal(name, msg, s) is None


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(request: Request, incident_id: IncidentId, since: int | None = None,
                        principal: Principal = Depends(READ), ctx: Context = Depends(context)):
    """Polled every few seconds: 204 (nothing to redraw) until the incident has moved."""
    if since is not None and request.headers.get("hx-request"):
        try:
            if (await incidents.state(ctx.client, incident_id)).version == since:
                request.state.quiet = True
                return Response(status_code=204)
        except ComplaintError:
            pass
    return await _page(request, ctx, principal, incident_id, body_only=bool(request.headers.get("hx-request")))


@router.post("/incidents/{incident_id}/act/{name}", response_class=HTMLResponse)
async def incident_act(request: Request, incident_id: IncidentId, name: str, principal: Principal = Depends(READ),
                       ctx: Context = Depends(context)):
    if name not in INCIDENT_MESSAGES:
        raise Problem(404, "not-found", f"no incident message {name[:40]}")
    form = await request.form()
    fields: dict[str, object] = {k: v for k, v in form.items() if isinstance(v, str) and v.strip()}
    if name == "split":
        fields["complaint_ids"] = [v for v in form.getlist("complaint_ids") if isinstance(v, str)]
    try:
        msg = with_actor(INCIDENT_MESSAGES[name], without_actor(INCIDENT_MESSAGES[name]).model_validate(fields),
                         principal.actor.model_dump())
        await incidents.update(ctx.client, incident_id, name, msg,
                               message_id(principal, request.headers.get("Idempotency-Key")))
    except ValidationError as e:
        request.state.outcome = f"invalid: {explain(e)[:200]}"
        return await _page(request, ctx, principal, incident_id, body_only=True, error=explain(e),
                           typed={name: fields}, status=422)
    except ComplaintError as e:
        request.state.outcome = f"{e.kind}: {str(e)[:200]}"
        return await _page(request, ctx, principal, incident_id, body_only=True, error=e.reason,
                           typed={name: fields}, status=422)
    request.state.outcome = f"{name} applied"
    return await _page(request, ctx, principal, incident_id, body_only=True, flash=name)
