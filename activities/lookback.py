"""The look-back's activities: sample from the read model, record revisits, reopen recurrences."""
import json
from datetime import UTC, datetime

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from activities.faults import permanent
from complaints.db import insert_ignore
from complaints.fields import FieldCipher, opened
from lookback.sampling import sample
from models.enums import Level
from models.intake import Intake
from models.lookback import LookBackState, RevisitState, Sample, Sampled
from models.policy import Policy
from models.tables import ComplaintRow, LookBackRevisit, LookBackRun, Notification
from models.workflow_io import StartComplaint
from sla.calendar import calendar_for
from sla.periods import month_bounds, month_not_ended, previous_month

log = structlog.get_logger()


class LookBackActivities:
    def __init__(self, engine: Engine, policy: Policy, cipher: FieldCipher):
        self.engine, self.policy, self.cipher = engine, policy, cipher

    @activity.defn(name="resolve_lookback_month")
    def resolve_month(self, now: datetime) -> str:
        return previous_month(now, self.policy.timezone)

    @activity.defn(name="sample_lookback")
    def sample_lookback(self, month: str) -> Sample:
        """Candidates come from the read model, not from visibility: it keeps every complaint's outcome and
        closing time for years, while closed workflows leave visibility after the namespace's retention."""
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
        result.revisit_due = calendar_for(self.policy.region, self.policy.timezone).deadline(
            activity.info().scheduled_time, self.policy.lookback.revisit)
        log.info("look-back sampled", month=month, candidates=result.candidates, sampled=len(result.sampled))
        return result

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
                         f"{s.reopen_failed}", created_at=datetime.now(UTC))])
            if s.escalated:
                insert_ignore(session, Notification, [dict(
                    key=f"revisit/{key}/overdue", complaint_id=s.complaint_id, recipient_kind="supervisor",
                    recipient=f"supervisor:{s.department}", channel="internal", template="revisit_overdue",
                    body=f"Look-back {s.month}: the revisit of {s.complaint_id} is past its deadline",
                    created_at=datetime.now(UTC))])
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
                "customer": {"id": opened(c, row, "customer_id"),
                             "name": opened(c, row, "customer_name") or row.customer_masked,
                             "phone": opened(c, row, "customer_phone"), "tier": row.tier},
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

    @activity.defn(name="record_lookback")
    def record_lookback(self, s: LookBackState) -> None:
        total = s.total
        with Session(self.engine) as session:
            row = session.get(LookBackRun, s.month) or LookBackRun(month=s.month, started_at=datetime.now(UTC))
            row.candidates, row.sampled, row.confirmed = s.candidates, total.sampled, total.confirmed
            row.recurred, row.unreachable, row.finished_at = total.recurred, total.unreachable, s.finished_at
            row.by_department = json.dumps({d: v.model_dump() for d, v in s.by_department.items()})
            session.add(row)
            session.commit()
