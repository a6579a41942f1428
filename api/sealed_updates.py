"""A person's message to a long-lived workflow that is not a complaint (an incident, a problem): one sealed
update, exactly once by its id, and its state by query; the same door for both."""
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.service import RPCError

from api.service import ComplaintError, explain_failure, sealed
from models.messages import Message

S = TypeVar("S")


async def update(client: Client, kind: str, workflow_id: str, name: str, msg: Message,
                 messages: Mapping[str, type[Message]], result_type: type[S], message_id: str | None = None) -> S:
    """Send `msg` as update `name`; a key used before with another body (the state's `answer_to` says so) is
    refused as a conflict, as a complaint's is."""
    if name not in messages or not isinstance(msg, messages[name]):
        raise ComplaintError(f"unknown {kind} message {name!r}; known: {', '.join(messages)}")
    message_id = message_id or uuid.uuid4().hex
    arg, sent = sealed(client, workflow_id, name, msg, message_id)
    try:
        got: Any = await client.get_workflow_handle(workflow_id).execute_update(
            name, arg, id=message_id, result_type=result_type)
    except (RPCError, WorkflowUpdateFailedError) as e:
        raise explain_failure(e, workflow_id, kind, "is over") from None
    first = got.answer_to(message_id)
    if first is not None and first.digest != sent:
        raise ComplaintError(f"this idempotency key was used for another {first.action} on {workflow_id}, with "
                             "another body: nothing applied (use a new key for a new request)", "idempotency")
    return got


async def state(client: Client, kind: str, workflow_id: str, result_type: type[S]) -> S:
    try:
        return await client.get_workflow_handle(workflow_id).query("state", result_type=result_type)
    except (RPCError, WorkflowQueryFailedError) as e:
        raise explain_failure(e, workflow_id, kind, "is over") from None
