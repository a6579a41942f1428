"""A workflow that reads a large start and then only waits: what a cached complaint does with its intake
(tests/test_start_release.py). Its own module, so the sandbox imports nothing of the test's."""
from typing import Any

from temporalio import workflow


@workflow.defn
class HoldsItsStart:
    def __init__(self) -> None:
        self.size = 0

    @workflow.run
    async def run(self, start: dict[str, Any]) -> int:
        self.size = len(start.get("text", ""))
        start.clear()  # as workflows/inbox.py does: the SDK keeps the converted input for the run's life
        await workflow.wait_condition(lambda: False)
        return self.size

    @workflow.update
    async def size_read(self) -> int:
        await workflow.wait_condition(lambda: self.size > 0)
        return self.size
