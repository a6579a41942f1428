"""Hostile clients for the poison tests: raw payloads past our own validation, and the health checks after."""
import os
from collections.abc import Sequence
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client
from temporalio.common import RawValue
from temporalio.converter import DataConverter, PayloadCodec

from api import service
from complaints.proof import prover_of
from models.intake import workflow_id_for
from models.tables import AuditEvent, ComplaintRow
from tests.conftest import rows

# Causes that mean our code (or its determinism) failed; an unhandled-command retry is the server's own.
BROKEN = {WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
          WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR}


class GarbageCodec(PayloadCodec):
    """Claims our encryption, sends random bytes: a forged or corrupted ciphertext."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [Payload(metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"forged"},
                        data=os.urandom(40)) for _ in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def sealed(client: Client, complaint_id: str, name: str, args: Sequence[Any], message_id: str = "poison") -> list:
    """Raw payloads sealed as the API seals its own: what only a holder of the actor key could send. The
    strongest hostile client: even its malformed messages must be refusals, never broken tasks."""
    prover = prover_of(client)
    assert prover is not None
    payloads = client.data_converter.payload_converter.to_payloads(list(args)) if args else []
    for p in payloads:
        prover.seal(p, workflow_id_for(complaint_id), name, message_id)
    return [RawValue(p) for p in payloads]


def plain_client(client: Client) -> Client:
    """A client without the key: what `temporal workflow signal --input '{...}'` sends."""
    return Client(client.service_client, namespace=client.namespace)


def garbage_client(client: Client) -> Client:
    return Client(client.service_client, namespace=client.namespace,
                  data_converter=DataConverter(payload_codec=GarbageCodec()))


async def broken_tasks(client: Client, workflow_id: str) -> list[str]:
    """Failed workflow tasks caused by our code, over every run of the workflow."""
    found = []
    async for run in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        history = await client.get_workflow_handle(workflow_id, run_id=run.run_id).fetch_history()
        for e in history.events:
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED and \
                    e.workflow_task_failed_event_attributes.cause in BROKEN:
                found.append(e.workflow_task_failed_event_attributes.failure.message[:300])
    return found


async def runs(client: Client, workflow_id: str) -> int:
    return len([r async for r in client.list_workflows(f"WorkflowId = '{workflow_id}'")])


async def healthy(client: Client, complaint_id: str) -> None:
    """No failed task, and it still answers `state`."""
    assert await broken_tasks(client, workflow_id_for(complaint_id)) == []
    await service.state(client, complaint_id)


def snapshot(engine, complaint_id: str) -> tuple:
    """What a neighbour's records look like, to show that nothing sent to another complaint touched them."""
    row = rows(engine, ComplaintRow, id=complaint_id)[0]
    audit = sorted((a.seq, a.action, a.detail) for a in rows(engine, AuditEvent, complaint_id=complaint_id))
    return row.model_dump(exclude={"updated_at"}), audit
