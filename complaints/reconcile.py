"""The read model never silently diverges from Temporal: a complaint whose workflow ended outside its
lifecycle (terminated from the UI or CLI, timed out, failed, cancelled; a reset leaves a new run and is
not one) is found by a visibility query and recorded: the row shows how it ended, the audit trail says when
and by whom as far as Temporal knows. Run on a Temporal Schedule (every few minutes) and by hand
(`complaints reconcile`); running it twice records nothing twice."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
)

from models.intake import complaint_id_of
from models.tables import AuditEvent, ComplaintRow

SCHEDULE_ID = "complaints-reconcile"
EVERY = timedelta(minutes=5)
LOOK_BACK = timedelta(days=30)  # how far back a run looks for ended workflows (overlapping runs are harmless)
ENDED = {WorkflowExecutionStatus.TERMINATED: "terminated", WorkflowExecutionStatus.TIMED_OUT: "timed_out",
         WorkflowExecutionStatus.FAILED: "failed", WorkflowExecutionStatus.CANCELED: "cancelled"}
# A row closed here is never rolled back by a late write of the ended run (writes carry lower versions).
FINAL_VERSION = 2_000_000_000


@dataclass
class Found:
    complaint_id: str
    how: str
    at: datetime
    by: str
    reason: str


def query(since: datetime) -> str:
    statuses = " OR ".join(f"ExecutionStatus = '{s}'" for s in ("Terminated", "TimedOut", "Failed", "Canceled"))
    return f"WorkflowType = 'ComplaintWorkflow' AND ({statuses}) AND CloseTime > '{since.isoformat()}'"


async def reconcile(client: Client, engine: Engine, now: datetime | None = None) -> list[Found]:
    now = now or datetime.now(UTC)
    found = []
    async for wf in client.list_workflows(query(now - LOOK_BACK)):
        cid = complaint_id_of(wf.id)
        if cid is None or wf.status not in ENDED:
            continue
        with Session(engine) as session:
            row = session.get(ComplaintRow, cid)
        if row is None or row.stage == "closed":
            continue
        latest = await client.get_workflow_handle(wf.id).describe()
        if latest.status in (WorkflowExecutionStatus.RUNNING, WorkflowExecutionStatus.CONTINUED_AS_NEW):
            continue  # a reset or a later run carries on: not ended
        by, reason = await _who_and_why(client, wf.id, wf.run_id, ENDED[wf.status])
        item = Found(cid, ENDED[wf.status], wf.close_time or now, by, reason)
        _record(engine, item)
        found.append(item)
    return found


async def _who_and_why(client: Client, workflow_id: str, run_id: str | None, how: str) -> tuple[str, str]:
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    by, reason = "temporal", how
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
            ended = event.workflow_execution_terminated_event_attributes
            by, reason = ended.identity or by, ended.reason or "terminated without a reason"
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
            asked = event.workflow_execution_cancel_requested_event_attributes
            by, reason = asked.identity or by, asked.cause or "cancellation requested"
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
            reason = event.workflow_execution_failed_event_attributes.failure.message or "failed"
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
            reason = "the workflow's run timed out"
    return by[:64], reason[:300]


def _record(engine: Engine, item: Found) -> None:
    table = ComplaintRow.__table__  # type: ignore[attr-defined]  # SQLModel's table classes have one
    with Session(engine) as session:
        changed = session.connection().execute(
            update(table).where(table.c.id == item.complaint_id, table.c.stage != "closed").values(
                stage="closed", outcome=item.how, closed_at=item.at, version=FINAL_VERSION,
                next_deadline=None, next_clock=None, awaiting=None, updated_at=datetime.now(UTC)))
        if changed.rowcount:
            last = session.exec(select(func.max(AuditEvent.seq)).where(
                AuditEvent.complaint_id == item.complaint_id)).one() or 0
            session.add(AuditEvent(complaint_id=item.complaint_id, seq=last + 1, at=item.at,
                                   action="ended_outside_lifecycle", actor_id=item.by, actor_role="operator",
                                   stage="closed", detail=f"{item.how}: {item.reason}"))
        session.commit()
