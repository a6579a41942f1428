"""No message from any client can break, bloat or corrupt a complaint: the catalogue of attacks that once
did (issue: poison-proof), each now a recorded rejection, a refusal, or a cleanly failed start."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowFailureError, WorkflowQueryFailedError, WorkflowUpdateFailedError

from api import service
from models import messages as m
from models.intake import Intake, workflow_id_for
from models.state import ComplaintState
from models.tables import AuditEvent, ComplaintRow
from tests.actors import HANDLER, SUPERVISOR
from tests.conftest import eventually, make_intake, rows
from tests.helpers import submit
from tests.poison import garbage_client, healthy, plain_client, sealed, snapshot

ACTOR = json.loads(HANDLER.model_dump_json())
FORGED_SUPERVISOR = json.loads(SUPERVISOR.model_dump_json())


async def _rejections(client, cid, count=1):
    s = await service.state(client, cid)
    rejected = [h for h in s.history if not h.accepted]
    return rejected if len(rejected) >= count else None


@pytest.mark.parametrize("name, args, reason", [
    ("accept", [], "takes one payload (a JSON object), not 0"),
    ("accept", [{"actor": ACTOR}, {"actor": ACTOR}], "not 2"),
    ("accept", ["just a string"], "must be a JSON object, not str"),
    ("accept", [None], "must be a JSON object, not NoneType"),
    ("accept", [[1, 2]], "must be a JSON object, not list"),
    ("launch_missiles", [{"actor": ACTOR}], "unknown message 'launch_missiles'"),
    ("add_note", [{"actor": ACTOR, "text": "hi\x00there"}], "control character (U+0000)"),
    ("add_note", [{"actor": ACTOR, "text": "\x1b[2J\x1b[31mred"}], "control character (U+001B)"),
    ("add_note", [{"actor": ACTOR, "text": "x" * 40_000}], "over the 32768-byte limit"),
    ("open_work_order", [{"actor": ACTOR, "department": "loans", "question": "?", "due": "99999999d"}], "bad duration"),
])
async def test_a_malformed_signal_is_a_recorded_rejection_and_the_complaint_lives_on(client, workers, engine,
                                                                                    name, args, reason):
    cid = await submit(client, workers["calm"])
    await client.get_workflow_handle(workflow_id_for(cid)).signal(name, args=sealed(client, cid, name, args))
    rejected = await eventually(lambda: _rejections(client, cid))
    assert reason in rejected[0].detail and len(rejected[0].detail) <= 301
    await eventually(lambda: [a for a in rows(engine, AuditEvent, complaint_id=cid) if not a.accepted])
    # Still itself: a valid message after the bad one is applied.
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await healthy(client, cid)


async def test_after_a_signal_with_no_payload_the_clocks_still_fire(client, workers):
    """The old handler raised on a missing payload: the task failed forever and no deadline ever fired."""
    cid = await submit(client, workers["fast"])  # first response due in 4 s, warned at 2 s
    await client.get_workflow_handle(workflow_id_for(cid)).signal("accept", args=[])
    s = await eventually(lambda: _clock_fired(client, cid), timeout=20)
    assert any(h.action == "sla_breached" for h in s.history)
    await healthy(client, cid)


async def _clock_fired(client, cid):
    s = await service.state(client, cid)
    return s if s.breached else None


@pytest.mark.parametrize("name, args, reason", [
    ("accept", [], "not 0"),
    ("accept", [{"actor": ACTOR}, {"actor": ACTOR}], "not 2"),
    ("no_such_update", [{"actor": ACTOR}], "unknown message"),
    ("add_note", [{"actor": ACTOR, "text": "bell\x07"}], "U+0007"),
    ("open_work_order", [{"actor": ACTOR, "department": "loans", "question": "?", "due": "9999d"}],
     "outlast the regulatory ceiling"),
])
async def test_a_malformed_update_is_refused_and_leaves_no_trace(client, workers, name, args, reason):
    cid = await submit(client, workers["calm"])
    before = await service.state(client, cid)
    handle = client.get_workflow_handle(workflow_id_for(cid))
    with pytest.raises(WorkflowUpdateFailedError) as e:
        await handle.execute_update(name, args=sealed(client, cid, name, args, "bad-update"), id="bad-update")
    assert reason in e.value.cause.message
    assert (await service.state(client, cid)).model_dump() == before.model_dump()
    await healthy(client, cid)


async def test_a_plain_payload_without_the_key_is_never_applied_nor_stored(client, workers, engine):
    """`temporal workflow update/signal` without the codec, claiming to be a supervisor."""
    cid = await submit(client, workers["calm"])
    plain = plain_client(client).get_workflow_handle(workflow_id_for(cid))
    with pytest.raises(WorkflowUpdateFailedError) as e:
        await plain.execute_update("escalate", {"actor": FORGED_SUPERVISOR, "reason": "SECRET-PLAIN-REASON"})
    assert "not encrypted with the complaint key" in e.value.cause.message
    await plain.signal("escalate", {"actor": FORGED_SUPERVISOR, "reason": "SECRET-PLAIN-REASON"})
    await garbage_client(client).get_workflow_handle(workflow_id_for(cid)).signal("escalate", {"x": 1})
    rejected = await eventually(lambda: _rejections(client, cid, 2))
    assert "not encrypted" in rejected[0].detail and "could not be decrypted" in rejected[1].detail
    s = await service.state(client, cid)
    assert not s.special_group
    audit = await eventually(lambda: [a for a in rows(engine, AuditEvent, complaint_id=cid) if not a.accepted])
    assert all("SECRET-PLAIN-REASON" not in a.detail for a in audit)
    await healthy(client, cid)


async def test_queries_with_junk_arguments_still_answer(client, workers):
    cid = await submit(client, workers["calm"])
    handle = client.get_workflow_handle(workflow_id_for(cid))
    for args in ([1], [{"a": "b"}, "two"], []):
        assert (await handle.query("state", args=args))["complaint_id"] == cid
    # Without the key a query is answered, but in ciphertext the asker cannot read.
    with pytest.raises(Exception, match="binary/encrypted"):
        await plain_client(client).get_workflow_handle(workflow_id_for(cid)).query("sla", args=["plain"])
    with pytest.raises(WorkflowQueryFailedError, match="known queries"):
        await handle.query("no_such_query")
    await healthy(client, cid)


def _start_payload(intake: Intake, **changes) -> dict:
    data = {"intake": json.loads(intake.model_dump_json()), "complaint_id": intake.complaint_id} | changes
    return data


async def _start_raw(client, queue, workflow_id, args, plain=False):
    starter = plain_client(client) if plain else client
    handle = await starter.start_workflow("ComplaintWorkflow", args=args, id=workflow_id, task_queue=queue)
    with pytest.raises(WorkflowFailureError) as e:
        await client.get_workflow_handle(workflow_id, run_id=handle.result_run_id).result()
    return e.value.cause.message


async def test_a_raw_start_that_names_another_complaint_fails_and_touches_nothing(client, workers, engine):
    victim = await submit(client, workers["calm"])
    # settled: analysed and in handling, nothing more to write until a clock of hours comes due
    await eventually(lambda: [r for r in rows(engine, ComplaintRow, id=victim) if r.stage == "handle"])
    await healthy(client, victim)
    before = snapshot(engine, victim)
    intake = make_intake()
    # The victim's id in the input, under another workflow id: the old code overwrote the victim's row.
    reason = await _start_raw(client, workers["calm"], workflow_id_for(intake.complaint_id),
                              [_start_payload(intake, complaint_id=victim)])
    assert f"complaint_id {victim} does not belong to workflow" in reason
    # The victim's workflow id, with someone else's intake.
    reason = await _start_raw(client, workers["calm"], "complaint-" + victim + "-x",
                              [_start_payload(intake)])
    assert "does not belong" in reason
    assert snapshot(engine, victim) == before and rows(engine, ComplaintRow, id=intake.complaint_id) == []


@pytest.mark.parametrize("case, args, reason", [
    ("no input", [], "takes one input (a StartComplaint), not 0"),
    ("two inputs", ["a", "b"], "not 2"),
    ("a string", ["hello"], "must be a JSON object"),
    ("NUL in the text", "nul", "control character (U+0000)"),
    ("received in 1900", "old", "more than 30 days ago"),
    ("received next year", "future", "in the future"),
    ("intake claims the system role", "system", "may not claim the system role"),
    ("intake claims the special group", "special", "special-group"),
    ("carried state on a first run", "carried", "carried state comes only from"),
    ("plain payload", "plain", "not encrypted with the complaint key"),
])
async def test_an_invalid_start_fails_the_workflow_cleanly_with_its_reason(client, workers, engine, case, args, reason):
    intake = make_intake()
    payload = _start_payload(intake)
    plain = False
    if args == "nul":
        payload["intake"]["text"] = "卡丢了\x00"
    elif args in ("old", "future"):
        at = datetime(1900, 1, 1, tzinfo=UTC) if args == "old" else \
            datetime.now(UTC) + timedelta(days=365)
        payload["intake"]["received_at"] = at.isoformat()
    elif args == "system":
        payload["intake"]["received_by"] = {"id": "sys", "role": "system", "department": "complaints"}
    elif args == "special":
        payload["intake"]["received_by"] = {"id": "E1", "role": "handler", "department": "special-group"}
    elif args == "carried":  # a whole state, claiming the supervisor already approved the close
        state = ComplaintState(complaint_id=intake.complaint_id, channel=intake.channel,
                               external_ref=intake.external_ref, customer_id="C1", customer_masked="王*",
                               tier=intake.customer.tier, received_at=intake.received_at,
                               first_responder=HANDLER, owner_id=HANDLER.id, department="x",
                               close_approved_by="S001")
        payload["carried"] = {"state": json.loads(state.model_dump_json()), "policy": {}}
    elif args == "plain":
        plain = True
    message = await _start_raw(client, workers["calm"], workflow_id_for(intake.complaint_id),
                               args if isinstance(args, list) else [payload], plain=plain)
    assert reason in message, case
    assert rows(engine, ComplaintRow, id=intake.complaint_id) == []


@pytest.mark.parametrize("field, value, reason", [
    ("text", "卡丢了\x00", "U+0000"),
    ("text", "abc\u202eevil", "U+202E"),
    ("external_ref", "HL-1\x1b", "U+001B"),
])
def test_control_characters_are_refused_at_intake_naming_the_field(field, value, reason):
    data = json.loads(make_intake().model_dump_json()) | {field: value}
    with pytest.raises(ValidationError) as e:
        Intake.model_validate(data)
    assert reason in str(e.value) and field in str(e.value)


def test_control_characters_in_a_nested_field_are_named():
    data = json.loads(make_intake().model_dump_json())
    data["customer"]["name"] = "王\x00芳"
    with pytest.raises(ValidationError, match=r"customer\.name: contains a control character \(U\+0000\)"):
        Intake.model_validate(data)
    assert Intake.model_validate(json.loads(make_intake("第一行\n第二行\t缩进").model_dump_json()))


async def test_notes_are_rate_limited_per_complaint(client, workers):
    cid = await submit(client, workers["calm"])
    for i in range(60):  # the default policy's limit per hour
        await service.signal(client, cid, "add_note", m.AddNote(actor=HANDLER, text=f"note {i}"))
    with pytest.raises(service.ComplaintError, match="already has 60 notes in the last hour"):
        await service.send(client, cid, "add_note", m.AddNote(actor=HANDLER, text="one too many"))
    await healthy(client, cid)


async def test_an_update_answers_with_the_new_state_in_brief(client, workers):
    """Every update result stays in the history: it carries no texts and no audit trail, whatever the notes."""
    cid = await submit(client, workers["calm"])
    long_note = "很长的备注" * 390
    ack = await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text=long_note))
    assert (ack.action, ack.stage.value, ack.owner_id, ack.accepted) == ("add_note", "handle", "E207", False)
    assert len(ack.model_dump_json()) < 600 and long_note[:20] not in ack.model_dump_json()
    ack = await service.acknowledge(client, cid, "accept", m.Accept(actor=HANDLER))
    assert ack.accepted and ack.seq == (await service.state(client, cid)).history[-1].seq
