"""Every saved history replays on the current workflow code (determinism guard).

Record new ones with `RECORD_HISTORIES=1 ./run test` (see README); change running workflows behind
`workflow.patched`."""
import json

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.replay import HISTORIES
from workers.worker import WORKFLOWS

SAVED = sorted(HISTORIES.glob("*.json"))
EXPECTED = {"satisfied", "not_satisfied", "withdraw", "breach", "work_order", "lookback", "revisit_recurred"}


def test_every_lifecycle_path_has_a_saved_history():
    assert EXPECTED <= {p.stem for p in SAVED}


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
async def test_saved_history_replays(path, client):
    data = json.loads(path.read_text(encoding="utf-8"))
    history = WorkflowHistory.from_json(f"replay-{path.stem}", data)
    await Replayer(workflows=WORKFLOWS, data_converter=client.data_converter).replay_workflow(history)
