"""The retention sweep: run by its Schedule (`records.sweep`), it erases what is past retention in batches,
each an activity, until none is left or the run has done its share (the next run takes the rest)."""
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

BATCH, BATCHES = 200, 50  # at most 10,000 complaints a run: a bounded history, whatever the backlog


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self) -> int:
        total = 0
        for _ in range(BATCHES):
            erased: int = await workflow.execute_activity(
                "erase_expired", BATCH, start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(minutes=2),
                retry_policy=RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=10)))
            total += erased
            if erased < BATCH:
                break
        return total
