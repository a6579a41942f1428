"""The catalogue of attempts to act without authority through the front door. Each one is refused with
401 or 403, changes nothing on the complaint it aims at, starts no complaint, and leaves an audit row.

Every attempt carries `?case=<id>` so its own audit row can be found; the API ignores the parameter."""
import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import Session, select

from api import service
from api.accounts import add_account, get_account
from api.channels import add_channel, revoke, sign
from api.identity import CSRF_COOKIE, SESSION_COOKIE
from api.tokens import issue_local
from models.access import RequestAudit
from models.intake import complaint_id_for
from tests.api_support import PASSWORD
from tests.conftest import eventually
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle

OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def _victim(api) -> str:
    """An emergency keyed in at the branch by E207 (its owner), in handling."""
    body = intake_body(LOST_CARD, f"BR-{uuid.uuid4().hex[:8]}", channel="branch")
    return await submitted_in_handle(api, body, await api.as_("E207"))


def _fresh_ref(prefix="X") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _signed(api, key: str, body: bytes, path: str, ts: int | None = None) -> dict[str, str]:
    key_id = key.split("_")[1]
    stamp = str(ts if ts is not None else int(datetime.now(UTC).timestamp()))
    return {"X-Key-Id": key_id, "X-Timestamp": stamp, "X-Signature": sign(key, stamp, "POST", path, body),
            "Content-Type": "application/json"}


# --- the attempts: each takes (api, http client, victim id, case id) and returns the refused response ---

def on(cid: str, name: str, case: str) -> str:
    return f"/v1/complaints/{cid}/{name}?case={case}"


async def no_credential(api, h, cid, case):
    return await h.post(on(cid, "accept", case), json={})


async def basic_scheme(api, h, cid, case):
    return await h.post(on(cid, "accept", case), json={}, headers={"Authorization": "Basic RTIwNzpwYXNz"})


async def garbage_bearer(api, h, cid, case):
    return await h.post(on(cid, "accept", case), json={}, headers={"Authorization": "Bearer hello"})


async def expired_local_token(api, h, cid, case):
    account = get_account(api.ctx.engine, "E207")
    token, _ = issue_local(api.ctx.api_secret, "E207", account.password_changed_at, 1,
                           now=datetime.now(UTC) - timedelta(hours=2))
    return await h.post(on(cid, "accept", case), json={}, headers={"Authorization": f"Bearer {token}"})


async def forged_local_token(api, h, cid, case):
    now = datetime.now(UTC)
    token = jwt.encode({"iss": "complaints-api", "aud": "complaints", "sub": "S001", "iat": now, "pwd": 0,
                        "exp": now + timedelta(hours=1)}, "a secret we guessed, long enough for HS256", algorithm="HS256")
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers={"Authorization": f"Bearer {token}"})


async def unsigned_token(api, h, cid, case):
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode({"iss": "complaints-api", "aud": "complaints", "sub": "S001", "iat": now, "exp": now + 600},
                       None, algorithm="none")
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers={"Authorization": f"Bearer {token}"})


async def token_of_no_account(api, h, cid, case):
    token, _ = issue_local(api.ctx.api_secret, "GHOST", datetime.now(UTC), 10)
    return await h.post(on(cid, "accept", case), json={}, headers={"Authorization": f"Bearer {token}"})


async def token_from_before_a_password_change(api, h, cid, case):
    add_account(api.ctx.engine, "P100", "supervisor", "complaints", PASSWORD, replace=True)
    r = await h.post("/v1/auth/token", data={"username": "P100", "password": PASSWORD})
    old = r.json()["access_token"]
    await asyncio.sleep(1.1)  # the password time is kept to the second
    add_account(api.ctx.engine, "P100", "supervisor", "complaints", PASSWORD + "-new", replace=True)
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers={"Authorization": f"Bearer {old}"})


def _oidc(api, **kw) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.provider.token(**kw)}"}


async def oidc_expired(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x"},
                        headers=_oidc(api, expires_in=timedelta(minutes=-10)))


