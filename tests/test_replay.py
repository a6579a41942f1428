"""Every saved history replays on the current workflow code (determinism guard).

Record new ones with `RECORD_HISTORIES=1 ./run test` (see README); change running workflows behind
`workflow.patched`."""
import json

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.replay import HISTORIES
from workers.worker import WORKFLOWS

# tests/histories/: recorded by the current code; kept so that complaints started then still replay (they may
# run for weeks): v1/ before the "lean-lifecycle" patch, v2/ lean by that patch, recorded before the codec
# compressed payloads (they prove it still reads old payloads), v3/ lean with compressed payloads, before the
# "lean-lifecycle-2" patch pushed the closing stage with the completion.
SAVED = sorted(HISTORIES.rglob("*.json"))
EXPECTED = {"satisfied", "not_satisfied", "withdraw", "breach", "work_order", "lookback", "revisit_recurred"}


@pytest.mark.parametrize("folder", [HISTORIES, HISTORIES / "v1", HISTORIES / "v2", HISTORIES / "v3"],
                         ids=["current", "v1", "v2", "v3"])
def test_every_lifecycle_path_has_a_saved_history(folder):
    assert EXPECTED <= {p.stem for p in folder.glob("*.json")}


@pytest.mark.parametrize("path", SAVED, ids=[str(p.relative_to(HISTORIES)) for p in SAVED])
async def test_saved_history_replays(path, client):
    data = json.loads(path.read_text(encoding="utf-8"))
    history = WorkflowHistory.from_json(f"replay-{path.stem}", data)
    await Replayer(workflows=WORKFLOWS, data_converter=client.data_converter).replay_workflow(history)
