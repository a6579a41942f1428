"""Every route of the API and the workbench, called as every role, two channels and nobody, against a table of
who gets past the door, written out here from the spec rather than read from workflows/permissions.py. A
route without a row fails, and so does deleting any rule of the access module.

The complaint they ask about is closed (withdrawn) first, so a message that gets past the door is refused by
the workflow as closed (409) and changes nothing: this test is about the door; the role table of each message
on an open complaint is tests/test_rules.py's."""
import re
import uuid

import httpx
import pytest

from api.identity import CSRF_COOKIE, SESSION_COOKIE
from models.incidents import INCIDENT_MESSAGES
from models.problems import PROBLEM_MESSAGES
from tests.api_support import PASSWORD
from tests.conftest import eventually
from workflows.contract import MESSAGES

# Who: nobody, two channels (the complaint came by the hotline), the complaint's owner (a branch handler who
# keyed it in), a handler of another department, an agent of a department it does not ask, a reviewer, a
# supervisor, an operator, and an operator who sits in the complaint's own department.
WHO = ("nobody", "hotline", "app", "E207", "H801", "A601", "R010", "S001", "O001", "O002")
PEOPLE = {"E207", "H801", "A601", "R010", "S001", "O001", "O002"}
ANY_PERSON = PEOPLE
ANYONE = set(WHO)
ON_THE_CASE = {"hotline", "E207", "R010", "S001"}  # its channel, its owner, reviewers and supervisors
STAFF_MESSAGES = set(MESSAGES) - {"customer_feedback", "customer_info_received", "withdraw"}

