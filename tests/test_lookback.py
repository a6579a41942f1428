"""The monthly look-back: the sampling rule, revisits on a real server, the reopen link, the schedule."""
import asyncio
import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowFailureError
from temporalio.testing import ActivityEnvironment

from activities.lookback import LookBackActivities
from api import lookbacks, service
from lookback.sampling import sample
from models.enums import Stage
from models.intake import workflow_id_for
from models.lookback import LookBackInput, LookBackState, RevisitOutcome, Sampled
from models.tables import ComplaintRow, LookBackRevisit, LookBackRun, Notification
from sla.periods import month_bounds, month_not_ended, previous_month
from tests.actors import SUPERVISOR
from tests.conftest import eventually, rows
from tests.helpers import list_workflows
from tests.policies import CALM
from tests.replay import check_replay
from workflows.lookback import LookBackWorkflow

SH = ZoneInfo("Asia/Shanghai")


def seed(engine, closed_at: datetime, department: str, outcome: str = "resolved", level: str = "III",
         responder: str = "E207") -> str:
    cid = f"SEED{uuid.uuid4().hex[:10].upper()}"
    with Session(engine) as session:
        session.add(ComplaintRow(
            id=cid, workflow_id=workflow_id_for(cid), channel="hotline", external_ref=f"SEED-{cid}",
            customer_id=f"C-{cid}", customer_masked="张*", customer_name="张三", customer_phone="13800000000",
            tier="standard", text="我的账户被冻结了", received_at=closed_at - timedelta(days=3),
            first_responder_id=responder, first_responder_department="branch-0101", owner_id=responder,
            department=department, stage="closed", level=level, outcome=outcome, closed_at=closed_at, version=1))
        session.commit()
    return cid


def cands(n: int, department: str) -> list[Sampled]:
    return [Sampled(complaint_id=f"{department}-{i:03d}", department=department, first_responder_id="E1")
            for i in range(n)]


def test_sampling_is_ten_percent_rounded_up_per_department_and_reproducible():
    candidates = cands(25, "cards") + cands(10, "loans") + cands(1, "wealth") + cands(30, "ops") + cands(31, "it")
    s = sample("2026-10", candidates, 0.10)
    picked = {}
    for c in s.sampled:
        picked[c.department] = picked.get(c.department, 0) + 1
    assert picked == {"cards": 3, "loans": 1, "wealth": 1, "ops": 3, "it": 4}
    assert s.candidates == 97 and s.candidates_by_department["cards"] == 25
    again = sample("2026-10", list(reversed(candidates)), 0.10)
    assert [c.complaint_id for c in again.sampled] == [c.complaint_id for c in s.sampled]
    other = sample("2026-09", candidates, 0.10)
    assert {c.complaint_id for c in other.sampled} != {c.complaint_id for c in s.sampled}
    assert sample("2026-10", [], 0.10).sampled == []


def test_month_bounds_are_in_the_banks_time_zone():
    start, end = month_bounds("2026-10", "Asia/Shanghai")
    assert start == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert month_bounds("2026-12", "Asia/Shanghai")[1] == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert previous_month(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "Asia/Shanghai") == "2026-11"
    assert previous_month(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "Asia/Shanghai") == "2026-10"
    assert previous_month(datetime(2027, 1, 4, 1, 0, tzinfo=UTC), "Asia/Shanghai") == "2026-12"


