"""What the CLI (and any API) does with complaints, over the Temporal client. Errors are ComplaintError
with a sentence a person can act on."""
import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from models import search_attributes as sa
from models.intake import Intake, workflow_id_for
from models.messages import MESSAGES, Message
from models.state import Ack, ComplaintState, SlaView
from models.workflow_io import StartComplaint
from workflows.complaint import ComplaintWorkflow
from workflows.rules import refusal_kind

BUSY_RETRIES = 6  # 0.05 s doubling: about 3 s in all before "Temporal refused" reaches the person


class ComplaintError(Exception):
    """A refusal or a failure, worded for the person who asked. `kind`: not-found, closed, stage,
    forbidden, rule (a business rule or invalid input), or engine (Temporal could not be asked)."""

    def __init__(self, message: str, kind: str = "rule"):
        super().__init__(message)
        self.kind = kind


@dataclass
class Submitted:
    complaint_id: str
    workflow_id: str
    created: bool  # False: the same channel + external reference was submitted before


async def submit(client: Client, intake: Intake, task_queue: str, *, reopened_from: str | None = None,
                 surface_fix: bool = False, level_floor=None, now: datetime | None = None) -> Submitted:
    try:
        intake.check_not_future(now or datetime.now(timezone.utc))
    except ValueError as e:
        raise ComplaintError(str(e)) from None
    cid = intake.complaint_id
    wid = workflow_id_for(cid)
    start = StartComplaint(intake=intake, complaint_id=cid, reopened_from=reopened_from,
                           surface_fix=surface_fix, level_floor=level_floor)
    try:
        await client.start_workflow(
            ComplaintWorkflow.run, start, id=wid, task_queue=task_queue,
            # One workflow per complaint, ever: a resubmission after closing must not reopen it silently.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=sa.at_intake(intake),
            static_summary=f"complaint {cid} via {intake.channel.value}")
    except WorkflowAlreadyStartedError:
        return Submitted(cid, wid, created=False)
    return Submitted(cid, wid, created=True)


def _handle(client: Client, complaint_id: str) -> WorkflowHandle:
    return client.get_workflow_handle(workflow_id_for(complaint_id))


def _explain(e: Exception, complaint_id: str) -> ComplaintError:
    if isinstance(e, WorkflowUpdateFailedError) and isinstance(e.cause, ApplicationError):
        return ComplaintError(e.cause.message, refusal_kind(e.cause.type))
    if isinstance(e, RPCError):
        if "already completed" in e.message.lower():
            return ComplaintError(f"complaint {complaint_id} is closed", "closed")
        if e.status == RPCStatusCode.NOT_FOUND:
            return ComplaintError(f"no complaint {complaint_id}", "not-found")
        return ComplaintError(f"Temporal refused: {e.message}", "engine")
    if isinstance(e, WorkflowQueryFailedError):
        return ComplaintError(f"could not read complaint {complaint_id}: {e.message}", "engine")
    return ComplaintError(str(e))


async def acknowledge(client: Client, complaint_id: str, name: str, msg: Message) -> Ack:
    """Send a contract message as an update: its small acknowledgement, or a ComplaintError saying why not."""
    if name not in MESSAGES:
        raise ComplaintError(f"unknown message {name!r}; known: {', '.join(MESSAGES)}")
    if not isinstance(msg, MESSAGES[name]):
        raise ComplaintError(f"{name} takes a {MESSAGES[name].__name__}, not a {type(msg).__name__}")
    for attempt in range(BUSY_RETRIES + 1):
        try:
            return await _handle(client, complaint_id).execute_update(name, msg, result_type=Ack)
        except RPCError as e:
            # The server holds at most 10 updates in flight per workflow: a burst from many people (or one
            # script) waits its turn a moment instead of failing.
            busy = e.status == RPCStatusCode.RESOURCE_EXHAUSTED or "in-flight updates" in e.message
            if not busy or attempt == BUSY_RETRIES:
                raise _explain(e, complaint_id) from None
            await asyncio.sleep(0.05 * 2 ** attempt)
        except WorkflowUpdateFailedError as e:
            raise _explain(e, complaint_id) from None
    raise AssertionError("unreachable")


async def send(client: Client, complaint_id: str, name: str, msg: Message) -> ComplaintState:
    """Send a contract message as an update, then read the state it left (a query: not kept in history)."""
    await acknowledge(client, complaint_id, name, msg)
    return await state(client, complaint_id)


async def signal(client: Client, complaint_id: str, name: str, msg: Message) -> None:
    try:
        await _handle(client, complaint_id).signal(name, msg)
    except RPCError as e:
        raise _explain(e, complaint_id) from None


async def state(client: Client, complaint_id: str) -> ComplaintState:
    try:
        return await _handle(client, complaint_id).query("state", result_type=ComplaintState)
    except (RPCError, WorkflowQueryFailedError) as e:
        raise _explain(e, complaint_id) from None


async def sla(client: Client, complaint_id: str) -> SlaView:
    try:
        return await _handle(client, complaint_id).query("sla", result_type=SlaView)
    except (RPCError, WorkflowQueryFailedError) as e:
        raise _explain(e, complaint_id) from None


async def is_running(client: Client, complaint_id: str) -> bool:
    desc = await _handle(client, complaint_id).describe()
    return desc.status == WorkflowExecutionStatus.RUNNING
