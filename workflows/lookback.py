"""The monthly look-back: sample last month's resolved complaints, revisit each, summarise.

`lookback-YYYY-MM` runs a month once (stable id, duplicates rejected). The schedule starts a trigger run
with no month, which works out the previous month and starts that month's run as a child. Each revisit is a
workflow of its own (`revisit-YYYY-MM-<complaint>`), writing its row as it goes."""
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from models import search_attributes as sa
    from models.intake import workflow_id_for
    from models.lookback import (
        LookBackInput,
        LookBackState,
        PageStarted,
        RevisitInput,
        RevisitOutcome,
        RevisitOutcomeKind,
        RevisitPage,
        RevisitState,
        Taken,
    )
    from models.text import excerpt
    from models.workflow_io import StartComplaint
    from workflows import inbox
    from workflows.permissions import revisit_refusal
    from workflows.rules import Refused

TIMEOUT = timedelta(seconds=60)
PAGE = 200             # revisits started by one activity
HISTORY_LIMIT = 1000   # a month that polls for weeks continues as new past this many events


def lookback_id(month: str) -> str:
    return f"lookback-{month}"


def revisit_id(month: str, complaint_id: str) -> str:
    return f"revisit-{month}-{complaint_id}"


REVISIT_CONTRACT = {"revisit_outcome": RevisitOutcome}



@workflow.defn
class LookBackWorkflow:
    """A month's look-back, bounded whatever the bank's size: the sample lives in the read model, revisits are
    started a page at a time by an activity (workflows of their own, not children), and the month reads how
    they stand every `lookback.poll` until none is undecided. Its history grows by a few events a page and a
    poll, and it continues as new past HISTORY_LIMIT carrying a handful of numbers (docs/sla.md)."""

    def __init__(self) -> None:
        self.s = LookBackState(month="")

    @workflow.run
    async def run(self, *args: Any) -> LookBackState:
        inp = inbox.start_input(args, LookBackInput)
        if inp.month is None:
            return await self._trigger()
        self.s.month = inp.month
        taken = inp.carried
        if taken is not None and (workflow.info().continued_run_id is None or taken.month != inp.month):
            # Carried numbers come only from this month's own continue-as-new: a start that brings its own would
            # skip the sampling and count nothing.
            raise ApplicationError("invalid start: carried state comes only from the month's own continue-as-new",
                                   type="InvalidStart", non_retryable=True)
        if taken is None:
            taken = await workflow.execute_activity("sample_lookback", inp.month, result_type=Taken,
                                                    start_to_close_timeout=TIMEOUT)
            await self._summarise(taken)
            after: str | None = ""
            while after is not None:  # a page at a time: no history holds a large bank's thousands
                page: PageStarted = await workflow.execute_activity(
                    "start_revisits", RevisitPage(month=inp.month, after=after, limit=PAGE), result_type=PageStarted,
                    start_to_close_timeout=timedelta(minutes=5), heartbeat_timeout=timedelta(minutes=2))
                after = page.last
        while True:
            await self._summarise(taken)
            if self.s.undecided == 0:
                break
            if workflow.info().get_current_history_length() > HISTORY_LIMIT:
                workflow.continue_as_new(LookBackInput(month=inp.month, carried=taken))
            await workflow.sleep(timedelta(seconds=taken.poll_seconds), summary="how the revisits stand")
        await self._summarise(taken, finished=True)
        return self.s

    async def _summarise(self, taken: Taken, finished: bool = False) -> None:
        self.s = await workflow.execute_activity("summarise_lookback", args=[taken, finished],
                                                 result_type=LookBackState, start_to_close_timeout=TIMEOUT)

    async def _trigger(self) -> LookBackState:
        month = await workflow.execute_activity("resolve_lookback_month", workflow.now(), result_type=str,
                                                start_to_close_timeout=TIMEOUT)
        self.s.month = month
        try:
            await workflow.start_child_workflow(
                LookBackWorkflow.run, LookBackInput(month=month), id=lookback_id(month),
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON)
            self.s.note = f"started {lookback_id(month)}"
        except WorkflowAlreadyStartedError:
            self.s.note = f"{lookback_id(month)} already ran; nothing started"
        return self.s

    @workflow.query
    def state(self, *_ignored: Any) -> LookBackState:
        """The month's numbers as last counted (the revisits themselves are in the read model)."""
        return self.s


