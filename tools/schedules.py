"""The reconciliation's schedule, which `up` creates (the look-back's is `api.lookbacks.ensure_schedule`, the
outbox's `tools.outbox.ensure_schedule`)."""
from temporalio.client import Client, ScheduleActionStartWorkflow

from complaints.reconcile import EVERY, SCHEDULE_ID
from complaints.temporal import every
from workflows.reconcile import ReconcileWorkflow


async def ensure_reconcile_schedule(client: Client, task_queue: str) -> None:
    """The reconciliation every five minutes, as a Temporal Schedule (idempotent)."""
    await every(client, SCHEDULE_ID, EVERY, ScheduleActionStartWorkflow(
        ReconcileWorkflow.run, id="complaints-reconcile-run", task_queue=task_queue))
