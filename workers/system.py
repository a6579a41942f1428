"""What makes the system whole in Temporal, beyond workers polling: the namespace, the search attributes and
every Schedule the product relies on, at the policy's periods.

One code path for every shape: `complaints up` calls `prepare` before its worker starts, and production runs
it as the one-shot `prepare` job compose starts before the workers and the API (`complaints prepare`). It is
idempotent and safe to run twice at once: a Schedule that exists is updated in place (a period changed in the
policy changes it, never adds a second), a search attribute another run added first is taken as added.

`missing` is the other half: the API's `/readyz` names a Schedule that is gone or paused, so a shape in which
no customer is told anything and no month is looked back at is never green."""
import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleUpdate,
)
from temporalio.service import RPCError, RPCStatusCode

from complaints.config import Settings
from complaints.reconcile import EVERY as RECONCILE_EVERY
from complaints.reconcile import SCHEDULE_ID as RECONCILE_ID
from complaints.temporal import ensure_search_attributes
from lookback.schedule import SCHEDULE_ID as LOOKBACK_ID
from lookback.schedule import build_schedule as lookback_schedule
from models.policy import Policy, wall_clock
from workflows.incident import IncidentWatchWorkflow
from workflows.outbox import OutboxInput, OutboxWorkflow
from workflows.reconcile import ReconcileWorkflow
from workflows.retention import RetentionWorkflow

OUTBOX_ID = "complaints-outbox"
OUTBOX_EVERY = timedelta(seconds=30)
WATCH_ID = "complaints-incident-watch"
RETENTION_ID = "complaints-retention"
SCHEDULE_IDS = (LOOKBACK_ID, OUTBOX_ID, RECONCILE_ID, WATCH_ID, RETENTION_ID)


class NotPrepared(RuntimeError):
    """One line for an operator: what is missing, and which job makes it."""


@dataclass
class Prepared:
    namespace: str
    search_attributes_added: list[str] = field(default_factory=list)
    schedules: dict[str, str] = field(default_factory=dict)  # id -> "created" / "updated"
    lookback_next: list[datetime] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"namespace": self.namespace, "search_attributes_added": self.search_attributes_added,
                "schedules": self.schedules, "lookback_next": [t.isoformat() for t in self.lookback_next[:3]]}


def interval(every: timedelta, action: ScheduleActionStartWorkflow) -> Schedule:
    return Schedule(action=action, spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]))


def watch_schedule(task_queue: str, every: str) -> Schedule:
    """The incident watch every `every` (the policy's `incidents.every`)."""
    return interval(wall_clock(every) or timedelta(minutes=2), ScheduleActionStartWorkflow(
        IncidentWatchWorkflow.run, id=f"{WATCH_ID}-run", task_queue=task_queue))


def wanted(settings: Settings, policy: Policy, today: date) -> dict[str, Schedule]:
    """Every Schedule the product relies on, as the policy and the settings say it today."""
    queue = settings.task_queue
    return {
        LOOKBACK_ID: lookback_schedule(policy, today, queue),
        OUTBOX_ID: interval(OUTBOX_EVERY, ScheduleActionStartWorkflow(
            OutboxWorkflow.run, OutboxInput(attempts=settings.delivery_attempts), id="complaints-outbox-run",
            task_queue=queue)),
        RECONCILE_ID: interval(RECONCILE_EVERY, ScheduleActionStartWorkflow(
            ReconcileWorkflow.run, id="complaints-reconcile-run", task_queue=queue)),
        WATCH_ID: watch_schedule(queue, policy.incidents.every),
        RETENTION_ID: interval(wall_clock(policy.records.sweep) or timedelta(hours=24), ScheduleActionStartWorkflow(
            RetentionWorkflow.run, id="complaints-retention-run", task_queue=queue)),
    }


async def put_schedule(client: Client, schedule_id: str, schedule: Schedule) -> str:
    """Create the Schedule, or bring the one that exists up to date; "created" or "updated"."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        # A pause an operator set stays: the update replaces what the product owns (spec, action, policy).
        def keep_state(current):
            schedule.state = current.description.schedule.state
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(keep_state)
        return "updated"


async def check_namespace(client: Client) -> None:
    try:
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=client.namespace))
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            raise NotPrepared(f"the Temporal namespace {client.namespace!r} does not exist: the temporal-namespace "
                              "job (or `temporal operator namespace create`) makes it") from None
        raise


async def prepare(client: Client, settings: Settings, today: date | None = None,
                  policy: Policy | None = None) -> Prepared:
    """Make the system whole in Temporal; idempotent and safe to run concurrently."""
    policy = policy or settings.policy()
    today = today or datetime.now(UTC).date()
    await check_namespace(client)
    done = Prepared(client.namespace)
    for attempt in range(5):  # two runs at once: the second may see the first's attribute half-registered
        try:
            done.search_attributes_added = await ensure_search_attributes(client, client.namespace)
            break
        except RPCError as e:
            if attempt == 4 or e.status not in (RPCStatusCode.ALREADY_EXISTS, RPCStatusCode.INVALID_ARGUMENT,
                                                RPCStatusCode.UNAVAILABLE, RPCStatusCode.INTERNAL):
                raise
            await asyncio.sleep(0.5 * (attempt + 1))
    for schedule_id, schedule in wanted(settings, policy, today).items():
        done.schedules[schedule_id] = await put_schedule(client, schedule_id, schedule)
    described = await client.get_schedule_handle(LOOKBACK_ID).describe()
    done.lookback_next = list(described.info.next_action_times)
    return done


async def missing(client: Client) -> list[str]:
    """One line for each Schedule the system relies on that is gone or paused (for `/readyz`)."""
    found = []
    for schedule_id in SCHEDULE_IDS:
        try:
            described = await client.get_schedule_handle(schedule_id).describe()
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                found.append(f"schedules: {schedule_id} does not exist: run `complaints prepare` (compose's "
                             "prepare job)")
                continue
            found.append(f"schedules: {schedule_id}: {e.message[:200]}")
            continue
        if described.schedule.state.paused:
            note = described.schedule.state.note or "no note"
            found.append(f"schedules: {schedule_id} is paused ({note[:100]}): "
                         f"`temporal schedule toggle --schedule-id {schedule_id} --unpause`")
    return found