async def test_candidates_come_from_the_read_model_with_exact_month_edges(engine, client, cipher):
    month = "2025-10"
    inside = [seed(engine, datetime(2025, 10, 1, 0, 30, tzinfo=SH), "cards"),   # Sep 30 16:30 UTC: October
              seed(engine, datetime(2025, 10, 31, 23, 59, tzinfo=SH), "cards"),
              seed(engine, datetime(2025, 10, 15, 12, 0, tzinfo=SH), "loans")]
    seed(engine, datetime(2025, 9, 30, 23, 59, tzinfo=SH), "cards")             # September
    seed(engine, datetime(2025, 11, 1, 0, 0, tzinfo=SH), "cards")               # November
    seed(engine, datetime(2025, 10, 10, 12, 0, tzinfo=SH), "cards", outcome="withdrawn")
    seed(engine, datetime(2025, 10, 10, 12, 0, tzinfo=SH), "loans", outcome="no_feedback")
    acts = LookBackActivities(engine, CALM, cipher)
    runner = ActivityEnvironment()
    runner.info = dataclasses.replace(runner.info, scheduled_time=datetime.now(UTC))
    result = runner.run(acts.sample_lookback, month)
    assert result.candidates == 3 and result.sampled == 2  # one of each department's, rounded up
    written = rows(engine, LookBackRevisit, month=month)
    assert {r.complaint_id for r in written} <= set(inside) and sorted(r.department for r in written) == \
        ["cards", "loans"]
    again = runner.run(acts.sample_lookback, month)  # a retry writes nothing twice
    assert again == result and len(rows(engine, LookBackRevisit, month=month)) == 2


async def test_revisits_record_each_outcome_reopen_a_recurrence_and_summarise(client, workers, engine):
    month = "2025-03"
    day = datetime(2025, 3, 14, 10, 0, tzinfo=SH)
    confirmed, recurred, unreachable = (seed(engine, day, "cards", responder="E501"),
                                        seed(engine, day, "loans", level="II", responder="E502"),
                                        seed(engine, day, "ops", responder="E503"))
    started = await lookbacks.run_month(client, month, workers["calm"])
    assert started.created
    state = await eventually(lambda: _sampled(client, engine, month, 3))
    assert {r.complaint_id for r in state.revisits} == {confirmed, recurred, unreachable}

    def handler(dept: str, who: str = "E900"):
        return {"id": who, "role": "handler", "department": dept}

    with pytest.raises(service.ComplaintError, match="revisit_outcome is for a handler of cards"):
        await lookbacks.record_outcome(client, month, confirmed, RevisitOutcome(
            actor=handler("loans"), outcome="confirmed_resolved"))
    await lookbacks.record_outcome(client, month, confirmed, RevisitOutcome(
        actor=handler("cards"), outcome="confirmed_resolved", note="客户确认已解决"))
    r = await lookbacks.record_outcome(client, month, recurred, RevisitOutcome(
        actor={"id": "E502", "role": "handler", "department": "branch-0101"}, outcome="recurred",
        note="冻结问题再次出现"))
    assert r.reopened_as and r.reopened_as != recurred
    await lookbacks.record_outcome(client, month, unreachable, RevisitOutcome(actor=SUPERVISOR, outcome="unreachable"))
    with pytest.raises(service.ComplaintError, match="already recorded"):
        await lookbacks.record_outcome(client, month, unreachable, RevisitOutcome(actor=SUPERVISOR,
                                                                                 outcome="confirmed_resolved"))

    # The recurrence is a new complaint: linked, one level more urgent, same first responder, a surface fix.
    reopened = await eventually(lambda: _handling(client, r.reopened_as))
    assert reopened.reopened_from == recurred and reopened.surface_fix
    assert reopened.level.value == "I" and reopened.owner_id == "E502" and reopened.first_responder.id == "E502"

    final: LookBackState = await client.get_workflow_handle_for(LookBackWorkflow.run, f"lookback-{month}").result()
    assert final.finished_at is not None
    assert {d: (v.sampled, v.confirmed, v.recurred, v.unreachable) for d, v in final.by_department.items()} == {
        "cards": (1, 1, 0, 0), "loans": (1, 0, 1, 0), "ops": (1, 0, 0, 1)}
    run = rows(engine, LookBackRun, month=month)[0]
    assert (run.sampled, run.confirmed, run.recurred, run.unreachable) == (3, 1, 1, 1)
    surface = [v for v in rows(engine, LookBackRevisit, month=month) if v.outcome == "recurred"]
    assert [(v.department, v.reopened_as) for v in surface] == [("loans", r.reopened_as)]

    # Running the month again starts nothing: no second look-back, no second revisit.
    again = await lookbacks.run_month(client, month, workers["calm"])
    assert not again.created
    revisits = await list_workflows(client, f"WorkflowType = 'RevisitWorkflow' AND WorkflowId STARTS_WITH 'revisit-{month}-'")
    assert len(revisits) == 3
    await check_replay(client, f"lookback-{month}", "lookback")
    await check_replay(client, f"revisit-{month}-{recurred}", "revisit_recurred")


