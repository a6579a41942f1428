"""SLA clocks as durable timers on a real dev server, with the FAST policy (limits of seconds)."""
import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from api import service
from models import messages as m
from models.enums import Outcome, Role, Stage
from models.intake import Actor, workflow_id_for
from models.tables import Notification, SlaEventRow
from tests.actors import DECISION, GOOD_RESPONSE, HANDLER, INTAKE, SUPERVISOR
from tests.conftest import eventually, rows
from tests.helpers import list_workflows, result, stage_is, submit
from tests.replay import check_replay

FROZEN = "我的账户被冻结了，请尽快帮我解冻"  # level III: first_response 4s, result 8s, decision 10s
TIMER_SLACK = timedelta(seconds=1.5)      # a timer fires a little after its time, never before
HEAD_OFFICE = Actor(id="S900", role=Role.SUPERVISOR, department="head-office")  # the higher-level unit


async def clock(client, cid, name):
    return next(c for c in (await service.sla(client, cid)).clocks if c.name == name)


async def test_unmet_clock_warns_then_breaches_and_escalates(client, workers, engine):
    cid = await submit(client, workers["fast"], FROZEN)
    first = await clock(client, cid, "first_response")
    assert first.due_at - first.started_at == timedelta(seconds=4)

    await eventually(lambda: _breached(client, cid, "first_response"), timeout=10)
    c = await clock(client, cid, "first_response")
    assert c.warn_time() <= c.warned_at <= c.warn_time() + TIMER_SLACK
    assert c.deadline() <= c.breached_at <= c.deadline() + TIMER_SLACK
    s = await service.state(client, cid)
    assert s.breached and s.supervisor_assigned
    assert [h.action for h in s.history].count("sla_breached") >= 1

    await eventually(lambda: {"sla_warning", "sla_breach", "progress"} <= set(_templates(engine, cid)))
    kinds = {(e.clock, e.kind) for e in rows(engine, SlaEventRow, complaint_id=cid)}
    assert {("first_response", "warned"), ("first_response", "breached")} <= kinds
    # Supervisors find it with a visibility query on the custom search attribute.
    found = await eventually(lambda: list_workflows(client, f"WorkflowId = '{workflow_id_for(cid)}' AND SlaBreached = true"))
    assert len(found) == 1
    await check_replay(client, workflow_id_for(cid), "breach")


async def test_clock_met_before_its_warning_never_warns(client, workers, engine):
    # Received now, not a second ago (make_intake's default): the clock runs from receipt and warns at 2 s, and a
    # loaded machine once took over the one second left to bring the complaint into handling and accept it.
    cid = await submit(client, workers["fast"], FROZEN, received_at=datetime.now(UTC))
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await asyncio.sleep(3)  # past the warning time (2s) of first_response
    c = await clock(client, cid, "first_response")
    assert c.met_at is not None and c.warned_at is None and c.breached_at is None
    assert not [e for e in rows(engine, SlaEventRow, complaint_id=cid)
                if e.clock == "first_response" and e.kind != "met"]


async def test_waiting_on_the_customer_pauses_the_resolution_clocks(client, workers):
    cid = await submit(client, workers["fast"], FROZEN)
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    s = await service.send(client, cid, "request_customer_info",
                           m.RequestCustomerInfo(actor=HANDLER, what="身份证复印件"))
    assert s.clock("result").paused  # the bank's own resolution clock waits on the customer...
    assert not s.clock("first_response").paused and not s.clock("decision").paused  # ...the regulation's does not
    await asyncio.sleep(3)
    s = await service.send(client, cid, "customer_info_received", m.CustomerInfoReceived(actor=INTAKE))
    result_clock = s.clock("result")
    assert not result_clock.paused and timedelta(seconds=2.5) <= result_clock.paused_for <= timedelta(seconds=4)
    assert result_clock.deadline() == result_clock.due_at + result_clock.paused_for
    assert s.pauses[0].ended_at is not None
    # The clock breaches at the shifted deadline, not the original one.
    await eventually(lambda: _breached(client, cid, "result"), timeout=15)
    c = await clock(client, cid, "result")
    assert c.breached_at >= c.due_at + c.paused_for
    assert c.warned_at >= c.warn_time() > c.started_at + (c.due_at - c.started_at) * c.warn_share


