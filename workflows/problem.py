"""A problem and its corrective actions as a workflow (models/problems.py): durable clocks for the improvement
plan and each action (warned at the policy's `warn_at` of their span, breached at the deadline), and the
effect measured at each check after the actions are done. Messages come as sealed updates through the same
inbox as a complaint's (workflows/inbox.py): no client can fail a task or speak for someone it is not."""
import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.problems import (
        HISTORY_KEPT,
        MAX_LINKED,
        PROBLEM_MESSAGES,
        Action,
        Check,
        Entry,
        Measure,
        Notice,
        ProblemAnswer,
        ProblemState,
        StartProblem,
        Status,
        action_deadline,
    )
    from workflows import inbox
    from workflows.problem_rules import problem_refusal
    from workflows.rules import Refused

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
TIMEOUT = timedelta(seconds=60)
WARN_AT = 0.8
ANSWERS_KEPT = 64


class Act:
    RECORD = "record_problem"
    NOTICE = "problem_notice"
    MEASURE = "measure_problem"


@workflow.defn
class ProblemWorkflow:
    @workflow.init
    def __init__(self, *args: Any) -> None:
        try:
            self.start: StartProblem | None = inbox.read_input(args, StartProblem)
            self.invalid = ""
        except ValueError as e:
            self.start, self.invalid = None, str(e)
            return
        if self.start.problem_id != workflow.info().workflow_id:
            self.start, self.invalid = None, "problem_id does not belong to this workflow"
            return
        st = self.start
        self.rules = st.rules
        o = st.opened
        self.s = ProblemState(problem_id=st.problem_id, title=o.title, source=o.source, source_ref=o.source_ref,
                              pattern=o.pattern, opened_by=st.opened_by, opened_at=st.opened_at,
                              timezone=st.timezone, plan_from=st.opened_at, plan_due=st.plan_due, linked=list(dict.fromkeys(o.complaint_ids)))
        self.changed = 0
        self.pending: list[Notice] = []
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, *_ignored: Any) -> ProblemState:
        if self.start is None:
            raise ApplicationError(f"invalid start: {self.invalid}", type="InvalidStart", non_retryable=True)
        self._log("opened", self.s.opened_by, f"{self.s.source.value} {self.s.source_ref}".strip())
        while True:
            async with self.lock:
                self._clocks()
                await self._measure_due()
                await self._flush()
            if not self.s.live:
                await workflow.wait_condition(workflow.all_handlers_finished)
                async with self.lock:
                    await self._flush()
                return self.s
            seen = self.changed
            upcoming = [t for t in self._deadlines() if t > workflow.now()]
            try:
                await workflow.wait_condition(
                    lambda: self.changed != seen,  # noqa: B023 - awaited this turn
                    timeout=(min(upcoming) - workflow.now()) if upcoming else None)
            except TimeoutError:
                pass

    # ------------------------------------------------------------------ clocks

    def _warn_time(self, start: datetime, due: datetime) -> datetime:
        return start + (due - start) * WARN_AT

    def _deadlines(self) -> list[datetime]:
        s, out = self.s, []
        if s.planned_at is None:
            out += [t for t, done in ((self._warn_time(s.plan_from, s.plan_due), s.plan_warned),
                                      (s.plan_due, s.plan_breached)) if not done]
        for a in s.actions:
            if a.done_at is None:
                due = action_deadline(a.due, s.timezone)
                out += [t for t, done in ((self._warn_time(a.added_at, due), a.warned), (due, a.breached))
                        if not done]
        out += self._check_times()[len(s.checks):]
        return out

    def _check_times(self) -> list[datetime]:
        done = self.s.done_at
        return [] if done is None else [done + timedelta(days=d) for d in self.rules.checks_days]

    def _clocks(self) -> None:
        now, s = workflow.now(), self.s
        if s.planned_at is None:
            if not s.plan_warned and now >= self._warn_time(s.plan_from, s.plan_due):
                s.plan_warned = True
                self._notice("plan_warning", "supervisor", f"supervisor:{self._owner_department()}")
            if not s.plan_breached and now >= s.plan_due:
                s.plan_breached = True
                self._log("plan_breached", "system")
                self._notice("plan_breached", "supervisor", f"supervisor:{self._owner_department()}")
        for a in s.actions:
            if a.done_at is not None:
                continue
            due = action_deadline(a.due, s.timezone)
            if not a.warned and now >= self._warn_time(a.added_at, due):
                a.warned = True
                self._notice(f"action_warning:{a.id}", "department", a.department, action=a.id)
            if not a.breached and now >= due:
                a.breached = True
                self._log("action_breached", "system", a.id)
                self._notice(f"action_breached:{a.id}", "department", a.department, action=a.id)

    def _owner_department(self) -> str:
        return self.s.pattern.department or "complaints"

    async def _measure_due(self) -> None:
        s = self.s
        times = self._check_times()
        while s.status is Status.MEASURING and len(s.checks) < len(times) and workflow.now() >= times[len(s.checks)]:
            days = self.rules.checks_days[len(s.checks)]
            assert s.done_at is not None
            check: Check = await workflow.execute_activity(
                Act.MEASURE, Measure(problem_id=s.problem_id, pattern=s.pattern,
                                     before_from=s.opened_at - timedelta(days=self.rules.before_days),
                                     before_to=s.opened_at, after_from=s.done_at,
                                     after_to=s.done_at + timedelta(days=days), rules=self.rules),
                result_type=Check, start_to_close_timeout=TIMEOUT, retry_policy=RETRY)
            s.checks.append(check.model_copy(update={"days": days, "at": workflow.now()}))
            self._log("measured", "system", f"{days} days: {check.verdict}, ratio {check.ratio}")
            if len(s.checks) < len(times):
                continue
            if check.verdict == "not_effective":  # the last check: a fix on the surface, done again
                s.reopened += 1
                s.surface_fix = sorted({*s.surface_fix, *(a.department for a in s.actions)})
                s.status, s.planned_at, s.done_at, s.checks = Status.OPEN, None, None, []
                s.plan_due = workflow.now() + (s.plan_due - s.plan_from)
                s.plan_from, s.plan_warned, s.plan_breached = workflow.now(), False, False
                self._log("reopened", "system", "not effective: " + ", ".join(s.surface_fix))
                for department in s.surface_fix:
                    self._notice(f"surface_fix:{s.reopened}:{department}", "department", department)
                self._notice(f"reopened:{s.reopened}", "supervisor", f"supervisor:{self._owner_department()}")
            else:
                s.status = Status.EFFECTIVE if check.verdict == "effective" else Status.TOO_FEW
            self.changed += 1

    # ------------------------------------------------------------------ writes

    def _notice(self, event: str, kind: str, recipient: str, **params: Any) -> None:
        s = self.s
        template = event.split(":", 1)[0]
        self.pending.append(Notice(problem_id=s.problem_id, key=f"{s.problem_id}/{s.reopened}/{event}",
                                   recipient_kind=kind, recipient=recipient, template=f"problem_{template}",
                                   params={"problem": s.problem_id, "title": s.title, **params}))
        self.changed += 1

    async def _flush(self) -> None:
        if not self.pending and self.s.version == self.changed:
            return
        notices, self.pending = self.pending, []
        self.s.version = self.changed = self.changed + 1
        await workflow.execute_activity(Act.RECORD, self.s, start_to_close_timeout=TIMEOUT, retry_policy=RETRY)
        if notices:
            await workflow.execute_activity(Act.NOTICE, notices, start_to_close_timeout=TIMEOUT, retry_policy=RETRY)

    def _log(self, action: str, actor: str, detail: str = "") -> None:
        self.s.history = [*self.s.history, Entry(at=workflow.now(), action=action, actor_id=actor,
                                                 detail=detail[:300])][-HISTORY_KEPT:]
        self.changed += 1

    # ------------------------------------------------------------------ messages

    @workflow.update(dynamic=True)
    async def _update(self, name: str, args: Sequence[RawValue]) -> ProblemState:
        update_id = workflow.current_update_info().id  # type: ignore[union-attr]
        got = self._parse(name, args, validated=True)
        async with self.lock:
            if self.s.answer_to(update_id):
                return self.s
            self._check(name, got.msg)  # again: the state may have moved while this one waited its turn
            self._apply(name, got.msg)
            assert got.proof is not None
            self.s.answered = [*self.s.answered, ProblemAnswer(message_id=update_id, action=name,
                                                               digest=got.proof.digest)][-ANSWERS_KEPT:]
            self.changed += 1
            await self._flush()
        return self.s

    def _apply(self, name: str, msg: Any) -> None:
        s, who, now = self.s, msg.actor.id, workflow.now()
        if name == "set_root_cause":
            s.root_cause, s.root_cause_note = msg.code, msg.note
            self._log("set_root_cause", who, f"{msg.code}: {msg.note}")
        elif name == "add_action":
            action = Action(id=f"A{len(s.actions) + 1}", what=msg.what, department=msg.department, due=msg.due,
                            added_by=who, added_at=now)
            s.actions.append(action)
            self._log("add_action", who, f"{action.id} {msg.department} {msg.due.isoformat()}: {msg.what}")
            self._notice(f"action:{action.id}", "department", msg.department, action=action.id,
                         due=msg.due.isoformat())
            if s.status is Status.MEASURING:  # a new action after all were done: measured again once it is
                s.status, s.done_at, s.checks = Status.PLANNED, None, []
        elif name == "submit_plan":
            s.status, s.planned_at = Status.PLANNED, now
            self._log("submit_plan", who, msg.note)
        elif name == "complete_action":
            done = s.action(msg.action_id)
            assert done is not None  # the rules checked it exists
            done.done_at, done.done_by, done.note = now, who, msg.note
            self._log("complete_action", who, f"{done.id}: {msg.note}")
            if all(a.done_at is not None for a in s.actions):
                s.status, s.done_at, s.checks = Status.MEASURING, now, []
                self._log("actions_done", "system", ", ".join(f"{d} days" for d in self.rules.checks_days))
        elif name == "link":
            new = [c for c in dict.fromkeys(msg.complaint_ids) if c not in s.linked][:MAX_LINKED - len(s.linked)]
            s.linked += new
            self._log("link", who, f"{len(new)} complaints")
        elif name == "close":
            s.status, s.closed_reason = Status.CLOSED, msg.reason
            self._log("close", who, msg.reason)

    @_update.validator
    def _validate(self, name: str, args: Sequence[RawValue]) -> None:
        if self.start is not None and self.s.answer_to(workflow.current_update_info().id):  # type: ignore[union-attr]
            return
        self._check(name, self._parse(name, args).msg)

    def _parse(self, name: str, args: Sequence[RawValue], validated: bool = False) -> inbox.Inbound:
        if self.start is None:
            raise Refused(f"this problem did not start: {self.invalid}")
        got = inbox.read(name, args, workflow.payload_converter(), inbox.expected_here(validated),
                         contract=PROBLEM_MESSAGES)
        if got.msg is None or got.proof is None:
            raise Refused(got.reason or "refused")
        return got

    def _check(self, name: str, msg: Any) -> None:
        assert self.start is not None
        today = workflow.now().astimezone(ZoneInfo(self.s.timezone)).date()
        if reason := problem_refusal(name, msg, self.s, self.start.causes, today):
            raise Refused(reason, "forbidden" if reason.code == "not_yours" else "rule")

    @workflow.query
    def state(self, *_ignored: Any) -> ProblemState:
        if self.start is None:
            raise ApplicationError(f"this problem did not start: {self.invalid}", non_retryable=True)
        return self.s