async def test_an_overdue_revisit_escalates_to_the_department_supervisor(client, workers, engine):
    month = "2025-04"
    cid = seed(engine, datetime(2025, 4, 10, 10, 0, tzinfo=SH), "wealth-management")
    await lookbacks.run_month(client, month, workers["fast"])  # revisit limit: 3s
    overdue = await eventually(lambda: [n for n in rows(engine, Notification, complaint_id=cid)
                                        if n.template == "revisit_overdue"], timeout=15)
    assert overdue[0].recipient == "supervisor:wealth-management"
    # The revisit writes its row (and the notification): the month's page reads it there.
    state = await eventually(lambda: _escalated(client, engine, month))
    assert state.revisits[0].escalated and state.revisits[0].outcome is None
    await lookbacks.record_outcome(client, month, cid, RevisitOutcome(actor=SUPERVISOR, outcome="unreachable"))


async def test_a_recurrence_that_cannot_be_reopened_is_told_to_an_operator_not_retried_forever(client, workers, engine):
    month = "2025-05"
    cid = seed(engine, datetime(2025, 5, 12, 10, 0, tzinfo=SH), "loans")
    await lookbacks.run_month(client, month, workers["calm"])
    await eventually(lambda: _sampled(client, engine, month, 1))
    with Session(engine) as session:  # the row is gone (restored from an old backup, say): no retry brings it back
        session.delete(session.get(ComplaintRow, cid))
        session.commit()
    r = await asyncio.wait_for(lookbacks.record_outcome(client, month, cid, RevisitOutcome(
        actor=SUPERVISOR, outcome="recurred", note="again")), timeout=30)
    assert r.reopened_as is None and f"complaint {cid} is not in the read model" in r.reopen_failed
    told = await eventually(lambda: [n for n in rows(engine, Notification, complaint_id=cid)
                                     if n.template == "reopen_failed"])
    assert told[0].recipient_kind == "operator" and "could not be reopened" in told[0].body


@pytest.mark.parametrize("month", ["2026-12", "2027-05"])
async def test_a_month_that_has_not_ended_is_refused_and_keeps_its_one_run(client, workers, month):
    now = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 2026-12-02 00:30 in Shanghai
    with pytest.raises(service.ComplaintError, match=f"{month} has not ended yet"):
        await lookbacks.run_month(client, month, workers["calm"], "Asia/Shanghai", now=now)
    assert not await _exists(client, f"lookback-{month}")
    # The month before, by then over, runs (the test's clock is not the server's: its sample is just empty).
    assert month_not_ended("2026-11", "Asia/Shanghai", now) is None


async def test_a_raw_start_of_an_unfinished_month_fails_and_does_not_use_up_the_month(client, workers):
    """What the old code allowed from the CLI or `temporal workflow start`: now the run fails, and the
    schedule's (or a person's) later run of the same month still starts."""
    future = "2099-01"
    handle = await client.start_workflow("LookBackWorkflow", LookBackInput(month=future), id=f"lookback-{future}",
                                         task_queue=workers["calm"])
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    assert "has not ended yet" in str((await handle.fetch_history()).events[-1])
    bad = await client.start_workflow("LookBackWorkflow", args=[{"month": "2025-13"}], id="lookback-2025-08",
                                      task_queue=workers["calm"])
    with pytest.raises(WorkflowFailureError):
        await bad.result()
    started = await lookbacks.run_month(client, "2025-08", workers["calm"])  # the failed run does not block it
    assert started.created


