"""What every page shares: who is looking (a signed-in person, or off to the sign-in page), the language,
the bank's time zone, and rendering a template with them."""
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.context import Context, context
from api.identity import Principal, authenticate
from api.problems import Problem
from models import reasons
from models.vocabulary import clock_name, method_name
from web import timeline
from web.i18n import EN, ZH, chart_names, namer, words
from web.views import deadline_text, evidence
from workflows import texts

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["zone"] = ZoneInfo
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


def local_times(text: str, tz: str) -> str:
    """Every ISO timestamp in a composed message as the bank reads it: `2026-12-06 11:02` in its zone."""
    def one(m: re.Match) -> str:
        try:
            return deadline_text(datetime.fromisoformat(m.group().replace("Z", "+00:00")), ZoneInfo(tz))
        except ValueError:
            return m.group()
    return _ISO.sub(one, text)


templates.env.filters["local_times"] = local_times
LANG_COOKIE = "complaints_lang"


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


async def viewer(request: Request, ctx: Context = Depends(context)) -> Principal:
    try:
        principal = await authenticate(request, ctx)
    except Problem as e:
        if e.status != 401:
            raise
        principal = None
    if principal is None or principal.kind != "person":
        raise LoginRequired(request.url.path)
    return principal


def to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
    if request.headers.get("hx-request"):  # an htmx fragment: send the whole page to sign in
        response = RedirectResponse("/ui/login", status_code=303)
        response.headers["HX-Redirect"] = f"/ui/login?next={quote(exc.next_path)}"
        return response
    return RedirectResponse(f"/ui/login?next={quote(exc.next_path)}", status_code=303)


def lang_of(request: Request) -> str:
    return EN if request.cookies.get(LANG_COOKIE) == EN else ZH


def render(request: Request, template: str, principal: Principal | None, ctx: Context, status: int = 200,
           **values) -> HTMLResponse:
    lang = lang_of(request)
    tz = ctx.settings.policy().timezone
    registry = ctx.settings.departments()
    named = namer(lang, registry)
    table = ctx.settings.code_table()
    return templates.TemplateResponse(request, template, {
        "code_table": table, "code": lambda dim, c: f"{c} {table.name(dim, c, lang)}" if c else "",
        "me": principal, "lang": lang, "w": words(lang), "tz": tz, "path": request.url.path,
        "departments": registry.departments, "dept": lambda d: registry.name(d, lang) if d else "",
        "name": lambda kind, key: named(kind, str(getattr(key, "value", key))) if key is not None else "",
        "say": lambda text, carried=None: reasons.say(reasons.Reason.of(carried) or text, lang, named), "clock": lambda c: clock_name(c, lang),
        "method": lambda m: method_name(m, lang), "evidence": lambda ms: evidence(ms, lang),
        "entry": lambda e: timeline.entry(e.action, e.detail, e.accepted, lang, named, tz, *_coded(e)),
        "chart_names": lambda: chart_names(lang, registry), "until": lambda at: texts.when(at, tz),
        "notice": lambda n: timeline.notice(n.template, n.body, lang, named, tz, _params(n)), **values},
        status_code=status)


def _params(n: object) -> dict[str, str]:
    """The values a notice was sent with (the outbox row's `params` JSON)."""
    try:
        got = json.loads(getattr(n, "params", "") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in got.items()} if isinstance(got, dict) else {}


def _coded(e: object) -> tuple[str, dict[str, str]]:
    """An audit entry's refusal code and values, from a row (`code_values` JSON) or a live entry (`values`)."""
    code = getattr(e, "code", "") or ""
    if not code:
        return "", {}
    values = getattr(e, "values", None)
    if values is None:
        try:
            values = json.loads(getattr(e, "code_values", "{}") or "{}")
        except ValueError:
            values = {}
    return code, values if isinstance(values, dict) else {}


def unchanged(request: Request, *parts: object) -> tuple[str, bool]:
    """A list's version (a digest of what it shows) and whether the poll that asked already has it: then
    the answer is 204, nothing redrawn and no audit row (a page polls every 3 s)."""
    version = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    same = request.headers.get("hx-request") is not None and request.query_params.get("v") == version
    if same:
        request.state.quiet = True
    return version, same


def home_for(principal: Principal) -> str:
    # Each role lands where its work is: a reviewer on the disposals awaiting review (their queue).
    return {"department_agent": "/ui/inbox", "reviewer": "/ui/queue", "supervisor": "/ui/supervise",
            "operator": "/ui/supervise"}.get(principal.role.value, "/ui/queue")
