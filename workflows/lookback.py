"""The monthly look-back: sample last month's resolved complaints, revisit each, summarise.

`lookback-YYYY-MM` runs a month once (stable id, duplicates rejected). The schedule starts a trigger run
with no month, which works out the previous month and starts that month's run as a child."""
import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from models.enums import Role
    from models.errors import explain
    from models.lookback import LookBackInput, LookBackState, RevisitInput, RevisitOutcome, RevisitState, Sample
    from workflows.rules import Refused

ACTIVITY = dict(start_to_close_timeout=timedelta(seconds=60))


def lookback_id(month: str) -> str:
    return f"lookback-{month}"


def revisit_id(month: str, complaint_id: str) -> str:
    return f"revisit-{month}-{complaint_id}"


@workflow.defn
class LookBackWorkflow:
    def __init__(self) -> None:
        self.s = LookBackState(month="")

    @workflow.run
    async def run(self, inp: LookBackInput) -> LookBackState:
        if inp.month is None:
            return await self._trigger()
        self.s.month = inp.month
        sample = await workflow.execute_activity("sample_lookback", inp.month, result_type=Sample, **ACTIVITY)
        self.s.candidates = sample.candidates
        self.s.revisits = [RevisitState(month=inp.month, complaint_id=c.complaint_id, department=c.department,
                                        due=sample.revisit_due) for c in sample.sampled]
        self.s.summarise()
        await workflow.execute_activity("record_lookback", self.s, **ACTIVITY)

        async def revisit(i: int) -> None:
            c = sample.sampled[i]
            self.s.revisits[i] = await workflow.execute_child_workflow(
                RevisitWorkflow.run, RevisitInput(month=inp.month, complaint=c, due=sample.revisit_due),
                id=revisit_id(inp.month, c.complaint_id), result_type=RevisitState)
            self.s.summarise()

        await asyncio.gather(*(revisit(i) for i in range(len(sample.sampled))))
        self.s.finished_at = workflow.now()
        self.s.summarise()
        await workflow.execute_activity("record_lookback", self.s, **ACTIVITY)
        return self.s

    async def _trigger(self) -> LookBackState:
        month = await workflow.execute_activity("resolve_lookback_month", workflow.now(), result_type=str,
                                                **ACTIVITY)
        self.s.month = month
        try:
            await workflow.start_child_workflow(
                LookBackWorkflow.run, LookBackInput(month=month), id=lookback_id(month),
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON)
            self.s.note = f"started {lookback_id(month)}"
        except WorkflowAlreadyStartedError:
            self.s.note = f"{lookback_id(month)} already ran; nothing started"
        return self.s

    @workflow.signal
    def revisit_changed(self, revisit: RevisitState) -> None:
        """A revisit reports escalations and outcomes as they happen, so `state` is live."""
        for i, r in enumerate(self.s.revisits):
            if r.complaint_id == revisit.complaint_id:
                self.s.revisits[i] = revisit
        self.s.summarise()

    @workflow.query
    def state(self) -> LookBackState:
        return self.s


def _revisit_contract():
    """`revisit_outcome` as an update and a signal, like the complaint's messages."""

    def parse(raw: dict) -> RevisitOutcome:
        try:
            return RevisitOutcome.model_validate(raw)
        except ValidationError as e:
            raise Refused(f"invalid revisit_outcome: {explain(e)}") from None

    async def update(self, raw: dict) -> RevisitState:
        msg = parse(raw)
        self._check(msg)
        self._record(msg)
        await workflow.wait_condition(lambda: self._done)  # returns once the outcome is written (and reopened)
        return self.s

    def validate(self, raw: dict) -> None:
        self._check(parse(raw))

    def signal(self, raw: dict) -> None:
        try:
            msg = parse(raw)
            self._check(msg)
        except Refused as refused:
            self.rejected.append(refused.reason)
            return
        self._record(msg)

    update.__name__, validate.__name__, signal.__name__ = "revisit_outcome", "validate", "revisit_outcome_signal"
    handler = workflow.update(name="revisit_outcome")(update)
    handler.validator(validate)
    return handler, workflow.signal(name="revisit_outcome")(signal)


@workflow.defn
class RevisitWorkflow:
    revisit_outcome, revisit_outcome_signal = _revisit_contract()

    @workflow.init
    def __init__(self, inp: RevisitInput) -> None:
        self.inp = inp
        self.s = RevisitState(month=inp.month, complaint_id=inp.complaint.complaint_id,
                              department=inp.complaint.department, due=inp.due)
        self.rejected: list[str] = []
        self._done = False

    @workflow.run
    async def run(self, inp: RevisitInput) -> RevisitState:
        await workflow.execute_activity("record_revisit", self.s, **ACTIVITY)
        try:
            await workflow.wait_condition(lambda: self.s.outcome is not None,
                                          timeout=max(inp.due - workflow.now(), timedelta(seconds=0.001)),
                                          timeout_summary="revisit deadline")
        except asyncio.TimeoutError:
            self.s.escalated = True  # past the deadline: the department's supervisor is told, and it still waits
            await self._report()
            await workflow.wait_condition(lambda: self.s.outcome is not None)
        if self.s.outcome.value == "recurred":
            self.s.reopened_as = await workflow.execute_activity(
                "reopen_complaint", self.s, result_type=str, **ACTIVITY)
        await self._report()
        self._done = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.s

    async def _report(self) -> None:
        await workflow.execute_activity("record_revisit", self.s, **ACTIVITY)
        parent = workflow.info().parent
        if parent is not None:
            await workflow.get_external_workflow_handle(parent.workflow_id).signal("revisit_changed", self.s)

    def _check(self, msg: RevisitOutcome) -> None:
        if self.s.outcome is not None:
            raise Refused(f"the revisit of {self.s.complaint_id} is already recorded ({self.s.outcome.value})")
        actor = msg.actor
        if actor.role is Role.SUPERVISOR:
            return
        if actor.role not in (Role.HANDLER, Role.DEPARTMENT_AGENT) or (
                actor.department != self.s.department and actor.id != self.inp.complaint.first_responder_id):
            raise Refused(f"revisit_outcome is for a handler of {self.s.department}, the first responder or a "
                          f"supervisor; {actor.id} ({actor.role.value}, {actor.department}) is not")

    def _record(self, msg: RevisitOutcome) -> None:
        self.s.outcome, self.s.actor_id, self.s.note = msg.outcome, msg.actor.id, msg.note
        self.s.decided_at = workflow.now()

    @workflow.query
    def state(self) -> RevisitState:
        return self.s
