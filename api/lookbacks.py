"""Look-back operations over the Temporal client: run a month, read it, record outcomes, keep the schedule."""
import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.service import ComplaintError, sealed
from lookback.schedule import SCHEDULE_ID, build_schedule
from models.lookback import LookBackInput, LookBackState, RevisitOutcome, RevisitState, check_month
from models.policy import Policy
from sla.periods import month_not_ended
from workers.system import put_schedule
from workflows.lookback import LookBackWorkflow, lookback_id, revisit_id
from workflows.rules import refusal_kind


@dataclass
class Started:
    month: str
    workflow_id: str
    created: bool  # False: this month already ran (or is running); nothing new was started


async def run_month(client: Client, month: str, task_queue: str, tz: str = Policy().timezone,
                    now: datetime | None = None) -> Started:
    """Start a month's look-back by hand. It is the same single run the schedule would start: a month
    that has not ended is refused (it would use up that run), and only a failed run may be started again."""
    try:
        check_month(month)
    except ValueError as e:
        raise ComplaintError(str(e)) from None
    if reason := month_not_ended(month, tz, now or datetime.now(UTC)):
        raise ComplaintError(reason)
    wid = lookback_id(month)
    try:
        await client.start_workflow(LookBackWorkflow.run, LookBackInput(month=month), id=wid, task_queue=task_queue,
                                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY)
    except WorkflowAlreadyStartedError:
        return Started(month, wid, created=False)
    return Started(month, wid, created=True)


async def month_state(client: Client, engine: Engine, month: str) -> LookBackState:
    """A month as people read it: its numbers and every revisit, from the read model (each revisit writes its
    row as it goes; the month's workflow keeps only the numbers, however many revisits a large bank has)."""
    from complaints.reads import month_revisits
    from models.tables import LookBackRun

    def read() -> tuple[LookBackRun | None, list]:
        with Session(engine) as session:
            return session.get(LookBackRun, month), month_revisits(engine, month)

    run, revisits = await asyncio.to_thread(read)
    if run is None:
        try:
            await client.get_workflow_handle(lookback_id(month)).describe()
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise ComplaintError(f"no look-back for {month}; start it with `complaints lookback run --month "
                                     f"{month}`", "not-found") from None
            raise ComplaintError(f"could not read the look-back for {month}: {e}", "engine") from None
        return LookBackState(month=month, note="sampling")
    state = LookBackState(month=month, candidates=run.candidates, revisits=revisits,
                          finished_at=run.finished_at.replace(tzinfo=UTC) if run.finished_at and
                          run.finished_at.tzinfo is None else run.finished_at)
    state.summarise()
    state.sampled, state.undecided = len(revisits), sum(1 for r in revisits if r.outcome is None)
    return state


async def record_outcome(client: Client, month: str, complaint_id: str, msg: RevisitOutcome,
                         message_id: str | None = None) -> RevisitState:
    wid, message_id = revisit_id(month, complaint_id), message_id or uuid.uuid4().hex
    arg, _ = sealed(client, wid, "revisit_outcome", msg, message_id)
    try:
        return await client.get_workflow_handle(wid).execute_update("revisit_outcome", arg, id=message_id,
                                                                     result_type=RevisitState)
    except WorkflowUpdateFailedError as e:
        cause = e.cause
        if isinstance(cause, ApplicationError):
            raise ComplaintError(cause.message, refusal_kind(cause.type)) from None
        raise ComplaintError(str(e)) from None
    except RPCError as e:
        if "already completed" in e.message.lower():
            raise ComplaintError(f"the revisit of {complaint_id} for {month} is already recorded", "closed") from None
        if e.status == RPCStatusCode.NOT_FOUND:
            raise ComplaintError(f"{complaint_id} was not sampled for the {month} look-back", "not-found") from None
        raise ComplaintError(f"Temporal refused: {e.message}", "engine") from None


async def ensure_schedule(client: Client, policy: Policy, task_queue: str, today: date) -> list[datetime]:
    """Create the look-back schedule, or bring it up to date (the horizon rolls forward); its next run times."""
    schedule = build_schedule(policy, today, task_queue)
    await put_schedule(client, SCHEDULE_ID, schedule)
    return list((await client.get_schedule_handle(SCHEDULE_ID).describe()).info.next_action_times)
