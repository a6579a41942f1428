"""Problems and their corrective actions (溯源整改): open one, the list, one problem's live state with the
complaints offered for linking, and the messages people send it (sealed updates, exactly once by
Idempotency-Key). Opening is a supervisor's; who sends which message is the workflow's rule
(workflows/problem.py); reading them is `Can.PROBLEMS_READ`."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api import improvement
from api.access import allowed
from api.context import Context, context
from api.errors import problem
from api.idempotency import IDEMPOTENCY_KEY, message_id
from api.identity import Principal
from api.service import ComplaintError
from models.problems import PROBLEM_ID, PROBLEM_MESSAGES, OpenProblem, ProblemState
from models.requests import with_actor, without_actor
from workflows.permissions import Can

router = APIRouter(prefix="/v1/problems", tags=["problems"])
READ, OPEN = allowed(Can.PROBLEMS_READ), allowed(Can.PROBLEMS)
ProblemId = Annotated[str, Path(pattern=PROBLEM_ID)]


class Listed(BaseModel):
    id: str
    title: str
    source: str
    status: str
    opened_at: datetime
    plan_due: datetime
    plan_breached: bool
    root_cause: str | None
    linked: int
    verdict: str | None
    reopened: int


class Live(BaseModel):
    state: ProblemState
    offered: list[str]     # new complaints of its pattern, not linked yet


@router.post("", summary="Open a problem (a supervisor): from a heat-map cell, an incident, a look-back, or by hand")
async def open_problem(request: Request, body: OpenProblem, principal: Principal = Depends(OPEN),
                       ctx: Context = Depends(context), idempotency_key: str | None = IDEMPOTENCY_KEY) -> JSONResponse:
    got = await improvement.open_problem(ctx.client, body, principal.id, ctx.settings.policy(),
                                         ctx.settings.task_queue, message_id(principal, idempotency_key),
                                         causes=list(ctx.settings.root_causes()))
    request.state.outcome = f"problem {got.problem_id} {'opened' if got.created else 'opened before'}"
    return JSONResponse({"problem_id": got.problem_id, "created": got.created},
                        status_code=201 if got.created else 200)


@router.get("", response_model=list[Listed], summary="Problems, newest first")
async def listed(principal: Principal = Depends(READ), ctx: Context = Depends(context)) -> list[Listed]:
    rows = await run_in_threadpool(improvement.listed, ctx.engine)
    return [Listed.model_validate(r, from_attributes=True) for r in rows]


@router.get("/{problem_id}", response_model=Live, summary="One problem's live state and the complaints offered")
async def state(problem_id: ProblemId, principal: Principal = Depends(READ), ctx: Context = Depends(context)) -> Live:
    try:
        s = await improvement.state(ctx.client, problem_id)
    except ComplaintError as e:
        raise problem(e) from None
    return Live(state=s, offered=await run_in_threadpool(improvement.offered, ctx.engine, s))


def _message_route(name: str) -> None:
    cls = PROBLEM_MESSAGES[name]
    model = without_actor(cls)

    async def endpoint(request: Request, problem_id: ProblemId, body: model = Body(),  # type: ignore[valid-type]
                       principal: Principal = Depends(READ), ctx: Context = Depends(context),
                       idempotency_key: str | None = IDEMPOTENCY_KEY) -> ProblemState:
        msg = with_actor(cls, body, principal.actor.model_dump())
        try:
            got = await improvement.update(ctx.client, problem_id, name, msg, message_id(principal, idempotency_key))
        except ComplaintError as e:
            raise problem(e) from None
        request.state.outcome = f"{name} applied"
        return got

    endpoint.__name__ = f"problem_{name}"
    router.add_api_route(f"/{{problem_id}}/{name}", endpoint, methods=["POST"], response_model=ProblemState,
                         summary=name.replace("_", " "))


for _name in PROBLEM_MESSAGES:
    _message_route(_name)
