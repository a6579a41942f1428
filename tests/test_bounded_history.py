"""History stays bounded: thousands of notes or a flood of large rejected messages leave a complaint healthy,
continued as new with its state, clocks and work orders exactly, and its clocks still firing."""
import asyncio
import random
import string

import pytest
from temporalio.service import RPCError

from api import service
from models import messages as m
from models.enums import Stage
from models.intake import workflow_id_for
from models.state import HISTORY_CHARS
from models.tables import AuditEvent
from tests.actors import HANDLER
from tests.conftest import eventually, rows
from tests.helpers import submit
from tests.poison import healthy, runs
from tests.policies import FAST
from tests.replay import check_replay
from workers.worker import build_worker

# Clocks of seconds, no practical rate limit on notes, and a short history before continuing as new.
NOTES = FAST.model_copy(update={"name": "notes", "level": {**FAST.level, "III": {"first_response": "1h",
                                                                                  "result": "2h"}},
                                "regulatory": FAST.regulatory.model_copy(update={"decision": "2h", "extended": "3h"}),
                                "limits": FAST.limits.model_copy(update={"notes_per_hour": 100_000,
                                                                         "history_events": 600})})
WORDS = "账户 冻结 年费 客服 电话 等待 退款 利息 网点 排队 the card fee was charged twice again".split()


SHORT = NOTES.model_copy(update={"name": "short", "limits": NOTES.limits.model_copy(update={"history_events": 100})})


@pytest.fixture(scope="module")
async def notes_queue(client, settings, engine):
    worker = build_worker(client, settings.model_copy(update={"task_queue": "complaints-notes"}), engine, NOTES)
    short = build_worker(client, settings.model_copy(update={"task_queue": "complaints-short"}), engine, SHORT)
    async with worker, short:
        yield "complaints-notes"


async def test_a_continued_complaint_carries_everything_and_replays(client, notes_queue, engine):
    cid = await submit(client, "complaints-short", text="我的账户被冻结了，请尽快帮我解冻")
    wid = workflow_id_for(cid)
    first_run = (await client.get_workflow_handle(wid).describe()).run_id
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.send(client, cid, "request_customer_info", m.RequestCustomerInfo(actor=HANDLER, what="流水"))
    before = await service.state(client, cid)
    for i in range(45):  # each update is a few events: past 100, the workflow continues as new
        await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text=f"note {i}"))
    await eventually(lambda: _continued(client, wid, first_run))
    after = await service.state(client, cid)
    keep = {"clocks", "pauses", "work_orders", "accepted", "stage", "level", "department", "owner_id"}
    assert after.model_dump(include=keep) == before.model_dump(include=keep) and after.waiting_on_customer
    assert after.history_total == before.history_total + 45
    await check_replay(client, wid, "continued", run_id=first_run)
    await healthy(client, cid)


async def _flood(handle, payloads, concurrency=64) -> int:
    """Send every signal, as fast as the server takes them; returns how often the server said "wait"."""
    gate = asyncio.Semaphore(concurrency)
    refused = 0

    async def one(name, payload):
        nonlocal refused
        async with gate:
            while True:
                try:
                    return await handle.signal(name, payload)
                except RPCError as e:  # too many signals in this run: the workflow is about to continue as new
                    assert "limit for signal events" in e.message, e.message
                    refused += 1
                    await asyncio.sleep(0.5)

    await asyncio.gather(*(one(name, payload) for name, payload in payloads))
    return refused


async def test_five_thousand_notes_leave_the_complaint_healthy_and_its_clocks_firing(client, notes_queue, engine):
    cid = await submit(client, notes_queue, text="我的账户被冻结了，请尽快帮我解冻")
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    wo = await service.send(client, cid, "open_work_order", m.OpenWorkOrder(
        actor=HANDLER, department="loans", question="客户是否有贷款？", due="1h"))
    handle = client.get_workflow_handle(workflow_id_for(cid))
    rng = random.Random(5000)
    notes = [("add_note", m.AddNote(actor=HANDLER, text=f"{i}: " + " ".join(rng.choices(WORDS, k=250))[:1900]))
             for i in range(5000)]
    waits = await _flood(handle, notes)

    def noted():
        return len([a for a in rows(engine, AuditEvent, complaint_id=cid) if a.action == "add_note"]) >= 5000

    try:
        await eventually(noted, timeout=120, interval=2)
    except AssertionError:
        s = await service.state(client, cid)
        audit = rows(engine, AuditEvent, complaint_id=cid)
        raise AssertionError(f"state total {s.history_total}, audit {len(audit)}, "
                             f"notes {len([a for a in audit if a.action == 'add_note'])}, waits {waits}, "
                             f"runs {await runs(client, workflow_id_for(cid))}, "
                             f"rejected {[a.detail for a in audit if not a.accepted][:3]}") from None
    s = await service.state(client, cid)
    assert s.stage is Stage.HANDLE and s.history_total >= 5000
    # The state keeps only the newest entries, and no more text than HISTORY_CHARS in them.
    assert 10 <= len(s.history) <= 100 and sum(len(h.detail) for h in s.history) <= HISTORY_CHARS
    assert s.history[-1].seq == s.history_total
    assert [w.id for w in s.open_work_orders()] == ["WO-1"] and s.clock("reply:WO-1") == wo.clock("reply:WO-1")
    # Continued as new several times; no run holds more than the server's 2,000 signals.
    assert await runs(client, workflow_id_for(cid)) >= 3, waits
    history = await handle.fetch_history()
    assert len(history.events) < 2200
    # Every audit entry written exactly once, numbered without a gap across the runs.
    seqs = sorted(a.seq for a in rows(engine, AuditEvent, complaint_id=cid))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == s.history_total
    # Its clocks still fire: a new work order due in 2 seconds breaches on time.
    await service.send(client, cid, "open_work_order", m.OpenWorkOrder(
        actor=HANDLER, department="it", question="扣费记录？", due="2s"))
    breached = await eventually(lambda: _breached(client, cid, "reply:WO-2"), timeout=20)
    assert breached.breached
    await healthy(client, cid)


