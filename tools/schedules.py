"""The reconciliation's and the incident watch's schedules, which `up` creates (the look-back's is
`api.lookbacks.ensure_schedule`, the outbox's `tools.outbox.ensure_schedule`)."""
from datetime import timedelta

from temporalio.client import Client, ScheduleActionStartWorkflow

from complaints.reconcile import EVERY, SCHEDULE_ID
from complaints.temporal import every
from models.policy import wall_clock
from workflows.incident import IncidentWatchWorkflow
from workflows.reconcile import ReconcileWorkflow

WATCH_ID = "complaints-incident-watch"


async def ensure_reconcile_schedule(client: Client, task_queue: str) -> None:
    """The reconciliation every five minutes, as a Temporal Schedule (idempotent)."""
    await every(client, SCHEDULE_ID, EVERY, ScheduleActionStartWorkflow(
        ReconcileWorkflow.run, id="complaints-reconcile-run", task_queue=task_queue))


async def ensure_incident_watch(client: Client, task_queue: str, period: str) -> None:
    """The incident watch every `period` (the policy's `incidents.every`), as a Schedule."""
    await every(client, WATCH_ID, wall_clock(period) or timedelta(minutes=2), ScheduleActionStartWorkflow(
        IncidentWatchWorkflow.run, id=f"{WATCH_ID}-run", task_queue=task_queue))