# (method, path template, query) -> who gets past the door
EXPECTED: dict[tuple[str, str, str], set[str]] = {
    ("POST", "/v1/complaints", ""): {"hotline", "E207", "H801"},  # a channel for itself; handlers key in
    ("POST", "/v1/complaints", "by=app"): {"app"},  # the app's complaints come only through the app's own key
    ("GET", "/v1/complaints/{complaint_id}", ""): ON_THE_CASE,
    ("GET", "/v1/complaints/{complaint_id}/sla", ""): ON_THE_CASE - {"hotline"},
    ("GET", "/v1/complaints/{complaint_id}/timeline", ""): ON_THE_CASE - {"hotline"},
    ("GET", "/v1/complaints/{complaint_id}/customer", ""): {"S001"},
    ("POST", "/v1/complaints/{complaint_id}/legal-hold", ""): {"S001"},
    ("POST", "/v1/complaints/{complaint_id}/legal-hold/release", ""): {"S001"},
    # the customer's review (核查): their channel, or a person keying in for a staff channel
    ("POST", "/v1/complaints/{complaint_id}/review", ""): {"hotline", "E207", "H801"},
    # the report back to the regulator: prepared by the people on the case, approved and sent by a supervisor
    ("POST", "/v1/complaints/{complaint_id}/referral-report", ""): {"E207", "S001"},
    ("GET", "/v1/complaints/{complaint_id}/referral-report", ""): {"E207", "S001"},
    ("POST", "/v1/complaints/{complaint_id}/referral-report/approve", ""): {"S001"},
    ("POST", "/v1/complaints/{complaint_id}/referral-report/sent", ""): {"S001"},
    ("POST", "/v1/complaints/{complaint_id}/customer-links/revoke", ""): {"S001"},
    ("GET", "/v1/complaints/{complaint_id}/attachments/{upload_id}", ""): {"E207", "R010", "S001"},
    # The customer's page: its link's own check answers (a bad token is a 404 page for anyone), and no staff
    # credential or channel key opens a customer's session: only the link and the code do.
    ("GET", "/my/{token}", ""): ANYONE,
    ("POST", "/my/{token}/code", ""): ANYONE,
    ("POST", "/my/{token}/verify", ""): ANYONE,
    ("GET", "/my", ""): set(),
    ("POST", "/my/info", ""): set(),
    ("POST", "/my/feedback", ""): set(),
    ("POST", "/my/withdraw", ""): set(),
    ("POST", "/my/review", ""): set(),
    ("POST", "/my/leave", ""): ANYONE,
    ("GET", "/v1/complaints", ""): {"E207", "H801", "A601", "R010", "S001"},
    ("GET", "/v1/work-orders", ""): ANY_PERSON,
    ("GET", "/v1/work-orders", "department=loans"): {"A601", "S001"},
    ("GET", "/v1/reports/heatmap", ""): {"S001"},
    ("GET", "/v1/reports/dashboard", ""): {"S001"},
    ("GET", "/v1/exports/{month}.csv", ""): {"S001"},
    ("GET", "/v1/exports/{month}.csv", "unmasked=true"): {"S001"},
    ("GET", "/v1/redress/{month}", ""): {"S001"},
    ("GET", "/v1/returns/quarterly/{quarter}", ""): {"S001"},
    ("GET", "/v1/returns/disclosure/{year}", ""): {"S001"},
    ("GET", "/ui/reports/returns", ""): {"S001"},
    ("POST", "/v1/problems", ""): {"S001"},
    ("GET", "/v1/problems", ""): {"E207", "H801", "A601", "R010", "S001"},
    ("GET", "/v1/problems/{problem_id}", ""): {"E207", "H801", "A601", "R010", "S001"},
    ("GET", "/ui/problems", ""): {"E207", "H801", "A601", "R010", "S001"},
    ("POST", "/ui/problems", ""): {"S001"},
    ("GET", "/ui/problems/{problem_id}", ""): {"E207", "H801", "A601", "R010", "S001"},
    ("POST", "/ui/problems/{problem_id}/act/{name}", ""): {"E207", "H801", "A601", "R010", "S001"},
    ("POST", "/v1/redress/{redress_id}/paid", ""): {"S001"},
    ("POST", "/v1/redress/{redress_id}/reversed", ""): {"S001"},
    ("POST", "/v1/lookbacks/{month}/run", ""): {"S001", "O001", "O002"},
    ("GET", "/v1/lookbacks/{month}", ""): {"E207", "H801", "A601", "S001"},
    ("POST", "/v1/lookbacks/{month}/revisits/{complaint_id}", ""): {"E207", "H801", "A601", "S001"},
    ("GET", "/v1/departments", ""): ANY_PERSON,
    ("GET", "/v1/incidents", ""): {"E207", "H801", "A601", "S001"},
    ("GET", "/v1/incidents/{incident_id}", ""): {"E207", "H801", "A601", "S001"},
    ("GET", "/v1/auth/me", ""): ANYONE - {"nobody"},
    ("POST", "/v1/auth/token", ""): ANYONE,  # signing in is for anyone
    ("POST", "/v1/auth/login", ""): ANYONE,
    ("POST", "/v1/auth/logout", ""): ANYONE,
    ("GET", "/healthz", ""): ANYONE,
    ("GET", "/readyz", ""): ANYONE,
    ("GET", "/metrics", ""): ANYONE,
    ("GET", "/docs", ""): ANYONE,  # API_DOCS=open, the embedded default
    ("GET", "/openapi.json", ""): ANYONE,
    ("GET", "/docs/oauth2-redirect", ""): ANYONE,
    # the workbench: people only; a channel's key is no sign-in there
    ("GET", "/", ""): ANYONE,
    ("GET", "/ui", ""): ANY_PERSON,  # to the person's landing page; anyone else to sign in
    ("GET", "/ui/", ""): ANY_PERSON,
    ("GET", "/ui/login", ""): ANYONE,
    ("POST", "/ui/login", ""): ANYONE,
    ("POST", "/ui/logout", ""): ANYONE,
    ("GET", "/ui/sso/login", ""): ANYONE,      # signing in at the bank's provider is for anyone (none configured here)
    ("GET", "/ui/sso/callback", ""): ANYONE,   # the provider's answer: refused by its own checks, not by the door
    ("GET", "/ui/lang/{lang}", ""): ANYONE,
    ("GET", "/ui/queue", ""): ANY_PERSON,
    ("GET", "/ui/queue/rows", ""): ANY_PERSON,
    ("GET", "/ui/inbox", ""): ANY_PERSON,
    ("POST", "/ui/inbox/{complaint_id}/{work_order_id}", ""): ANY_PERSON,
    ("GET", "/ui/messages", ""): ANY_PERSON,
    ("GET", "/ui/supervise", ""): {"R010", "S001"},
    ("GET", "/ui/reports/heatmap", ""): {"S001"},
    ("GET", "/ui/reports/dashboard", ""): {"S001"},
    ("GET", "/ui/lookback", ""): {"E207", "H801", "A601", "S001"},
    ("POST", "/ui/lookback/run", ""): {"S001", "O001", "O002"},
    ("GET", "/ui/complaints/{complaint_id}", ""): ON_THE_CASE - {"hotline"},
    ("GET", "/ui/complaints/{complaint_id}/body", ""): ON_THE_CASE - {"hotline"},
    ("POST", "/ui/complaints/{complaint_id}/act/{name}", ""): ON_THE_CASE - {"hotline"},
    ("POST", "/ui/script-check", ""): ANY_PERSON,
    ("GET", "/ui/complaints/{complaint_id}/customer", ""): {"S001"},
    ("GET", "/ui/complaints/{complaint_id}/records", ""): {"S001"},
    ("POST", "/ui/complaints/{complaint_id}/legal-hold", ""): {"S001"},
    ("POST", "/ui/complaints/{complaint_id}/legal-hold/release", ""): {"S001"},
    ("POST", "/ui/complaints/{complaint_id}/review", ""): {"E207"},  # on the case, and keys in for the hotline
    ("GET", "/ui/complaints/{complaint_id}/referral", ""): {"E207", "S001"},
    ("POST", "/ui/complaints/{complaint_id}/referral/prepare", ""): {"E207", "S001"},
    ("POST", "/ui/complaints/{complaint_id}/referral/approve", ""): {"S001"},
    ("POST", "/ui/complaints/{complaint_id}/referral/sent", ""): {"S001"},
    ("GET", "/ui/complaints/{complaint_id}/referral.pdf", ""): {"E207", "S001"},
    ("GET", "/ui/incidents", ""): {"E207", "H801", "A601", "S001"},
    ("GET", "/ui/incidents/{incident_id}", ""): {"E207", "H801", "A601", "S001"},
    ("POST", "/ui/incidents/{incident_id}/act/{name}", ""): {"E207", "H801", "A601", "S001"},
}
for _name in INCIDENT_MESSAGES:  # past the door: the incident itself says who may send which
    EXPECTED[("POST", f"/v1/incidents/{{incident_id}}/{_name}", "")] = {"E207", "H801", "A601", "S001"}
