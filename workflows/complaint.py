"""ComplaintWorkflow: one durable workflow per complaint, receive -> analyse -> handle -> respond -> verify.

How it is put together:
- Every signal and update arrives at one dynamic handler as raw payloads (`workflows.inbox` reads them), so
  no client can make the SDK fail a workflow task: a malformed message is a recorded rejection (signal) or
  a refusal (update). Allowed messages are applied by `workflows.handling`, checked by `workflows.rules`.
- The main loop owns all I/O: it writes queued effects through one idempotent activity, and sleeps on a
  single durable timer until the nearest clock event (warning or deadline) or the next message.
- History stays bounded: update results are small acknowledgements, the state keeps only the newest audit
  entries, and the workflow continues as new (carrying everything it knows) when its history grows long.
"""
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from models import messages as m
    from models.enums import Stage
    from models.errors import explain
    from models.intake import CLOCK_SKEW, mask_name, workflow_id_for
    from models.payloads import RefusedPayload
    from models.policy import Policy
    from models.state import Ack, ComplaintState, SlaView
    from models.text import excerpt
    from models.workflow_io import Act, Carried, Received, RecordBatch, StartComplaint
    from workflows import inbox, rules
    from workflows.effects import comparable
    from workflows.handling import Handling

# Activities retry until they succeed: a complaint is never dropped because the database blinked.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)
_WAITING = (Stage.RECEIVE, Stage.ANALYSE)
T = TypeVar("T")
FLUSH_EVENTS, FLUSH_BYTES = 200, 128 * 1024  # one record activity's share of a flood


def read_start(args: Sequence[Any], info: workflow.Info) -> StartComplaint:
    """The run input, checked before anything happens: refused with the reason (the workflow fails cleanly)."""
    if len(args) != 1:
        raise ValueError(f"ComplaintWorkflow takes one input (a StartComplaint), not {len(args)}")
    raw = args[0]
    if isinstance(raw, RefusedPayload):
        raise ValueError(raw.reason)
    if not isinstance(raw, dict):
        raise ValueError(f"the input must be a JSON object, not {type(raw).__name__}")
    try:
        start = StartComplaint.model_validate(raw)
    except ValidationError as e:
        raise ValueError(excerpt(explain(e), 400)) from None
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


