"""Problems in the workbench: the list with the figures and the form that opens one (from a heat-map cell, an
incident or a look-back, its fields filled in from the link that led here, or by hand), and one problem's page
(its pattern, plan clock, root cause, actions, effect checks, linked and offered complaints, every form)."""
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import improvement
from api.access import allowed
from api.context import Context, context
from api.idempotency import message_id
from api.identity import Principal
from api.problems import Problem
from api.service import ComplaintError
from models.errors import explain
from models.problems import PROBLEM_ID, PROBLEM_MESSAGES, OpenProblem, ProblemState
from models.requests import with_actor, without_actor
from web.common import render, viewer
from workflows.permissions import Can, can_refusal
from workflows.problem_rules import problem_refusal

router = APIRouter(prefix="/ui", include_in_schema=False)
READ = allowed(Can.PROBLEMS_READ, viewer)
ProblemId = Annotated[str, Path(pattern=PROBLEM_ID)]
PATTERN_FIELDS = ("business_type", "problem_nature", "code_business", "code_reason", "department")
PREFILL = ("title", "source", "source_ref", *PATTERN_FIELDS)


def _choices(ctx: Context) -> dict[str, list[str]]:
    business, natures = ctx.classifier.labels() if ctx.classifier else (set(), set())
    table = ctx.settings.code_table()
    return {"business_type": sorted(business), "problem_nature": sorted(natures),
            "code_business": [c.code for c in table.codes("business")],
            "code_reason": [c.code for c in table.codes("reason")]}


@router.get("/problems", response_class=HTMLResponse)
async def problems_page(request: Request, principal: Principal = Depends(READ), ctx: Context = Depends(context)):
    return await _list(request, ctx, principal, typed={k: v for k, v in request.query_params.items() if k in PREFILL})


async def _list(request: Request, ctx: Context, principal: Principal, typed: dict, error: str | None = None,
                status: int = 200):
    today = datetime.now(UTC).astimezone(ZoneInfo(ctx.settings.policy().timezone)).date()
    rows = await run_in_threadpool(improvement.listed, ctx.engine)
    figures = await run_in_threadpool(improvement.figures, ctx.engine, today)
    return render(request, "problems.html", principal, ctx, status=status, rows=rows, figures=figures, typed=typed,
                  error=error, may_open=can_refusal(principal, Can.PROBLEMS) is None, choices=_choices(ctx),
                  causes=ctx.settings.root_causes())


@router.post("/problems", response_class=HTMLResponse)
async def open_problem(request: Request, principal: Principal = Depends(allowed(Can.PROBLEMS, viewer)),
                       ctx: Context = Depends(context)):
    form = await request.form()
    typed = {k: v for k, v in form.items() if isinstance(v, str) and v.strip()}
    try:
        body = OpenProblem.model_validate({"title": typed.get("title", ""), "source": typed.get("source", "manual"),
                                           "source_ref": typed.get("source_ref", ""),
                                           "pattern": {k: typed[k] for k in PATTERN_FIELDS if k in typed}})
    except ValidationError as e:
        request.state.outcome = f"invalid: {explain(e)[:200]}"
        return await _list(request, ctx, principal, typed, error=explain(e), status=422)
    got = await improvement.open_problem(ctx.client, body, principal.id, ctx.settings.policy(),
                                         ctx.settings.task_queue,
                                         message_id(principal, request.headers.get("Idempotency-Key")),
                                         causes=list(ctx.settings.root_causes()))
    request.state.outcome = f"problem {got.problem_id} opened"
    return Response(status_code=204, headers={"HX-Redirect": f"/ui/problems/{got.problem_id}"})


def _offered(name: str, principal: Principal, s: ProblemState, today: date, causes: list[str]) -> bool:
    """A form is shown only when its sender and the problem's state allow it (the content is checked on send)."""
    open_action = next((a.id for a in s.actions if a.done_at is None and
                        (principal.actor.role.value == "supervisor" or a.department == principal.actor.department)),
                       None)
    probes: dict[str, dict[str, Any]] = {
        "set_root_cause": {"code": causes[0], "note": "·"},
        "add_action": {"what": "·", "department": principal.actor.department or "x1", "due": today},
        "complete_action": {"action_id": open_action or "A99", "note": "·"},
        "link": {"complaint_ids": ["AP0000000000"]}, "close": {"reason": "·"}}
    msg = PROBLEM_MESSAGES[name].model_validate({"actor": principal.actor.model_dump(), **probes.get(name, {})})
    return problem_refusal(name, msg, s, causes, today) is None


async def _page(request: Request, ctx: Context, principal: Principal, problem_id: str, *, body_only: bool = False,
                flash: str | None = None, error: str | None = None, typed: dict | None = None, status: int = 200):
    try:
        s = await improvement.state(ctx.client, problem_id)
    except ComplaintError as e:
        raise Problem(404 if e.kind == "not-found" else 503, e.kind, str(e)) from None
    today = datetime.now(UTC).astimezone(ZoneInfo(s.timezone)).date()
    offered_complaints = await run_in_threadpool(improvement.offered, ctx.engine, s)
    causes = ctx.settings.root_causes()
    forms = [n for n in PROBLEM_MESSAGES if _offered(n, principal, s, today, list(causes))]
    return render(request, "problem_body.html" if body_only else "problem.html", principal, ctx, status=status,
                  s=s, forms=forms, offered=offered_complaints, flash=flash, error=error, typed=typed or {},
                  causes=causes, today=today.isoformat(), now=datetime.now(UTC))


@router.get("/problems/{problem_id}", response_class=HTMLResponse)
async def problem_page(request: Request, problem_id: ProblemId, principal: Principal = Depends(READ),
                       ctx: Context = Depends(context)):
    return await _page(request, ctx, principal, problem_id, body_only=bool(request.headers.get("hx-request")))


@router.post("/problems/{problem_id}/act/{name}", response_class=HTMLResponse)
async def problem_act(request: Request, problem_id: ProblemId, name: str, principal: Principal = Depends(READ),
                      ctx: Context = Depends(context)):
    if name not in PROBLEM_MESSAGES:
        raise Problem(404, "not-found", f"no problem message {name[:40]}")
    form = await request.form()
    fields: dict[str, object] = {k: v for k, v in form.items() if isinstance(v, str) and v.strip()}
    if name == "link":
        fields["complaint_ids"] = [v for v in form.getlist("complaint_ids") if isinstance(v, str)]
    try:
        cls = PROBLEM_MESSAGES[name]
        msg = with_actor(cls, without_actor(cls).model_validate(fields), principal.actor.model_dump())
        await improvement.update(ctx.client, problem_id, name, msg,
                                 message_id(principal, request.headers.get("Idempotency-Key")))
    except ValidationError as e:
        request.state.outcome = f"invalid: {explain(e)[:200]}"
        return await _page(request, ctx, principal, problem_id, body_only=True, error=explain(e),
                           typed={name: fields}, status=422)
    except ComplaintError as e:
        request.state.outcome = f"{e.kind}: {str(e)[:200]}"
        return await _page(request, ctx, principal, problem_id, body_only=True, error=e.reason,
                           typed={name: fields}, status=422)
    request.state.outcome = f"{name} applied"
    return await _page(request, ctx, principal, problem_id, body_only=True, flash=name)
