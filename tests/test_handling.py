"""Handling-stage controls: work orders, dual review, the special group, reassignment, roles."""
import asyncio
from datetime import timedelta

import pytest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import PollWorkflowTaskQueueRequest, RespondWorkflowTaskCompletedRequest

from api import service
from complaints.reads import work_orders_owed
from models import messages as m
from models.enums import Stage, WorkOrderStatus
from models.intake import Actor, workflow_id_for
from models.tables import Notification, WorkOrderRow
from tests.actors import (
    CARD_AGENT,
    COLLEAGUE,
    DECISION,
    GOOD_RESPONSE,
    HANDLER,
    INTAKE,
    LOANS_AGENT,
    REVIEWER_A,
    REVIEWER_B,
    SUPERVISOR,
)
from tests.conftest import eventually, rows
from tests.helpers import list_workflows, result, stage_is, submit
from tests.policies import CALM
from tests.replay import check_replay
from workers.worker import build_worker

LOST_CARD = "我的银行卡昨天丢了，卡丢了咋整？"
IT_AGENT = Actor(id="A701", role="department_agent", department="it")
SPECIAL = Actor(id="G001", role="handler", department="special-group")


async def test_work_orders_have_their_own_clock_and_block_the_response_until_answered(client, workers, engine):
    cid = await submit(client, workers["calm"])  # owned by credit-card-centre, first responder E207
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    s = await service.send(client, cid, "open_work_order", m.OpenWorkOrder(
        actor=HANDLER, department="loans", question="客户是否有分期贷款？"))
    s = await service.send(client, cid, "open_work_order", m.OpenWorkOrder(
        actor=HANDLER, department="it", question="App 是否有扣费记录？", due="2h"))
    assert [w.id for w in s.open_work_orders()] == ["WO-1", "WO-2"]
    reply1, reply2 = s.clock("reply:WO-1"), s.clock("reply:WO-2")
    assert reply1.due_at - reply1.started_at == timedelta(hours=24)  # policy default
    assert reply2.due_at - reply2.started_at == timedelta(hours=2)

    with pytest.raises(service.ComplaintError, match="WO-1 to loans is still open"):
        await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    with pytest.raises(service.ComplaintError, match="an agent of a department a work order asks"):
        await service.send(client, cid, "answer_work_order",
                           m.AnswerWorkOrder(actor=CARD_AGENT, work_order_id="WO-1", answer="x"))
    with pytest.raises(service.ComplaintError, match="asks loans, not it"):
        await service.send(client, cid, "answer_work_order",
                           m.AnswerWorkOrder(actor=IT_AGENT, work_order_id="WO-1", answer="x"))
    # The asked department sees what it owes, from the read model.
    await eventually(lambda: [w.id for w in work_orders_owed(engine, "loans") if w.complaint_id == cid])

    s = await service.send(client, cid, "answer_work_order",
                           m.AnswerWorkOrder(actor=LOANS_AGENT, work_order_id="WO-1", answer="有一笔分期"))
    assert s.work_order("WO-1").status is WorkOrderStatus.ANSWERED and s.clock("reply:WO-1").met_at
    with pytest.raises(service.ComplaintError, match="already answered"):
        await service.send(client, cid, "answer_work_order",
                           m.AnswerWorkOrder(actor=LOANS_AGENT, work_order_id="WO-1", answer="again"))
    with pytest.raises(service.ComplaintError, match="the owner"):
        await service.send(client, cid, "cancel_work_order",
                           m.CancelWorkOrder(actor=COLLEAGUE, work_order_id="WO-2", reason="x"))
    s = await service.send(client, cid, "cancel_work_order",
                           m.CancelWorkOrder(actor=HANDLER, work_order_id="WO-2", reason="客户已提供截图"))
    assert s.work_order("WO-2").status is WorkOrderStatus.CANCELLED and not s.clock("reply:WO-2").running
    s = await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    assert s.stage is Stage.VERIFY and s.owner_id == HANDLER.id  # the first responder still owns it

    await eventually(lambda: {r.status for r in rows(engine, WorkOrderRow, complaint_id=cid)} == {"answered",
                                                                                                  "cancelled"})
    assert work_orders_owed(engine, "loans", complaint_id=cid) == []
    await check_replay(client, workflow_id_for(cid), "work_order")


async def test_an_unanswered_work_order_escalates_to_the_department_supervisor_and_the_owner(client, workers, engine):
    cid = await submit(client, workers["fast"], "我的账户被冻结了，请尽快帮我解冻")
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.send(client, cid, "open_work_order",
                       m.OpenWorkOrder(actor=HANDLER, department="loans", question="冻结原因？"))
    await eventually(lambda: _clock_breached(client, cid, "reply:WO-1"), timeout=10)
    overdue = await eventually(lambda: [n for n in rows(engine, Notification, complaint_id=cid)
                                        if n.template == "work_order_overdue"])
    assert {n.recipient for n in overdue} == {"supervisor:loans", HANDLER.id}


async def test_an_emergency_needs_two_different_reviewers_before_the_response(client, workers):
    cid = await submit(client, workers["calm"], LOST_CARD)
    s = await service.state(client, cid)
    assert s.emergency and s.clock("first_disposal") is not None
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    with pytest.raises(service.ComplaintError, match="two reviewers"):
        await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    with pytest.raises(service.ComplaintError, match="a reviewer"):
        await service.send(client, cid, "approve_disposal", m.ApproveDisposal(actor=HANDLER))
    with pytest.raises(service.ComplaintError, match="no disposal is recorded yet"):
        await service.send(client, cid, "approve_disposal", m.ApproveDisposal(actor=REVIEWER_A))
    await service.send(client, cid, "record_disposal", m.RecordDisposal(actor=HANDLER, text="卡片已冻结"))
    await service.send(client, cid, "approve_disposal", m.ApproveDisposal(actor=REVIEWER_A))
    with pytest.raises(service.ComplaintError, match="different person"):
        await service.send(client, cid, "approve_disposal", m.ApproveDisposal(actor=REVIEWER_A))
    s = await service.state(client, cid)
    assert s.disposal_approvals == [REVIEWER_A.id] and s.clock("first_disposal").running
    s = await service.send(client, cid, "approve_disposal", m.ApproveDisposal(actor=REVIEWER_B))
    assert s.dual_review_done and s.clock("first_disposal").met_at is not None
    s = await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    assert s.stage is Stage.VERIFY  # the update returns once the response is sent


