"""Exactly once from the door: an Idempotency-Key applies a message once whatever the client retries, a 201
means the complaint is alive, and a refused start leaves its reference free."""
import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError

from api import service
from models import messages as m
from models.intake import workflow_id_for
from models.tables import AuditEvent
from tests.actors import HANDLER
from tests.conftest import eventually, make_intake, rows
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle


async def _handled(api) -> str:
    return await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"),
                                     api.channel("hotline"))


def _notes(engine, cid: str, text: str) -> list[AuditEvent]:
    return [e for e in rows(engine, AuditEvent, complaint_id=cid) if e.action == "add_note" and text in e.detail]


async def test_the_same_key_and_body_apply_once_and_answer_as_the_first_time(api, engine):
    cid = await _handled(api)
    key = str(uuid.uuid4())
    async with api.http() as h:
        me = {**await api.as_("S001"), "Idempotency-Key": key}
        answers = [await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "called the customer"}, headers=me)
                   for _ in range(3)]
        # At once too: the retry of a request still in flight waits for the same update.
        answers += await asyncio.gather(*(h.post(f"/v1/complaints/{cid}/add_note",
                                                 json={"text": "called the customer"}, headers=me) for _ in range(4)))
        state = (await h.get(f"/v1/complaints/{cid}", headers=me)).json()
    assert {r.status_code for r in answers} == {200}
    assert len({r.json()["seq"] for r in answers}) == 1
    assert [e["detail"] for e in state["history"] if e["action"] == "add_note"] == ["called the customer"]
    await eventually(lambda: len(_notes(engine, cid, "called the customer")) == 1)


async def test_the_same_key_with_another_body_is_refused_and_another_person_has_keys_of_their_own(api, engine):
    cid = await _handled(api)
    key = str(uuid.uuid4())
    async with api.http() as h:
        sup = {**await api.as_("S001"), "Idempotency-Key": key}
        first = await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "first body"}, headers=sup)
        other = await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "second body"}, headers=sup)
        reviewer = {**await api.as_("R010"), "Idempotency-Key": key}
        theirs = await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "second body"}, headers=reviewer)
        short = await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "x"},
                             headers={**sup, "Idempotency-Key": "short"})
    assert first.status_code == 200
    assert other.status_code == 422 and "another body" in other.json()["detail"]
    assert theirs.status_code == 200 and theirs.json()["seq"] != first.json()["seq"]
    assert short.status_code == 422 and short.json()["field"] == "header.Idempotency-Key"
    await eventually(lambda: [e.actor_id for e in _notes(engine, cid, "second body")] == ["R010"])
    assert len(_notes(engine, cid, "first body")) == 1


async def test_without_a_key_each_request_is_its_own(api, engine):
    cid = await _handled(api)
    async with api.http() as h:
        sup = await api.as_("S001")
        for _ in range(2):
            assert (await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "twice on purpose"},
                                 headers=sup)).status_code == 200
    await eventually(lambda: len(_notes(engine, cid, "twice on purpose")) == 2)


async def test_a_date_past_the_horizon_is_refused_at_the_door_and_the_reference_stays_free(api, client):
    ref = f"HL-{uuid.uuid4().hex[:10]}"
    async with api.http() as h:
        old = await h.post("/v1/complaints", json=intake_body(LOST_CARD, ref, received_at="2001-01-01T00:00:00+08:00"),
                           headers=api.channel("hotline"))
        assert old.status_code == 422 and "more than 30 days ago" in old.json()["detail"]
        assert old.json()["field"] == "received_at"
        again = await h.post("/v1/complaints", json=intake_body(LOST_CARD, ref), headers=api.channel("hotline"))
    assert again.status_code == 201 and again.json()["created"] is True, again.text


async def test_a_start_the_worker_refuses_after_the_door_fails_visibly_and_its_reference_is_free(client, workers):
    # Past the door's own check (an older API, a policy changed in between): the door's receipt is answered in
    # the workflow's first task, before the intake activity; the worker then refuses the intake at the
    # workflow's start time and the run fails, where an operator sees it.
    late = make_intake(received_at=datetime.now(UTC) - timedelta(days=40))
    assert (await service.submit(client, late, workers["calm"])).created
    handle = client.get_workflow_handle(workflow_id_for(late.complaint_id))
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert "invalid intake: received_at" in str(failed.value.cause)
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED
    fixed = late.model_copy(update={"received_at": datetime.now(UTC) - timedelta(minutes=1)})
    again = await service.submit(client, fixed, workers["calm"])
    assert again.created
    await service.send(client, again.complaint_id, "accept", m.Accept(actor=HANDLER))