async def test_a_flood_of_large_rejected_messages_is_bounded(client, notes_queue, engine):
    cid = await submit(client, notes_queue, text="我的账户被冻结了，请尽快帮我解冻")
    handle = client.get_workflow_handle(workflow_id_for(cid))
    rng = random.Random(40)

    def noise(n: int) -> dict:  # random letters: zlib cannot shrink them much before they are encrypted
        return {"actor": HANDLER.model_dump(mode="json"), "text": "".join(rng.choices(string.ascii_letters, k=n))}

    await _flood(handle, [("add_note", noise(200_000)) for _ in range(40)], concurrency=8)  # past our limit
    with pytest.raises(RPCError, match="(?i)size"):  # past the server's own payload limit: refused at the door
        await handle.signal("add_note", noise(1_000_000))

    def rejected():
        found = [a for a in rows(engine, AuditEvent, complaint_id=cid) if not a.accepted]
        return found if len(found) == 40 else None

    found = await eventually(rejected, timeout=120, interval=1)
    assert all("byte limit" in a.detail and len(a.detail) <= 301 for a in found)
    assert await runs(client, workflow_id_for(cid)) >= 2  # Temporal suggested continuing as new
    await healthy(client, cid)


async def _continued(client, wid, first_run) -> bool:
    return (await client.get_workflow_handle(wid).describe()).run_id != first_run


async def _breached(client, cid, clock_name):
    s = await service.state(client, cid)
    clock = s.clock(clock_name)
    return s if clock is not None and clock.breached_at is not None else None


async def test_a_message_retried_after_the_complaint_continued_as_new_is_not_applied_again(client, notes_queue):
    """Temporal answers a repeated update id within a run; the complaint carries the newest answers across
    continue-as-new, so a client that retries late still gets the first answer, and nothing twice."""
    cid = await submit(client, "complaints-short", text="我的账户被冻结了，请尽快帮我解冻")
    wid = workflow_id_for(cid)
    first_run = (await client.get_workflow_handle(wid).describe()).run_id
    first = await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text="sent once"), "retry-me")
    for i in range(45):
        await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text=f"note {i}"))
    await eventually(lambda: _continued(client, wid, first_run))
    before = await service.state(client, cid)
    again = await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text="sent once"), "retry-me")
    assert (again.seq, again.message_id, again.digest) == (first.seq, first.message_id, first.digest)
    assert (await service.state(client, cid)).history_total == before.history_total
    with pytest.raises(service.ComplaintError, match="another body"):
        await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text="changed"), "retry-me")


async def test_a_complaint_with_no_clock_to_wait_for_still_sleeps_on_a_timer(client, notes_queue):
    """The history length the loop reads (to continue as new) must be the same live and on replay. Core's
    replay folds a workflow task that completed with no command into the next one when that next one was
    scheduled straight after it (as for an update the validator refused meanwhile), so on replay the length
    read there is that later task's, a few events more. A loop that read the length and issued nothing could
    continue as new on replay where it had not live: a nondeterminism error at the bound (seen in CI, under
    the fuzz test). The loop's sleep therefore always starts a timer, even with no clock to wait for, so the
    task in which it reads the length always ends with a command and is never folded."""
    cid = await submit(client, notes_queue, text="我的账户被冻结了，请尽快帮我解冻")
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.send(client, cid, "request_customer_info", m.RequestCustomerInfo(actor=HANDLER, what="流水"))
    await service.send(client, cid, "start_appraisal", m.StartAppraisal(actor=HANDLER, what="笔迹鉴定", by="司法鉴定所"))
    assert [c.name for c in (await service.sla(client, cid)).clocks if c.next_event() is not None] == []
    await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text="客户来电补充材料"))
    handle = client.get_workflow_handle(workflow_id_for(cid))

    async def after_the_last_write():
        events = (await handle.fetch_history()).events
        done = max(i for i, e in enumerate(events) if e.HasField("activity_task_completed_event_attributes"))
        tasks = [i for i, e in enumerate(events[done:], done) if e.HasField("workflow_task_completed_event_attributes")]
        return events[tasks[0] + 1] if tasks and tasks[0] + 1 < len(events) else None

    following = await eventually(after_the_last_write, timeout=20)
    assert following.HasField("timer_started_event_attributes"), following
