"""The complaint workflow's activities: persist, analyse, record, compute calendar deadlines.

Synchronous (run in the worker's thread pool) because the database layer is; each one is safe to retry:
rows are keyed so that a second attempt writes nothing new."""
import json
from datetime import UTC, datetime

import numpy as np
import structlog
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.faults import permanent_faults
from classifier import Classifier, embedding, repeats
from classifier.rules import RulesClassifier
from complaints.db import insert_ignore, upsert_versioned
from complaints.fields import FieldCipher, opened, sealed_row
from models import codes
from models.codes import CodeTable
from models.intake import mask_name, workflow_id_for
from models.policy import Policy, approx_span
from models.state import Analysis, Classification, ComplaintState
from models.tables import AuditEvent, ComplaintRow, Notification, RedressRow, SlaEventRow, WorkOrderRow
from models.workflow_io import Act, DeadlineInput, Received, RecordBatch, StartComplaint
from sla.calendar import calendar_for
from sla.plan import clocks_for

log = structlog.get_logger()


class ComplaintActivities:
    def __init__(self, engine: Engine, policy: Policy, cipher: FieldCipher, classifier: Classifier | None = None,
                 code_table: CodeTable | None = None):
        self.engine = engine
        self.policy = policy
        self.cipher = cipher
        self.classifier = classifier or RulesClassifier()
        self.code_table = code_table or codes.load()

    @activity.defn(name=Act.INTAKE)
    def intake_complaint(self, start: StartComplaint) -> Received:
        """Receive and analyse: persist the complaint (once), pin the policy in force, classify it and
        compute its deadlines."""
        _own_rows(start.complaint_id)
        intake = start.intake
        try:
            intake.check_received_window(start.started_at or _now(), approx_span(self.policy.limits.oldest_intake))
        except ValueError as e:  # the workflow fails with this reason; nothing was written
            raise ApplicationError(str(e), type="InvalidIntake", non_retryable=True) from None
        name = intake.customer.name
        vector = embedding.embed([intake.text])[0]
        with Session(self.engine) as session:
            insert_ignore(session, ComplaintRow, [dict(
                id=start.complaint_id, workflow_id=activity.info().workflow_id, channel=intake.channel.value,
                external_ref=intake.external_ref, customer_masked=mask_name(name),
                **sealed_row(self.cipher, start.complaint_id, customer_id=intake.customer.id, customer_name=name,
                             customer_phone=intake.customer.phone, customer_email=intake.customer.email or "",
                             text=intake.text, meaning=embedding.as_text(vector)),
                customer_language=intake.customer.language.value, customer_elderly=intake.customer.elderly,
                tier=intake.customer.tier.value,
                received_at=_utc(intake.received_at),
                first_responder_id=intake.received_by.id,
                first_responder_department=intake.received_by.department, owner_id=intake.received_by.id,
                department=intake.received_by.department, stage="receive", reopened_from=start.reopened_from,
                surface_fix=start.surface_fix, review_of=start.review_of.complaint_id if start.review_of else None,
                referral_ref=intake.referral.reference if intake.referral else None,
                referral_due=intake.referral.due if intake.referral else None,
                updated_at=_now())])
            session.commit()
        log.info("complaint received", complaint_id=start.complaint_id, channel=intake.channel.value)
        return Received(policy=self.policy, analysis=self._analyse(start, self.policy, vector))

    def _analyse(self, start: StartComplaint, policy: Policy, vector: np.ndarray) -> Analysis:
        intake = start.intake
        received = _utc(intake.received_at)
        with Session(self.engine) as session:
            recent = session.exec(
                select(ComplaintRow.id).where(
                    ComplaintRow.customer_id_tag == self.cipher.tag(intake.customer.id),
                    ComplaintRow.id != start.complaint_id,
                    ComplaintRow.received_at >= received - approx_span(policy.recent_window),
                    ComplaintRow.received_at <= received)
                .order_by(col(ComplaintRow.received_at).desc()).limit(20)).all()
        c = self.classifier.classify(intake.text, intake.channel, recent_count=len(recent))
        if start.level_floor is not None and start.level_floor.urgency > c.level.urgency:
            c = c.model_copy(update={"level": start.level_floor, "matched": [*c.matched, "reopened: level floor"]})
        if start.review_of is not None:
            # A review goes to the higher-level unit that took the application in (its desk received it), and
            # an emergency was the first complaint's to dispose of.
            c = c.model_copy(update={"department": intake.received_by.department, "emergency": False,
                                     "matched": [*c.matched, f"review:{start.review_of.complaint_id}"]})
        calendar = calendar_for(policy.region, policy.timezone)
        deadlines = {name: calendar.deadline(intake.received_at, duration) for name, duration in
                     clocks_for(policy, c.level, c.emergency, review=start.review_of is not None).items()}
        repeat, still_open = (None, []) if start.review_of else self._repeat_of(
            start.complaint_id, intake.customer.id, c, vector, policy)
        log.info("complaint analysed", complaint_id=start.complaint_id, level=c.level.value,
                 emergency=c.emergency, department=c.department, repeat_of=repeat)
        return Analysis(classification=c, codes=self.code_table.propose(intake.text, intake.channel),
                        recent_complaints=list(recent), deadlines=deadlines, repeat_of=repeat,
                        open_complaints=still_open)

    def _repeat_of(self, complaint_id: str, customer_id: str, c: Classification, vector: np.ndarray,
                   policy: Policy) -> tuple[str | None, list[str]]:
        """The open complaint of the same customer this one repeats (classifier/repeats.py), if any, and all
        of that customer's open complaints (the ones a handler may link it to)."""
        with Session(self.engine) as session:
            open_ones = session.exec(
                select(ComplaintRow).where(
                    ComplaintRow.customer_id_tag == self.cipher.tag(customer_id), ComplaintRow.id != complaint_id,
                    ComplaintRow.stage != "closed", col(ComplaintRow.review_of).is_(None))
                .order_by(col(ComplaintRow.received_at).desc()).limit(20)).all()
        seen = [repeats.Seen(r.id, r.business_type, r.problem_nature,
                             embedding.from_text(m) if (m := opened(self.cipher, r, "meaning")) else None)
                for r in open_ones]
        found = repeats.repeat_of(repeats.Seen(complaint_id, c.business_type, c.problem_nature, vector), seen,
                                  policy.repeats.similarity)
        return (found[0] if found else None), [r.id for r in open_ones]

    @activity.defn(name=Act.RECORD)
    def record_batch(self, batch: RecordBatch) -> None:
        """The read model, audit trail, outbox and SLA events in one transaction, idempotently."""
        s = batch.state
        cid = s.complaint_id
        _own_rows(cid)
        c = s.classification
        responded = next((e.at for e in batch.events if e.action == "stage" and e.detail == "respond"), None)
        nearest = s.nearest_clock()
        with permanent_faults(), Session(self.engine) as session:
            insert_ignore(session, AuditEvent, [dict(
                complaint_id=cid, seq=e.seq, at=_utc(e.at), action=e.action, actor_id=e.actor_id,
                actor_role=e.actor_role, accepted=e.accepted, stage=e.stage, detail=e.detail, code=e.code,
                code_values=json.dumps(e.values, ensure_ascii=False) if e.values else "{}")
                for e in batch.events])
            insert_ignore(session, Notification, [dict(
                key=n.key, complaint_id=cid, recipient_kind=n.recipient_kind, recipient=n.recipient,
                channel=n.channel, template=n.template, body=n.body, created_at=_utc(n.at),
                params=json.dumps(n.params, ensure_ascii=False))
                for n in batch.notifications])
            insert_ignore(session, SlaEventRow, [dict(
                complaint_id=cid, clock=e.clock, kind=e.kind, at=_utc(e.at), deadline=_utc(e.deadline),
                department=s.department, level=s.level.value if s.level else None)
                for e in batch.sla_events])
            row = dict(
                id=cid, stage=s.stage.value, owner_id=s.owner_id, department=s.department,
                first_responder_id=s.first_responder.id, first_responder_department=s.first_responder.department,
                business_type=c.business_type if c else None, problem_nature=c.problem_nature if c else None,
                level=s.level.value if s.level else None, emergency=s.emergency, special_group=s.special_group,
                classification_method=c.method if c else None, classification_confidence=c.confidence if c else None,
                breached=s.breached, outcome=s.outcome.value if s.outcome else None,
                csat=s.feedback[-1].csat if s.feedback else None,
                closed_at=_utc(s.closed_at) if s.closed_at else None, version=batch.version, updated_at=_now(),
                next_deadline=_utc(nearest.deadline()) if nearest else None, next_clock=nearest.name if nearest else None,
                waiting_on_customer=s.waiting_on_customer, awaiting=s.awaiting,
                came_back=s.dissatisfaction_events > 0, close_approved_by=s.close_approved_by, **_decided(s),
                **_coded(s))
            if responded is not None:
                row["responded_at"] = _utc(responded)
            _update_complaint(session, row)
            insert_ignore(session, RedressRow, [dict(
                id=r.id, complaint_id=cid, department=s.department, amount=r.amount, currency=r.currency,
                purpose=r.purpose, decided_at=_utc(r.decided_at), decided_by=r.decided_by, approved_by=r.approved_by,
                status="approved") for r in s.redresses])
            for wo in s.work_orders:
                clock = s.clock(f"reply:{wo.id}")
                upsert_versioned(session, WorkOrderRow, dict(
                    id=f"{cid}/{wo.id}", complaint_id=cid, department=wo.department, question=wo.question,
                    status=wo.status.value, opened_by=wo.opened_by, opened_at=_utc(wo.opened_at),
                    due_at=_utc(clock.deadline()) if clock else None, answer=wo.answer,
                    answered_by=wo.answered_by, closed_at=_utc(wo.closed_at) if wo.closed_at else None,
                    version=batch.version))
            session.commit()

    @activity.defn(name=Act.DEADLINE)
    def compute_deadline(self, inp: DeadlineInput) -> datetime:
        return calendar_for(inp.region, inp.timezone).deadline(inp.start, inp.duration)