@workflow.defn
class RevisitWorkflow:
    @workflow.init
    def __init__(self, *args: Any) -> None:
        self.rejected: list[str] = []
        self._done = False
        try:
            self.inp: RevisitInput | None = inbox.start_input(args, RevisitInput)
        except ApplicationError as invalid:  # raised by run(), so the workflow (not its task) fails
            self.inp, self._invalid = None, invalid
            self.s = RevisitState.model_construct(outcome=None)
            return
        inp = self.inp
        self.s = RevisitState(month=inp.month, complaint_id=inp.complaint.complaint_id,
                              department=inp.complaint.department, due=inp.due)

    @workflow.run
    async def run(self, *args: Any) -> RevisitState:
        if self.inp is None:
            raise self._invalid
        inp = self.inp
        await workflow.execute_activity("record_revisit", self.s, start_to_close_timeout=TIMEOUT)
        try:
            await workflow.wait_condition(lambda: self.s.outcome is not None,
                                          timeout=max(inp.due - workflow.now(), timedelta(seconds=0.001)),
                                          timeout_summary="revisit deadline")
        except TimeoutError:
            self.s.escalated = True  # past the deadline: the department's supervisor is told, and it still waits
            await self._report()
            await workflow.wait_condition(lambda: self.s.outcome is not None)
        if self.s.outcome is RevisitOutcomeKind.RECURRED:
            await self._reopen()
        await self._report()
        self._done = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.s

    async def _reopen(self) -> None:
        """The recurrence starts as a complaint of its own, a child that outlives this revisit."""
        try:
            start = await workflow.execute_activity("recurrence_intake", self.s, result_type=StartComplaint,
                                                    start_to_close_timeout=TIMEOUT)
        except ActivityError as e:  # a permanent fault (retryable ones are retried until they pass)
            self.s.reopen_failed = excerpt(str(e.cause.message if isinstance(e.cause, ApplicationError) else e), 300)
            workflow.logger.error("recurrence not reopened", extra={"reason": self.s.reopen_failed})
            return
        try:
            await workflow.start_child_workflow(
                "ComplaintWorkflow", start, id=workflow_id_for(start.complaint_id),
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                search_attributes=sa.at_intake(start.intake),
                static_summary=f"recurrence of {self.s.complaint_id} (look-back {self.s.month})")
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier attempt: the same complaint
        self.s.reopened_as = start.complaint_id

    async def _report(self) -> None:
        """The revisit's row: the month counts its revisits from these (no signal to it: thousands of revisits
        would pass a workflow's signal limit)."""
        await workflow.execute_activity("record_revisit", self.s, start_to_close_timeout=TIMEOUT)

    # `revisit_outcome` as an update and a signal, taken raw like the complaint's messages.

    @workflow.update(dynamic=True)
    async def _update(self, name: str, args: Sequence[RawValue]) -> RevisitState:
        msg = self._parse(name, args, validated=True)
        self._check(msg)
        self._record(msg)
        await workflow.wait_condition(lambda: self._done)  # returns once the outcome is written (and reopened)
        return self.s

    @_update.validator
    def _validate(self, name: str, args: Sequence[RawValue]) -> None:
        self._check(self._parse(name, args))

    @workflow.signal(dynamic=True)
    def _signal(self, name: str, args: Sequence[RawValue]) -> None:
        if self.inp is None:  # the run is failing with the start's reason
            return
        got = inbox.read(name, args, workflow.payload_converter(), inbox.expected_here(), REVISIT_CONTRACT)
        try:
            if got.msg is None:
                raise Refused(got.reason or "refused")
            self._check(got.msg)
        except Refused as refused:
            self.rejected = [*self.rejected[-19:], excerpt(refused.reason, 300)]  # the newest 20
            return
        self._record(got.msg)

    def _parse(self, name: str, args: Sequence[RawValue], validated: bool = False) -> RevisitOutcome:
        if self.inp is None:
            raise Refused("this revisit did not start")
        got = inbox.read(name, args, workflow.payload_converter(), inbox.expected_here(validated), REVISIT_CONTRACT)
        if not isinstance(got.msg, RevisitOutcome):
            raise Refused(got.reason or "refused")
        return got.msg

    def _check(self, msg: RevisitOutcome) -> None:
        if self.s.outcome is not None:
            raise Refused(f"the revisit of {self.s.complaint_id} is already recorded ({self.s.outcome.value})")
        first_responder = self.inp.complaint.first_responder_id if self.inp else None
        if reason := revisit_refusal(msg.actor, self.s.department, first_responder):
            raise Refused(reason, "forbidden")

    def _record(self, msg: RevisitOutcome) -> None:
        self.s.outcome, self.s.actor_id, self.s.note = msg.outcome, msg.actor.id, msg.note
        self.s.decided_at = workflow.now()

    @workflow.query
    def state(self, *_ignored: Any) -> RevisitState:
        return self.s
