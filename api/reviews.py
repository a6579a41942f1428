"""The customer's review (核查) of a decision, asked for through their channel: Order No. 3 lets a
complainant who disagrees ask the bank's higher-level unit to review the decision within 30 days of it.

The application is checked against the decided complaint's row (decided, closed, not itself a review, in
time), then started as a complaint of its own: the same customer, owned by the higher-level unit's desk, on
the review's own clock, with the people and the department who must stay out of it (回避). One review per
complaint: its reference is derived from the reviewed complaint's, so a second application (or a retry whose
answer was lost) reaches the same review."""
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, ValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import service
from api.problems import Refused
from api.review_rules import Decided, recused, review_refusal
from complaints import reads
from complaints.fields import FieldCipher, customer_of
from models.departments import Registry
from models.enums import Finding, Role
from models.errors import explain
from models.intake import Actor, Intake, Strict
from models.reasons import why
from models.state import ReviewOf


class ReviewRequest(Strict):
    reason: str = Field(min_length=1, max_length=2000, description="What the customer disagrees with")


@dataclass
class Started:
    review: service.Submitted
    original: str
    department: str


async def apply(client: Client, engine: Engine, cipher: FieldCipher, registry: Registry, task_queue: str,
                complaint_id: str, body: ReviewRequest, now: datetime, tz: str) -> Started:
    row = reads.complaint_row(engine, complaint_id)
    if row is None:
        raise Refused(404, why("no_complaint", complaint=complaint_id))
    try:  # the live state: a customer who asks the moment the complaint closes finds it closed
        decided = Decided.of_state(await service.state(client, complaint_id))
    except service.ComplaintError:  # past Temporal's retention: the read model keeps what the rules need
        decided = Decided.of_row(row)
    if refused := review_refusal(decided, now, tz):
        raise Refused(422, refused)
    department = registry.reviewer(decided.department)
    if department is None:
        raise Refused(422, why("no_reviewer", department=decided.department))
    try:
        intake = _intake(row, department, cipher, body, now)
    except ValidationError as e:  # the record no longer makes an intake (its personal data erased, say)
        raise Refused(422, why("review_not_started", complaint=row.id, error=explain(e)[:300])) from None
    assert decided.decided_at is not None  # review_refusal refuses an undecided complaint
    review = ReviewOf(complaint_id=row.id, department=decided.department, recused=recused(decided),
                      decided_at=decided.decided_at, finding=Finding(decided.finding) if decided.finding else None)
    try:
        started = await service.submit(client, intake, task_queue, review_of=review, now=now)
    except service.ComplaintError as e:
        raise Refused(422, why("review_not_started", complaint=row.id, error=str(e)[:300])) from None
    return Started(started, row.id, department)


def _intake(row, department: str, cipher: FieldCipher, body: ReviewRequest, now: datetime) -> Intake:
    """The review as a complaint of the same customer, received by the higher-level unit's desk."""
    return Intake.model_validate({
        "channel": row.channel, "external_ref": f"RV.{row.id}", "customer": customer_of(cipher, row),
        "text": f"【核查申请 / review requested】原投诉 {row.id}：{body.reason}", "received_at": now,
        "received_by": Actor(id=department, role=Role.INTAKE, department=department).model_dump()})