async def oidc_wrong_issuer(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x"},
                        headers=_oidc(api, issuer="https://login.elsewhere.example/realms/bank"))


async def oidc_wrong_audience(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers=_oidc(api, audience="another-app"))


async def oidc_forged(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers=_oidc(api, key=OTHER_KEY))


async def oidc_unmapped_role(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers=_oidc(api, roles=("cms-admin",)))


async def oidc_no_department(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers=_oidc(api, department=None))


async def oidc_handler_approves_close(api, h, cid, case):
    return await h.post(on(cid, "approve_close", case), json={},
                        headers=_oidc(api, user="oidc-H1", roles=("cms-handler",), department="loans"))


async def revoked_channel_key(api, h, cid, case):
    new = add_channel(api.ctx.engine, "branch", api.ctx.api_secret)
    revoke(api.ctx.engine, new.key_id)
    return await h.post(on(cid, "withdraw", case), json={"reason": "x"}, headers={"Authorization": f"Bearer {new.key}"})


async def unknown_channel_key(api, h, cid, case):
    return await h.post(on(cid, "withdraw", case), json={},
                        headers={"Authorization": "Bearer ck_aaaaaaaa_" + "x" * 43})


async def replayed_signed_intake(api, h, cid, case):
    path = f"/v1/complaints?case={case}"
    body = json.dumps(intake_body(LOST_CARD, _fresh_ref("AP"))).encode()
    headers = _signed(api, api.channel_keys["app"], body, path)
    first = await h.post(path, content=body, headers=headers)
    assert first.status_code == 201, first.text
    return await h.post(path, content=body, headers=headers)


async def stale_signed_intake(api, h, cid, case):
    path = f"/v1/complaints?case={case}"
    body = json.dumps(intake_body(LOST_CARD, _fresh_ref("AP"))).encode()
    old = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp())
    return await h.post(path, content=body, headers=_signed(api, api.channel_keys["app"], body, path, old))


async def tampered_signed_intake(api, h, cid, case):
    path = f"/v1/complaints?case={case}"
    body = json.dumps(intake_body(LOST_CARD, _fresh_ref("AP"))).encode()
    headers = _signed(api, api.channel_keys["app"], body, path)
    return await h.post(path, content=body.replace(b"13800138000", b"13900139000"), headers=headers)


async def password_brute_force(api, h, cid, case):
    add_account(api.ctx.engine, "B001", "supervisor", "complaints", PASSWORD, replace=True)
    for attempt in range(5):
        wrong = await h.post(f"/v1/auth/token?case={case}-{attempt}", data={"username": "B001", "password": f"guess{attempt}"})
        assert wrong.status_code == 401
    return await h.post(f"/v1/auth/token?case={case}", data={"username": "B001", "password": PASSWORD})


async def actor_in_the_body(api, h, cid, case):
    forged = {"id": "X1", "role": "reviewer", "department": "risk"}
    return await h.post(on(cid, "approve_disposal", case), json={"actor": forged}, headers=await api.as_("E207"))


async def role_in_the_body(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x", "role": "supervisor"},
                        headers=await api.as_("E207"))


async def first_responder_in_the_intake(api, h, cid, case):
    body = intake_body(LOST_CARD, _fresh_ref("BR"), channel="branch",
                       received_by={"id": "S001", "role": "supervisor", "department": "complaints"})
    return await h.post(f"/v1/complaints?case={case}", json=body, headers=await api.as_("E207"))


async def handler_approves_disposal(api, h, cid, case):
    return await h.post(on(cid, "approve_disposal", case), json={}, headers=await api.as_("E300"))


async def owner_withdraws_as_intake(api, h, cid, case):
    return await h.post(on(cid, "withdraw", case), json={"reason": "自己撤"}, headers=await api.as_("E207"))


async def handler_posts_feedback(api, h, cid, case):
    return await h.post(on(cid, "customer_feedback", case), json={"satisfied": True, "csat": 5},
                        headers=await api.as_("E207"))


async def handler_escalates(api, h, cid, case):
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers=await api.as_("E207"))


