"""ComplaintWorkflow: one durable workflow per complaint, receive -> analyse -> handle -> respond -> verify.

How it is put together:
- The complaint itself is a `Case` (workflows/case*.py): its state, stage transitions, clocks and the
  handlers of the contract messages, pure and given the time; this module is the Temporal shell around it.
- Every signal and update arrives at one dynamic handler as raw payloads (`workflows.inbox` reads them), so
  no client can make the SDK fail a workflow task: a malformed message is a recorded rejection (signal) or
  a refusal (update). Allowed messages are checked by `workflows.rules`, then applied by the case.
- The main loop owns all I/O: it writes queued effects through one idempotent activity, and sleeps on a
  single durable timer until the nearest clock event (warning or deadline) or the next message.
- History stays bounded: update results are small acknowledgements, the state keeps only the newest audit
  entries, and the workflow continues as new (carrying everything it knows) when its history grows long.
"""
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():

    from models import messages as m
    from models import search_attributes as sa
    from models.enums import Stage
    from models.policy import parse_duration, without_holidays
    from models.proof import Binding
    from models.state import Ack, ComplaintState, SlaView
    from models.workflow_io import Act, Answered, Carried, DeadlineInput, Received, StartComplaint
    from workflows import inbox, rules
    from workflows.case import record_batches
    from workflows.case_messages import Case

# Activities retry until they succeed: a complaint is never dropped because the database blinked.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)
_WAITING = (Stage.RECEIVE, Stage.ANALYSE)
IDLE = timedelta(days=7)  # the timer of a complaint with no clock running (see `_sleep`); its firing changes nothing
# Exactly once: the answers to the newest messages, by message id (the update id), kept across
# continue-as-new. Temporal itself answers a repeated update id within a run; this covers the next run, and
# signals. A client retries within seconds, and a seal is good for 15 minutes (models/proof.py).
REMEMBERED = 64
T = TypeVar("T")


