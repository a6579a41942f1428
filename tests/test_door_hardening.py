"""What got through the door once, kept out: a burst of guesses past the lockout, names that tell who exists,
formulas in an export, a channel reading the bank's inside, a page framed or scripted from elsewhere, a CSRF
token from another session, and the API's schema for anyone."""
import asyncio
import csv
import dataclasses
import io
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session

from api import accounts
from api.accounts import REFUSED, add_account, check_password
from api.identity import CSRF_COOKIE, SESSION_COOKIE
from models.access import Account
from models.text import spreadsheet_safe
from server.app import create_app
from tests.api_support import PASSWORD, running
from tests.conftest import eventually
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle


async def test_wrong_passwords_sent_at_once_lock_the_account_after_the_limit(api, engine, monkeypatch):
    add_account(engine, "E-BURST", "handler", "branch-0101", PASSWORD, replace=True)
    real, checked = accounts._verify, []

    def counting(hashed: str, password: str) -> bool:
        if hashed != accounts._DUMMY:
            checked.append(password)  # a guess tried against the account's own hash
        return real(hashed, password)

    monkeypatch.setattr(accounts, "_verify", counting)

    def guess(i: int):
        return check_password(engine, "E-BURST", f"wrong {i}", max_failures=5, lockout=timedelta(minutes=15))

    # 40 guesses in 40 threads: each takes its ticket in one UPDATE before any hash is checked.
    answers = await asyncio.gather(*(asyncio.to_thread(guess, i) for i in range(40)))
    assert len(checked) == 5 and all(getattr(a, "reason", "") == REFUSED.format(n=5) for a in answers)
    with Session(engine) as session:
        account = session.get(Account, "E-BURST")
        assert account is not None and account.locked_until is not None
    still = check_password(engine, "E-BURST", PASSWORD, max_failures=5, lockout=timedelta(minutes=15))
    assert getattr(still, "reason", "") == REFUSED.format(n=5)  # locked: even the right password waits


async def test_through_the_api_a_burst_locks_too(api, engine):
    add_account(engine, "E-BURST2", "handler", "branch-0101", PASSWORD, replace=True)
    async with api.http() as h:
        guesses = await asyncio.gather(*(h.post("/v1/auth/token", data={"username": "E-BURST2", "password": f"x{i}"})
                                         for i in range(20)))
        right = await h.post("/v1/auth/token", data={"username": "E-BURST2", "password": PASSWORD})
    assert {g.status_code for g in guesses} == {401} and right.status_code == 401


def disable(engine, user_id: str) -> None:
    """What an operator's switch does to an account (the row's flag; there is no command for it yet)."""
    with Session(engine) as session:
        account = session.get(Account, user_id)
        assert account is not None
        account.disabled = True
        session.add(account)
        session.commit()


async def test_unknown_locked_and_disabled_accounts_get_the_same_answer(api, engine):
    add_account(engine, "E-LOCKED", "handler", "branch-0101", PASSWORD, replace=True)
    add_account(engine, "E-OFF", "handler", "branch-0101", PASSWORD, replace=True)
    disable(engine, "E-OFF")
    async with api.http() as h:
        for i in range(5):
            await h.post("/v1/auth/token", data={"username": "E-LOCKED", "password": f"wrong {i}"})
        answers = {name: await h.post("/v1/auth/token", data={"username": name, "password": PASSWORD})
                   for name in ("E-LOCKED", "E-OFF", f"E-{uuid.uuid4().hex[:6]}")}
    bodies = {(r.status_code, r.json()["detail"]) for r in answers.values()}
    assert bodies == {(401, REFUSED.format(n=5))}


@pytest.mark.parametrize("cell, safe", [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+1 555", "'+1 555"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("  =1+1", "'  =1+1"), ("＝1+1", "'＝1+1"), ("王芳", "王芳"), ("HL0123456789", "HL0123456789"), ("", ""),
    ("a=b", "a=b"),
])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(cell, safe):
    assert spreadsheet_safe(cell) == safe


async def test_the_unmasked_export_opens_a_formula_name_as_text(api):
    body = intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}")
    body["customer"]["name"] = '=HYPERLINK("http://evil.example","x")'
    cid = await submitted_in_handle(api, body, api.channel("hotline"))
    month = body["received_at"][:7]
    async with api.http() as h:
        r = await h.get(f"/v1/exports/{month}.csv", params={"unmasked": "true"}, headers=await api.as_("S001"))
    row = next(r for r in csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))) if r["complaint_id"] == cid)
    assert row["customer_name"] == '\'=HYPERLINK("http://evil.example","x")'


