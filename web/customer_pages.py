"""The customer's own page, from the link in every message the bank sends them: a phone-first page, Chinese
first, large type for an elderly customer (长辈模式), no account.

The link alone opens nothing: a one-time code goes to the phone on record, and only the code opens a short
session (a cookie scoped to /my). Everything the page sends is a contract message like a channel's, with the
customer as its actor and the form's own key as its update id: a form sent again after a lost answer is
applied once. Every attempt is a `customer_access` row (api/customer_access.py); too many from one address,
or codes for one complaint, are refused for the hour."""
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import customer_access as access
from api import customer_rules, reviews, service
from api.context import Context, context
from api.idempotency import message_id
from api.identity import Principal
from api.problems import Refused
from complaints import links, reads
from models import reasons
from models.enums import Role
from models.errors import explain
from web import customer_view
from web.common import templates
from web.customer_words import EN, ZH, words
from web.i18n import namer
from workflows import texts
from workflows.contract import MESSAGES

router = APIRouter(prefix="/my", include_in_schema=False)
SESSION, LANG, LARGE = "my_session", "my_lang", "my_large"
FORM_KEY = Form(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def _now() -> datetime:
    return datetime.now(UTC)


def _prefs(request: Request) -> tuple[str, bool]:
    """The page's language and type size: the link's or a switch's query first, then what was chosen before."""
    lang = request.query_params.get("lang") or request.cookies.get(LANG)
    large = request.query_params.get("large") or request.cookies.get(LARGE)
    return (EN if lang == EN else ZH), large == "1"


def _page(request: Request, ctx: Context, template: str, status: int = 200, **values) -> HTMLResponse:
    lang, large = _prefs(request)
    w = words(lang)
    response = templates.TemplateResponse(request, template, {
        "lang": lang, "large": large, "w": w, "path": request.url.path, "tz": ctx.settings.policy().timezone,
        "by": ctx.settings.code_by,
        # Where the language and type switches lead: a page that can be asked for again (a form's answer
        # cannot), the link's own page before the code, the complaint's after.
        "home": f"/my/{values['token']}" if values.get("token") else "/my",
        "say": lambda key, **v: w[key].format(**v), **values}, status_code=status)
    for name, value, known in ((LANG, request.query_params.get("lang"), (ZH, EN)),
                               (LARGE, request.query_params.get("large"), ("0", "1"))):
        if value in known:
            response.set_cookie(name, value, max_age=365 * 86400, path="/my", samesite="lax",
                                secure=ctx.settings.cookie_secure)
    response.headers["Cache-Control"] = "no-store"  # a shared phone's back button shows no one's complaint
    return response


def _address(request: Request, ctx: Context) -> str:
    return access.address_tag(ctx.cipher, request.client.host if request.client else "")


async def _attempt(request: Request, ctx: Context, complaint_id: str | None, action: str, outcome: str) -> None:
    request.state.outcome = f"{action}: {outcome}"
    await run_in_threadpool(access.record, ctx.engine, complaint_id, action, outcome, _address(request, ctx), _now())


async def _opened(request: Request, ctx: Context, token: str, action: str) -> links.Opened | HTMLResponse:
    """The link's complaint, or the page that says why not (every try recorded, busy addresses refused)."""
    address = _address(request, ctx)
    if await run_in_threadpool(access.busy_address, ctx.engine, ctx.settings, address, _now()):
        await _attempt(request, ctx, None, action, "too_many")
        return _page(request, ctx, "my_refused.html", 429, reason="too_many")
    found = await run_in_threadpool(links.check, ctx.cipher.sign, links.LINK, token, _now(),
                                    lambda cid: access.epoch_of(ctx.engine, cid))
    if isinstance(found, str):
        await _attempt(request, ctx, None, action, found)
        return _page(request, ctx, "my_refused.html", 410 if found in ("link_expired", "link_revoked") else 404,
                     reason=found, token=token if links.SHAPE.match(token) else None)
    return found


@router.get("/{token}", response_class=HTMLResponse)
async def open_link(request: Request, token: str, ctx: Context = Depends(context)):
    found = await _opened(request, ctx, token, "open")
    if isinstance(found, HTMLResponse):
        return found
    await _attempt(request, ctx, found.complaint_id, "open", "ok")
    if (s := _session(request, ctx)) and s.complaint_id == found.complaint_id:
        return RedirectResponse("/my", status_code=303)
    return _page(request, ctx, "my_code.html", token=token, to=await _masked(ctx, found.complaint_id))


async def _masked(ctx: Context, complaint_id: str) -> str:
    row = await run_in_threadpool(reads.complaint_row, ctx.engine, complaint_id)
    return access.masked(*access.destination(ctx.settings, ctx.cipher, row))


@router.post("/{token}/code", response_class=HTMLResponse)
async def send_code(request: Request, token: str, ctx: Context = Depends(context)):
    found = await _opened(request, ctx, token, "code")
    if isinstance(found, HTMLResponse):
        return found
    sent = await access.send_code(ctx.engine, ctx.settings, ctx.cipher, found.complaint_id, _now())
    await _attempt(request, ctx, found.complaint_id, "code", sent if isinstance(sent, str) else "ok")
    to = await _masked(ctx, found.complaint_id)
    if isinstance(sent, str):
        return _page(request, ctx, "my_code.html", 429 if sent == "codes_too_many" else 200, token=token, to=to,
                     error=sent)
    return _page(request, ctx, "my_code.html", token=token, to=to, sent=True,
                 until=texts.when(sent.until, ctx.settings.policy().timezone))


@router.post("/{token}/verify", response_class=HTMLResponse)
async def verify(request: Request, token: str, code: Annotated[str, Form(max_length=12)] = "",
                 ctx: Context = Depends(context)):
    found = await _opened(request, ctx, token, "verify")
    if isinstance(found, HTMLResponse):
        return found
    refused = await run_in_threadpool(access.check_code, ctx.engine, ctx.settings, ctx.cipher, found.complaint_id,
                                      code, _now())
    await _attempt(request, ctx, found.complaint_id, "verify", refused or "ok")
    if refused:
        return _page(request, ctx, "my_code.html", token=token, to=await _masked(ctx, found.complaint_id),
                     error=refused, sent=refused == "code_wrong")
    until = _now() + timedelta(minutes=ctx.settings.page_session_minutes)
    response = RedirectResponse("/my", status_code=303)
    response.set_cookie(SESSION, links.issue(ctx.cipher.sign, links.SESSION, found.complaint_id, found.epoch, until),
                        max_age=ctx.settings.page_session_minutes * 60, path="/my", httponly=True, samesite="lax",
                        secure=ctx.settings.cookie_secure)
    return response


def _session(request: Request, ctx: Context) -> links.Opened | None:
    found = links.check(ctx.cipher.sign, links.SESSION, request.cookies.get(SESSION, ""), _now(),
                        lambda cid: access.epoch_of(ctx.engine, cid))
    return found if isinstance(found, links.Opened) else None


# The customer as the actor of what their page sends (what a channel sends for them, said by them).
CUSTOMER = Principal("customer", "customer", Role.CUSTOMER, "customer", "link-code")


@router.get("", response_class=HTMLResponse)
async def page(request: Request, done: str | None = None, ref: str | None = None, ctx: Context = Depends(context)):
    s = _session(request, ctx)
    if s is None:
        return _page(request, ctx, "my_refused.html", 401, reason="session_over")
    await _attempt(request, ctx, s.complaint_id, "page", "ok")
    return await _show(request, ctx, s.complaint_id, done=done if done in customer_view.DONE else None,
                       ref=ref if ref and ref.isalnum() else None)


async def _show(request: Request, ctx: Context, complaint_id: str, status: int = 200, **values) -> HTMLResponse:
    lang, _ = _prefs(request)
    try:
        state = await service.state(ctx.client, complaint_id)
    except service.ComplaintError:
        return _page(request, ctx, "my_refused.html", 410, reason="gone")
    view = await run_in_threadpool(customer_view.build, ctx, state, lang, _now())
    if (refused := values.pop("refused", None)) is not None:  # the rule's own words, in the page's language
        values["refusal"] = reasons.say(refused, lang, namer(lang, ctx.settings.departments()))
    return _page(request, ctx, "my_page.html", status, v=view, key=secrets.token_urlsafe(18),
                 images_max=ctx.settings.images_max, image_mb=ctx.settings.image_max_bytes // (1024 * 1024), **values)


async def _send(request: Request, ctx: Context, action: str, name: str, msg_fields: dict, key: str):
    """One form as one contract message, applied once by its key; the page again, saying how it went."""
    s = _session(request, ctx)
    if s is None:
        return _page(request, ctx, "my_refused.html", 401, reason="session_over")
    principal = CUSTOMER
    request.state.principal = principal
    request.state.complaint_id = s.complaint_id
    try:
        msg = MESSAGES[name].model_validate({"actor": principal.actor.model_dump(), **msg_fields})
    except ValidationError as e:
        await _attempt(request, ctx, s.complaint_id, action, "invalid")
        return await _show(request, ctx, s.complaint_id, 422, error=("form_invalid", {"error": explain(e)}))
    try:
        await service.acknowledge(ctx.client, s.complaint_id, name, msg, message_id(principal,
                                                                                    f"{s.complaint_id}:{key}"))
    except service.ComplaintError as e:
        await _attempt(request, ctx, s.complaint_id, action, getattr(e.reason, "code", "") or e.kind)
        return await _show(request, ctx, s.complaint_id, 422, refused=e.reason)
    await _attempt(request, ctx, s.complaint_id, action, "ok")
    return RedirectResponse(f"/my?done={action}", status_code=303)


@router.post("/info", response_class=HTMLResponse)
async def info(request: Request, key: Annotated[str, FORM_KEY], note: Annotated[str, Form(max_length=2000)] = "",
               images: Annotated[list[UploadFile] | None, File()] = None, ctx: Context = Depends(context)):
    s = _session(request, ctx)
    if s is None:
        return _page(request, ctx, "my_refused.html", 401, reason="session_over")
    cfg = ctx.settings
    files = [f for f in images or [] if f.filename]
    read = [await f.read(cfg.image_max_bytes + 1) for f in files[:cfg.images_max + 1]]
    checked = [(len(data), customer_rules.image_kind(data)) for data in read]
    if refused := customer_rules.images_refusal(checked, cfg.image_max_bytes, cfg.images_max):
        await _attempt(request, ctx, s.complaint_id, "info", refused)
        return await _show(request, ctx, s.complaint_id, 422, error=(refused, {
            "n": str(cfg.images_max), "mb": str(cfg.image_max_bytes // (1024 * 1024))}))
    ids = await run_in_threadpool(access.store_images, ctx.engine, ctx.cipher, s.complaint_id, key,
                                  [(data, kind or "") for data, (_, kind) in zip(read, checked, strict=True)], _now())
    return await _send(request, ctx, "info", "customer_info_received", {"note": note, "attachments": ids}, key)


@router.post("/feedback", response_class=HTMLResponse)
async def feedback(request: Request, key: Annotated[str, FORM_KEY], satisfied: Annotated[str, Form()] = "",
                   csat: Annotated[str, Form()] = "", comment: Annotated[str, Form(max_length=2000)] = "",
                   ctx: Context = Depends(context)):
    return await _send(request, ctx, "feedback", "customer_feedback", {
        "satisfied": {"yes": True, "no": False}.get(satisfied), "csat": csat or None, "comment": comment}, key)


@router.post("/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, key: Annotated[str, FORM_KEY], reason: Annotated[str, Form(max_length=2000)] = "",
                   confirm: Annotated[str, Form()] = "", ctx: Context = Depends(context)):
    if confirm != "yes":
        s = _session(request, ctx)
        if s is None:
            return _page(request, ctx, "my_refused.html", 401, reason="session_over")
        return await _show(request, ctx, s.complaint_id, 422, error=("withdraw_unconfirmed", {}))
    return await _send(request, ctx, "withdraw", "withdraw", {"reason": reason}, key)


@router.post("/review", response_class=HTMLResponse)
async def review(request: Request, reason: Annotated[str, Form(max_length=2000)] = "",
                 ctx: Context = Depends(context)):
    """The review application: one per complaint whoever sends it (its reference derives from the
    complaint's), so a second press after a lost answer reaches the same review."""
    s = _session(request, ctx)
    if s is None:
        return _page(request, ctx, "my_refused.html", 401, reason="session_over")
    request.state.complaint_id = s.complaint_id
    try:
        body = reviews.ReviewRequest.model_validate({"reason": reason})
        started = await reviews.apply(ctx.client, ctx.engine, ctx.cipher, ctx.settings.departments(),
                                      ctx.settings.task_queue, s.complaint_id, body, _now(),
                                      ctx.settings.policy().timezone)
    except ValidationError as e:
        await _attempt(request, ctx, s.complaint_id, "review", "invalid")
        return await _show(request, ctx, s.complaint_id, 422, error=("form_invalid", {"error": explain(e)}))
    except Refused as e:
        await _attempt(request, ctx, s.complaint_id, "review", getattr(e.reason, "code", "refused"))
        return await _show(request, ctx, s.complaint_id, 422, refused=e.reason)
    await _attempt(request, ctx, s.complaint_id, "review", "ok")
    return RedirectResponse(f"/my?done=review&ref={started.review.complaint_id}", status_code=303)


@router.post("/leave", response_class=HTMLResponse)
async def leave(request: Request, ctx: Context = Depends(context)) -> Response:
    response = _page(request, ctx, "my_refused.html", reason="left")
    response.delete_cookie(SESSION, path="/my")
    return response
