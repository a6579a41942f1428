"""The floor: a workflow doing what a complaint does (the same activities, local activities, timers and
updates, in the same order) with empty bodies, on Temporal's default converter. Run as its own worker process:

    python bench/floor.py ADDRESS TASK_QUEUE"""
import asyncio
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@activity.defn
async def noop(payload: dict) -> dict:
    return payload


@workflow.defn
class FloorWorkflow:
    def __init__(self) -> None:
        self.updates = 0

    @workflow.update
    async def step(self, payload: dict) -> int:
        self.updates += 1
        return self.updates

    @workflow.run
    async def run(self, segments: list[dict]) -> int:
        """Each segment: activities, local activities and timers, then (if `wait`) the next update."""
        for i, seg in enumerate(segments):
            for _ in range(seg["activities"]):
                await workflow.execute_activity(noop, {"i": i}, start_to_close_timeout=timedelta(seconds=30))
            for _ in range(seg["locals"]):
                await workflow.execute_local_activity(noop, {"i": i}, start_to_close_timeout=timedelta(seconds=10))
            # Like a complaint's clock timers: started, then cancelled when the next message comes.
            timers = [asyncio.ensure_future(workflow.sleep(3600)) for _ in range(seg["timers"])]
            if seg["wait"]:
                await workflow.wait_condition(lambda i=i: self.updates > i)
            for t in timers:
                t.cancel()
        return self.updates


async def main(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(client, task_queue=task_queue, workflows=[FloorWorkflow], activities=[noop],
                      max_cached_workflows=10000):
        print("floor worker running", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
