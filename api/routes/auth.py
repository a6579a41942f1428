"""Signing in: a bearer token for scripts (OAuth2 password form), a session cookie for browsers."""
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.accounts import Refused, check_password
from api.context import Context, context
from api.identity import CSRF_COOKIE, SESSION_COOKIE, Principal, anyone, csrf_for
from api.problems import Problem
from api.sessions import end
from api.tokens import TokenRefused, issue_local, verify
from models.enums import Role

router = APIRouter(prefix="/v1/auth", tags=["sign in"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - OAuth2's word for the kind of token
    expires_in: int


class Me(BaseModel):
    kind: str
    id: str
    role: str
    department: str
    via: str
    channel: str | None = None


async def sign_in(request: Request, ctx: Context, username: str, password: str, via: str) -> Token | Refused:
    """Check a password (lockout included) and issue a local token; the principal is recorded for the audit
    row. The API and the workbench's sign-in page both come through here."""
    request.state.tried = username[:64]
    s = ctx.settings
    if not s.local_accounts:
        return Refused("local accounts are switched off here: sign in with the bank's identity provider")
    got = await run_in_threadpool(check_password, ctx.engine, username, password, max_failures=s.login_max_failures,
                                  lockout=timedelta(minutes=s.login_lockout_minutes))
    if isinstance(got, Refused):
        return got
    request.state.principal = Principal("person", got.id, Role(got.role), got.department, via)
    token, expires = issue_local(ctx.api_secret, got.id, got.password_changed_at, s.token_minutes)
    return Token(access_token=token, expires_in=expires)


def set_session(response: Response, token: Token, secure: bool, secret: str) -> None:
    """The browser session: an HttpOnly session cookie and a CSRF cookie the page's script reads and echoes in
    X-CSRF-Token, derived from the session (so good for it alone). Another site can neither read it nor send the
    session cookie (SameSite=Strict), so a forged form fails twice."""
    response.set_cookie(SESSION_COOKIE, token.access_token, max_age=token.expires_in, httponly=True, secure=secure,
                        samesite="strict", path="/")
    response.set_cookie(CSRF_COOKIE, csrf_for(token.access_token, secret), max_age=token.expires_in, httponly=False,
                        secure=secure, samesite="strict", path="/")


async def _sign_in(request: Request, ctx: Context, username: str, password: str, via: str) -> Token:
    got = await sign_in(request, ctx, username, password, via)
    if isinstance(got, Refused):
        raise Problem(401, "sign-in-refused", got.reason, headers={"WWW-Authenticate": 'Bearer realm="complaints"'})
    return got


@router.post("/token", response_model=Token, summary="Sign in for a bearer token (OAuth2 password form)")
async def token(request: Request, username: Annotated[str, Form(max_length=64)],
                password: Annotated[str, Form(max_length=256)], ctx: Context = Depends(context)) -> Token:
    return await _sign_in(request, ctx, username, password, "password")


@router.post("/login", response_model=Me, summary="Sign in a browser: a session cookie and a CSRF cookie")
async def login(request: Request, response: Response, username: Annotated[str, Form(max_length=64)],
                password: Annotated[str, Form(max_length=256)], ctx: Context = Depends(context)) -> Me:
    set_session(response, await _sign_in(request, ctx, username, password, "cookie"), ctx.settings.cookie_secure, ctx.api_secret)
    p = request.state.principal
    return Me(kind="person", id=p.id, role=p.role, department=p.department, via="cookie")


def end_session(request: Request, ctx: Context) -> None:
    """The browser's session id recorded as ended, so its token signs nobody in again."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return
    try:
        claimed = verify(token, ctx.settings, ctx.api_secret)
    except TokenRefused:
        return  # nothing valid to end
    if claimed.sid and claimed.until:
        end(ctx.engine, claimed.sid, claimed.until)


@router.post("/logout", status_code=204, summary="Sign a browser out")
async def logout(request: Request, response: Response, ctx: Context = Depends(context)) -> Response:
    await run_in_threadpool(end_session, request, ctx)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=Me, summary="Who the API takes you for")
async def me(principal: Principal = Depends(anyone)) -> Me:
    return Me(kind=principal.kind, id=principal.id, role=principal.role.value, department=principal.department,
              via=principal.via, channel=principal.channel.value if principal.channel else None)
