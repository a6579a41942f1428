"""Who is asking, proven: a channel's key or signature, a person's bearer token or session cookie.

Routes depend on `person`, `channel`, `anyone` or `roles(...)`; each gives a verified `Principal`, from
which the API builds the actor of every message. Nothing in a request body or query names who acts."""
import dataclasses
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.channels import PREFIX, by_key, check_signature
from api.context import Context, context
from api.problems import Problem
from api.sessions import standing
from api.tokens import TokenRefused, verify
from models.enums import Channel, Role
from models.intake import Actor

SESSION_COOKIE = "complaints_session"
CSRF_COOKIE = "complaints_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def csrf_for(session: str, secret: str) -> str:
    """The CSRF token of one browser session: derived from it, so it is good for that session only."""
    return hmac.new(secret.encode(), b"csrf\n" + session.encode(), hashlib.sha256).hexdigest()[:43]


@dataclass(frozen=True)
class Principal:
    kind: str                  # person / channel
    id: str                    # employee id, or the channel's key id
    role: Role
    department: str
    via: str                   # token / cookie / oidc / channel-key / channel-signature
    channel: Channel | None = None

    @property
    def actor(self) -> Actor:
        if self.kind == "channel":
            assert self.channel is not None
            return Actor(id=f"{self.channel.value}-channel", role=Role.INTAKE, department=self.channel.value)
        return Actor(id=self.id, role=self.role, department=self.department)


def _refuse(request: Request, reason: str, tried: str = "") -> Problem:
    if tried:
        request.state.tried = tried[:64]
    return Problem(401, "unauthenticated", reason, headers={"WWW-Authenticate": 'Bearer realm="complaints"'})


async def authenticate(request: Request, ctx: Context = Depends(context)) -> Principal | None:
    """The verified principal, None when the request carries no credential, or a 401 problem."""
    principal = await _principal(request, ctx)
    if principal is not None:
        request.state.principal = principal
    return principal


async def _principal(request: Request, ctx: Context) -> Principal | None:
    headers = request.headers
    if "x-signature" in headers or "x-key-id" in headers:
        return await _signed(request, ctx)
    auth = headers.get("authorization")
    if auth is not None:
        scheme, _, credential = auth.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise _refuse(request, "send 'Authorization: Bearer <token or channel key>'")
        if credential.startswith(PREFIX):
            cred = await run_in_threadpool(by_key, ctx.engine, credential)
            if cred is None:
                raise _refuse(request, "unknown or revoked channel key", credential[:12])
            return Principal("channel", cred.key_id, Role.INTAKE, cred.desk_department, "channel-key",
                             Channel(cred.channel))
        return await _person(request, ctx, credential, "token")
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        if request.method not in SAFE_METHODS:
            sent, kept = headers.get(CSRF_HEADER), request.cookies.get(CSRF_COOKIE)
            # Double submit, and bound to this session: a token planted from elsewhere does not match it.
            if not sent or not kept or sent != kept or not hmac.compare_digest(
                    sent.encode(), csrf_for(session, ctx.api_secret).encode()):
                raise Problem(403, "csrf", f"a signed-in browser request must carry the {CSRF_HEADER} header "
                                           "from the complaints_csrf cookie")
        return await _person(request, ctx, session, "cookie")
    return None


async def _person(request: Request, ctx: Context, token: str, via: str) -> Principal:
    # One trip to a thread for the token and the account it names (a thread hop is a real share of an answer).
    got = await run_in_threadpool(_identify, token, ctx)
    if isinstance(got, tuple):
        raise _refuse(request, *got)
    principal: Principal = dataclasses.replace(got, via=via) if got.via != "oidc" else got
    return principal


def _identify(token: str, ctx: Context) -> "Principal | tuple[str, str]":
    """The person a token proves, or (why not, who it named)."""
    try:
        claimed = verify(token, ctx.settings, ctx.api_secret)
    except TokenRefused as e:
        return str(e), ""
    # A provider's token names its role (the claim map): no local account to read for it.
    signed_out, account = standing(ctx.engine, claimed.sid, claimed.id if claimed.role is None else None)
    if signed_out:
        return "this session was signed out: sign in again", claimed.id
    if claimed.role is not None:
        return Principal("person", claimed.id, claimed.role, claimed.department or "", "oidc")
    if account is None or account.disabled:
        return "the token's account does not exist or is disabled", claimed.id
    changed = int(_utc(account.password_changed_at).timestamp())
    if claimed.issued_for is None or int(claimed.issued_for.timestamp()) != changed:
        return "the password changed since this token was issued: sign in again", claimed.id
    return Principal("person", account.id, Role(account.role), account.department, "token")


async def _signed(request: Request, ctx: Context) -> Principal:
    h = request.headers
    key_id, ts, sig = h.get("x-key-id", ""), h.get("x-timestamp", ""), h.get("x-signature", "")
    if not (key_id and ts and sig):
        raise _refuse(request, "a signed request carries X-Key-Id, X-Timestamp and X-Signature", key_id)
    body = await request.body()
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    result = await run_in_threadpool(check_signature, ctx.engine, ctx.api_secret, key_id, ts, sig, request.method,
                                     target, body, timedelta(seconds=ctx.settings.signature_window_seconds))
    if isinstance(result, str):
        raise _refuse(request, result, key_id)
    return Principal("channel", result.key_id, Role.INTAKE, result.desk_department, "channel-signature",
                     Channel(result.channel))


async def anyone(principal: Principal | None = Depends(authenticate)) -> Principal:
    if principal is None:
        raise Problem(401, "unauthenticated", "sign in (POST /v1/auth/token) or send a channel key",
                      headers={"WWW-Authenticate": 'Bearer realm="complaints"'})
    return principal


async def person(principal: Principal = Depends(anyone)) -> Principal:
    if principal.kind != "person":
        raise Problem(403, "forbidden", "this is for people signed in, not for a channel's key")
    return principal


async def channel(principal: Principal = Depends(anyone)) -> Principal:
    if principal.kind != "channel":
        raise Problem(403, "forbidden", "this is for an intake channel's credential")
    return principal


def roles(*allowed: Role):
    """A dependency: a signed-in person in one of these roles."""
    names = " or ".join(r.value for r in allowed)

    async def check(principal: Principal = Depends(person)) -> Principal:
        if principal.role not in allowed:
            raise Problem(403, "forbidden", f"this is for a {names}; you are a {principal.role.value}")
        return principal

    return check
