"""What operators ask of the API: is it alive (`/healthz`), ready (`/readyz`), what it counts (`/metrics`), and
which request a log line, an audit row and a workflow message belong to (the request id)."""
import re
import time
import uuid

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.hardening import headers_for
from complaints import metrics, readiness
from workers import system

router = APIRouter(include_in_schema=False)
log = structlog.get_logger()
REQUEST_ID = "x-request-id"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
UNAUDITED = ("/healthz", "/readyz", "/metrics")


@router.get("/healthz")
async def healthz() -> dict:
    """Liveness: the process answers. It checks nothing else, so a database outage never restarts it."""
    return {"ok": True}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    ctx = request.app.state.ctx
    found = await readiness.problems(ctx.engine, ctx.client, settings=ctx.settings)
    if not any(p.startswith("temporal:") for p in found):
        found += await system.missing(ctx.client)  # a system with no outbox or look-back is never ready
    return JSONResponse({"ready": not found, "problems": found}, status_code=503 if found else 200)


@router.get("/metrics")
async def scrape(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)


def request_id_of(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a sane token, else a new one."""
    given = dict(scope.get("headers") or []).get(REQUEST_ID.encode(), b"").decode("latin-1")
    return given if _GOOD_ID.match(given) else uuid.uuid4().hex


class RequestContext:
    """Outermost layer: one request id per request (taken or made, and returned), bound into every log line
    while the request runs, kept for the audit row and the messages it sends; the browser's hardening headers
    (api/hardening.py); and the request counted by its route template (never the raw path: ids would make a
    series per complaint)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = rid
        started, status = time.perf_counter(), 500

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (REQUEST_ID.encode(), rid.encode()),
                                                  *headers_for(scope.get("path", ""))]}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=rid):
            try:
                await self.app(scope, receive, with_id)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                method, seconds = scope.get("method", ""), time.perf_counter() - started
                metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
                metrics.HTTP_SECONDS.labels(method, route).observe(seconds)
                quiet = scope["state"].get("quiet") or route in UNAUDITED or route.startswith("/ui/static")
                if not quiet:
                    log.info("request", method=method, route=route, status=status, ms=round(seconds * 1000, 1))
