"""What the CLI (and any API) does with complaints, over the Temporal client. Errors are ComplaintError
with a sentence a person can act on."""
import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import RawValue, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from complaints.proof import digest, prover_of
from models import search_attributes as sa
from models.intake import Intake, workflow_id_for
from models.messages import Message
from models.reasons import Reason
from models.state import Ack, ComplaintState, ReviewOf, SlaView
from models.workflow_io import StartComplaint
from workflows.complaint import ComplaintWorkflow
from workflows.contract import MESSAGES
from workflows.rules import refusal_kind

log = structlog.get_logger()
START_MARGIN = timedelta(minutes=1)  # the door judges the received-at horizon this much later than it is
BUSY_RETRIES = 6  # 0.05 s doubling: about 3 s in all before "Temporal refused" reaches the person


class ComplaintError(Exception):
    """A refusal or a failure, worded for the person who asked. `kind`: not-found, closed, stage,
    forbidden, rule (a business rule or invalid input), or engine (Temporal could not be asked)."""

    def __init__(self, message: str, kind: str = "rule"):
        super().__init__(message)
        self.kind = kind
        self.reason: str = message  # a Reason (its code kept) when the rule that refused wrote one


@dataclass
class Submitted:
    complaint_id: str
    workflow_id: str
    created: bool  # False: the same channel + external reference was submitted before


async def submit(client: Client, intake: Intake, task_queue: str, *, reopened_from: str | None = None,
                 surface_fix: bool = False, level_floor=None, review_of: ReviewOf | None = None,
                 now: datetime | None = None, oldest: timedelta | None = None) -> Submitted:
    """Start the complaint's workflow once per channel + external reference, and answer once the server holds
    it (durable: a worker takes it in whenever one runs).

    What the workflow would refuse at start is refused here first: its start is built and validated by the
    same model the workflow reads, and the received-at horizon (`oldest`) is judged a minute later than now,
    while the intake activity judges it at the workflow's start, so it never refuses what was answered 201.
    The door does not wait for the analyse stage: on an outage day answers stay fast while the workers
    catch up (bench/README.md measured both designs)."""
    now = now or datetime.now(UTC)
    try:
        intake.check_not_future(now)
        if oldest is not None:
            intake.check_received_window(now + START_MARGIN, oldest)
    except ValueError as e:
        raise ComplaintError(str(e)) from None
    cid = intake.complaint_id
    wid = workflow_id_for(cid)
    start = StartComplaint(intake=intake, complaint_id=cid, reopened_from=reopened_from,
                           surface_fix=surface_fix, level_floor=level_floor, review_of=review_of)
    try:
        await client.start_workflow(
            ComplaintWorkflow.run, start, id=wid, task_queue=task_queue,
            # One workflow per complaint, ever: a resubmission after closing must not reopen it silently; one
            # whose start failed (it never held a complaint) may be keyed in again.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            search_attributes=sa.at_intake(intake),
            static_summary=f"complaint {cid} via {intake.channel.value}")
    except WorkflowAlreadyStartedError:
        return Submitted(cid, wid, created=False)
    return Submitted(cid, wid, created=True)


def _handle(client: Client, complaint_id: str) -> WorkflowHandle:
    return client.get_workflow_handle(workflow_id_for(complaint_id))


def _explain(e: Exception, complaint_id: str, what: str = "complaint", ended: str = "is closed") -> ComplaintError:
    """A Temporal failure in words, for a complaint (or, with `what` and `ended`, another workflow: an incident)."""
    if isinstance(e, WorkflowUpdateFailedError) and isinstance(e.cause, ApplicationError):
        refused = ComplaintError(e.cause.message, refusal_kind(e.cause.type))
        if (coded := Reason.within(e.cause.message, e.cause.details)) is not None:
            refused.reason = coded
        return refused
    if isinstance(e, RPCError):
        if "already completed" in e.message.lower():
            return ComplaintError(f"{what} {complaint_id} {ended}", "closed")
        if e.status == RPCStatusCode.NOT_FOUND:
            return ComplaintError(f"no {what} {complaint_id}", "not-found")
        return ComplaintError(f"Temporal refused: {e.message}", "engine")
    if isinstance(e, WorkflowQueryFailedError):
        return ComplaintError(f"could not read {what} {complaint_id}: {e.message}", "engine")
    return ComplaintError(str(e))