for _name in PROBLEM_MESSAGES:  # past the door: the problem itself says who may send which
    EXPECTED[("POST", f"/v1/problems/{{problem_id}}/{_name}", "")] = {"E207", "H801", "A601", "R010", "S001"}
for _name in MESSAGES:
    EXPECTED[("POST", f"/v1/complaints/{{complaint_id}}/{_name}", "")] = (
        PEOPLE if _name in STAFF_MESSAGES else {"hotline"} if _name != "customer_info_received" else
        {"hotline"} | PEOPLE)


def routes(app_routes) -> set[tuple[str, str]]:
    """Every (method, path) served; FastAPI keeps an included router as one entry holding its own routes (we
    include routers without an extra prefix, so their paths are whole)."""
    found = set()
    for route in app_routes:
        if (inner := getattr(route, "original_router", None)) is not None:
            found |= routes(inner.routes)
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method in ("GET", "POST") and getattr(route, "path", None):
                found.add((method, route.path))
    return found


def test_every_route_has_a_row(api):
    from server.app import create_app

    assert routes(create_app(api.ctx).routes) == {(m, p) for m, p, _ in EXPECTED}


@pytest.fixture(scope="module")
async def door(api):
    """A closed complaint (keyed in by E207 from the hotline, withdrawn by the hotline), and everyone's
    credentials: a bearer token or a channel key for the API, a session cookie with its CSRF token for pages."""
    async with api.http() as h:
        body = {"channel": "hotline", "external_ref": f"ACCESS-{uuid.uuid4().hex[:8]}", "text": "信用卡年费乱收费",
                "customer": {"id": "C-ACCESS", "name": "张三", "phone": "13800138000", "tier": "standard"}}
        r = await h.post("/v1/complaints", json=body, headers=await api.as_("E207"))
        assert r.status_code == 201, r.text
        cid = r.json()["complaint_id"]
        # A busy machine may answer late: sent again with the same key, as a client whose answer was lost does.
        key = {"Idempotency-Key": f"door-{uuid.uuid4().hex}", **api.channel("hotline")}
        for attempt in range(3):
            try:
                r = await h.post(f"/v1/complaints/{cid}/withdraw", json={"reason": "sorted at the counter"},
                                 headers=key)
                break
            except httpx.ReadTimeout:
                if attempt == 2:
                    raise
        assert r.status_code == 200, r.text
        state = await eventually(lambda: _closed(api, h, cid))
        assert state["department"] == "credit-card-centre"  # H801 and A601 strangers to it, O002 of it
        cookies = {}
        for user in PEOPLE:
            r = await h.post("/v1/auth/login", data={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.text
            cookies[user] = (r.cookies[SESSION_COOKIE], r.cookies[CSRF_COOKIE])
    return cid, cookies


async def _closed(api, h, cid):
    r = await h.get(f"/v1/complaints/{cid}", headers=await api.as_("S001"))
    return r.json() if r.status_code == 200 and r.json()["stage"] == "closed" else None


async def headers_for(api, who: str, path: str, cookies) -> dict[str, str]:
    if who == "nobody":
        return {}
    if who in ("hotline", "app"):
        return api.channel(who)
    if path == "/ui/logout":  # signing out ends the session for good: a session of its own, not the shared one
        async with api.http() as h:
            r = await h.post("/v1/auth/login", data={"username": who, "password": PASSWORD})
            session, csrf = r.cookies[SESSION_COOKIE], r.cookies[CSRF_COOKIE]
        return {"Cookie": f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}", "X-CSRF-Token": csrf}
    if path.startswith("/ui"):
        session, csrf = cookies[who]
        return {"Cookie": f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}", "X-CSRF-Token": csrf}
    return await api.as_(who)


def concrete(path: str, cid: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"complaint_id": cid, "month": "2026-10", "work_order_id": "WO-1",
                                           "lang": "en", "name": "add_note",
                                           "incident_id": "INC-202601010000-abcdef",
                                           "token": "HL0000000001.zz.0.AAAAAAAAAAAAAAAAAAAAAA",
                                           "upload_id": "up_aaaaaaaaaaaaaaaaaaaa",
                                           "redress_id": f"{cid}-R1", "quarter": "2026Q4",
                                           "problem_id": "PRB-20260101-abcdef", "year": "2026"}[m.group(1)], path)


def body_for(method: str, path: str, query: str) -> dict:
    if method != "POST":
        return {}
    if path == "/v1/complaints":
        return {"json": {"channel": "app" if query == "by=app" else "hotline", "external_ref": f"ACCESS-{uuid.uuid4().hex[:8]}",
                         "text": "网银转账失败", "customer": {"id": "C-A2", "name": "李四",
                                                          "phone": "13900139000", "tier": "standard"}}}
    name = path.rsplit("/", 1)[1]
    if path.startswith("/v1/complaints/") and name in MESSAGES:
        return {"json": EXAMPLES.get(name, {})}
    if "referral" in path:
        field = "via" if path.endswith("/sent") else "focus"
        return {"json": {field: "x"}} if path.startswith("/v1") else {"data": {field: "x"}}
    if path in ("/v1/problems", "/ui/problems"):
        body = {"title": "x", "business_type": "loans"}
        return {"json": {"title": "x", "pattern": {"business_type": "loans"}}} if path.startswith("/v1") else \
            {"data": body}
    if path.startswith("/v1/redress/"):
        return {"json": {"reference": "PAY-1"} if path.endswith("/paid") else {"reason": "returned"}}
    if path.endswith("/review"):
        return {"json": {"reason": "disagree"}} if path.startswith("/v1") else {"data": {"reason": "disagree"}}
    if "/legal-hold" in path:
        return {"json": {"reason": "litigation"}} if path.startswith("/v1") else {"data": {"reason": "litigation"}}
    if path.startswith("/v1/lookbacks/") and "/revisits/" in path:
        return {"json": {"outcome": "confirmed_resolved"}}
    if path.startswith("/ui/complaints/") and "/act/" in path:
        return {"data": {"text": "a note"}}
    if path.startswith("/ui/inbox/"):
        return {"data": {"answer": "done"}}
    if path == "/ui/lookback/run":
        return {"data": {"month": "2026-10"}}
    if path in ("/my/info", "/my/feedback", "/my/withdraw"):
        return {"data": {"key": "k" * 20, "confirm": "yes"}}
    if path == "/ui/script-check":
        return {"data": {"text": "抱歉"}}
    return {}


# A valid body for each message, so the door (not validation) is what answers.
EXAMPLES = {
    "accept": {}, "add_note": {"text": "a note"}, "open_work_order": {"department": "loans", "question": "why?"},
    "answer_work_order": {"work_order_id": "WO-1", "answer": "done"},
    "cancel_work_order": {"work_order_id": "WO-1", "reason": "not needed"},
    "request_customer_info": {"what": "a receipt"}, "customer_info_received": {"note": "the receipt"},
    "approve_disposal": {}, "approve_redress": {"amount": "9000"}, "record_disposal": {"text": "card frozen"}, "return_disposal": {"reason": "why?"},
    "incident_notice": {"incident_id": "INC-202612010000-abcdef", "zh": "系统已恢复"},
    "propose_response": {"text": "非常抱歉。经核实，已为您退还。我们将回访。", "finding": "upheld", "relief": "monetary",
                         "facts": "误收", "basis": "合同", "reasons": "应退",
                         "redress_amount": "300", "redress_for": "退费", "channel_code": "A101", "business_code": "B03",
                         "reason_code": "C03"},
    "customer_feedback": {"satisfied": True, "csat": 5}, "escalate": {"reason": "urgent"},
    "reassign": {"owner_id": "H501", "department": "credit-card-centre", "reason": "cards"}, "approve_close": {},
    "withdraw": {"reason": "sorted"}, "extend_deadline": {"reason": "complex"},
    "start_appraisal": {"what": "笔迹鉴定", "by": "司法鉴定所"}, "end_appraisal": {"result": "签名非本人"},
    "correct_classification": {"business_type": "credit_card", "reason": "right"},
    "link_repeat": {"of": "HL0000000009"}, "new_facts": {"reason": "new facts"},
}


def past_the_door(path: str, status: int, location: str | None) -> bool:
    if path == "/ui/logout":
        return status == 303  # signed out (or never in): the sign-in page is where it leads, not a refusal
    refused = status in (401, 403) or (status in (302, 303, 307) and "/ui/login" in (location or ""))
    return not refused


async def test_the_door_of_every_route_for_everyone(api, door):
    cid, cookies = door
    wrong = []
    async with api.http(follow_redirects=False) as h:
        for (method, path, query), allowed in sorted(EXPECTED.items()):
            url = concrete(path, cid) + (f"?{query}" if query else "")
            for who in WHO:
                r = await h.request(method, url, headers=await headers_for(api, who, path, cookies),
                                    **body_for(method, path, query))
                got = past_the_door(path, r.status_code, r.headers.get("location"))
                if got != (who in allowed):
                    wrong.append(f"{method} {url} as {who}: {r.status_code} {r.text[:120]!r}, expected "
                                 f"{'past the door' if who in allowed else 'refused'}")
    assert not wrong, "\n".join(wrong)
