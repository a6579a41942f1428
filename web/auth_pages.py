"""Signing in and out of the workbench, and the language switch."""
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api import sso
from api.accounts import Refused
from api.context import Context, context
from api.identity import Principal
from api.routes.auth import set_session, sign_in
from web.common import LANG_COOKIE, home_for, render, viewer
from web.i18n import EN, ZH
from web.sso_pages import sign_out

router = APIRouter(prefix="/ui", include_in_schema=False)


def _local(next_path: str | None) -> str | None:
    """Only a path on this site: a sign-in link must not send anyone elsewhere afterwards."""
    if not next_path:
        return None
    parsed = urlparse(next_path)
    return next_path if not parsed.scheme and not parsed.netloc and next_path.startswith("/ui") else None


def _login(request: Request, ctx: Context, status: int = 200, **values) -> HTMLResponse:
    return render(request, "login.html", None, ctx, status=status, sso=sso.configured(ctx.settings),
                  local=ctx.settings.local_accounts, **values)


@router.get("/login", response_class=HTMLResponse, name="login_page")
async def login_page(request: Request, next: str | None = None, ctx: Context = Depends(context)):
    return _login(request, ctx, next=_local(next) or "")


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=64)],
                password: Annotated[str, Form(max_length=256)], next: Annotated[str, Form(max_length=300)] = "",
                ctx: Context = Depends(context)):
    got = await sign_in(request, ctx, username, password, "cookie")
    if isinstance(got, Refused):
        request.state.outcome = f"sign-in-refused: {got.reason}"
        return _login(request, ctx, 401, error=got.reason, next=_local(next) or "")
    response = RedirectResponse(_local(next) or home_for(request.state.principal), status_code=303)
    set_session(response, got, ctx.settings.cookie_secure, ctx.api_secret)
    return response


@router.post("/logout")
async def logout(request: Request, principal: Principal = Depends(viewer), ctx: Context = Depends(context)):
    return await sign_out(request, principal, ctx)


@router.get("")
@router.get("/")
async def home(principal: Principal = Depends(viewer)):
    return RedirectResponse(home_for(principal), status_code=303)


@router.get("/lang/{lang}")
async def language(lang: str, next: str | None = None):
    response = RedirectResponse(_local(next) or "/ui/", status_code=303)
    response.set_cookie(LANG_COOKIE, EN if lang == EN else ZH, max_age=365 * 86400, samesite="lax", path="/")
    return response