async def test_escalated_complaint_goes_to_the_special_group_and_needs_approval_to_close(client, workers, engine):
    cid = await submit(client, workers["calm"])
    with pytest.raises(service.ComplaintError, match="the special handling group"):  # not yet special
        await service.send(client, cid, "accept", m.Accept(actor=SPECIAL))
    s = await service.send(client, cid, "escalate", m.Escalate(actor=SUPERVISOR, reason="媒体关注"))
    assert s.special_group
    with pytest.raises(service.ComplaintError, match="already with the special handling group"):
        await service.send(client, cid, "escalate", m.Escalate(actor=SUPERVISOR, reason="again"))
    # A member of the special group now works it alongside the owner.
    await service.send(client, cid, "accept", m.Accept(actor=SPECIAL))
    await service.send(client, cid, "propose_response", m.ProposeResponse(actor=SPECIAL, text=GOOD_RESPONSE, **DECISION))
    await eventually(lambda: stage_is(client, cid, Stage.VERIFY))
    # The supervisor may approve ahead of the feedback; then satisfied closes at once.
    await service.send(client, cid, "approve_close", m.ApproveClose(actor=SUPERVISOR))
    s = await service.send(client, cid, "customer_feedback", m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=5))
    assert s.stage is Stage.CLOSED
    await eventually(lambda: "special_group" in [n.template for n in rows(engine, Notification, complaint_id=cid)])


async def test_supervisor_reassigns_owner_and_department(client, workers):
    cid = await submit(client, workers["calm"])
    with pytest.raises(service.ComplaintError, match="a supervisor"):
        await service.send(client, cid, "reassign", m.Reassign(actor=HANDLER, owner_id="E300", reason="x"))
    with pytest.raises(service.ComplaintError, match="needs a new owner_id"):
        await service.send(client, cid, "reassign", m.Reassign(actor=SUPERVISOR, reason="x"))
    s = await service.send(client, cid, "reassign", m.Reassign(
        actor=SUPERVISOR, owner_id=COLLEAGUE.id, department="operations", reason="E207 on leave"))
    assert (s.owner_id, s.department, s.first_responder.id) == (COLLEAGUE.id, "operations", HANDLER.id)
    with pytest.raises(service.ComplaintError, match="the owner"):
        await service.send(client, cid, "open_work_order",
                           m.OpenWorkOrder(actor=HANDLER, department="loans", question="?"))
    await service.send(client, cid, "accept", m.Accept(actor=COLLEAGUE))
    found = await eventually(lambda: list_workflows(client, f"WorkflowId = '{workflow_id_for(cid)}' AND Department = 'operations'"))
    assert len(found) == 1


async def test_concurrent_updates_are_applied_one_by_one(client, workers):
    cid = await submit(client, workers["calm"])
    notes = [service.send(client, cid, "add_note", m.AddNote(actor=HANDLER, text=f"note {i}")) for i in range(20)]
    await asyncio.gather(*notes)
    s = await service.state(client, cid)
    assert sorted(h.detail for h in s.history if h.action == "add_note") == sorted(f"note {i}" for i in range(20))
    assert [h.seq for h in s.history] == list(range(1, len(s.history) + 1))


async def test_an_update_no_worker_handled_is_sent_again_and_applied_once(client, settings, engine):
    """Under load the server once refused an update because the workflow task it was sent in completed
    without it ("wasn't processed by worker"). It never reached the complaint, so the API sends it again with
    the same id: applied once. Here a stand-in worker completes the task that carries the update and drops it."""
    queue = settings.model_copy(update={"task_queue": "complaints-dropping"})
    async with build_worker(client, queue, engine, CALM):
        cid = await submit(client, queue.task_queue)
    note = m.AddNote(actor=HANDLER, text="客户补充了流水")
    sending = asyncio.create_task(service.acknowledge(client, cid, "add_note", note, message_id="dropped-once"))
    while True:  # the worker is gone: once its sticky queue times out, the task comes to the queue itself
        task = await client.workflow_service.poll_workflow_task_queue(PollWorkflowTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=queue.task_queue), identity="drops updates"))
        if any(msg.protocol_instance_id == "dropped-once" for msg in task.messages):
            break
    await client.workflow_service.respond_workflow_task_completed(RespondWorkflowTaskCompletedRequest(
        namespace=client.namespace, task_token=task.task_token, identity="drops updates"))
    async with build_worker(client, queue, engine, CALM):
        ack = await asyncio.wait_for(sending, timeout=60)
        s = await service.state(client, cid)
    assert ack.action == "add_note" and ack.message_id == "dropped-once"
    assert [h.detail for h in s.history if h.action == "add_note"] == ["客户补充了流水"]


async def _clock_breached(client, cid, name):
    return next(c for c in (await service.sla(client, cid)).clocks if c.name == name).breached_at is not None




async def test_result_of_a_closed_complaint_is_its_final_state(client, workers):
    cid = await submit(client, workers["calm"])
    await service.send(client, cid, "withdraw", m.Withdraw(actor=INTAKE))
    assert (await result(client, cid)).stage is Stage.CLOSED
