"""Thousands of generated payloads, sent to every signal, update and query of live complaints on the real
dev server, and generated intakes sent to the start. After each batch: no failed workflow task, the
complaint still answers `state`, no clock is overdue (15 s of slack) unfired, the history is under its bound,
and a neighbouring complaint's rows are untouched.

Hypothesis generates the cases (a fixed seed, so a failure reproduces); they are then sent in batches from
the test's event loop, since the sends are asynchronous."""
import asyncio
import json
import os
import string
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError
from temporalio.worker import Replayer

from api import service
from complaints.temporal import data_converter
from models.enums import Stage
from models.intake import Intake, workflow_id_for
from models.tables import ComplaintRow
from tests.actors import CARD_AGENT, HANDLER, INTAKE, REVIEWER_A, REVIEWER_B, SUPERVISOR
from tests.conftest import eventually, make_intake, rows
from tests.helpers import submit
from tests.poison import broken_tasks, garbage_client, plain_client, snapshot
from workers.worker import WORKFLOWS
from workflows.contract import MESSAGES

CASES = int(os.environ.get("FUZZ_CASES", "2000"))
STARTS = int(os.environ.get("FUZZ_STARTS", "150"))
BATCH = 150
CAST = [json.loads(a.model_dump_json()) for a in (HANDLER, SUPERVISOR, INTAKE, REVIEWER_A, REVIEWER_B, CARD_AGENT)]
NASTY = string.printable + "\x00\x07\x1b\u202e\u2028卡丢了" + "".join(chr(c) for c in range(0x80, 0xa0, 7))

scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | \
    st.text(NASTY, max_size=40)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) |
                           st.dictionaries(st.text(NASTY, max_size=12), inner, max_size=3), max_leaves=8)
# Values a field might plausibly hold, so many cases get past validation and reach the rules.
plausible = st.sampled_from(["WO-1", "WO-2", "WO-99", "24h", "2s", "99999999d", "loans", "it", "E300", "ops",
                             "非常抱歉给您带来不便。经核实属实。我们已为您退款。我们将回访。", "x" * 2001, True, False, 1, 5, 9])
actors = st.sampled_from(CAST) | st.fixed_dictionaries({"id": st.text(NASTY, max_size=70), "role": scalars,
                                                        "department": st.text(NASTY, max_size=10)})


@st.composite
def message_case(draw):
    name = draw(st.sampled_from(list(MESSAGES)) | st.text(NASTY, min_size=1, max_size=30))
    fields = list(MESSAGES[name].model_fields) if name in MESSAGES else ["actor", "text"]
    payload = {f: draw(actors if f == "actor" else plausible | json_values)
               for f in fields if draw(st.integers(0, 9)) > 0}
    if draw(st.integers(0, 9)) == 0:
        payload[draw(st.text(NASTY, max_size=8))] = draw(json_values)
    mode = draw(st.sampled_from(["signal"] * 4 + ["update"] * 4 + ["none", "two", "raw", "query", "plain",
                                                                    "garbage"]))
    return name, payload, mode, draw(json_values)


@st.composite
def start_case(draw):
    intake = json.loads(make_intake().model_dump_json())
    for field in list(intake):
        if draw(st.integers(0, 5)) == 0:
            intake[field] = draw(json_values | plausible)
    for field in ("name", "phone", "id"):
        if isinstance(intake["customer"], dict) and draw(st.integers(0, 7)) == 0:
            intake["customer"][field] = draw(st.text(NASTY, max_size=20))
    start = {"intake": intake, "complaint_id": draw(st.sampled_from(["own", "other"]) | st.text(max_size=12))}
    if draw(st.integers(0, 9)) == 0:
        start["carried"] = draw(json_values)
    return start, draw(st.sampled_from(["one", "one", "one", "none", "two", "plain"]))


def draw_cases(strategy, n: int, at: int) -> list:
    found = []

    @seed(at)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(case):
        found.append(case)

    collect()
    return found


async def _send(client, cid, case, gate: asyncio.Semaphore) -> None:
    async with gate:  # the server takes at most 10 updates in flight per workflow
        await _send_one(client, cid, case)


async def _send_one(client, cid, case) -> None:
    name, payload, mode, extra = case
    handle = client.get_workflow_handle(workflow_id_for(cid))
    try:
        if mode == "signal":
            await handle.signal(name, payload)
        elif mode == "update":
            await handle.execute_update(name, payload)
        elif mode == "none":
            await handle.signal(name, args=[])
        elif mode == "two":
            await handle.execute_update(name, args=[payload, extra])
        elif mode == "raw":
            await handle.signal(name, extra)
        elif mode == "query":
            await handle.query(name if name in ("state", "sla") else "state", args=[extra, payload])
        elif mode == "plain":
            await plain_client(client).get_workflow_handle(workflow_id_for(cid)).signal(name, payload)
        else:
            await garbage_client(client).get_workflow_handle(workflow_id_for(cid)).signal(name, payload)
    except (WorkflowUpdateFailedError, RPCError):
        pass  # a refusal, or the complaint closed: both are answers
    except WorkflowQueryFailedError as e:  # a query that failed its replay: keep what it failed on
        raise AssertionError(f"{mode} {name!r}: {e}; {kept(await handle.fetch_history())}") from e