def _own_rows(complaint_id: str) -> None:
    """An activity writes only the rows of the complaint whose workflow runs it."""
    if activity.info().workflow_id != workflow_id_for(complaint_id):
        raise ApplicationError(f"workflow {activity.info().workflow_id} may not write complaint {complaint_id}",
                               type="WrongComplaint", non_retryable=True)


def _update_complaint(session: Session, row: dict) -> None:
    """Move the complaint row forward; a stale retry (older version) leaves it as it is.

    One Core UPDATE: loading the row into the ORM to set its fields cost more than the write itself."""
    table = ComplaintRow.__table__  # type: ignore[attr-defined]  # SQLModel's table classes have one
    values = {k: v for k, v in row.items() if k != "id"}
    session.connection().execute(
        update(table).where(table.c.id == row["id"], table.c.version <= row["version"]).values(**values))


def _decided(s: ComplaintState) -> dict[str, object]:
    """The newest decision's columns (its texts went to the customer in the notice)."""
    d = s.decision
    if d is None:
        return {}
    return dict(finding=d.finding.value, relief=d.relief.value, decided_at=_utc(d.at), decided_by=d.by,
                review_by=_utc(d.review_by) if d.review_by else None,
                review_outcome=d.review.value if d.review else None)


def _coded(s: ComplaintState) -> dict[str, object]:
    """The regulator's codes (proposed, until the decision confirms them)."""
    k = s.codes
    if k is None:
        return {}
    return dict(code_channel=k.channel, code_business=k.business, code_reason=k.reason,
                codes_confirmed=k.confirmed_by is not None)


def _utc(dt: datetime) -> datetime:
    """All stored times are UTC, whatever offset the intake came with."""
    return dt.astimezone(UTC)


def _now() -> datetime:
    return _utc(datetime.now(UTC))