async def handler_reassigns_to_self(api, h, cid, case):
    return await h.post(on(cid, "reassign", case), json={"owner_id": "E300", "reason": "x"},
                        headers=await api.as_("E300"))


async def reviewer_approves_close(api, h, cid, case):
    return await h.post(on(cid, "approve_close", case), json={}, headers=await api.as_("R010"))


async def unmasked_export_by_a_handler(api, h, cid, case):
    return await h.get(f"/v1/exports/2026-11.csv?unmasked=true&case={case}", headers=await api.as_("E207"))


async def customer_in_clear_for_a_reviewer(api, h, cid, case):
    return await h.get(f"/v1/complaints/{cid}/customer?case={case}", headers=await api.as_("R010"))


async def another_department_reads(api, h, cid, case):
    return await h.get(f"/v1/complaints/{cid}?case={case}", headers=await api.as_("H501"))


async def agent_reads_another_departments_orders(api, h, cid, case):
    return await h.get(f"/v1/work-orders?department=operations&case={case}", headers=await api.as_("A601"))


async def operator_reads_a_complaint(api, h, cid, case):
    return await h.get(f"/v1/complaints/{cid}/timeline?case={case}", headers=await api.as_("O001"))


async def app_channel_withdraws_a_branch_complaint(api, h, cid, case):
    return await h.post(on(cid, "withdraw", case), json={}, headers=api.channel("app"))


async def channel_accepts(api, h, cid, case):
    return await h.post(on(cid, "accept", case), json={}, headers=api.channel("hotline"))


async def channel_reads_another_channels_complaint(api, h, cid, case):
    return await h.get(f"/v1/complaints/{cid}?case={case}", headers=api.channel("wechat"))


async def app_key_claims_the_hotline(api, h, cid, case):
    body = intake_body(LOST_CARD, _fresh_ref("HL"), channel="hotline")
    return await h.post(f"/v1/complaints?case={case}", json=body, headers=api.channel("app"))


async def handler_keys_in_an_app_complaint(api, h, cid, case):
    body = intake_body(LOST_CARD, _fresh_ref("AP"), channel="app")
    return await h.post(f"/v1/complaints?case={case}", json=body, headers=await api.as_("E207"))


async def supervisor_keys_in_a_complaint(api, h, cid, case):
    body = intake_body(LOST_CARD, _fresh_ref("BR"), channel="branch")
    return await h.post(f"/v1/complaints?case={case}", json=body, headers=await api.as_("S001"))