async def _check(client, cid) -> str | None:
    """Why this complaint is not healthy, or None."""
    if found := await broken_tasks(client, workflow_id_for(cid)):
        return f"failed workflow task: {found[0]}"
    s = await service.state(client, cid)
    if s.stage is Stage.CLOSED:
        return None
    now = datetime.now(UTC)
    for clock in (await service.sla(client, cid)).clocks:
        due = clock.next_event()
        if due is not None and due < now - timedelta(seconds=15):  # slack for a loaded 2-core machine
            return f"clock {clock.name} was due at {due.isoformat()} and has not fired"
    history = await client.get_workflow_handle(workflow_id_for(cid)).fetch_history()
    if len(history.events) > 2200:
        return f"history of {len(history.events)} events"
    return None


async def replays_cleanly(client, settings, cid) -> None:
    """Every run of the complaint (continued ones too) replays on the current code without nondeterminism,
    read as the worker reads it (a forged payload is a refusal, not a failure)."""
    wid = workflow_id_for(cid)
    converter = data_converter(settings, refuse=True)
    async for run in client.list_workflows(f"WorkflowId = '{wid}'"):
        history = await client.get_workflow_handle(wid, run_id=run.run_id).fetch_history()
        try:
            await Replayer(workflows=WORKFLOWS, data_converter=converter).replay_workflow(history)
        except Exception as e:
            raise AssertionError(f"{wid} run {run.run_id} does not replay ({e}); {kept(history)}") from e


def kept(history) -> str:
    """Where a history that failed is kept for whoever reads the failure (CI runs on a machine one can open)."""
    where = Path(tempfile.gettempdir()) / "complaints-failed-histories" / f"{history.run_id}.json"
    where.parent.mkdir(exist_ok=True)
    where.write_text(history.to_json(), encoding="utf-8")
    return f"its history is kept in {where}"


async def _past_the_next_clocks(client, cid, within: timedelta = timedelta(seconds=10)) -> None:
    """Wait until the clock events due in the next few seconds have come due (no fixed sleep: as long as
    the clocks need, then `_check` sees whether they fired)."""
    if not await service.is_running(client, cid):
        return
    now = datetime.now(UTC)
    due = [e for c in (await service.sla(client, cid)).clocks if (e := c.next_event()) and now < e <= now + within]
    if not due:
        return
    last = max(due)
    await asyncio.sleep((last - now).total_seconds())

    async def fired() -> bool:
        if not await service.is_running(client, cid):
            return True
        pending = [e for c in (await service.sla(client, cid)).clocks if (e := c.next_event()) and e <= last]
        return not pending

    await eventually(fired, timeout=15)  # each came due and its timer fired (a warning, a breach, a close)


async def test_generated_messages_never_break_a_complaint(client, workers, engine, settings):
    neighbour = await submit(client, workers["calm"])
    await eventually(lambda: [r for r in rows(engine, ComplaintRow, id=neighbour) if r.stage == "handle"])
    before = snapshot(engine, neighbour)
    cases = draw_cases(message_case(), CASES, 19)
    target = await submit(client, workers["fast"])
    targets = [target]
    gate = asyncio.Semaphore(8)
    for i in range(0, len(cases), BATCH):
        await asyncio.gather(*(_send(client, target, c, gate) for c in cases[i:i + BATCH]))
        problem = await _check(client, target)
        assert problem is None, f"after cases {i}-{i + BATCH} on {target}: {problem}"
        if not await service.is_running(client, target):  # a generated withdraw closed it: next one
            target = await submit(client, workers["fast"])
            targets.append(target)
    await _past_the_next_clocks(client, target)  # the last complaint's clocks of seconds come due meanwhile
    assert await _check(client, target) is None
    assert snapshot(engine, neighbour) == before
    for cid in targets:  # what ran live replays the same (a worker that lost its cache replays it)
        await replays_cleanly(client, settings, cid)
    print(f"fuzz: {len(cases)} messages to {len(targets)} complaints, no failure")


async def test_generated_starts_fail_cleanly_or_run(client, workers):
    cases = draw_cases(start_case(), STARTS, 23)
    handles = []
    for i, (start, arity) in enumerate(cases):
        intake = start["intake"]
        try:
            own = Intake.model_validate(intake).complaint_id
        except ValueError:
            own = f"FUZZ{i}"
        if start["complaint_id"] == "own":
            start["complaint_id"] = own
        elif start["complaint_id"] == "other":
            start["complaint_id"] = "HL0000000001"
        args = {"one": [start], "none": [], "two": [start, start], "plain": [start]}[arity]
        starter = plain_client(client) if arity == "plain" else client
        try:
            handles.append(await starter.start_workflow("ComplaintWorkflow", args=args, id=workflow_id_for(own),
                                                        task_queue=workers["calm"]))
        except (RPCError, WorkflowAlreadyStartedError):
            pass  # the server refused it (an id taken by an earlier case)
    ran = failed = 0
    for handle in handles:
        for _ in range(50):
            desc = await client.get_workflow_handle(handle.id).describe()
            if desc.status is not WorkflowExecutionStatus.RUNNING:
                break
            try:
                if (await client.get_workflow_handle(handle.id).query("state"))["stage"] == "handle":
                    break
            except WorkflowQueryFailedError as e:  # an invalid start answers so until its run has failed
                assert "did not start" in str(e)
            await asyncio.sleep(0.1)
        assert await broken_tasks(client, handle.id) == [], handle.id
        if desc.status is WorkflowExecutionStatus.FAILED:
            failed += 1
        else:
            assert desc.status is WorkflowExecutionStatus.RUNNING
            ran += 1
    print(f"fuzz: {len(cases)} starts, {failed} failed cleanly, {ran} running")
    assert failed > 0