async def test_a_channel_reads_what_its_customer_may_see_and_nothing_of_the_inside(api):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"),
                                    api.channel("hotline"))
    async with api.http() as h:
        await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "staff only: customer sounded upset"},
                     headers=await api.as_("S001"))

        async def told():
            got = (await h.get(f"/v1/complaints/{cid}", headers=api.channel("hotline"))).json()
            return got if got["messages"] else None

        seen = await eventually(told)
    assert seen["complaint_id"] == cid and seen["stage"] == "handle" and seen["promised"]
    assert seen["messages"][0]["template"] == "acknowledgement" and cid in seen["messages"][0]["text"]
    text = str(seen)
    for inside in ("staff only", "S001", "E207", "owner_id", "classification", "history", "matched", "hotline-desk"):
        assert inside not in text, inside


async def test_pages_carry_a_policy_that_runs_only_our_own_scripts(api):
    async with api.http() as h:
        page = await h.get("/ui/login")
        api_answer = await h.get("/v1/auth/me")
    for r in (page, api_answer):
        policy = r.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and " on" + "click=" not in page.text


async def test_a_csrf_token_is_good_for_its_own_session_only(api):
    async def session_of(user):
        async with api.http() as h:
            r = await h.post("/v1/auth/login", data={"username": user, "password": PASSWORD})
            return r.cookies[SESSION_COOKIE], r.cookies[CSRF_COOKIE]

    async def note(session: str, csrf: str):
        async with api.http(cookies={SESSION_COOKIE: session, CSRF_COOKIE: csrf}) as h:
            return await h.post("/v1/complaints/HL0000000000/add_note", json={"text": "x"},
                                headers={"X-CSRF-Token": csrf})

    mine, my_csrf = await session_of("E207")
    _, their_csrf = await session_of("E300")
    for token in (their_csrf, "planted-by-a-subdomain"):  # double-submitted, but not this session's
        refused = await note(mine, token)
        assert refused.status_code == 403 and refused.json()["type"].endswith("/csrf")
    assert (await note(mine, my_csrf)).status_code == 404  # past the CSRF check: there is no such complaint


@pytest.mark.parametrize("docs, anonymous, signed_in", [("open", 200, 200), ("signed-in", 401, 200),
                                                        ("off", 404, 404)])
async def test_the_schema_and_its_page_are_as_open_as_configured(api, docs, anonymous, signed_in):
    ctx = dataclasses.replace(api.ctx, settings=api.ctx.settings.model_copy(update={"api_docs": docs}))
    assert create_app(ctx).openapi_url in (None, "/openapi.json")
    async with running(ctx) as url:
        import httpx

        async with httpx.AsyncClient(base_url=url) as h:
            for path in ("/openapi.json", "/docs"):
                assert (await h.get(path)).status_code == anonymous, (docs, path)
                assert (await h.get(path, headers=await api.as_("E207"))).status_code == signed_in, (docs, path)


async def test_a_persons_token_stops_working_the_moment_its_standing_changes(api, engine):
    """Read afresh on every request (api/sessions.py: standing): a browser signed out, a password set again,
    an account disabled; each refused with its own reason, and the token good until then."""
    add_account(engine, "E-STAND", "handler", "branch-0101", PASSWORD, replace=True)
    async with api.http() as h:
        token = (await h.post("/v1/auth/token", data={"username": "E-STAND", "password": PASSWORD})).json()
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert (await h.get("/v1/auth/me", headers=bearer)).json()["id"] == "E-STAND"

        login = await h.post("/v1/auth/login", data={"username": "E-STAND", "password": PASSWORD})
        kept = {SESSION_COOKIE: login.cookies[SESSION_COOKIE]}
        h.cookies.clear()
        async with api.http(cookies=kept) as browser:
            assert (await browser.get("/v1/auth/me")).json()["via"] == "cookie"
            assert (await browser.post("/v1/auth/logout")).status_code == 204
        async with api.http(cookies=kept) as copied:  # the cookie, kept after signing out
            out = await copied.get("/v1/auth/me")
        assert out.status_code == 401 and "signed out" in out.json()["detail"]
        assert (await h.get("/v1/auth/me", headers=bearer)).status_code == 200  # another session: still good

        await asyncio.sleep(1.1)  # the token carries the password's time to the second
        add_account(engine, "E-STAND", "handler", "branch-0101", PASSWORD + " again", replace=True)
        stale = await h.get("/v1/auth/me", headers=bearer)
        assert stale.status_code == 401 and "password changed" in stale.json()["detail"]

        fresh = (await h.post("/v1/auth/token", data={"username": "E-STAND", "password": PASSWORD + " again"})).json()
        bearer = {"Authorization": f"Bearer {fresh['access_token']}"}
        assert (await h.get("/v1/auth/me", headers=bearer)).status_code == 200
        disable(engine, "E-STAND")
        off = await h.get("/v1/auth/me", headers=bearer)
        assert off.status_code == 401 and "disabled" in off.json()["detail"]
