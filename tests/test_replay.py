"""Every saved history replays on the current workflow code (determinism guard).

Record new ones with `RECORD_HISTORIES=1 ./run test` (see docs/testing.md, the versioning policy)."""
import json

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.replay import HISTORIES, IDS, saved_id
from workers.worker import WORKFLOWS

# tests/histories/: one generation, recorded by the code of release 1.0. From 1.0 on, a change to the workflow
# that running complaints would replay differently goes behind `workflow.patched`, and the histories of the
# older behaviour are kept in a folder of their own until no complaint of that behaviour is open (docs/testing.md).
SAVED = sorted(p for p in HISTORIES.rglob("*.json") if p != IDS)
EXPECTED = {"satisfied", "not_satisfied", "withdraw", "breach", "work_order", "lookback", "revisit_recurred",
            "continued", "review"}


def test_every_lifecycle_path_has_a_saved_history():
    assert EXPECTED <= {p.stem for p in HISTORIES.glob("*.json")}


@pytest.mark.parametrize("path", SAVED, ids=[str(p.relative_to(HISTORIES)) for p in SAVED])
async def test_saved_history_replays(path, client):
    data = json.loads(path.read_text(encoding="utf-8"))
    history = WorkflowHistory.from_json(saved_id(path.stem), data)
    await Replayer(workflows=WORKFLOWS, data_converter=client.data_converter).replay_workflow(history)


@pytest.mark.parametrize("path", SAVED, ids=[str(p.relative_to(HISTORIES)) for p in SAVED])
async def test_saved_history_replays_with_the_payload_key_alone(path, client, settings):
    """An operator replays before a deploy with the payload key, never the actor key: an update's seal was
    checked by its validator when it arrived, and a replay runs no validator (models/proof.py)."""
    from temporalio.converter import DataConverter

    from complaints.codec import EncryptionCodec, load_or_create_key
    from models.payloads import ComplaintPayloadConverter

    converter = DataConverter(payload_converter_class=ComplaintPayloadConverter,
                              payload_codec=EncryptionCodec(*load_or_create_key(settings.key_file)))
    history = WorkflowHistory.from_json(saved_id(path.stem), json.loads(path.read_text(encoding="utf-8")))
    await Replayer(workflows=WORKFLOWS, data_converter=converter).replay_workflow(history)
