"""Major incidents as workflows: the watch that finds them, and one IncidentWorkflow per incident.

- `IncidentWatchWorkflow` runs on a Schedule (every `incidents.every_minutes`): one activity looks at the
  intake's last window against past weeks (incidents/detect.py) and returns what is abnormal and linked to
  no open incident; each becomes an `IncidentWorkflow`, started once (its id is fixed by when and what), left
  running when the watch's run ends.
- `IncidentWorkflow` is level I: the special group's supervisor is alerted at once; a supervisor confirms or
  dismisses it within the hour, and a plan is announced within 24 hours (each deadline a durable timer that,
  missed, alerts again). While it is open it links new matching complaints every few minutes (their
  customers are told the bank knows), and people link or unlink by hand. Publishing the plan tells every
  linked customer once; resolving proposes the response to every linked complaint, which checks it by its own
  script rules and verifies it with its own customer.
Messages come as sealed updates through the same inbox as a complaint's (workflows/inbox.py), so no client
can fail a task or speak for a person it is not."""
import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from models.incidents import (
        ANSWERS_KEPT,
        HISTORY_KEPT,
        INCIDENT_MESSAGES,
        MAX_MEMBERS,
        Announcement,
        Entry,
        IncidentAnswer,
        IncidentState,
        Linked,
        LinkScan,
        Notice,
        Outreach,
        StartIncident,
        Status,
        Told,
    )
    from models.policy import wall_clock
    from models.reasons import why
    from workflows import inbox
    from workflows.permissions import incident_refusal
    from workflows.rules import Refused

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
TIMEOUT = timedelta(seconds=60)
# Telling every linked complaint (thousands on a large outage) takes as long as it takes, while the activity
# heartbeats after each: a lost worker is noticed within the heartbeat, and the retry applies nothing twice.
LONG, HEARTBEAT = timedelta(hours=2), timedelta(minutes=1)


class Act:
    SCAN = "scan_intake"
    RECORD = "record_incident"
    LINKS = "link_scan"
    NOTICE = "incident_notice"
    PROPOSE = "propose_to_linked"
    ANNOUNCE = "announce_to_linked"
    HAND_OVER = "hand_over"
    SPLIT_OFF = "split_off"


