"""The positive path through the front door, end to end: a channel submits; a handler accepts and
responds; two different reviewers approve an emergency; a supervisor approves the close; the channel posts
the customer's feedback. Real uvicorn, real Temporal dev server, real database."""
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from models.access import RequestAudit
from tests.actors import DECISION, GOOD_RESPONSE
from tests.conftest import eventually

LOST_CARD = "我的银行卡昨天丢了，卡丢了咋整？有人盗刷"


async def submitted_in_handle(api, body: dict, headers: dict) -> str:
    """Submit through the API and wait until the complaint is in handling; its reference."""
    async with api.http() as h:
        r = await h.post("/v1/complaints", json=body, headers=headers)
        assert r.status_code == 201, r.text
        cid = r.json()["complaint_id"]
        sup = await api.as_("S001")

        async def in_handle():
            s = await h.get(f"/v1/complaints/{cid}", headers=sup)
            return s.status_code == 200 and s.json()["stage"] == "handle"

        await eventually(in_handle)
    return cid


def intake_body(text: str, ref: str, **over) -> dict:
    body = {"external_ref": ref, "customer": {"id": "C7001", "name": "王芳", "phone": "13800138000", "tier": "vip"},
            "text": text, "received_at": (datetime.now(UTC) - timedelta(seconds=2)).isoformat()}
    return {**body, **over}


async def test_a_channel_submits_and_people_work_an_emergency_to_its_close(api, engine):
    import uuid

    ref = f"HL-{uuid.uuid4().hex[:10]}"
    async with api.http() as h:
        r = await h.post("/v1/complaints", json=intake_body(LOST_CARD, ref), headers=api.channel("hotline"))
        assert r.status_code == 201, r.text
        cid = r.json()["complaint_id"]
        assert r.json()["channel"] == "hotline" and r.headers["location"] == f"/v1/complaints/{cid}"
        again = await h.post("/v1/complaints", json=intake_body(LOST_CARD, ref), headers=api.channel("hotline"))
        assert again.status_code == 200 and again.json()["complaint_id"] == cid and again.json()["created"] is False

        sup = await api.as_("S001")

        async def handling():
            s = await h.get(f"/v1/complaints/{cid}", headers=sup)
            return s.json() if s.status_code == 200 and s.json()["stage"] == "handle" else None

        state = await eventually(handling)
        assert state["emergency"] is True and state["customer_masked"] == "王*"
        assert state["department"] == "operations" and state["owner_id"] == "hotline-desk"

        async def post(who: str | dict, name: str, **body):
            headers = who if isinstance(who, dict) else await api.as_(who)
            return await h.post(f"/v1/complaints/{cid}/{name}", json=body, headers=headers)

        accepted = await post("H801", "accept", note="已受理")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["accepted"] is True and accepted.json()["action"] == "accept"
        assert accepted.json()["owner_id"] == "H801"  # a channel's desk took it in; who accepts owns it
        state = (await h.get(f"/v1/complaints/{cid}", headers=sup)).json()
        assert state["first_responder"] == {"id": "H801", "role": "handler", "department": "operations"}

        async def row_moved():
            rows = (await h.get("/v1/complaints", params={"reference": cid}, headers=sup)).json()
            return rows and rows[0]["owner_id"] == "H801"

        await eventually(row_moved)
        assert (await post("S001", "escalate", reason="盗刷风险，转专班")).json()["special_group"] is True
        early = await post("H801", "propose_response", text=GOOD_RESPONSE, **DECISION)
        assert early.status_code == 422 and "approv" in early.json()["detail"]
        assert (await post("H801", "record_disposal", text="卡片已冻结，盗刷交易已拦截")).status_code == 200
        assert (await post("R010", "approve_disposal", note="核实冻结")).status_code == 200
        twice = await post("R010", "approve_disposal")
        assert twice.status_code == 422 and "different person" in twice.json()["detail"]
        assert (await post("R011", "approve_disposal")).status_code == 200
        responded = await post("H801", "propose_response", text=GOOD_RESPONSE, **DECISION)
        assert responded.status_code == 200 and responded.json()["stage"] == "verify", responded.text
        closing = await post("S001", "approve_close", note="同意结案")
        assert closing.status_code == 200, closing.text
        feedback = await post(api.channel("hotline"), "customer_feedback", satisfied=True, csat=5, comment="谢谢")
        assert feedback.status_code == 200, feedback.text
        assert feedback.json()["stage"] == "closed" and feedback.json()["outcome"] == "resolved"
        assert set(feedback.json()) <= {"complaint_id", "action", "seq", "stage", "outcome", "pending_outcome",
                                        "waiting_on_customer"}  # a channel sees no staff ids

        timeline = (await h.get(f"/v1/complaints/{cid}/timeline", headers=sup)).json()
        actors = [(e["action"], e["actor_id"]) for e in timeline if e["accepted"]]
        for step in (("accept", "H801"), ("escalate", "S001"), ("approve_disposal", "R010"),
                     ("approve_disposal", "R011"), ("propose_response", "H801"), ("approve_close", "S001"),
                     ("customer_feedback", "hotline-channel")):
            assert step in actors, (step, actors)

    with Session(engine) as session:
        audited = session.exec(select(RequestAudit).where(RequestAudit.complaint_id == cid)).all()
    seen = {(a.principal_id, a.path.rsplit("/", 1)[-1], a.status) for a in audited}
    assert ("H801", "accept", 200) in seen and ("R010", "approve_disposal", 422) in seen
    assert any(a.principal_kind == "channel" and a.path.endswith("customer_feedback") for a in audited)
    assert all(a.client == "127.0.0.1" for a in audited)
