"""The outbox's workflow, started by its Schedule every half minute: each pending notification delivered
by an activity Temporal retries with backoff; when the retries are spent, a person is told."""
import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from models.intake import Strict

BATCH = 200


class OutboxInput(Strict):
    attempts: int = 5
    first_retry_seconds: float = 5.0


@workflow.defn(name="OutboxWorkflow")
class OutboxWorkflow:
    @workflow.run
    async def run(self, inp: OutboxInput) -> dict[str, int]:
        keys: list[str] = await workflow.execute_activity(
            "pending_notifications", BATCH, start_to_close_timeout=timedelta(seconds=30))
        retry = RetryPolicy(initial_interval=timedelta(seconds=inp.first_retry_seconds), backoff_coefficient=2.0,
                            maximum_interval=timedelta(minutes=2), maximum_attempts=inp.attempts,
                            non_retryable_error_types=["Rejected"])
        counts: dict[str, int] = {}

        async def one(key: str) -> None:
            try:
                how: str = await workflow.execute_activity(
                    "deliver_notification", key, start_to_close_timeout=timedelta(seconds=60), retry_policy=retry)
            except ActivityError as e:
                cause = e.cause
                await workflow.execute_activity("delivery_failed", args=[key, str(cause or e)[:300]],
                                                start_to_close_timeout=timedelta(seconds=30))
                how = "undelivered"
            counts[how] = counts.get(how, 0) + 1

        await asyncio.gather(*(one(k) for k in keys))
        return counts
