"""The outbox's workflow, started by its Schedule every half minute.

It drains: pending notifications are taken in rounds of `BATCH`, each round's first attempts made in
activities of `CHUNK` notifications (one activity per notification cost a Temporal round trip each and capped
the outbox at 200 a run, which a large bank's outage outgrew: bench/bank_month.py). A notification whose first
attempt met a transient failure gets its own activity that Temporal retries with backoff for the attempts left;
when they are spent, a person is told. A round that met a failing transport is the run's last: a gateway
struggling is not handed the next thousand."""
import asyncio
from datetime import timedelta
from typing import Any

from pydantic import Field
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from models.intake import Strict
from workflows import inbox

BATCH = 200  # notifications a round takes from the outbox
CHUNK = 20  # first attempts per activity
ROUNDS = 25  # rounds a run makes at most: its history stays bounded (~30 events a round)


class OutboxInput(Strict):
    attempts: int = Field(default=5, ge=1, le=20)
    first_retry_seconds: float = Field(default=5.0, gt=0, le=600)


@workflow.defn(name="OutboxWorkflow")
class OutboxWorkflow:
    @workflow.run
    async def run(self, *args: Any) -> dict[str, int]:
        inp = inbox.start_input(args, OutboxInput)  # any payload, none or two: the run fails, never its task
        retry = RetryPolicy(initial_interval=timedelta(seconds=inp.first_retry_seconds), backoff_coefficient=2.0,
                            maximum_interval=timedelta(minutes=2), maximum_attempts=inp.attempts - 1,
                            non_retryable_error_types=["Rejected"])
        counts: dict[str, int] = {}

        def count(how: str) -> None:
            counts[how] = counts.get(how, 0) + 1

        async def failed(key: str, error: str) -> None:
            await workflow.execute_activity("delivery_failed", args=[key, error[:300]],
                                            start_to_close_timeout=timedelta(seconds=30))
            count("undelivered")

        async def again(key: str, error: str) -> None:
            if inp.attempts == 1:  # the first attempt was the only one
                await failed(key, error)
                return
            try:
                count(await workflow.execute_activity(
                    "deliver_notification", key, start_to_close_timeout=timedelta(seconds=60), retry_policy=retry))
            except ActivityError as e:
                await failed(key, str(e.cause or e))

        async def first(keys: list[str]) -> list[tuple[str, str, str]]:
            # Each key's (outcome, error): "retry" and "rejected" are the two that are not final here.
            done: list[tuple[str, str, str]] = await workflow.execute_activity(
                "deliver_notifications", keys, start_to_close_timeout=timedelta(seconds=30 + 25 * len(keys)),
                heartbeat_timeout=timedelta(seconds=60), retry_policy=RetryPolicy(maximum_attempts=3))
            return done

        for _ in range(ROUNDS):
            keys: list[str] = await workflow.execute_activity(
                "pending_notifications", BATCH, start_to_close_timeout=timedelta(seconds=30))
            chunks = [keys[i:i + CHUNK] for i in range(0, len(keys), CHUNK)]
            tried = [t for done in await asyncio.gather(*(first(c) for c in chunks)) for t in done]
            follow = []
            for key, how, error in tried:
                if how == "retry":
                    follow.append(again(key, error))
                elif how == "rejected":
                    follow.append(failed(key, error))
                else:
                    count(how)
            await asyncio.gather(*follow)
            if len(keys) < BATCH or any(how == "retry" for _, how, _ in tried):
                break
        return counts