@workflow.defn
class ComplaintWorkflow(Handling):
    @workflow.init
    def __init__(self, *args: Any) -> None:
        self._init_effects()
        self._policy = Policy()  # replaced by the pinned policy as soon as receive returns
        try:
            self._start: StartComplaint | None = read_start(args, workflow.info())
            self._invalid: str | None = None
        except ValueError as e:
            self._start, self._invalid = None, str(e)
            return
        start = self._start
        if start.carried is not None:  # a continued run: everything it knew, exactly
            self.s, self._policy = start.carried.state, start.carried.policy
            self._count_history()
            return
        intake = start.intake
        self.s = ComplaintState(
            complaint_id=start.complaint_id, channel=intake.channel, external_ref=intake.external_ref,
            customer_id=intake.customer.id, customer_masked=mask_name(intake.customer.name),
            tier=intake.customer.tier, elderly=intake.customer.elderly, received_at=intake.received_at,
            first_responder=intake.received_by, owner_id=intake.received_by.id,
            department=intake.received_by.department, reopened_from=start.reopened_from,
            surface_fix=start.surface_fix,
        )

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, *args: Any) -> ComplaintState:
        if self._start is None:
            raise ApplicationError(f"invalid start: {self._invalid}", type="InvalidStart", non_retryable=True)
        start = self._start
        self._search_attributes = comparable(workflow.info().typed_search_attributes)  # set at start
        if start.carried is None:
            await self._receive(start)
        while self.s.stage is not Stage.CLOSED:
            seen = self._changes
            await self._flush()
            if self._history_is_long():
                await self._continue_as_new(start)
            await self._sleep(lambda: self._changes != seen)
            self._fire_due_clocks()

        # `closed` goes out in the completing task: the server skips the visibility write of an upsert whose
        # workflow has completed, and its close record carries the final attributes anyway.
        await self._drain(search_attributes=False)
        self._push_search_attributes()
        return self.s

    async def _receive(self, start: StartComplaint) -> None:
        try:
            received: Received = await self._activity(Act.INTAKE, start, Received)
        except ActivityError as e:
            cause = e.cause
            if isinstance(cause, ApplicationError) and cause.type == "InvalidIntake":
                raise ApplicationError(f"invalid intake: {cause.message}", type="InvalidStart",
                                       non_retryable=True) from None
            raise
        self._policy = received.policy
        self.s.policy_name, self.s.timezone = self._policy.name, self._policy.timezone
        self._event("received", self.s.first_responder, f"via {self.s.channel.value}")
        self._notify_customer("acknowledgement")
        self._set_stage(Stage.ANALYSE)
        self._apply_analysis(received.analysis)
        self._set_stage(Stage.HANDLE)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or \
            info.get_current_history_length() >= self._policy.limits.history_events

    async def _continue_as_new(self, start: StartComplaint) -> None:
        """A fresh history with the same state, clocks and work orders; the audit trail is in the database."""
        await self._drain()
        workflow.continue_as_new(
            start.model_copy(update={"carried": Carried(state=self.s, policy=self._policy)}),
            search_attributes=workflow.info().typed_search_attributes)

    async def _drain(self, search_attributes: bool = True) -> None:
        """Write until nothing is pending and no handler runs, then return without awaiting: messages that
        arrive while a write is in flight are written too, before this run ends."""
        while True:
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._flush(search_attributes)
            if workflow.all_handlers_finished() and not (self._events or self._notifications or self._sla_events):
                return

    def _record_fault(self, e: ActivityError, events: int) -> None:
        """The database refused this write for good: the complaint goes on (its history and state keep
        everything), and the fault is shown on its state and logged at error level for an operator. No new
        event: it would be refused by the same database, and wake the loop to try again for ever."""
        cause = e.cause.message if isinstance(e.cause, ApplicationError) else str(e)
        fault = excerpt(f"{workflow.now().isoformat()}: {events} audit entries not written: {cause}", 300)
        self.s.faults = [*self.s.faults[-9:], fault]
        workflow.logger.error("read model write failed for good", extra={"fault": fault})

    async def _sleep(self, woken: Callable[[], bool]) -> None:
        """Wait for the next message, or the nearest clock event on a durable timer."""
        upcoming = self._next_clock_event()
        if upcoming is None:
            await workflow.wait_condition(woken)
            return
        at, clock = upcoming
        delay = at - workflow.now()
        if delay <= timedelta(0):
            return
        try:
            await workflow.wait_condition(woken, timeout=delay, timeout_summary=f"clock {clock}")
        except asyncio.TimeoutError:
            pass

    async def _ready(self) -> None:
        await workflow.wait_condition(lambda: self.s.stage not in _WAITING)

    async def _activity(self, name: str, arg: Any, result_type: type[T]) -> T:
        result: T = await workflow.execute_activity(
            name, arg, result_type=result_type, start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY)
        return result

    async def _flush(self, search_attributes: bool = True) -> None:
        """Write what happened since the last write. Idempotent: rows are keyed by complaint + sequence.

        In slices of bounded size: a flood of messages within one task must not make an activity input
        larger than the server takes (every slice carries the same state, versioned, so order is safe)."""
        if search_attributes and self._search_attributes_due:
            self._push_search_attributes()
        if not (self._events or self._notifications or self._sla_events):
            return
        state = self.s.model_copy(update={"history": []})
        events, notifications, sla_events = self._events, self._notifications, self._sla_events
        self._events, self._notifications, self._sla_events = [], [], []
        while True:
            cut, size = 0, 0
            while cut < len(events) and cut < FLUSH_EVENTS and size < FLUSH_BYTES:
                size += len(events[cut].detail) * 3
                cut += 1
            last = cut == len(events)
            batch = RecordBatch(state=state, version=self.s.history_total, events=events[:cut],
                                notifications=notifications if last else [], sla_events=sla_events if last else [])
            try:
                await self._activity(Act.RECORD, batch, type(None))
            except ActivityError as e:  # a permanent fault: retrying would fail the same way
                self._record_fault(e, len(batch.events))
            if last:
                return
            events = events[cut:]

    # ------------------------------------------------------------------ messages

    @workflow.signal(dynamic=True)
    async def _signal(self, name: str, args: Sequence[RawValue]) -> None:
        got = inbox.read(name, args, workflow.payload_converter())
        if got.msg is None:
            await self._reject(got)
            return
        await self._ready()
        reason = rules.refusal(name, got.msg, self.s, self._policy, workflow.now())
        if reason:
            self._event(name, got.msg.actor, reason, accepted=False)
            return
        try:
            await self._apply(name, got.msg)
        except rules.Refused as refused:  # the state moved while a deadline was being computed
            self._event(name, got.msg.actor, refused.reason, accepted=False)

    async def _reject(self, got: inbox.Inbound) -> None:
        if self._start is None:  # the run is failing with the start's reason; nothing to record on
            return
        await self._ready()
        self._event(got.name, got.actor or inbox.unknown_actor(), got.reason or "", accepted=False)

    @workflow.update(dynamic=True)
    async def _update(self, name: str, args: Sequence[RawValue]) -> Ack:
        msg = self._parse(name, args)
        await self._ready()
        rules.check(name, msg, self.s, self._policy, workflow.now())
        seq = await self._apply(name, msg)
        return Ack(complaint_id=self.s.complaint_id, action=name, seq=seq, stage=self.s.stage)

    @_update.validator
    def _validate(self, name: str, args: Sequence[RawValue]) -> None:
        msg = self._parse(name, args)
        # Before analysis finishes the owning department is unknown: the handler checks after waiting.
        if self.s.stage not in _WAITING:
            rules.check(name, msg, self.s, self._policy, workflow.now())

    def _parse(self, name: str, args: Sequence[RawValue]) -> m.Message:
        if self._start is None:
            raise rules.Refused(f"this complaint did not start: {self._invalid}")
        got = inbox.read(name, args, workflow.payload_converter())
        if not isinstance(got.msg, m.Message):
            raise rules.Refused(got.reason or "refused")
        return got.msg

    async def _apply(self, name: str, msg: m.Message) -> int:
        """Apply an allowed message; returns the seq of the first audit entry it made."""
        seq = self.s.history_total + 1
        handler: Callable[[m.Message], Awaitable[None] | None] = getattr(self, f"_on_{name}")
        result = handler(msg)
        if asyncio.iscoroutine(result):
            await result
        return seq

    # ------------------------------------------------------------------ queries

    @workflow.query
    def state(self, *_ignored: Any) -> ComplaintState:
        return self._view()

    @workflow.query
    def sla(self, *_ignored: Any) -> SlaView:
        s = self._view()
        return SlaView(complaint_id=s.complaint_id, stage=s.stage, timezone=s.timezone, as_of=workflow.now(),
                       clocks=s.clocks)

    def _view(self) -> ComplaintState:
        if self._start is None:
            raise ApplicationError(f"this complaint did not start: {self._invalid}", non_retryable=True)
        return self.s

