"""Whatever a client sent, turned into a contract message or a one-line reason why it is not one.

The workflow's signal and update handlers are dynamic and take raw payloads, so the SDK never decodes a
message itself: a missing, doubled, oversize, non-JSON, unencrypted or unknown message would otherwise
raise inside the SDK and fail the workflow task on every retry. Here each of those becomes a refusal."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio import workflow
from temporalio.common import RawValue
from temporalio.converter import PayloadConverter
from temporalio.exceptions import ApplicationError

from models.enums import Role
from models.errors import explain
from models.intake import CLOCK_SKEW, Actor, Strict, workflow_id_for
from models.payloads import REFUSED_ENCODING, RefusedPayload
from models.proof import SEAL, VOUCHED, Binding, as_sealed, unproven
from models.text import excerpt
from models.workflow_io import StartComplaint
from workflows.contract import MESSAGES

# The largest contract message is a 4,000-character response (12 KB of UTF-8) and an actor; anything
# much bigger is not a message. The Temporal server also caps each payload (blob size limit).
MAX_MESSAGE_BYTES = 32 * 1024
UNKNOWN = "unknown_message"
M = TypeVar("M", bound=BaseModel)


@dataclass
class Inbound:
    name: str                        # the contract name, or UNKNOWN
    msg: Any = None                  # the validated message (a Strict model of the contract)
    reason: str | None = None        # why it is not a message
    actor: Actor | None = None       # who it claims to be from, as far as it says (for the audit trail)
    proof: Binding | None = None     # what the API's seal bound: its id is the message's, for exactly once


@dataclass(frozen=True)
class Expected:
    """Where a message is being read: its seal must name this workflow (and update), and be fresh."""

    workflow_id: str
    update_id: str | None  # None for a signal
    now: datetime
    validated: bool = False  # an update's handler: its validator checked the seal (models/proof.py)


def expected_here(validated: bool = False) -> Expected:
    """Inside a workflow's signal handler, update validator, or (`validated`) update handler."""
    update = workflow.current_update_info()
    return Expected(workflow.info().workflow_id, update.id if update else None, workflow.now(), validated)


def read(name: str, args: Sequence[RawValue], converter: PayloadConverter, expected: Expected,
         contract: Mapping[str, type[Strict]] = MESSAGES) -> Inbound:
    """The message `name` of `contract`, proven to come from the API, or why the payloads are not one."""
    if name not in contract:
        return Inbound(UNKNOWN, reason=f"unknown message {excerpt(name, 64)!r}")
    raw, reason = decode(name, args, converter)
    if reason is not None:
        return Inbound(name, reason=reason)
    if not isinstance(raw, dict):
        return Inbound(name, reason=f"invalid {name}: the payload must be a JSON object, not {type(raw).__name__}")
    metadata = args[0].payload.metadata
    if expected.validated:
        binding, why = as_sealed(metadata.get(SEAL)), None
        why = None if binding is not None else "its proof is unreadable"
    else:
        binding, why = unproven(metadata.get(VOUCHED), expected.workflow_id, name, expected.update_id,
                                expected.now)
    if why is not None:
        # Recorded as nobody's: the actor it names is a claim without proof (kept in the reason, bounded).
        claimed = claimed_actor(raw)
        return Inbound(name, reason=f"{name} refused: {why} (it names {claimed.id})", actor=unknown_actor())
    try:
        msg = contract[name].model_validate(raw)
    except ValidationError as e:
        return Inbound(name, reason=f"invalid {name}: {excerpt(explain(e), 300)}", actor=claimed_actor(raw))
    return Inbound(name, msg=msg, actor=getattr(msg, "actor", None), proof=binding)


def decode(name: str, args: Sequence[RawValue], converter: PayloadConverter) -> tuple[Any, str | None]:
    """The one JSON value a message carries, or (None, why not)."""
    if len(args) != 1:
        return None, f"{name} takes one payload (a JSON object), not {len(args)}"
    payload = args[0].payload
    if payload.metadata.get("encoding", b"").decode(errors="replace") == REFUSED_ENCODING:
        return None, f"{name} refused: {payload.data.decode(errors='replace')[:160]}"
    size = payload.ByteSize()
    if size > MAX_MESSAGE_BYTES:
        return None, f"{name} refused: {size} bytes is over the {MAX_MESSAGE_BYTES}-byte limit"
    try:
        raw = converter.from_payload(payload)
    except Exception:  # noqa: BLE001 - whatever the decoder says, it is not JSON we can read
        return None, f"{name} refused: the payload is not JSON"
    if isinstance(raw, RefusedPayload):
        return None, f"{name} refused: {raw.reason}"
    return raw, None


def claimed_actor(raw: Any) -> Actor:
    """Who a malformed message says it is from, kept (bounded) on its rejection; never trusted."""
    claimed = raw.get("actor") if isinstance(raw, dict) else None
    claimed = claimed if isinstance(claimed, dict) else {}
    return Actor.model_construct(id=excerpt(str(claimed.get("id", "unknown")), 64), role=Role.SYSTEM,
                                 department=excerpt(str(claimed.get("department", "unknown")), 64))


def unknown_actor() -> Actor:
    """Who an unproven or unreadable message is recorded as: nobody the bank knows, never whom it names."""
    return Actor.model_construct(id="unknown", role=Role.SYSTEM, department="unknown")


def read_input(args: Sequence[Any], model: type[M]) -> M:
    """A workflow's run input, taken raw (no SDK decoding) and checked: ValueError with the reason, which the
    workflow turns into a clean failure of its own instead of a failing task."""
    if len(args) != 1:
        raise ValueError(f"takes one input (a {model.__name__}), not {len(args)}")
    raw = args[0]
    if isinstance(raw, RefusedPayload):
        raise ValueError(raw.reason)
    if not isinstance(raw, dict):
        raise ValueError(f"the input must be a JSON object, not {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise ValueError(excerpt(explain(e), 400)) from None
    finally:
        # The SDK keeps the decoded input for the run's whole life (to call `run` with it), and nothing reads
        # it after this check: emptied, it is not held twice beside the model (a cached complaint's start,
        # 4.4 KB; a continued run's whole carried state and policy). Its nested values are the model's own
        # copies or immutable, so emptying the outer dict changes nothing the model holds.
        raw.clear()


def start_input(args: Sequence[Any], model: type[M]) -> M:
    """`read_input` for a workflow whose bad start simply fails its run (not its task), as InvalidStart."""
    try:
        return read_input(args, model)
    except ValueError as e:
        raise ApplicationError(f"invalid start: {e}", type="InvalidStart", non_retryable=True) from None


def read_start(args: Sequence[Any], info: workflow.Info) -> StartComplaint:
    """ComplaintWorkflow's run input, checked before anything happens (the workflow fails cleanly)."""
    start = read_input(args, StartComplaint)
    # Identity comes from the workflow id: an input naming another complaint would write that one's rows.
    if info.workflow_id != workflow_id_for(start.complaint_id):
        raise ValueError(f"complaint_id {start.complaint_id} does not belong to workflow {info.workflow_id}")
    if start.complaint_id != start.intake.complaint_id:
        raise ValueError(f"complaint_id {start.complaint_id} is not the id of its channel and external_ref "
                         f"({start.intake.complaint_id})")
    if start.carried is not None:
        if info.continued_run_id is None:
            raise ValueError("carried state comes only from the complaint's own continue-as-new")
    elif start.intake.received_at > info.start_time + CLOCK_SKEW:
        raise ValueError(f"received_at {start.intake.received_at.isoformat()} is in the future")
    return start