async def _cookies(api, h, user: str) -> dict[str, str]:
    r = await h.post("/v1/auth/login", data={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    set_cookie = r.headers.get_list("set-cookie")
    assert all("Secure" in c and "SameSite=strict" in c for c in set_cookie)
    assert any(c.startswith(SESSION_COOKIE) and "HttpOnly" in c for c in set_cookie)
    return {SESSION_COOKIE: r.cookies[SESSION_COOKIE], CSRF_COOKIE: r.cookies[CSRF_COOKIE]}


async def cookie_without_csrf(api, h, cid, case):
    jar = await _cookies(api, h, "S001")
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    return await h.post(on(cid, "escalate", case), json={"reason": "x"}, headers={"Cookie": cookie})


async def cookie_with_a_forged_csrf(api, h, cid, case):
    jar = await _cookies(api, h, "S001")
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    return await h.post(on(cid, "escalate", case), json={"reason": "x"},
                        headers={"Cookie": cookie, "X-CSRF-Token": "guessed"})


async def handler_runs_a_lookback(api, h, cid, case):
    return await h.post(f"/v1/lookbacks/2026-10/run?case={case}", headers=await api.as_("E207"))


async def handler_reads_the_dashboard(api, h, cid, case):
    return await h.get(f"/v1/reports/dashboard?month=2026-10&case={case}", headers=await api.as_("E207"))


CATALOGUE = [
    (no_credential, 401), (basic_scheme, 401), (garbage_bearer, 401), (expired_local_token, 401),
    (forged_local_token, 401), (unsigned_token, 401), (token_of_no_account, 401),
    (token_from_before_a_password_change, 401), (oidc_expired, 401), (oidc_wrong_issuer, 401),
    (oidc_wrong_audience, 401), (oidc_forged, 401), (oidc_unmapped_role, 401), (oidc_no_department, 401),
    (oidc_handler_approves_close, 403), (revoked_channel_key, 401), (unknown_channel_key, 401),
    (replayed_signed_intake, 401), (stale_signed_intake, 401), (tampered_signed_intake, 401),
    (password_brute_force, 401), (actor_in_the_body, 403), (role_in_the_body, 403),
    (first_responder_in_the_intake, 403), (handler_approves_disposal, 403), (owner_withdraws_as_intake, 403),
    (handler_posts_feedback, 403), (handler_escalates, 403), (handler_reassigns_to_self, 403),
    (reviewer_approves_close, 403), (unmasked_export_by_a_handler, 403), (customer_in_clear_for_a_reviewer, 403),
    (another_department_reads, 403), (agent_reads_another_departments_orders, 403),
    (operator_reads_a_complaint, 403), (app_channel_withdraws_a_branch_complaint, 403), (channel_accepts, 403),
    (channel_reads_another_channels_complaint, 403), (app_key_claims_the_hotline, 403),
    (handler_keys_in_an_app_complaint, 403), (supervisor_keys_in_a_complaint, 403), (cookie_without_csrf, 403),
    (cookie_with_a_forged_csrf, 403), (handler_runs_a_lookback, 403), (handler_reads_the_dashboard, 403),
]


@pytest.fixture(scope="module")
async def victim(api):
    return await _victim(api)


def _fingerprint(s) -> tuple:
    return (s.history_total, s.stage, s.owner_id, s.department, s.special_group, s.accepted,
            tuple(s.disposal_approvals), s.close_approved_by, s.outcome, s.supervisor_assigned)


@pytest.mark.parametrize("attempt,status", CATALOGUE, ids=[a.__name__ for a, _ in CATALOGUE])
async def test_an_attempt_without_authority_is_refused_changes_nothing_and_is_audited(api, client, engine, victim,
                                                                                     attempt, status):
    case = attempt.__name__
    before = _fingerprint(await service.state(client, victim))
    with Session(engine) as session:
        complaints_before = session.exec(select(RequestAudit.id)).all()
    async with api.http() as h:
        r = await attempt(api, h, victim, case)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status and problem["detail"] and "Traceback" not in r.text
    if status == 401:
        assert "Bearer" in r.headers.get("www-authenticate", "")
    await asyncio.sleep(0.3)  # a message wrongly let through would have been applied by now
    assert _fingerprint(await service.state(client, victim)) == before
    with Session(engine) as session:
        row = session.exec(select(RequestAudit).where(RequestAudit.path.endswith(f"case={case}"))
                           .order_by(RequestAudit.id.desc())).first()
    assert row is not None and row.status == status and row.id not in complaints_before
    assert row.outcome and row.client == "127.0.0.1"


async def test_refused_intakes_start_no_complaint(api, client):
    """The intake attempts above were refused before anything started: their references do not exist."""
    async with api.http() as h:
        body = intake_body(LOST_CARD, _fresh_ref("HL"), channel="hotline")
        r = await h.post("/v1/complaints", json=body, headers=api.channel("app"))
        assert r.status_code == 403
    with pytest.raises(service.ComplaintError, match="no complaint"):
        await service.state(client, complaint_id_for("hotline", body["external_ref"]))
    with pytest.raises(service.ComplaintError, match="no complaint"):
        await service.state(client, complaint_id_for("app", body["external_ref"]))


async def test_a_plain_json_update_from_the_temporal_cli_with_a_forged_supervisor_is_refused(env, client, engine,
                                                                                           victim):
    """Past the front door, straight to Temporal with the `temporal` binary and no codec: the update is
    refused and leaves nothing in the history; the signal (which the server keeps as sent, as it keeps any
    client's signal) is recorded as rejected and its text reaches neither the state nor the database."""
    from models.tables import AuditEvent
    from tests.conftest import rows, temporal_binary

    before = _fingerprint(await service.state(client, victim))

    def args(marker: str) -> list[str]:
        forged = '{"actor": {"id": "X1", "role": "supervisor", "department": "complaints"}, "reason": "' + marker + '"}'
        return ["--address", env.client.service_client.config.target_host, "--workflow-id", f"complaint-{victim}",
                "--name", "escalate", "--input", forged]

    update = await asyncio.create_subprocess_exec(temporal_binary(), "workflow", "update", "execute",
                                                  *args("PLAIN-UPDATE"), stdout=asyncio.subprocess.PIPE,
                                                  stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(update.communicate(), 60)
    assert update.returncode != 0 and b"not encrypted with the complaint key" in out + err
    signal = await asyncio.create_subprocess_exec(temporal_binary(), "workflow", "signal", *args("PLAIN-SIGNAL"),
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    await asyncio.wait_for(signal.communicate(), 60)
    assert signal.returncode == 0
    rejected = await eventually(lambda: [a for a in rows(engine, AuditEvent, complaint_id=victim)
                                         if not a.accepted and a.action == "escalate"])
    assert "not encrypted" in rejected[-1].detail
    assert not any("PLAIN-" in a.detail for a in rows(engine, AuditEvent, complaint_id=victim))
    after = await service.state(client, victim)
    assert not after.special_group and after.stage == before[1] and "PLAIN-" not in after.model_dump_json()
    history = await client.get_workflow_handle(f"complaint-{victim}").fetch_history()
    raw = b"".join(_payload_data(json.loads(history.to_json())))
    assert b"PLAIN-UPDATE" not in raw and b"PLAIN-SIGNAL" in raw  # the check itself can see a plain payload


def _payload_data(node):
    """The decoded data of every payload in a history's JSON (a payload: metadata and base64 data)."""
    if isinstance(node, dict):
        if "metadata" in node and isinstance(node.get("data"), str):
            yield base64.b64decode(node["data"])
        for value in node.values():
            yield from _payload_data(value)
    elif isinstance(node, list):
        for value in node:
            yield from _payload_data(value)


async def test_a_refusal_carries_its_code_and_values_from_the_rule_to_the_page(api):
    """The engine's refusal reaches the API with its code (in the failure's details), the problem carries it,
    and the page says it in Chinese from the code: no English sentence is read back on the way."""
    from models import reasons

    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"), api.channel("hotline"))
    async with api.http() as h:
        r = await h.post(f"/v1/complaints/{cid}/propose_response", json={"text": "非常抱歉。经核实，已为您退还。我们将回访。"},
                         headers=await api.as_("S001"))
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "accept_first" and body["values"] == {}
        assert reasons.Reason(body["code"], body["values"]) == body["detail"]

        # Nothing reads English back (models/reasons.say words only a coded reason): Chinese here came from the code.
        headers = await api.as_("S001")
        page = await h.post(f"/ui/complaints/{cid}/act/approve_disposal", data={"note": "x"},
                            headers={**headers, "HX-Request": "true"})
        assert page.status_code == 422 and "尚未记录处置措施" in page.text


async def test_a_hostile_poll_token_or_sso_state_is_refused_not_a_server_error(api):
    """Non-ASCII where a token is compared: a plain answer, never a 500."""
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"), api.channel("hotline"))
    async with api.http() as h:
        headers = {**await api.as_("S001"), "HX-Request": "true"}
        polled = await h.get(f"/ui/complaints/{cid}/body", params={"since": 1, "poll": "令牌" * 20}, headers=headers)
        assert polled.status_code in (200, 204)
        answer = await h.get("/ui/sso/callback", params={"code": "x", "state": "状态"},
                             cookies={"complaints_sso": "not-ours"})
        assert answer.status_code in (400, 404) and "Internal" not in answer.text
    from api import sso

    assert not sso._same("状态", "abc") and sso._same("abc", "abc")  # the state's comparison itself
