"""Before a deploy: replay the histories of the workflows still open on a server with this code.

A change that would replay one of them differently fails here, by name, before it can fail the running
complaint (docs/testing.md, the versioning policy, says what to do then)."""
import logging
from dataclasses import dataclass, field

from temporalio.client import Client
from temporalio.worker import Replayer

from workers.worker import WORKFLOWS, workflow_runner

OPEN = "ExecutionStatus = 'Running'"


@dataclass
class ReplayReport:
    replayed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # workflow id -> why


async def replay_open(client: Client, query: str = OPEN, limit: int | None = None) -> ReplayReport:
    # Each failure is in the report, by workflow id; the SDK's own traceback of it would only bury that.
    worker_log = logging.getLogger("temporalio.worker")
    level = worker_log.level
    worker_log.setLevel(logging.CRITICAL)
    try:
        return await _replay(client, query, limit)
    finally:
        worker_log.setLevel(level)


async def _replay(client: Client, query: str, limit: int | None) -> ReplayReport:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=client.data_converter, workflow_runner=workflow_runner())
    report = ReplayReport()
    histories = client.list_workflows(query, limit=limit).map_histories()
    async with replayer.workflow_replay_iterator(histories) as results:
        async for result in results:
            report.replayed += 1
            if result.replay_failure is not None:
                report.failed[result.history.workflow_id] = str(result.replay_failure)[:300]
    return report
