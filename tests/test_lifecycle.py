"""The lifecycle end to end on a real dev server: stages, messages, queries, rows."""
from datetime import datetime, timedelta

from temporalio.api.enums.v1 import EventType

from api import service
from models import messages as m
from models.enums import Outcome, Stage
from models.intake import workflow_id_for
from models.tables import AuditEvent, ComplaintRow, Notification
from tests.actors import DECISION, GOOD_RESPONSE, HANDLER, INTAKE, SUPERVISOR
from tests.conftest import eventually, make_intake, rows
from tests.helpers import FEE_TEXT, result, stage_is, submit
from tests.replay import check_replay


async def test_satisfied_lifecycle_runs_every_stage_and_writes_the_records(client, workers, engine):
    cid = await submit(client, workers["calm"])
    s = await service.state(client, cid)
    assert s.classification.business_type == "credit_card"
    assert s.department == "credit-card-centre" and s.owner_id == HANDLER.id
    assert s.first_responder.id == HANDLER.id and s.level.value == "II" and not s.emergency

    s = await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    assert s.accepted
    s = await service.send(client, cid, "add_note", m.AddNote(actor=HANDLER, text="called the customer"))
    s = await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    assert s.stage is Stage.VERIFY  # the update returns once the response is sent
    await eventually(lambda: stage_is(client, cid, Stage.VERIFY))
    s = await service.send(client, cid, "customer_feedback",
                           m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=5, comment="谢谢"))
    assert s.stage is Stage.CLOSED and s.outcome is Outcome.RESOLVED

    final = await result(client, cid)
    stages = [h.detail for h in final.history if h.action == "stage"]
    assert stages == ["analyse", "handle", "respond", "verify", "closed"]
    # The first responder stayed the owner to the end.
    assert final.owner_id == HANDLER.id

    row = rows(engine, ComplaintRow, id=cid)[0]
    assert (row.stage, row.outcome, row.csat, row.level) == ("closed", "resolved", 5, "II")
    assert row.closed_at is not None and row.responded_at is not None
    audit = rows(engine, AuditEvent, complaint_id=cid)
    assert [a.seq for a in sorted(audit, key=lambda a: a.seq)] == list(range(1, len(final.history) + 1))
    assert {"received", "analysed", "accept", "add_note", "propose_response", "customer_feedback"} <= {
        a.action for a in audit}
    templates = [n.template for n in rows(engine, Notification, complaint_id=cid)]
    assert "acknowledgement" in templates and "response" in templates and "feedback_invitation" in templates
    ack = next(n for n in rows(engine, Notification, complaint_id=cid) if n.template == "acknowledgement")
    assert cid in ack.body and ack.channel == "sms"
    # Supervisors' lists show it closed. The closing stage went out in the task that completed the workflow
    # (so the server skips that upsert's visibility write and the close record carries it).
    closed = f"WorkflowId = '{workflow_id_for(cid)}' AND ComplaintStage = 'closed'"
    await eventually(lambda: _count(client, closed))
    events = (await client.get_workflow_handle(workflow_id_for(cid)).fetch_history()).events
    last_task = max(i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    assert [e.event_type for e in events[last_task + 1:]] == [
        EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]
    await check_replay(client, workflow_id_for(cid), "satisfied")


async def test_not_satisfied_goes_back_to_handle_with_a_supervisor_and_a_24h_clock(client, workers, engine):
    cid = await submit(client, workers["calm"])
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    await eventually(lambda: stage_is(client, cid, Stage.VERIFY))
    s = await service.send(client, cid, "customer_feedback",
                           m.CustomerFeedback(actor=INTAKE, satisfied=False, csat=2, comment="还是没解决"))
    assert s.stage is Stage.HANDLE and s.supervisor_assigned and s.dissatisfaction_events == 1
    resolve = s.clock("resolve")
    assert resolve is not None and resolve.running
    assert resolve.due_at - resolve.started_at == timedelta(hours=24)
    await eventually(lambda: "apology" in [n.template for n in rows(engine, Notification, complaint_id=cid)])

    # Second round: respond again, and this time the customer is satisfied.
    s = await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    await eventually(lambda: stage_is(client, cid, Stage.VERIFY))
    s = await service.state(client, cid)
    assert s.clock("resolve").met_at is not None and s.clock("verify_window#2") is not None
    s = await service.send(client, cid, "customer_feedback",
                           m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=4))
    assert s.outcome is Outcome.RESOLVED and [f.satisfied for f in s.feedback] == [False, True]
    await result(client, cid)
    await check_replay(client, workflow_id_for(cid), "not_satisfied")


async def test_withdraw_closes_the_same_day(client, workers, engine):
    cid = await submit(client, workers["calm"])
    s = await service.send(client, cid, "withdraw", m.Withdraw(actor=INTAKE, reason="客户撤诉"))
    assert s.stage is Stage.CLOSED and s.outcome is Outcome.WITHDRAWN
    assert s.closed_at.date() == datetime.now(s.closed_at.tzinfo).date()
    assert all(not c.running for c in s.clocks)
    await result(client, cid)
    assert rows(engine, ComplaintRow, id=cid)[0].outcome == "withdrawn"
    assert "withdrawn" in [n.template for n in rows(engine, Notification, complaint_id=cid)]
    await check_replay(client, workflow_id_for(cid), "withdraw")


async def test_same_complaint_twice_reaches_the_same_workflow_and_row(client, workers, engine):
    intake = make_intake(FEE_TEXT)
    first = await service.submit(client, intake, workers["calm"])
    again = await service.submit(client, intake, workers["calm"])
    assert first.created and not again.created and first.complaint_id == again.complaint_id
    await eventually(lambda: stage_is(client, first.complaint_id, Stage.HANDLE))
    assert len(rows(engine, ComplaintRow, external_ref=intake.external_ref)) == 1
    # Even after it closes, the same reference does not start a second workflow.
    await service.send(client, first.complaint_id, "withdraw", m.Withdraw(actor=INTAKE))
    await result(client, first.complaint_id)
    assert not (await service.submit(client, intake, workers["calm"])).created


async def test_major_complaint_needs_a_supervisors_approval_to_close(client, workers):
    cid = await submit(client, workers["calm"], text="手机银行系统故障，所有客户都无法登录")
    s = await service.state(client, cid)
    assert s.level.value == "I" and s.special_group
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    await eventually(lambda: stage_is(client, cid, Stage.VERIFY))
    s = await service.send(client, cid, "customer_feedback", m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=5))
    assert s.stage is Stage.VERIFY and s.pending_outcome is Outcome.RESOLVED
    s = await service.send(client, cid, "approve_close", m.ApproveClose(actor=SUPERVISOR, note="ok"))
    assert s.stage is Stage.CLOSED and s.close_approved_by == SUPERVISOR.id


async def _count(client, query: str) -> int:
    return (await client.count_workflows(query)).count