explain_failure = _explain


def sealed(client: Client, workflow_id: str, name: str, msg: BaseModel, message_id: str) -> tuple[RawValue, str]:
    """The message as one payload sealed for this workflow, name and id (models/proof.py), and its digest.
    A client without the actor key sends it unsealed: the workers then refuse it as unproven."""
    payload = client.data_converter.payload_converter.to_payloads([msg])[0]
    prover = prover_of(client)
    if prover is not None:
        # The API binds each request's id into the log context (api/routes/operations.py): it travels in the
        # seal, so the history event names the request an operator finds in the logs and the request audit.
        request_id = structlog.contextvars.get_contextvars().get("request_id", "")
        prover.seal(payload, workflow_id, name, message_id, request_id=request_id)
    return RawValue(payload), digest(payload.data)


async def acknowledge(client: Client, complaint_id: str, name: str, msg: Message,
                      message_id: str | None = None) -> Ack:
    """Send a contract message as an update: its small acknowledgement, or a ComplaintError saying why not.

    `message_id` is the update id: the same id is applied once, however often it is sent (the API makes it
    from the person and their Idempotency-Key). Sent again with another body, it is refused (conflict)."""
    if name not in MESSAGES:
        raise ComplaintError(f"unknown message {name!r}; known: {', '.join(MESSAGES)}")
    if not isinstance(msg, MESSAGES[name]):
        raise ComplaintError(f"{name} takes a {MESSAGES[name].__name__}, not a {type(msg).__name__}")
    message_id = message_id or uuid.uuid4().hex
    for attempt in range(BUSY_RETRIES + 1):
        try:
            arg, sent = sealed(client, workflow_id_for(complaint_id), name, msg, message_id)
            ack = await _handle(client, complaint_id).execute_update(name, arg, id=message_id, result_type=Ack)
            if ack.digest and ack.digest != sent:
                raise ComplaintError(f"this idempotency key was used for another {ack.action} on {complaint_id}, "
                                     "with another body: nothing applied (use a new key for a new request)",
                                     "idempotency")
            return ack
        except RPCError as e:
            # The server holds at most 10 updates in flight per workflow: a burst from many people (or one
            # script) waits its turn a moment instead of failing.
            busy = e.status == RPCStatusCode.RESOURCE_EXHAUSTED or "in-flight updates" in e.message
            if not busy or attempt == BUSY_RETRIES:
                raise _explain(e, complaint_id) from None
            await asyncio.sleep(0.05 * 2 ** attempt)
        except WorkflowUpdateFailedError as e:
            # The server's own refusal of an update no worker handled (a workflow task that completed without
            # it, seen under load): it never reached the complaint, so the same id sent again applies once.
            if not _unprocessed(e) or attempt == BUSY_RETRIES:
                raise _explain(e, complaint_id) from None
            await asyncio.sleep(0.05 * 2 ** attempt)
    raise AssertionError("unreachable")


def _unprocessed(e: WorkflowUpdateFailedError) -> bool:
    return isinstance(e.cause, ApplicationError) and e.cause.type == "UnprocessedUpdate"


async def send(client: Client, complaint_id: str, name: str, msg: Message) -> ComplaintState:
    """Send a contract message as an update, then read the state it left (a query: not kept in history)."""
    await acknowledge(client, complaint_id, name, msg)
    return await state(client, complaint_id)


async def signal(client: Client, complaint_id: str, name: str, msg: Message, message_id: str | None = None) -> None:
    try:
        arg, _ = sealed(client, workflow_id_for(complaint_id), name, msg, message_id or uuid.uuid4().hex)
        await _handle(client, complaint_id).signal(name, arg)
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