async def test_schedule_runs_on_the_first_working_day_and_a_trigger_runs_last_month_once(client, workers):
    policy = CALM.model_copy(update={"lookback": CALM.lookback.model_copy(update={"hour": 9})})
    times = await lookbacks.ensure_schedule(client, policy, workers["calm"], date(2026, 11, 23))
    again = await lookbacks.ensure_schedule(client, policy, workers["calm"], date(2026, 11, 23))  # idempotent
    assert again == times
    # The schedule lists days from `today` on, and Temporal shows the ones still ahead of the real clock.
    first_working_days = [datetime(2026, 12, 1, 9, tzinfo=SH),   # Tuesday
                          datetime(2027, 1, 4, 9, tzinfo=SH),    # Jan 1 is a holiday, then a weekend
                          datetime(2027, 2, 1, 9, tzinfo=SH),
                          datetime(2027, 3, 1, 9, tzinfo=SH),
                          datetime(2027, 4, 1, 9, tzinfo=SH)]
    ahead = [d for d in first_working_days if d > datetime.now(UTC)][:3]
    assert len(ahead) == 3, "extend first_working_days: the real clock has passed most of them"
    assert [t.astimezone(SH) for t in times[:3]] == ahead
    handle = client.get_schedule_handle("complaints-lookback")
    description = await handle.describe()
    assert description.schedule.policy.overlap.name == "SKIP"

    month = previous_month(datetime.now(UTC), "Asia/Shanghai")
    await handle.trigger()
    await eventually(lambda: _exists(client, f"lookback-{month}"), timeout=20)
    # The schedule skips a trigger while its previous run is still going (overlap SKIP): wait for it to end.
    await eventually(lambda: _finished_triggers(client, 1), timeout=20)
    await handle.trigger()  # a second run for the same month starts nothing new
    triggers = await eventually(lambda: _finished_triggers(client, 2), timeout=20)
    notes = sorted(t.note for t in triggers)
    assert any("already ran" in n for n in notes) and any(n.startswith("started") for n in notes)


async def _sampled(client, engine, month, n):
    try:
        s = await lookbacks.month_state(client, engine, month)
    except service.ComplaintError:
        return None
    return s if len(s.revisits) == n else None


async def _escalated(client, engine, month):
    s = await lookbacks.month_state(client, engine, month)
    return s if s.revisits and s.revisits[0].escalated else None


async def _handling(client, cid):
    try:
        s = await service.state(client, cid)
    except service.ComplaintError:
        return None
    return s if s.stage is Stage.HANDLE else None


async def _exists(client, wid):
    return await list_workflows(client, f"WorkflowId = '{wid}'")


async def _finished_triggers(client, n):
    found = await list_workflows(client, "WorkflowType = 'LookBackWorkflow' AND WorkflowId STARTS_WITH "
                                         "'lookback-scheduled' AND ExecutionStatus = 'Completed'")
    if len(found) < n:
        return None
    return [await client.get_workflow_handle(w.id, run_id=w.run_id, result_type=LookBackState).result()
            for w in found]


async def test_a_start_that_brings_its_own_carried_numbers_fails_and_samples_nothing(client, workers, engine):
    """Only a month's own continue-as-new carries numbers: a raw start with them would skip the sampling."""
    from models.lookback import Taken

    month = "2024-02"
    fake = Taken(month=month, candidates=9, sampled=0, revisit_due=datetime(2024, 3, 8, tzinfo=UTC), poll_seconds=1)
    handle = await client.start_workflow("LookBackWorkflow", LookBackInput(month=month, carried=fake),
                                         id=f"lookback-{month}", task_queue=workers["calm"])
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    assert "continue-as-new" in str((await handle.fetch_history()).events[-1])
    assert rows(engine, LookBackRun, month=month) == []
