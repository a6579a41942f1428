"""The workbench's sign-in at the bank's identity provider (api/sso.py does the protocol): start, the
provider's answer, and signing out there too."""
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api import sso
from api.context import Context, context
from api.identity import CSRF_COOKIE, SESSION_COOKIE, Principal
from api.routes.auth import Token, end_session, set_session
from api.tokens import NoRole, issue_sso
from web.common import home_for, render

router = APIRouter(prefix="/ui/sso", include_in_schema=False)


def _local(next_path: str | None) -> str:
    from web.auth_pages import _local as local

    return local(next_path) or ""


def _callback_url(request: Request, ctx: Context) -> str:
    return ctx.settings.oidc_redirect_url or str(request.url_for("sso_callback"))


def _refused(request: Request, ctx: Context, reason: str, status: int = 400, no_role: bool = False) -> HTMLResponse:
    request.state.outcome = f"sso-refused: {reason}"[:300]
    response = render(request, "sso_refused.html", None, ctx, status=status, reason=reason, no_role=no_role)
    response.delete_cookie(sso.COOKIE, path="/ui/sso")
    return response


@router.get("/login")
async def sso_login(request: Request, next: str | None = None, ctx: Context = Depends(context)):
    if not sso.configured(ctx.settings):
        return _refused(request, ctx, "OIDC_ISSUER and OIDC_CLIENT_ID are not set: this installation has no "
                                      "identity provider for the workbench", 404)
    try:
        started = await sso.start(ctx.settings, ctx.api_secret, _callback_url(request, ctx), _local(next))
    except sso.SsoRefused as e:
        return _refused(request, ctx, str(e), 503)
    response = RedirectResponse(started.url, status_code=303)
    # Lax, not Strict: the provider's answer is a top-level navigation from its site, which must carry it.
    response.set_cookie(sso.COOKIE, started.cookie, max_age=int(sso.STARTED_FOR.total_seconds()), httponly=True,
                        secure=ctx.settings.cookie_secure, samesite="lax", path="/ui/sso")
    return response


@router.get("/callback", name="sso_callback")
async def sso_callback(request: Request, ctx: Context = Depends(context)):
    params = {k: v[:2000] for k, v in request.query_params.items()}
    try:
        who, next_path = await sso.finish(ctx.settings, ctx.api_secret, request.cookies.get(sso.COOKIE), params)
    except NoRole as e:
        return _refused(request, ctx, str(e), 403, no_role=True)
    except sso.SsoRefused as e:
        return _refused(request, ctx, str(e))
    principal = Principal("person", who.id, who.role, who.department or "", "oidc")  # type: ignore[arg-type]
    request.state.principal = principal
    token, expires = issue_sso(ctx.api_secret, who, ctx.settings.token_minutes)
    # The session cookie is SameSite=Strict, which a browser withholds on a redirect chain another site began:
    # a page of ours moves on, so the next request starts here.
    response = render(request, "sso_done.html", principal, ctx, go=next_path or home_for(principal))
    set_session(response, Token(access_token=token, expires_in=expires), ctx.settings.cookie_secure, ctx.api_secret)
    response.delete_cookie(sso.COOKIE, path="/ui/sso")
    return response


async def sign_out(request: Request, principal: Principal, ctx: Context) -> Response:
    """End our session, and the provider's when the person came through it."""
    await run_in_threadpool(end_session, request, ctx)
    after = str(request.url_for("login_page"))
    where = (sso.end_session_url(ctx.settings, after) if principal.via == "oidc" else None) or "/ui/login"
    response: Response = RedirectResponse(where, status_code=303)
    if request.headers.get("hx-request"):
        # htmx would follow a redirect itself, by XHR (another site's page cannot load that way): it is told
        # where to send the whole window instead.
        response = Response(status_code=200, headers={"HX-Redirect": where})
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
