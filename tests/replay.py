"""Replay guards: a complaint's real history must replay on the current workflow code.

`check_replay` replays a fresh history at once, and with RECORD_HISTORIES=1 also saves it under
tests/histories/, where test_replay.py replays it on every run from then on."""
import json
import os
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Replayer

from workers.worker import WORKFLOWS

HISTORIES = Path(__file__).parent / "histories"
# A key for tests only, committed so saved histories stay readable. Never used outside tests.
TEST_KEY = HISTORIES / "test-only.key"
TEST_ACTOR_KEY = HISTORIES / "test-only-actor.key"  # seals the messages in those histories
IDS = HISTORIES / "workflow-ids.json"


async def check_replay(client: Client, workflow_id: str, name: str, run_id: str | None = None) -> None:
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    await Replayer(workflows=WORKFLOWS, data_converter=client.data_converter).replay_workflow(history)
    if os.environ.get("RECORD_HISTORIES"):
        (HISTORIES / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
        # The workflow id is not in the events, and the workflow checks its input against it.
        ids = json.loads(IDS.read_text()) if IDS.exists() else {}
        IDS.write_text(json.dumps(ids | {name: workflow_id}, indent=1, sort_keys=True) + "\n")


def saved_id(name: str) -> str:
    return json.loads(IDS.read_text())[name]