@workflow.defn
class IncidentWatchWorkflow:
    @workflow.run
    async def run(self, *args: Any) -> int:
        """Looks at now, or (an operator looking again, or a test) at the moment an ISO time names."""
        at = workflow.now()
        if len(args) == 1 and isinstance(args[0], str):
            try:
                at = datetime.fromisoformat(args[0])
                if at.tzinfo is None:
                    raise ValueError("no time zone")
            except ValueError:
                raise ApplicationError(f"not a time: {args[0][:40]!r}", type="InvalidStart",
                                       non_retryable=True) from None
        found: list[StartIncident] = await workflow.execute_activity(
            Act.SCAN, at, result_type=list[StartIncident], start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=3))
        started = 0
        for start in found:
            try:
                await workflow.start_child_workflow(
                    IncidentWorkflow.run, start, id=start.incident_id, parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
                started += 1
            except WorkflowAlreadyStartedError:  # an earlier look started it: once only
                continue
        return started


@workflow.defn
class IncidentWorkflow:
    @workflow.init
    def __init__(self, *args: Any) -> None:
        try:
            self.start: StartIncident | None = inbox.read_input(args, StartIncident)
            self.invalid = ""
        except ValueError as e:
            self.start, self.invalid = None, str(e)
            return
        if self.start.incident_id != workflow.info().workflow_id:
            self.start, self.invalid = None, "incident_id does not belong to this workflow"
            return
        if self.start.carried is not None and (workflow.info().continued_run_id is None
                                               or self.start.carried.incident_id != self.start.incident_id):
            self.start, self.invalid = None, "carried state comes only from the incident's own continue-as-new"
            return
        s = self.start
        self.rules = s.rules
        self.s = s.carried or IncidentState(
            incident_id=s.incident_id, opened_at=s.opened_at, rule=s.rule, key=s.key, centre=s.centre,
            labels=s.labels, members=list(dict.fromkeys(s.members))[:MAX_MEMBERS], last_linked_at=s.opened_at,
            response_due=s.response_due, plan_due=s.plan_due)
        self.changed = 0
        self.pending: list[Notice] = []
        # One writer at a time: every update handler that awaits (a hand-over, a split), the loop's own scans
        # and writes, and the outreach recording what it was told hold it, so no two interleave across their
        # awaits and each update checks its rules again on the state it will change (samples-python's safe
        # message handlers).
        self.lock = asyncio.Lock()
        self.merging: str | None = None  # the incident this one is handing its complaints to, while it does
        self.reaching: asyncio.Task[None] | None = None  # the outreach under way (the oldest in the state)

    @workflow.run
    async def run(self, *_ignored: Any) -> IncidentState:
        if self.start is None:
            raise ApplicationError(f"invalid start: {self.invalid}", type="InvalidStart", non_retryable=True)
        if self.start.carried is None:
            self._log("opened", "detector", f"{self.s.rule}:{self.s.key}, {len(self.s.members)} complaints")
            self.pending += [Notice(incident_id=self.s.incident_id, kind="alert"),
                             Notice(incident_id=self.s.incident_id, kind="linked", complaint_ids=self.s.members)]
        every = wall_clock(self.rules.every) or timedelta(minutes=2)
        next_scan = workflow.now() + every
        while True:
            async with self.lock:
                await self._flush()
            self._reach_out()
            if not self.s.open and not self.s.outreach:
                await self._drain()  # the resolve's (or merge's) answer first, and every write
                return self.s
            if workflow.info().is_continue_as_new_suggested() or workflow.info().get_current_history_length() > 2000:
                await self._drain()
                # No await between the drain's last check and this: no update is accepted and then cut off.
                workflow.continue_as_new(self.start.model_copy(update={"carried": self.s}))
            seen = self.changed
            wake = min([next_scan, *self._deadlines()])
            try:
                await workflow.wait_condition(lambda: self.changed != seen,  # noqa: B023 - awaited this turn
                                              timeout=max(wake - workflow.now(), timedelta(seconds=1)))
            except TimeoutError:
                pass
            now = workflow.now()
            async with self.lock:
                self._check_clocks()
                if now >= next_scan and self.s.open:
                    next_scan = now + every
                    await self._link_new(now)

    async def _drain(self) -> None:
        """Return once every handler has finished and everything is written, in the same turn as that check."""
        while True:
            await workflow.wait_condition(lambda: workflow.all_handlers_finished() and self.reaching is None)
            async with self.lock:
                await self._flush()
            if (workflow.all_handlers_finished() and self.reaching is None and not self.pending
                    and self.s.version == self.changed):
                return  # outreach asked for meanwhile is in the state: the next run does it

    def _reach_out(self) -> None:
        if self.reaching is None and self.s.outreach:
            self.reaching = asyncio.create_task(self._tell(self.s.outreach[0]))

    async def _tell(self, job: Outreach) -> None:
        """One outreach to every linked complaint, a heartbeating activity outside any handler (the supervisor's
        update was answered when it was recorded); a complaint linked meanwhile is told too. Each complaint's
        update id names the incident, the purpose and the complaint: a retry tells no one twice."""
        s = self.s
        try:
            while todo := [c for c in s.members if c not in job.said]:
                actor = job.actor.model_dump(mode="json")
                name, args = ((Act.ANNOUNCE, [s.incident_id, job.seq, job.zh, job.en, actor, todo])
                              if job.kind == "announce" else (Act.PROPOSE, [s.incident_id, job.text, actor, todo, job.decision]))
                told: Told = await workflow.execute_activity(
                    name, args=args, result_type=Told, start_to_close_timeout=LONG, heartbeat_timeout=HEARTBEAT,
                    retry_policy=RETRY)
                async with self.lock:
                    job.said = {**job.said, **{c: told.said.get(c, "no answer") for c in todo}}
                    job.codes = {**job.codes, **{c: told.codes[c] for c in todo if c in told.codes}}
                    self.changed += 1
            async with self.lock:
                if job.kind == "announce":
                    s.told = dict(job.said)
                else:
                    s.proposed, s.refused = dict(job.said), dict(job.codes)
                s.outreach = s.outreach[1:]
                self.changed += 1
        finally:
            self.reaching = None

    def _deadlines(self) -> list[datetime]:
        s, out = self.s, []
        if s.decided_at is None and "response" not in s.breaches:
            out.append(s.response_due)
        if not s.announcements and "plan" not in s.breaches:
            out.append(s.plan_due)
        return out

    def _check_clocks(self) -> None:
        now, s = workflow.now(), self.s
        for clock, due, met in (("response", s.response_due, s.decided_at), ("plan", s.plan_due,
                                                                              s.announcements or None)):
            if met is None and now >= due and clock not in s.breaches and s.open:
                s.breaches.append(clock)
                self._log("breached", "system", clock)
                self.pending.append(Notice(incident_id=s.incident_id, kind="breach", zh=clock))

    async def _link_new(self, now: datetime) -> None:
        s = self.s
        if not s.centre or self.rules.stopped_linking(s.last_linked_at, now):
            return  # no meaning to match (made by hand), or quiet for hours: people link by hand from here
        near = set(s.neighbours)
        everyday_from, everyday_until = self.rules.story_spans(s.opened_at)[1]  # heard before it began
        found: Linked = await workflow.execute_activity(
            Act.LINKS, LinkScan(incident_id=s.incident_id, centre=s.centre, labels=s.labels,
                                members=[c for c in s.members if c not in near][-50:],
                                # Only complaints written since the last look (a minute of slack for clocks): each
                                # is looked at once it is classified, however long the incident stays open...
                                received_from=s.opened_at - timedelta(minutes=self.rules.window_minutes),
                                since=(s.scanned_to or s.opened_at - timedelta(minutes=self.rules.window_minutes))
                                - timedelta(minutes=1), until=now,
                                # ...and, once it has new members, again at what it passed over: a customer who
                                # wrote in English before any English complaint was linked is alike those now.
                                again=s.scanned_to is None or s.grew_at == s.scanned_to,
                                everyday_from=everyday_from, everyday_until=everyday_until),
            result_type=Linked, start_to_close_timeout=TIMEOUT, retry_policy=RETRY)
        s.scanned_to = now
        new = [c for c in found.complaint_ids if c not in s.members][:MAX_MEMBERS - len(s.members)]
        if new:
            near_only = [c for c in found.neighbours if c in new]
            s.neighbours += near_only
            s.members += new
            s.grew_at = now
            if len(near_only) < len(new):  # only complaints alike the incident itself keep it linking
                s.last_linked_at = now
            self._log("linked", "detector", f"{len(new)} complaints")
            self.pending.append(Notice(incident_id=s.incident_id, kind="linked", complaint_ids=new))

    async def _flush(self) -> None:
        if not self.pending and self.s.version == self.changed:
            return
        notices, self.pending = self.pending, []
        self.s.version = self.changed = self.changed + 1
        await workflow.execute_activity(Act.RECORD, self.s, start_to_close_timeout=TIMEOUT, retry_policy=RETRY)
        for n in notices:
            await workflow.execute_activity(Act.NOTICE, n, start_to_close_timeout=TIMEOUT, retry_policy=RETRY)

    def _log(self, action: str, actor: str, detail: str = "") -> None:
        self.s.history = [*self.s.history, Entry(at=workflow.now(), action=action, actor_id=actor,
                                                 detail=detail[:300])][-HISTORY_KEPT:]
        self.changed += 1

    # ------------------------------------------------------------------ messages

    @workflow.update(dynamic=True)
    async def _update(self, name: str, args: Sequence[RawValue]) -> IncidentState:
        update_id = workflow.current_update_info().id  # type: ignore[union-attr]
        if self.s.answer_to(update_id):  # the same message in a later run: applied once already
            return self.s
        got = self._parse(name, args, validated=True)
        async with self.lock:
            if self.s.answer_to(update_id):
                return self.s
            self._check(name, got.msg)  # again: the state may have moved while this one waited its turn
            await self._apply(name, got.msg)
            assert got.proof is not None  # _parse refuses a message without one
            self.s.answered = [*self.s.answered, IncidentAnswer(message_id=update_id, action=name,
                                                                digest=got.proof.digest)][-ANSWERS_KEPT:]
            self.changed += 1
            await self._flush()
        return self.s

    async def _apply(self, name: str, msg: Any) -> None:
        s, who = self.s, msg.actor.id
        if name == "confirm":
            s.status, s.decided_at, s.decided_by = Status.CONFIRMED, workflow.now(), who
            self._log("confirm", who, msg.note)
        elif name == "dismiss":
            s.status, s.decided_at, s.decided_by, s.reason = Status.DISMISSED, workflow.now(), who, msg.reason
            self._log("dismiss", who, msg.reason)
        elif name == "link":
            s.members.append(msg.complaint_id)
            self._log("link", who, msg.complaint_id)
            self.pending.append(Notice(incident_id=s.incident_id, kind="linked", complaint_ids=[msg.complaint_id]))
        elif name == "unlink":
            s.members.remove(msg.complaint_id)
            s.neighbours = [c for c in s.neighbours if c != msg.complaint_id]
            self._log("unlink", who, f"{msg.complaint_id}: {msg.reason}")
        elif name == "publish_plan":
            seq = len(s.announcements) + 1
            s.announcements.append(Announcement(seq=seq, at=workflow.now(), by=who, zh=msg.zh, en=msg.en))
            s.outreach = [*s.outreach, Outreach(kind="announce", actor=msg.actor, seq=seq, zh=msg.zh, en=msg.en)]
            self._log("publish_plan", who, msg.zh)
        elif name == "merge":
            # Bounded, unlike other activities: two incidents merged into each other at once would each hold its
            # lock waiting for the other's absorb. One hand-over gives up, its merge is refused, the other goes on.
            self.merging = msg.into
            try:
                said = await workflow.execute_activity(
                    Act.HAND_OVER, args=[s.incident_id, msg.into, list(s.members), msg.actor.model_dump(mode="json")],
                    result_type=str, start_to_close_timeout=timedelta(seconds=10),
                    retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=2))
            except ActivityError:
                raise Refused(why("hand_over_silent", into=msg.into)) from None
            finally:
                self.merging = None
            if said != "sent":
                raise Refused(why("hand_over_refused", into=msg.into, said=said))
            s.status, s.merged_into, s.decided_by, s.reason = Status.MERGED, msg.into, who, msg.reason
            self._log("merge", who, f"{msg.into}: {msg.reason}")
        elif name == "split":
            leaving = list(dict.fromkeys(msg.complaint_ids))
            new_id = await workflow.execute_activity(
                Act.SPLIT_OFF, args=[s.incident_id, leaving, self.rules.model_dump(mode="json")], result_type=str,
                start_to_close_timeout=TIMEOUT, retry_policy=RETRY)
            s.members = [c for c in s.members if c not in leaving]
            s.neighbours = [c for c in s.neighbours if c not in leaving]
            s.split_into = [*s.split_into, new_id]
            self._log("split", who, f"{len(leaving)} complaints to {new_id}: {msg.reason}")
        elif name == "absorb":
            new = [c for c in dict.fromkeys(msg.complaint_ids) if c not in s.members][:MAX_MEMBERS - len(s.members)]
            s.members += new
            self._log("absorb", who, f"{len(new)} complaints from {msg.from_incident}")
        elif name == "resolve":
            s.outreach = [*s.outreach, Outreach(kind="propose", actor=msg.actor, text=msg.text,
                                                   decision=msg.decision())]
            s.status, s.resolved_at, s.resolution = Status.RESOLVED, workflow.now(), msg.text
            self._log("resolve", who, f"response proposed to {len(s.members)} complaints")

    @_update.validator
    def _validate(self, name: str, args: Sequence[RawValue]) -> None:
        if self.start is not None and self.s.answer_to(workflow.current_update_info().id):  # type: ignore[union-attr]
            return  # a repeat: answered with the state, nothing applied
        self._check(name, self._parse(name, args).msg)

    def _parse(self, name: str, args: Sequence[RawValue], validated: bool = False) -> inbox.Inbound:
        if self.start is None:
            raise Refused(f"this incident did not start: {self.invalid}")
        got = inbox.read(name, args, workflow.payload_converter(), inbox.expected_here(validated),
                         contract=INCIDENT_MESSAGES)
        if got.msg is None or got.proof is None:
            raise Refused(got.reason or "refused")
        return got

    def _check(self, name: str, msg: Any) -> None:
        if name == "absorb" and self.merging is not None:
            # It is handing its own complaints over: taking others' now could only leave them with two incidents,
            # and waiting would hold both merges (each waiting for the other's absorb).
            raise Refused(why("being_merged", incident=self.s.incident_id, into=self.merging))
        if reason := incident_refusal(name, msg, self.s):
            raise Refused(reason, "forbidden" if reason.code == "not_yours" else "rule")

    @workflow.query
    def state(self, *_ignored: Any) -> IncidentState:
        if self.start is None:
            raise ApplicationError(f"this incident did not start: {self.invalid}", non_retryable=True)
        return self.s

