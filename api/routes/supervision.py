"""Supervisors' and schedulers' reads and actions: reports, the regulatory export, the look-back."""
import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path as FsPath
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api import lookbacks
from api.access import allowed
from api.context import Context, context
from api.errors import problem
from api.idempotency import IDEMPOTENCY_KEY, message_id
from api.identity import Principal
from api.problems import Problem
from api.routes.complaints import COMPLAINT_ID
from api.service import ComplaintError
from models.lookback import RevisitOutcome, check_month
from models.requests import RevisitOutcomeRequest, with_actor
from workflows.permissions import Can, can_refusal

router = APIRouter(prefix="/v1", tags=["supervision"])
MONTH = Path(pattern=r"^\d{4}-\d{2}$", description="e.g. 2026-10")
Format = Literal["json", "png", "html"]
REPORTS, EXPORT = allowed(Can.REPORTS), allowed(Can.EXPORT)
SCHEDULER, REVISITOR = allowed(Can.RUN_LOOKBACK), allowed(Can.LOOKBACK)


def _month(month: str) -> str:
    try:
        check_month(month)
    except ValueError as e:
        raise Problem(422, "invalid", str(e), field="month") from None
    return month


def _files(paths: tuple[FsPath, ...], fmt: Format, payload: dict) -> Response:
    if fmt == "json":
        return JSONResponse(payload)
    path = next(p for p in paths if p.suffix == f".{fmt}")
    return Response(path.read_bytes(), media_type="image/png" if fmt == "png" else "text/html; charset=utf-8")


@router.get("/reports/heatmap", summary="The weekly heat map (JSON, PNG or HTML)")
async def heatmap(week: Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$")] = None, format: Format = "json",
                  principal: Principal = Depends(REPORTS), ctx: Context = Depends(context)) -> Response:
    from reports import heatmap as hm
    from sla.periods import last_full_week

    week = week or last_full_week(datetime.now(UTC).date())

    def build() -> Response:
        try:
            h = hm.compute(ctx.engine, week, ctx.settings.policy().timezone)
        except ValueError as e:
            raise Problem(422, "invalid", str(e), field="week") from None
        if format == "json":
            return JSONResponse(h.model_dump(mode="json"))
        with tempfile.TemporaryDirectory() as out:
            return _files(hm.render(h, FsPath(out)), format, {})

    return await run_in_threadpool(build)


@router.get("/reports/dashboard", summary="The monthly quality dashboard (JSON, PNG or HTML)")
async def dashboard(month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None, format: Format = "json",
                    principal: Principal = Depends(REPORTS), ctx: Context = Depends(context)) -> Response:
    from reports import dashboard as db
    from sla.periods import previous_month

    policy = ctx.settings.policy()
    month = _month(month or previous_month(datetime.now(UTC), policy.timezone))

    def build() -> Response:
        d = db.compute(ctx.engine, month, policy.timezone, policy.commitment)
        if format == "json":
            return JSONResponse(d.model_dump(mode="json"))
        with tempfile.TemporaryDirectory() as out:
            return _files(db.render(d, FsPath(out)), format, {})

    return await run_in_threadpool(build)


@router.get("/exports/{month}.csv", summary="A month's complaints as CSV; unmasked for supervisors, audited")
async def export(request: Request, month: str = MONTH, unmasked: bool = False,
                 principal: Principal = Depends(EXPORT), ctx: Context = Depends(context)) -> Response:
    from reports.export import write

    _month(month)
    if unmasked and (refused := can_refusal(principal, Can.UNMASK)):
        raise Problem(403, "forbidden", refused)
    tz = ctx.settings.policy().timezone

    def build() -> tuple[str, int]:
        buf = io.StringIO()
        count = write(buf, ctx.engine, month, tz, ctx.cipher, unmasked)
        return "\ufeff" + buf.getvalue(), count

    text, count = await run_in_threadpool(build)
    request.state.outcome = f"{'unmasked' if unmasked else 'masked'} export of {count} complaints"
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="complaints-{month}.csv"'})


@router.post("/lookbacks/{month}/run", summary="Start a month's look-back by hand (once per month)")
async def lookback_run(month: str = MONTH, principal: Principal = Depends(SCHEDULER),
                       ctx: Context = Depends(context)) -> JSONResponse:
    try:
        got = await lookbacks.run_month(ctx.client, _month(month), ctx.settings.task_queue,
                                        ctx.settings.policy().timezone)
    except ComplaintError as e:
        raise problem(e) from None
    return JSONResponse({"month": got.month, "workflow_id": got.workflow_id, "created": got.created},
                        status_code=201 if got.created else 200)


@router.get("/lookbacks/{month}", summary="A month's look-back: sample, outcomes, summary by department")
async def lookback_show(month: str = MONTH, principal: Principal = Depends(REVISITOR),
                        ctx: Context = Depends(context)) -> JSONResponse:
    try:
        state = await lookbacks.month_state(ctx.client, ctx.engine, _month(month))
    except ComplaintError as e:
        raise problem(e) from None
    return JSONResponse(state.model_dump(mode="json"))


@router.post("/lookbacks/{month}/revisits/{complaint_id}", summary="Record what a revisit call found")
async def lookback_outcome(month: str = MONTH, complaint_id: str = COMPLAINT_ID,
                           body: RevisitOutcomeRequest = Body(),  # type: ignore[valid-type]
                           principal: Principal = Depends(REVISITOR), ctx: Context = Depends(context),
                           idempotency_key: str | None = IDEMPOTENCY_KEY) -> JSONResponse:
    msg = with_actor(RevisitOutcome, body, principal.actor.model_dump())
    try:
        state = await lookbacks.record_outcome(ctx.client, _month(month), complaint_id, msg,  # type: ignore[arg-type]
                                               message_id(principal, idempotency_key))
    except ComplaintError as e:
        raise problem(e) from None
    return JSONResponse(state.model_dump(mode="json"))
