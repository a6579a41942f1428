"""The read model never diverges from Temporal: a complaint terminated from outside (the UI, the CLI) is
found by the reconciliation, closed in the read model with how, when and by whom, and found once."""
import uuid

from api import service
from complaints.reconcile import reconcile
from models.enums import Stage
from models.tables import AuditEvent, ComplaintRow
from tests.conftest import eventually, rows
from tests.helpers import submit
from workflows.reconcile import ReconcileWorkflow


async def test_a_terminated_complaint_is_recorded_once_with_who_and_why(client, workers, engine, api):
    ended, running = await submit(client, workers["calm"]), await submit(client, workers["calm"])
    await client.get_workflow_handle(f"complaint-{ended}").terminate(reason="清理测试数据 by ops")

    async def found_it():  # visibility shows a close a moment after it happened
        return {f.complaint_id: f for f in await reconcile(client, engine)}.get(ended)

    item = await eventually(found_it)
    assert rows(engine, ComplaintRow, id=running)[0].stage == Stage.HANDLE.value
    assert (item.how, item.reason) == ("terminated", "清理测试数据 by ops") and item.by  # the client's identity
    row = rows(engine, ComplaintRow, id=ended)[0]
    assert (row.stage, row.outcome) == ("closed", "terminated") and row.closed_at is not None
    trail = [a for a in rows(engine, AuditEvent, complaint_id=ended) if a.action == "ended_outside_lifecycle"]
    assert len(trail) == 1 and trail[0].detail == "terminated: 清理测试数据 by ops" and trail[0].actor_id == item.by
    assert ended not in {f.complaint_id for f in await reconcile(client, engine)}  # once
    assert rows(engine, ComplaintRow, id=running)[0].stage == Stage.HANDLE.value

    async with api.http() as h:  # supervisors see it in a list, and acting on it says it is closed
        sup = await api.as_("S001")
        listed = (await h.get("/v1/complaints", params={"outcome": "terminated"}, headers=sup)).json()
        assert ended in [r["complaint_id"] for r in listed]
        r = await h.post(f"/v1/complaints/{ended}/escalate", json={"reason": "x"}, headers=sup)
        assert r.status_code == 409 and "closed" in r.json()["detail"]


async def test_the_scheduled_workflow_runs_the_same_reconciliation(client, workers, engine):
    cid = await submit(client, workers["calm"])
    await client.get_workflow_handle(f"complaint-{cid}").terminate(reason="scheduled check")

    async def run_once():
        await client.execute_workflow(ReconcileWorkflow.run, id=f"reconcile-test-{uuid.uuid4().hex[:6]}",
                                      task_queue=workers["calm"])
        return rows(engine, ComplaintRow, id=cid)[0].outcome == "terminated"

    await eventually(run_once)
    assert await service.is_running(client, cid) is False
