"""The front door's edges: what a hostile or careless client sends gets a clear problem, never a traceback,
and the OpenAPI document is the contract."""
import uuid

from sqlmodel import Session, select

from models.access import RequestAudit
from tests.test_front_door import LOST_CARD, intake_body
from workflows.contract import MESSAGES


async def test_megabytes_are_refused_before_they_are_read_and_the_refusal_is_audited(api, engine):
    async with api.http() as h:
        big = b'{"external_ref": "' + b"x" * (3 * 1024 * 1024) + b'"}'
        r = await h.post("/v1/complaints?case=megabytes", content=big, headers={**api.channel("app"),
                                                                                "Content-Type": "application/json"})
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
        assert "over 65536 bytes" in r.json()["detail"]

        async def chunks():  # no Content-Length: counted as it streams
            for _ in range(100):
                yield b"x" * 4096

        streamed = await h.post("/v1/complaints?case=streamed", content=chunks(),
                                headers={**api.channel("app"), "Content-Type": "application/json"})
        assert streamed.status_code == 413
    with Session(engine) as session:
        rows = session.exec(select(RequestAudit).where(RequestAudit.path.contains("case=megabytes"))).all()
    assert [(r.status, r.outcome[:9]) for r in rows] == [(413, "too-large")]


async def test_bad_input_is_one_problem_naming_the_field(api):
    async with api.http() as h:
        headers = api.channel("app")
        control = intake_body("卡丢了\x1b[31m", f"AP-{uuid.uuid4().hex[:8]}")
        r = await h.post("/v1/complaints", json=control, headers=headers)
        assert r.status_code == 422 and "control character" in r.json()["detail"]
        phone = intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}")
        phone["customer"]["phone"] = "123"
        r = await h.post("/v1/complaints", json=phone, headers=headers)
        assert r.status_code == 422 and r.json()["field"] == "customer.phone"
        r = await h.post("/v1/complaints", content=b"{not json", headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["type"].endswith("/invalid")
        future = intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}", received_at="2099-01-01T00:00:00+08:00")
        r = await h.post("/v1/complaints", json=future, headers=headers)
        assert r.status_code == 422 and "in the future" in r.json()["detail"]
        nowhere = await h.get("/v1/nowhere", headers=headers)
        assert nowhere.status_code == 404 and nowhere.json()["status"] == 404
        bad_id = await h.post("/v1/complaints/not-an-id/accept", json={}, headers=await api.as_("E207"))
        assert bad_id.status_code == 422 and bad_id.json()["field"] == "complaint_id"
        unknown = await h.post("/v1/complaints/HL0000000000/accept", json={}, headers=await api.as_("E207"))
        assert unknown.status_code == 404 and unknown.json()["detail"] == "no complaint HL0000000000"
        for r in (nowhere, bad_id, unknown):
            assert "Traceback" not in r.text


async def test_the_openapi_document_lists_every_contract_message_and_no_actor(api):
    async with api.http() as h:
        spec = (await h.get("/openapi.json")).json()
        me = await h.get("/v1/auth/me", headers=await api.as_("R010"))
    for name in MESSAGES:
        operation = spec["paths"][f"/v1/complaints/{{complaint_id}}/{name}"]["post"]
        schema_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]
        assert "actor" not in body.get("properties", {}) and body.get("additionalProperties") is False, name
    intake = spec["components"]["schemas"]["IntakeRequest"]
    assert "received_by" not in intake["properties"]
    assert me.json() == {"kind": "person", "id": "R010", "role": "reviewer", "department": "risk", "via": "token",
                         "channel": None}


async def test_a_correction_takes_labels_from_the_taxonomy_only(api):
    from tests.test_front_door import submitted_in_handle

    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        sup = await api.as_("S001")
        banana = await h.post(f"/v1/complaints/{cid}/correct_classification",
                              json={"business_type": "banana", "reason": "x"}, headers=sup)
        assert banana.status_code == 422 and banana.json()["field"] == "business_type"
        assert "'banana' is not in the taxonomy; one of:" in banana.json()["detail"]
        assert "credit_card" in banana.json()["detail"]
        nature = await h.post(f"/v1/complaints/{cid}/correct_classification",
                              json={"problem_nature": "weather", "reason": "x"}, headers=sup)
        assert nature.status_code == 422 and nature.json()["field"] == "problem_nature"
        fixed = await h.post(f"/v1/complaints/{cid}/correct_classification",
                             json={"business_type": "credit_card", "problem_nature": "fraud", "reason": "信用卡被盗刷"},
                             headers=sup)
        assert fixed.status_code == 200, fixed.text
        state = (await h.get(f"/v1/complaints/{cid}", headers=sup)).json()
        assert state["classification"]["business_type"] == "credit_card"


async def test_a_handler_lists_only_their_desk_and_a_supervisor_every_complaint(api):
    """The list's scope (api/access.list_scope): another department's complaint is not in a handler's list."""
    from tests.test_front_door import submitted_in_handle

    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"AP-{uuid.uuid4().hex[:8]}"), api.channel("app"))
    async with api.http() as h:
        def ids(r):
            return [c["complaint_id"] for c in r.json()]

        assert ids(await h.get("/v1/complaints", params={"reference": cid}, headers=await api.as_("H801"))) == [cid]
        assert ids(await h.get("/v1/complaints", params={"reference": cid}, headers=await api.as_("H501"))) == []
        assert ids(await h.get("/v1/complaints", params={"reference": cid}, headers=await api.as_("S001"))) == [cid]
        operator = await h.get("/v1/complaints", headers=await api.as_("O001"))
        assert operator.status_code == 403
