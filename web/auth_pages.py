"""Signing in and out of the workbench, and the language switch."""
import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.accounts import Refused, check_password
from api.context import Context, context
from api.identity import CSRF_COOKIE, SESSION_COOKIE, Principal
from api.tokens import issue_local
from models.enums import Role
from web.common import LANG_COOKIE, home_for, render, viewer
from web.i18n import EN, ZH

router = APIRouter(prefix="/ui", include_in_schema=False)


def _local(next_path: str | None) -> str | None:
    """Only a path on this site: a sign-in link must not send anyone elsewhere afterwards."""
    if not next_path:
        return None
    parsed = urlparse(next_path)
    return next_path if not parsed.scheme and not parsed.netloc and next_path.startswith("/ui") else None


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None, ctx: Context = Depends(context)):
    return render(request, "login.html", None, ctx, next=_local(next) or "")


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=64)],
                password: Annotated[str, Form(max_length=256)], next: Annotated[str, Form(max_length=300)] = "",
                ctx: Context = Depends(context)):
    request.state.tried = username[:64]
    s = ctx.settings
    got = await run_in_threadpool(check_password, ctx.engine, username, password, max_failures=s.login_max_failures,
                                  lockout=timedelta(minutes=s.login_lockout_minutes))
    if isinstance(got, Refused):
        request.state.outcome = f"sign-in-refused: {got.reason}"
        return render(request, "login.html", None, ctx, status=401, error=got.reason, next=_local(next) or "")
    principal = Principal("person", got.id, Role(got.role), got.department, "cookie")
    request.state.principal = principal
    token, expires = issue_local(ctx.api_secret, got.id, got.password_changed_at, s.token_minutes)
    response = RedirectResponse(_local(next) or home_for(principal), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=expires, httponly=True, secure=s.cookie_secure,
                        samesite="strict", path="/")
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), max_age=expires, httponly=False,
                        secure=s.cookie_secure, samesite="strict", path="/")
    return response


@router.post("/logout")
async def logout(principal: Principal = Depends(viewer)):
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("")
@router.get("/")
async def home(principal: Principal = Depends(viewer)):
    return RedirectResponse(home_for(principal), status_code=303)


@router.get("/lang/{lang}")
async def language(lang: str, next: str | None = None):
    response = RedirectResponse(_local(next) or "/ui/", status_code=303)
    response.set_cookie(LANG_COOKIE, EN if lang == EN else ZH, max_age=365 * 86400, samesite="lax", path="/")
    return response
