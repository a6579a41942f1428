"""The look-back's activities: sample from the read model, record revisits, reopen recurrences."""
import asyncio
import json
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.faults import permanent
from complaints.db import insert_ignore
from complaints.fields import FieldCipher, customer_of, opened
from complaints.reads import month_revisits
from lookback.sampling import sample
from models.enums import Level
from models.intake import Intake
from models.lookback import LookBackState, PageStarted, RevisitInput, RevisitPage, RevisitState, Sampled, Taken
from models.policy import Policy, wall_clock
from models.tables import ComplaintRow, LookBackRevisit, LookBackRun, Notification
from models.workflow_io import StartComplaint
from sla.calendar import calendar_for
from sla.periods import month_bounds, month_not_ended, previous_month
from workflows.lookback import revisit_id

log = structlog.get_logger()


class LookBackActivities:
    def __init__(self, engine: Engine, policy: Policy, cipher: FieldCipher, client: Client | None = None):
        self.engine, self.policy, self.cipher, self.client = engine, policy, cipher, client

    @activity.defn(name="resolve_lookback_month")
    def resolve_month(self, now: datetime) -> str:
        return previous_month(now, self.policy.timezone)

    @activity.defn(name="sample_lookback")
    def sample_lookback(self, month: str) -> Taken:
        """Candidates come from the read model, not from visibility: it keeps every complaint's outcome and
        closing time for years, while closed workflows leave visibility after the namespace's retention.

        The sample is written to the read model, a row a revisit, and only its numbers go back to the
        workflow: a large bank's 10% is thousands of complaints, more than a history should carry. Idempotent:
        the sample is seeded by the month, the rows keyed by month and complaint."""
        if reason := month_not_ended(month, self.policy.timezone, activity.info().scheduled_time):
            raise permanent(reason)  # the run fails, and leaves the month's one run to the schedule
        start, end = month_bounds(month, self.policy.timezone)
        with Session(self.engine) as session:
            rows = session.exec(select(ComplaintRow).where(
                col(ComplaintRow.outcome) == "resolved", col(ComplaintRow.closed_at) >= start,
                col(ComplaintRow.closed_at) < end)).all()
        candidates = [Sampled(complaint_id=r.id, department=r.department, first_responder_id=r.first_responder_id)
                      for r in rows]
        result = sample(month, candidates, self.policy.lookback.share)
        # From when the activity was first scheduled, so a retry computes the same deadline.
        due = calendar_for(self.policy.region, self.policy.timezone).deadline(
            activity.info().scheduled_time, self.policy.lookback.revisit)
        with Session(self.engine) as session:
            insert_ignore(session, LookBackRevisit, [dict(
                id=f"{month}/{c.complaint_id}", month=month, complaint_id=c.complaint_id, department=c.department,
                due_at=due) for c in result.sampled])
            session.commit()
        log.info("look-back sampled", month=month, candidates=result.candidates, sampled=len(result.sampled))
        poll = wall_clock(self.policy.lookback.poll) or timedelta(hours=1)
        return Taken(month=month, candidates=result.candidates, sampled=len(result.sampled), revisit_due=due,
                     poll_seconds=poll.total_seconds())

    @activity.defn(name="start_revisits")
    async def start_revisits(self, page: RevisitPage) -> PageStarted:
        """Start one page of a month's revisits as workflows of their own (not children: a month's thousands
        would pass the server's limit on a parent's pending children). Each id is the revisit's, so a retry
        starts nothing twice."""
        assert self.client is not None
        sampled = await asyncio.to_thread(self._page, page)
        if not sampled:
            return PageStarted(last=None, started=0)
        queue = activity.info().task_queue

        async def one(c: Sampled, due: datetime) -> int:
            try:
                await self.client.start_workflow(  # type: ignore[union-attr]
                    "RevisitWorkflow", RevisitInput(month=page.month, complaint=c, due=due),
                    id=revisit_id(page.month, c.complaint_id), task_queue=queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    static_summary=f"look-back {page.month}: revisit of {c.complaint_id}")
                return 1
            except WorkflowAlreadyStartedError:
                return 0

        started = sum(await asyncio.gather(*(one(c, due) for c, due in sampled)))
        activity.heartbeat(sampled[-1][0].complaint_id)
        return PageStarted(last=sampled[-1][0].complaint_id, started=started)

    def _page(self, page: RevisitPage) -> list[tuple[Sampled, datetime]]:
        with Session(self.engine) as session:
            got = session.exec(
                select(LookBackRevisit, ComplaintRow.first_responder_id)
                .join(ComplaintRow, col(ComplaintRow.id) == col(LookBackRevisit.complaint_id), isouter=True)
                .where(col(LookBackRevisit.month) == page.month, col(LookBackRevisit.complaint_id) > page.after)
                .order_by(col(LookBackRevisit.complaint_id)).limit(page.limit)).all()
        return [(Sampled(complaint_id=r.complaint_id, department=r.department, first_responder_id=responder or ""),
                 _utc(r.due_at)) for r, responder in got]

    @activity.defn(name="summarise_lookback")
    def summarise_lookback(self, taken: Taken, finished: bool) -> LookBackState:
        """How the month stands, counted from its revisits' rows, and written as the month's row."""
        revisits = month_revisits(self.engine, taken.month)
        state = LookBackState(month=taken.month, candidates=taken.candidates, revisits=revisits)
        state.summarise()
        state.sampled = len(revisits)
        state.undecided = sum(1 for r in revisits if r.outcome is None)
        if finished:
            state.finished_at = activity.info().scheduled_time
        self._record(state)
        return state.model_copy(update={"revisits": []})  # the numbers only, into the history

    @activity.defn(name="record_revisit")
    def record_revisit(self, s: RevisitState) -> None:
        with Session(self.engine) as session:
            key = f"{s.month}/{s.complaint_id}"
            row = session.get(LookBackRevisit, key) or LookBackRevisit(
                id=key, month=s.month, complaint_id=s.complaint_id, department=s.department, due_at=s.due)
            row.escalated, row.outcome, row.actor_id = s.escalated, s.outcome.value if s.outcome else None, s.actor_id
            row.note, row.decided_at, row.reopened_as = s.note, s.decided_at, s.reopened_as
            session.add(row)
            if s.reopen_failed:
                insert_ignore(session, Notification, [dict(
                    key=f"revisit/{key}/reopen_failed", complaint_id=s.complaint_id, recipient_kind="operator",
                    recipient="operators", channel="internal", template="reopen_failed",
                    body=f"Look-back {s.month}: {s.complaint_id} recurred but could not be reopened: "
                         f"{s.reopen_failed}", created_at=datetime.now(UTC),
                    params=json.dumps({"month": s.month, "cid": s.complaint_id, "error": s.reopen_failed[:300]}))])
            if s.escalated:
                insert_ignore(session, Notification, [dict(
                    key=f"revisit/{key}/overdue", complaint_id=s.complaint_id, recipient_kind="supervisor",
                    recipient=f"supervisor:{s.department}", channel="internal", template="revisit_overdue",
                    body=f"Look-back {s.month}: the revisit of {s.complaint_id} is past its deadline",
                    created_at=datetime.now(UTC), params=json.dumps({"month": s.month, "cid": s.complaint_id}))])
            session.commit()

    @activity.defn(name="recurrence_intake")
    def recurrence_intake(self, s: RevisitState) -> StartComplaint:
        """The recurrence as a new complaint's start: linked, one level more urgent, owned by the same first
        responder, flagged as a surface fix. The revisit starts it as a child workflow; its external reference
        is derived from the revisit, so a retry reaches the same complaint."""
        with Session(self.engine) as session:
            row = session.get(ComplaintRow, s.complaint_id)
        if row is None:  # no retry brings it back
            raise permanent(f"complaint {s.complaint_id} is not in the read model; nothing to reopen")
        c = self.cipher
        try:
            intake = Intake.model_validate({
                "channel": row.channel, "external_ref": f"{row.external_ref}.LB{s.month}",
                "customer": customer_of(c, row),
                "text": f"【回头看 {s.month} 复发 / recurred at look-back】{s.note}\n原投诉 {row.id}："
                        f"{opened(c, row, 'text')}"[:5000],
                "received_at": (s.decided_at or datetime.now(UTC)).isoformat(),
                "received_by": {"id": row.first_responder_id, "role": "handler",
                                "department": row.first_responder_department or row.department}})
        except ValueError as e:  # refused by the intake rules: the same next time
            raise permanent(f"the recurrence of {row.id} was refused: {e}") from None
        floor = Level(row.level).more_urgent() if row.level else Level.II
        log.info("recurrence to reopen", complaint_id=row.id, reopened_as=intake.complaint_id)
        return StartComplaint(intake=intake, complaint_id=intake.complaint_id, reopened_from=row.id,
                              surface_fix=True, level_floor=floor)

    def _record(self, s: LookBackState) -> None:
        total = s.total
        with Session(self.engine) as session:
            row = session.get(LookBackRun, s.month) or LookBackRun(month=s.month, started_at=datetime.now(UTC))
            row.candidates, row.sampled, row.confirmed = s.candidates, total.sampled, total.confirmed
            row.recurred, row.unreachable, row.finished_at = total.recurred, total.unreachable, s.finished_at
            row.by_department = json.dumps({d: v.model_dump() for d, v in s.by_department.items()})
            session.add(row)
            session.commit()


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt
