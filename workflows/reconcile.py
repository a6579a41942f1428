"""The reconciliation's workflow: one activity, started by its Schedule every few minutes."""
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy


@workflow.defn(name="ReconcileWorkflow")
class ReconcileWorkflow:
    @workflow.run
    async def run(self) -> int:
        found: int = await workflow.execute_activity(
            "reconcile", start_to_close_timeout=timedelta(minutes=4),
            retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=10)))
        return found
