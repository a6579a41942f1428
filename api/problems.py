"""RFC 9457 problem details: every error the API gives is one of these, naming the field or the rule.

A traceback never leaves the process; an unexpected failure is logged (without request data) and answered
with a plain 500."""
import traceback
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.audit import redacted
from models.text import excerpt

MEDIA = "application/problem+json"
TYPES = "https://complaints.example/problems/"
log = structlog.get_logger()


class Problem(Exception):
    """Raise anywhere in a route: `Problem(403, "forbidden", "approve_close is for a supervisor")`."""

    def __init__(self, status: int, kind: str, detail: str, *, field: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.field = status, kind, detail, field
        self.headers, self.extra = headers, extra


class Refused(Exception):
    """A rule of the door's own (a review, a referral report) refusing, with its coded reason: raised where the
    rule is, answered by `Refused.problem` (the API) or shown on the page (the workbench)."""

    KINDS = {403: "forbidden", 404: "not-found", 409: "conflict", 410: "gone"}

    def __init__(self, status: int, reason: Any) -> None:
        super().__init__(str(reason))
        self.status, self.reason = status, reason

    def problem(self) -> "Problem":
        return Problem(self.status, self.KINDS.get(self.status, "rule"), self.reason, code=self.reason.code,
                       values=self.reason.values)


TITLES = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Conflict",
          413: "Too large", 415: "Unsupported media type", 422: "Invalid request", 429: "Too many requests",
          500: "Internal error", 502: "Engine unavailable", 503: "Engine unavailable"}


def problem_response(request: Request, status: int, kind: str, detail: str, *, field: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPES + kind, "title": TITLES.get(status, "Error"), "status": status,
                            "detail": detail, "instance": request.url.path}
    if field:
        body["field"] = field
    body.update(extra)
    request.state.outcome = f"{kind}: {excerpt(detail, 200)}"
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.kind, exc.detail, field=exc.field, headers=exc.headers,
                                **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in exc.errors()][:20]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        claimed = next((e for e in exc.errors() if _claims_identity(e)), None)
        if claimed is not None:  # not a typo: an attempt to say who acts
            field = _field(claimed.get("loc", ()))
            return problem_response(request, 403, "identity-in-body",
                                    f"{field}: who acts comes from your credential, never from the request",
                                    field=field)
        return problem_response(request, 422, "invalid", f"{first['field']}: {first['message']}",
                                field=first["field"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if limit := getattr(request.state, "too_large", None):
            return problem_response(request, 413, "too-large", f"the request body is over {limit} bytes")
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
        return problem_response(request, exc.status_code, kind, str(exc.detail),
                                headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Where it failed (file and line, innermost frame), never the message: it may quote personal data.
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
        # The path as the request audit keeps it: a customer's link token is a credential, never logged.
        log.error("api request failed", path=redacted(request.url.path), error=type(exc).__name__, where=where)
        return problem_response(request, 500, "internal", "the request failed on our side; it is logged")


IDENTITY_FIELDS = ("actor", "received_by", "role", "actor_id", "user", "principal")


def _claims_identity(error: Any) -> bool:
    loc = error.get("loc") or ("",)
    return error.get("type") == "extra_forbidden" and str(loc[-1]) in IDENTITY_FIELDS


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        return "not a field of this request"
    return excerpt(str(error.get("msg", "invalid")), 300)