@workflow.defn
class ComplaintWorkflow:
    """The Temporal shell around a `Case`: the run loop, writes, timers, messages in, queries out."""

    @workflow.init
    def __init__(self, *args: Any) -> None:
        self._search_attributes: dict[str, Any] | None = None  # as last pushed
        self._search_attributes_due = False
        self._answered: dict[str, Answered] = {}
        try:
            self._start: StartComplaint | None = inbox.read_start(args, workflow.info())
            self._invalid: str | None = None
        except ValueError as e:
            self._start, self._invalid = None, str(e)
            return
        carried = self._start.carried  # a continued run: everything it knew, exactly
        self.case = Case(carried.state, carried.policy) if carried else Case.opened(self._start)
        self._answered = {a.message_id: a for a in carried.answered} if carried else {}

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, *args: Any) -> ComplaintState:
        if self._start is None:
            raise ApplicationError(f"invalid start: {self._invalid}", type="InvalidStart", non_retryable=True)
        start = self._start
        self._search_attributes = sa.comparable(workflow.info().typed_search_attributes)  # set at start
        if start.carried is None:
            await self._receive(start)
        while self.case.s.stage is not Stage.CLOSED:
            seen = self.case.changes
            await self._flush()
            if self._history_is_long():
                await self._continue_as_new(start)
            await self._sleep(lambda: self.case.changes != seen)  # noqa: B023 - awaited in this same turn
            self.case.fire_due_clocks(workflow.now())

        # `closed` goes out in the completing task: the server skips the visibility write of an upsert whose
        # workflow has completed, and its close record carries the final attributes anyway.
        await self._drain(search_attributes=False)
        self._push_search_attributes()
        return self.case.s

    async def _receive(self, start: StartComplaint) -> None:
        # The received-at window is judged at the workflow's start, so the activity never refuses what the
        # door accepted and answered 201 for, however late a worker picks it up.
        at = start.model_copy(update={"started_at": workflow.info().workflow_start_time})
        try:
            received: Received = await self._activity(Act.INTAKE, at, Received)
        except ActivityError as e:
            cause = e.cause
            if isinstance(cause, ApplicationError) and cause.type == "InvalidIntake":
                raise ApplicationError(f"invalid intake: {cause.message}", type="InvalidStart",
                                       non_retryable=True) from None
            raise
        self.case.received(received.policy, workflow.now())
        self.case.analysed(received.analysis, workflow.now())

    def _history_is_long(self) -> bool:
        """Read only where the task then issues a command (the loop's timer, a write, the continue-as-new):
        a task that ends without one may be folded into the next on replay, which reads a longer history."""
        info = workflow.info()
        return info.is_continue_as_new_suggested() or \
            info.get_current_history_length() >= self.case.policy.limits.history_events

    async def _continue_as_new(self, start: StartComplaint) -> None:
        """A fresh history with the same state, clocks and work orders; the audit trail is in the database."""
        await self._drain()
        workflow.continue_as_new(
            start.model_copy(update={"carried": Carried(state=self.case.s, policy=self.case.policy,
                                                        answered=list(self._answered.values()))}),
            search_attributes=workflow.info().typed_search_attributes)

    async def _drain(self, search_attributes: bool = True) -> None:
        """Write until nothing is pending and no handler runs, then return without awaiting: messages that
        arrive while a write is in flight are written too, before this run ends."""
        while True:
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._flush(search_attributes)
            if workflow.all_handlers_finished() and not self.case.out:
                return

    def _record_fault(self, e: ActivityError, events: int) -> None:
        """The database refused this write for good: the complaint goes on (its history and state keep
        everything), and the fault is shown on its state and logged at error level for an operator. No new
        event: it would be refused by the same database, and wake the loop to try again for ever."""
        cause = e.cause.message if isinstance(e.cause, ApplicationError) else str(e)
        fault = self.case.record_fault(cause, events, workflow.now())
        workflow.logger.error("read model write failed for good", extra={"fault": fault})

    async def _sleep(self, woken: Callable[[], bool]) -> None:
        """Wait for the next message, or the nearest clock event on a durable timer.

        Always on a timer, even with no clock to wait for: the task that read the history length just before
        (`_history_is_long`) must end with a command. Core's replay folds a task that completed without one
        into the next task when that was scheduled straight after it (a refused update's), and reads the
        later task's length there: a loop that issued nothing could continue as new on replay where it had
        not live, a nondeterminism error at the bound."""
        upcoming = self.case.next_clock_event()
        at, summary = (upcoming[0], f"clock {upcoming[1]}") if upcoming else (workflow.now() + IDLE, "idle")
        delay = at - workflow.now()
        if delay <= timedelta(0):
            return
        try:
            await workflow.wait_condition(woken, timeout=delay, timeout_summary=summary)
        except TimeoutError:
            pass

    async def _ready(self) -> None:
        await workflow.wait_condition(lambda: self.case.s.stage not in _WAITING)

    async def _activity(self, name: str, arg: Any, result_type: type[T]) -> T:
        result: T = await workflow.execute_activity(
            name, arg, result_type=result_type, start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY)
        return result

    async def _flush(self, search_attributes: bool = True) -> None:
        """Write what happened since the last write. Idempotent: rows are keyed by complaint + sequence.

        In slices of bounded size (`record_batches`)."""
        out = self.case.take()
        self._search_attributes_due |= out.search_attributes
        for rejection in out.rejections:
            workflow.logger.info("message rejected", extra={"rejection": rejection})
        if search_attributes and self._search_attributes_due:
            self._push_search_attributes()
        if not out:
            return
        for batch in record_batches(self.case.s, out):
            try:
                await self._activity(Act.RECORD, batch, type(None))
            except ActivityError as e:  # a permanent fault: retrying would fail the same way
                self._record_fault(e, len(batch.events))

    # ------------------------------------------------------------------ messages

    @workflow.signal(dynamic=True)
    async def _signal(self, name: str, args: Sequence[RawValue]) -> None:
        got = inbox.read(name, args, workflow.payload_converter(), inbox.expected_here())
        if got.msg is None or got.proof is None:
            await self._reject(got)
            return
        if got.proof.id in self._answered:  # the same signal again: applied once already
            return
        await self._ready()
        reason = rules.refusal(name, got.msg, self.case.s, self.case.policy, workflow.now())
        if reason:
            self.case.event(name, got.msg.actor, workflow.now(), reason, accepted=False)
            return
        try:
            seq = await self._apply(name, got.msg)
        except rules.Refused as refused:  # the state moved while a deadline was being computed
            self.case.event(name, got.msg.actor, workflow.now(), refused.reason, accepted=False)
            return
        self._answer(got.proof, Ack.of(name, seq, self.case.s))

    async def _reject(self, got: inbox.Inbound) -> None:
        if self._start is None:  # the run is failing with the start's reason; nothing to record on
            return
        await self._ready()
        self.case.event(got.name, got.actor or inbox.unknown_actor(), workflow.now(), got.reason or "", accepted=False)

    @workflow.update(dynamic=True)
    async def _update(self, name: str, args: Sequence[RawValue]) -> Ack:
        if earlier := self._answered.get(workflow.current_update_info().id):  # type: ignore[union-attr]
            # The same update id in a later run: nothing applied again; its seq and digest, today's state.
            ack = Ack.of(earlier.action, earlier.seq, self.case.s)
            ack.message_id, ack.digest = earlier.message_id, earlier.digest
            return ack
        got = self._parse(name, args, validated=True)
        await self._ready()
        rules.check(name, got.msg, self.case.s, self.case.policy, workflow.now())
        seq = await self._apply(name, got.msg)
        assert got.proof is not None  # _parse refuses a message without one
        return self._answer(got.proof, Ack.of(name, seq, self.case.s))

    def _answer(self, proof: Binding, ack: Ack) -> Ack:
        ack.message_id, ack.digest = proof.id, proof.digest
        self._answered[proof.id] = Answered(message_id=proof.id, action=ack.action, seq=ack.seq, digest=proof.digest)
        while len(self._answered) > REMEMBERED:
            del self._answered[next(iter(self._answered))]
        return ack

    @_update.validator
    def _validate(self, name: str, args: Sequence[RawValue]) -> None:
        if workflow.current_update_info().id in self._answered:  # type: ignore[union-attr]
            return
        msg = self._parse(name, args).msg
        # Before analysis finishes the owning department is unknown: the handler checks after waiting.
        if self.case.s.stage not in _WAITING:
            rules.check(name, msg, self.case.s, self.case.policy, workflow.now())

    def _parse(self, name: str, args: Sequence[RawValue], validated: bool = False) -> inbox.Inbound:
        if self._start is None:
            raise rules.Refused(f"this complaint did not start: {self._invalid}")
        got = inbox.read(name, args, workflow.payload_converter(), inbox.expected_here(validated))
        if not isinstance(got.msg, m.Message) or got.proof is None:
            raise rules.Refused(got.reason or "refused")
        return got

    async def _apply(self, name: str, msg: m.Message) -> int:
        """Apply an allowed message, with the calendar deadline it needs first (and the rules checked again
        after that wait, since other messages may have moved the case); returns its first audit seq."""
        now = workflow.now()
        due = None
        if needed := self.case.deadline_for(name, msg, now):
            due = await self._deadline(*needed)
            rules.check(name, msg, self.case.s, self.case.policy, workflow.now())
        return self.case.apply(name, msg, now, due)

    async def _deadline(self, start: datetime, duration: str) -> datetime:
        policy = self.case.policy
        n, unit = parse_duration(duration)
        if unit != "wd":  # the wall clock, or calendar days: no holiday table needed
            return without_holidays(start, duration, policy.timezone)
        if policy.workdays is not None and (due := policy.workdays.deadline(start, n, policy.timezone)):
            return due  # the working days pinned at intake: no activity, no round trip
        # Past the pinned span the holiday tables are needed: computed once in an activity, then replayed.
        # A regular activity, not a local one: on replay the SDK may group a local activity's result with other
        # jobs differently than it ran, so the history length read after it (the continue-as-new check) could
        # differ and fail the task as nondeterministic (seen once in CI, at the 2,000-event bound).
        return await self._activity(Act.DEADLINE, DeadlineInput(
            region=self.case.policy.region, timezone=self.case.policy.timezone, start=start, duration=duration),
            datetime)

    def _push_search_attributes(self) -> None:
        """One upsert per write however many changes came before it; none when nothing changed (each
        upsert is a history event and a visibility write)."""
        self._search_attributes_due = False
        attributes = sa.of_state(self.case.s)
        pushed = sa.comparable(attributes)
        if pushed != self._search_attributes:
            self._search_attributes = pushed
            workflow.upsert_search_attributes([pair.key.value_set(pair.value) for pair in attributes])

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
        return self.case.s

