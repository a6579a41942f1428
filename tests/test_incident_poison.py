"""Hostile clients against the incidents' workflows: junk updates are refusals, never failed tasks; a start
that is not an incident's own fails cleanly with its reason and writes nothing; nobody speaks for a
supervisor without the API's seal."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.service import RPCError

from api import incidents
from models.incidents import StartIncident
from models.tables import IncidentRow
from tests.conftest import rows
from tests.poison import broken_tasks, plain_client
from workflows.incident import IncidentWatchWorkflow, IncidentWorkflow

SUPERVISOR = {"id": "S001", "role": "supervisor", "department": "complaints"}


pytestmark = pytest.mark.usefixtures("no_incident_left")


def _start(iid: str, **over) -> StartIncident:
    now = datetime.now(UTC)
    return StartIncident.model_validate({
        "incident_id": iid, "opened_at": now, "rule": "meaning", "key": "AP0000000001", "members": [],
        "centre": "", "response_due": now + timedelta(hours=1), "plan_due": now + timedelta(hours=24), **over})


def _iid() -> str:
    return f"INC-{datetime.now(UTC):%Y%m%d%H%M}-{uuid.uuid4().hex[:6]}"


def _sealed(client, iid: str, name: str, args: list, message_id: str) -> list:
    from temporalio.common import RawValue

    from complaints.proof import prover_of

    payloads = client.data_converter.payload_converter.to_payloads(args) if args else []
    for p in payloads:
        prover_of(client).seal(p, iid, name, message_id)
    return [RawValue(p) for p in payloads]


@pytest.mark.parametrize("name, args, reason", [
    ("confirm", [], "not 0"),
    ("confirm", [{"actor": SUPERVISOR}, {"actor": SUPERVISOR}], "not 2"),
    ("no_such_thing", [{"actor": SUPERVISOR}], "unknown message"),
    ("link", [{"actor": SUPERVISOR, "complaint_id": "x; DROP TABLE"}], "complaint_id"),
    ("publish_plan", [{"actor": SUPERVISOR, "zh": "x" * 3000}], "zh"),
])
async def test_a_junk_update_to_an_incident_is_refused_and_changes_nothing(client, workers, name, args, reason):
    iid = _iid()
    await client.start_workflow(IncidentWorkflow.run, _start(iid), id=iid, task_queue=workers["calm"])
    before = await incidents.state(client, iid)
    with pytest.raises(WorkflowUpdateFailedError) as e:
        await client.get_workflow_handle(iid).execute_update(name, args=_sealed(client, iid, name, args, "bad"),
                                                             id="bad")
    assert reason in e.value.cause.message
    assert (await incidents.state(client, iid)).model_dump() == before.model_dump()
    assert await broken_tasks(client, iid) == []


async def test_a_plain_update_claiming_a_supervisor_is_never_applied(client, workers):
    """`temporal workflow update` without the API's seal, naming a supervisor."""
    iid = _iid()
    await client.start_workflow(IncidentWorkflow.run, _start(iid), id=iid, task_queue=workers["calm"])
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await plain_client(client).get_workflow_handle(iid).execute_update(
            "confirm", {"actor": SUPERVISOR, "note": "forged"}, id="forged")
    assert (await incidents.state(client, iid)).status == "candidate"
    assert await broken_tasks(client, iid) == []


@pytest.mark.parametrize("case", ["no input", "a string", "another incident's id", "carried on a first run",
                                  "a member that is no complaint"])
async def test_a_start_that_is_not_the_incidents_own_fails_cleanly_and_writes_nothing(client, workers, engine, case):
    iid = _iid()
    start = _start(iid).model_dump(mode="json")
    args: list = {"no input": [], "a string": ["hello"]}.get(case, [start])
    if case == "another incident's id":
        start["incident_id"] = _iid()
    elif case == "carried on a first run":
        state = (_start(iid)).model_dump(mode="json")
        start["carried"] = {**{k: state[k] for k in ("incident_id", "opened_at", "rule", "key", "centre",
                                                      "response_due", "plan_due")}, "status": "resolved"}
    elif case == "a member that is no complaint":
        start["members"] = ["../../etc"]
    handle = await client.start_workflow("IncidentWorkflow", args=args, id=iid, task_queue=workers["calm"])
    with pytest.raises(WorkflowFailureError) as e:
        await handle.result()
    assert "invalid start" in e.value.cause.message, case
    assert rows(engine, IncidentRow, id=iid) == []


async def test_the_watch_refuses_a_time_it_cannot_read(client, workers):
    for junk in ("yesterday", "2026-12-01T10:00:00"):  # not a time; a time without its zone
        with pytest.raises(WorkflowFailureError) as e:
            await client.execute_workflow(IncidentWatchWorkflow.run, junk, id=f"watch-{uuid.uuid4().hex[:8]}",
                                          task_queue=workers["calm"])
        assert "not a time" in e.value.cause.message


async def test_a_merge_hands_the_complaints_over_and_a_split_starts_a_new_incident(client, workers, engine):
    from models.incidents import Merge, Split
    from models.intake import Actor
    from models.tables import IncidentLink
    from tests.conftest import eventually

    sup = Actor.model_validate(SUPERVISOR)
    a, b = _iid(), _iid()
    mine = [f"AP9{uuid.uuid4().int % 10**9:09d}" for _ in range(4)]  # complaints of no other test
    await client.start_workflow(IncidentWorkflow.run, _start(a, members=mine[:3]), id=a, task_queue=workers["calm"])
    await client.start_workflow(IncidentWorkflow.run, _start(b, members=mine[3:]), id=b, task_queue=workers["calm"])

    def links(iid):
        return {x.complaint_id for x in rows(engine, IncidentLink, incident_id=iid)}

    await eventually(lambda: links(a) == set(mine[:3]) and links(b) == set(mine[3:]))
    merged = await incidents.update(client, a, "merge", Merge(actor=sup, into=b, reason="同一故障"), "m-1")
    assert merged.status == "merged" and merged.merged_into == b
    assert set((await incidents.state(client, b)).members) == set(mine)
    await eventually(lambda: links(b) == set(mine) and links(a) == set())

    after = await incidents.update(client, b, "split", Split(actor=sup, complaint_ids=mine[:2], reason="另一故障"), "s-1")
    new = after.split_into[0]
    assert set(after.members) == set(mine[2:])
    assert set((await incidents.state(client, new)).members) == set(mine[:2])
    await eventually(lambda: links(new) == set(mine[:2]) and links(b) == set(mine[2:]))
    for iid in (a, b, new):
        assert await broken_tasks(client, iid) == []