async def test_supervisor_extends_the_regulatory_ceiling_and_the_customer_is_told(client, workers, engine):
    cid = await submit(client, workers["fast"], FROZEN)
    with pytest.raises(service.ComplaintError, match="a supervisor"):
        await service.send(client, cid, "extend_deadline", m.ExtendDeadline(actor=HANDLER, reason="complex"))
    s = await service.send(client, cid, "extend_deadline", m.ExtendDeadline(actor=SUPERVISOR, reason="需调阅监控"))
    decision = s.clock("decision")
    assert decision.extended and decision.due_at - decision.started_at == timedelta(seconds=40)
    # A further 30 days (here: to 70 s) only with the higher-level unit's authority, never the same supervisor's.
    with pytest.raises(service.ComplaintError, match="head-office approver"):
        await service.send(client, cid, "extend_deadline", m.ExtendDeadline(actor=SUPERVISOR, reason="again"))
    s = await service.send(client, cid, "extend_deadline", m.ExtendDeadline(actor=HEAD_OFFICE, reason="需司法协查"))
    decision = s.clock("decision")
    assert decision.extensions == 2 and decision.due_at - decision.started_at == timedelta(seconds=70)
    with pytest.raises(service.ComplaintError, match="ceiling"):  # never beyond
        await service.send(client, cid, "extend_deadline", m.ExtendDeadline(actor=HEAD_OFFICE, reason="more"))
    await eventually(lambda: _templates(engine, cid).count("extension") == 2)
    told = [n for n in rows(engine, Notification, complaint_id=cid) if n.template == "extension"]
    assert {json.loads(n.params)["reason"] for n in told} == {"需调阅监控", "需司法协查"}  # each with its reason


async def test_an_external_appraisal_stops_the_regulatory_clock_and_the_customer_is_told(client, workers, engine):
    """Order No. 3: the time of an external appraisal, test or assessment does not count, and the customer is
    told. It holds the decision and the resolution clocks, overlapping a wait on the customer without either
    end releasing what the other still holds."""
    cid = await submit(client, workers["fast"], FROZEN)
    s = await service.send(client, cid, "start_appraisal", m.StartAppraisal(actor=HANDLER, what="笔迹鉴定",
                                                                           by="司法鉴定所"))
    assert s.clock("decision").paused and s.clock("result").paused and not s.clock("first_response").paused
    with pytest.raises(service.ComplaintError, match="under way"):
        await service.send(client, cid, "start_appraisal", m.StartAppraisal(actor=HANDLER, what="x", by="y"))
    await service.send(client, cid, "request_customer_info", m.RequestCustomerInfo(actor=HANDLER, what="原件"))
    s = await service.send(client, cid, "customer_info_received", m.CustomerInfoReceived(actor=INTAKE))
    assert s.clock("decision").paused and s.clock("result").paused  # the appraisal still holds them
    await asyncio.sleep(2)
    s = await service.send(client, cid, "end_appraisal", m.EndAppraisal(actor=HANDLER, result="签名非本人"))
    decision = s.clock("decision")
    assert not decision.paused and timedelta(seconds=2) <= decision.paused_for <= timedelta(seconds=4)
    assert decision.deadline() == decision.due_at + decision.paused_for
    assert s.appraisals[0].ended_at is not None and s.appraisals[0].result == "签名非本人"
    await eventually(lambda: {"appraisal_started", "appraisal_ended"} <= set(_templates(engine, cid)))
    # The regulatory decision breaches at its deadline moved by the appraisal, not at the first one.
    await eventually(lambda: _breached(client, cid, "decision"), timeout=20)
    c = await clock(client, cid, "decision")
    assert c.deadline() <= c.breached_at <= c.deadline() + TIMER_SLACK


async def test_a_complaint_keyed_in_late_has_already_used_its_time(client, workers):
    received = datetime.now(UTC) - timedelta(minutes=30)
    cid = await submit(client, workers["fast"], FROZEN, received_at=received)
    await eventually(lambda: _breached(client, cid, "first_response"))
    c = await clock(client, cid, "first_response")
    assert c.started_at == received and c.warned_at is None  # no pointless warning past the deadline


async def test_no_answer_within_the_verification_window_closes_as_no_feedback(client, workers):
    cid = await submit(client, workers["fast"], FROZEN)
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
    await eventually(lambda: stage_is(client, cid, Stage.VERIFY))
    final = await asyncio.wait_for(result(client, cid), timeout=15)
    assert final.outcome is Outcome.NO_FEEDBACK and not final.clock("verify_window").breached_at
    assert final.clock("result").met_at is not None and final.clock("decision").met_at is not None


async def _breached(client, cid, name):
    return (await clock(client, cid, name)).breached_at is not None


def _templates(engine, cid):
    return [n.template for n in rows(engine, Notification, complaint_id=cid)]


