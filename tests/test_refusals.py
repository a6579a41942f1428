"""Bad input gets a clear error and changes nothing."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from api import service
from models import messages as m
from models.intake import Intake, workflow_id_for
from models.tables import AuditEvent, ComplaintRow
from tests.actors import COLLEAGUE, DECISION, GOOD_RESPONSE, HANDLER, INTAKE, SUPERVISOR
from tests.conftest import eventually, make_intake, rows
from tests.helpers import result, submit
from tests.poison import sealed
from workflows.contract import MESSAGES

GOOD = json.loads(make_intake().model_dump_json())


def variant(**changes):
    data = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        if value is DROP:
            target.pop(leaf)
        else:
            target[leaf] = value
    return data


DROP = object()


@pytest.mark.parametrize("data, complaint", [
    (variant(colour="red"), "colour"),
    (variant(channel="carrier-pigeon"), "channel"),
    (variant(text=""), "text"),
    (variant(text="   "), "text"),
    (variant(text="x" * 5001), "text"),
    (variant(customer__phone="12345"), "phone"),
    (variant(customer__tier="gold"), "tier"),
    (variant(customer__nickname="Fang"), "nickname"),
    (variant(received_at="2026-11-22T09:30:00"), "time zone"),
    (variant(received_at="yesterday"), "received_at"),
    (variant(received_by__role="janitor"), "role"),
    (variant(external_ref=DROP), "external_ref"),
    (variant(external_ref="has spaces and ;"), "external_ref"),
])
def test_invalid_intake_is_refused_with_a_clear_error(data, complaint):
    with pytest.raises(ValidationError) as e:
        Intake.model_validate(data)
    assert complaint in str(e.value)


async def test_future_intake_starts_nothing(client, workers, engine):
    intake = make_intake(received_at=datetime.now(UTC) + timedelta(hours=2))
    with pytest.raises(service.ComplaintError, match="in the future"):
        await service.submit(client, intake, workers["calm"])
    with pytest.raises(RPCError):
        await client.get_workflow_handle(workflow_id_for(intake.complaint_id)).describe()
    assert rows(engine, ComplaintRow, id=intake.complaint_id) == []


async def test_unknown_complaint(client, workers):
    with pytest.raises(service.ComplaintError, match="no complaint HL0000000000"):
        await service.send(client, "HL0000000000", "accept", m.Accept(actor=HANDLER))
    with pytest.raises(service.ComplaintError, match="no complaint HL0000000000"):
        await service.state(client, "HL0000000000")


@pytest.mark.parametrize("name, msg, reason", [
    ("customer_feedback", m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=5), "not possible in stage handle"),
    ("accept", m.Accept(actor=INTAKE), "accept is for"),
    ("escalate", m.Escalate(actor=HANDLER, reason="x"), "a supervisor"),
    ("propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION), "accept the complaint before"),
    ("open_work_order", m.OpenWorkOrder(actor=COLLEAGUE, department="loans", question="?"), "the owner"),
    ("answer_work_order", m.AnswerWorkOrder(actor=HANDLER, work_order_id="WO-9", answer="x"), "asks"),
    ("approve_disposal", m.ApproveDisposal(actor=SUPERVISOR), "only emergency complaints"),
    ("approve_close", m.ApproveClose(actor=SUPERVISOR), "only major complaints"),
    ("customer_info_received", m.CustomerInfoReceived(actor=INTAKE), "not waiting on the customer"),
    ("withdraw", m.Withdraw(actor=HANDLER), "the intake channel"),
])
async def test_refused_update_says_why_and_changes_nothing(client, workers, name, msg, reason):
    cid = await submit(client, workers["calm"])
    before = await service.state(client, cid)
    with pytest.raises(service.ComplaintError, match=reason):
        await service.send(client, cid, name, msg)
    after = await service.state(client, cid)
    assert after.model_dump() == before.model_dump()


async def test_response_script_names_the_missing_part_and_the_prohibited_phrase(client, workers):
    cid = await submit(client, workers["calm"])
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    with pytest.raises(service.ComplaintError) as e:
        await service.send(client, cid, "propose_response",
                           m.ProposeResponse(actor=HANDLER, text="这不是我的职责，请找别的部门。", **DECISION))
    assert "这不是我的职责" in str(e.value) and "empathy & apology part" in str(e.value)
    with pytest.raises(service.ComplaintError, match="not my job"):
        await service.send(client, cid, "propose_response", m.ProposeResponse(
            actor=HANDLER, text="Sorry. We checked: that's not my job. We will refund. Contact us.", **DECISION))
    assert (await service.state(client, cid)).stage.value == "handle"


async def test_messages_to_a_closed_complaint_are_refused(client, workers):
    cid = await submit(client, workers["calm"])
    await service.send(client, cid, "withdraw", m.Withdraw(actor=INTAKE))
    await result(client, cid)
    with pytest.raises(service.ComplaintError, match="is closed"):
        await service.send(client, cid, "add_note", m.AddNote(actor=HANDLER, text="late note"))


async def test_an_invalid_signal_changes_nothing_and_is_recorded_as_rejected(client, workers, engine):
    cid = await submit(client, workers["calm"])
    await service.signal(client, cid, "escalate", m.Escalate(actor=HANDLER, reason="I want a supervisor"))
    s = await eventually(lambda: _rejected(client, cid))
    entry = next(h for h in s.history if not h.accepted)
    assert entry.action == "escalate" and "a supervisor" in entry.detail and not s.special_group
    await eventually(lambda: [a for a in rows(engine, AuditEvent, complaint_id=cid) if not a.accepted])


async def test_a_valid_signal_is_applied(client, workers):
    cid = await submit(client, workers["calm"])
    await service.signal(client, cid, "accept", m.Accept(actor=HANDLER))
    await eventually(lambda: _accepted(client, cid))


async def _rejected(client, cid):
    s = await service.state(client, cid)
    return s if any(not h.accepted for h in s.history) else None


async def _accepted(client, cid):
    return (await service.state(client, cid)).accepted


ACTOR = {"id": "E207", "role": "handler", "department": "branch-0101"}


@pytest.mark.parametrize("name, payload, complaint", [
    ("customer_feedback", {"actor": ACTOR, "satisfied": True, "csat": 9}, "csat"),
    ("customer_feedback", {"actor": ACTOR, "satisfied": "maybe", "csat": 3}, "satisfied"),
    ("customer_feedback", {"actor": ACTOR, "satisfied": True, "csat": "five"}, "csat"),
    ("add_note", {"actor": ACTOR, "text": ""}, "text"),
    ("add_note", {"actor": ACTOR, "text": "x" * 2001}, "text"),
    ("add_note", {"actor": ACTOR, "text": "hi", "priority": "high"}, "priority"),
    ("add_note", {"text": "no actor"}, "actor"),
    ("add_note", {"actor": {**ACTOR, "role": "ceo"}, "text": "hi"}, "role"),
    ("open_work_order", {"actor": ACTOR, "department": "loans"}, "question"),
    ("propose_response", {"actor": ACTOR, "text": "y" * 4001}, "text"),
])
def test_malformed_messages_are_refused_by_their_model(name, payload, complaint):
    with pytest.raises(ValidationError) as e:
        MESSAGES[name].model_validate(payload)
    assert complaint in str(e.value)


async def test_raw_malformed_update_and_signal_change_nothing(client, workers):
    """What another system (or the temporal CLI) might send, bypassing our typed client: unproven, it is
    refused whatever it says; sealed (only the API can), a malformed one is still refused by its content."""
    cid = await submit(client, workers["calm"])
    handle = client.get_workflow_handle(workflow_id_for(cid))
    before = await service.state(client, cid)
    extra = {"actor": ACTOR, "text": "hi", "priority": "high"}
    with pytest.raises(WorkflowUpdateFailedError) as e:
        await handle.execute_update("add_note", extra)
    assert e.value.cause.message == "add_note refused: its actor is not proven: only the API speaks for a person " \
                                    "(it names E207)"
    with pytest.raises(WorkflowUpdateFailedError) as e:
        await handle.execute_update("add_note", args=sealed(client, cid, "add_note", [extra], "u-extra"), id="u-extra")
    assert e.value.cause.message == "invalid add_note: priority: Extra inputs are not permitted"
    assert (await service.state(client, cid)).model_dump() == before.model_dump()
    # malformed: recorded as rejected, not applied
    await handle.signal("accept", args=sealed(client, cid, "accept", [{"actor": {"id": "E207"}}]))
    await service.signal(client, cid, "add_note", m.AddNote(actor=HANDLER, text="a valid one after it"))
    after = await eventually(lambda: _noted(client, cid))
    rejected = [h for h in after.history if not h.accepted]
    assert len(rejected) == 1 and rejected[0].action == "accept" and rejected[0].actor_id == "E207"
    assert "actor.role: Field required" in rejected[0].detail and not after.accepted
    assert len(after.history) == len(before.history) + 2 and await service.is_running(client, cid)


async def _noted(client, cid):
    s = await service.state(client, cid)
    return s if any(h.action == "add_note" for h in s.history) else None
