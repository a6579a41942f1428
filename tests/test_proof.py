"""Only the API speaks for a person: the seal's rules as tables, then the attack itself on a real server
(the codec's power, the payload key, without the actor key), and a sealed history replayed without it."""
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import RawValue
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from api import service
from complaints import proof
from complaints.codec import EncryptionCodec, load_or_create_key
from models import messages as m
from models.intake import Actor, workflow_id_for
from models.payloads import ComplaintPayloadConverter
from models.proof import FRESH_FOR, SEAL, VOUCHED, unproven
from models.tables import AuditEvent
from tests.actors import HANDLER
from tests.conftest import eventually, rows
from tests.helpers import submit
from workers.worker import WORKFLOWS

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
KEY, OTHER = b"k" * 32, b"o" * 32
NOBODY = Actor(id="S-NOBODY", role="supervisor", department="complaints")


def sealed_payload(data: bytes = b'{"actor":{"id":"E207"}}', key: bytes = KEY, **bind) -> Payload:
    p = Payload(metadata={"encoding": b"json/plain"}, data=data)
    args = {"workflow_id": "complaint-HL0000000001", "message": "add_note", "message_id": "u1", "now": NOW} | bind
    proof.Prover([key]).seal(p, **args)
    return p


def vouched(p: Payload, keys=(KEY,)) -> bytes | None:
    proof.Prover(list(keys)).vouch(p)
    return p.metadata.get(VOUCHED)


def test_a_sealed_payload_is_vouched_for_with_what_it_binds():
    bound = vouched(sealed_payload())
    assert bound is not None and b'"workflow_id":"complaint-HL0000000001"' in bound


def _altered_body(p):
    p.data = b'{"actor":{"id":"S001"}}'


def _altered_binding(p):
    p.metadata[SEAL] = p.metadata[SEAL].replace(b"add_note", b"escalate")


def _forged_mark(p):
    del p.metadata[SEAL]
    p.metadata[VOUCHED] = b'{"workflow_id":"complaint-HL0000000001"}'


def _no_seal(p):
    del p.metadata[SEAL]


@pytest.mark.parametrize("tamper", [_altered_body, _altered_binding, _forged_mark, _no_seal])
def test_a_tampered_or_missing_seal_is_vouched_for_by_nobody(tamper):
    p = sealed_payload()
    tamper(p)
    assert vouched(p) is None


def test_another_key_is_not_the_actor_key_but_an_older_one_still_checks():
    assert vouched(sealed_payload(key=OTHER)) is None
    assert vouched(sealed_payload(key=OTHER), keys=(KEY, OTHER)) is not None


def _binding(**change):
    p = sealed_payload(**change)
    return vouched(p)


@pytest.mark.parametrize("where, why", [
    (dict(workflow_id="complaint-HL0000000002"), "another workflow"),
    (dict(message="escalate"), "issued for 'escalate'"),
    (dict(message_id="u2"), "another update id"),
    (dict(now=NOW - FRESH_FOR - timedelta(seconds=1)), "more than 15 minutes"),
    (dict(now=NOW + FRESH_FOR + timedelta(seconds=1)), "more than 15 minutes"),
])
def test_the_workflow_refuses_a_seal_for_another_place_or_time(where, why):
    binding, reason = unproven(_binding(**where), "complaint-HL0000000001", "add_note", "u1", NOW)
    assert binding is None and why in (reason or "")


def test_the_workflow_takes_its_own_seal_and_a_signal_has_no_update_id():
    for update_id in ("u1", None):
        binding, reason = unproven(_binding(), "complaint-HL0000000001", "add_note", update_id, NOW)
        assert reason is None and binding is not None and binding.id == "u1"
    assert unproven(None, "w", "add_note", None, NOW)[1] == "its actor is not proven: only the API speaks for a person"
    assert unproven(b"{not json", "w", "add_note", None, NOW)[1] == "its proof is unreadable"


def operators_client(client: Client, settings) -> Client:
    """What the codec's token gives: the payload key (encode any payload), never the actor key."""
    codec = EncryptionCodec(*load_or_create_key(settings.key_file))
    return Client(client.service_client, namespace=client.namespace, data_converter=DataConverter(
        payload_converter_class=ComplaintPayloadConverter, payload_codec=codec))


async def test_the_codec_power_cannot_act_as_anyone(client, workers, settings, engine):
    cid = await submit(client, workers["calm"])
    operator = operators_client(client, settings)
    assert proof.prover_of(operator) is None
    handle = operator.get_workflow_handle(workflow_id_for(cid))
    escalate = m.Escalate(actor=NOBODY, reason="I say so")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update("escalate", escalate)
    assert "not proven" in refused.value.cause.message
    # Not even with a seal copied from a real message: it binds another message, id and body.
    payload = client.data_converter.payload_converter.to_payloads([escalate])[0]
    payload.metadata[VOUCHED] = b'{"forged": true}'
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update("escalate", RawValue(payload))
    await handle.signal("escalate", escalate)  # fire-and-forget: recorded as nobody's rejection
    state = await service.state(client, cid)
    assert not state.special_group
    rejected = await eventually(lambda: [e for e in rows(engine, AuditEvent, complaint_id=cid)
                                         if e.action == "escalate"])
    assert [(e.accepted, e.actor_id) for e in rejected] == [(False, "unknown")]
    assert "S-NOBODY" in rejected[0].detail and "not proven" in rejected[0].detail
    # The API's own way, sealed, still works, and reading the history with the payload key alone too.
    await service.send(client, cid, "add_note", m.AddNote(actor=HANDLER, text="sealed"))
    history = await operator.get_workflow_handle(workflow_id_for(cid)).fetch_history()
    await Replayer(workflows=WORKFLOWS, data_converter=operator.data_converter).replay_workflow(history)
