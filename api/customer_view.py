"""What an intake channel reads of its own complaint: what its customer may see, nothing of the bank's inside
(no staff notes, no employee ids, no classification or its reasons, no work orders)."""
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from complaints import reads
from models.enums import Channel, Outcome, Stage
from models.sla import Clock
from models.state import ComplaintState

# Clocks that are promises to the customer; the rest (work-order replies, warnings) are the bank's own.
PROMISED = ("first_response", "plan", "result", "first_disposal", "decision", "resolve")


def promised(s: ComplaintState) -> list[Clock]:
    """The clocks that are promises to the customer (a channel's view and the customer's own page show these)."""
    return [c for c in s.clocks if c.kind.value in PROMISED and c.work_order is None]


class Promise(BaseModel):
    clock: str
    deadline: datetime
    met: bool


class SentMessage(BaseModel):
    at: datetime
    channel: str
    template: str
    text: str
    delivered_at: datetime | None = None


class CustomerFeedback(BaseModel):
    at: datetime
    satisfied: bool
    csat: int


class CustomerView(BaseModel):
    complaint_id: str
    external_ref: str
    channel: Channel
    stage: Stage
    received_at: datetime
    waiting_on_customer: bool
    promised: list[Promise]
    messages: list[SentMessage]
    feedback: list[CustomerFeedback]
    outcome: Outcome | None = None
    closed_at: datetime | None = None


def customer_view(engine: Engine, s: ComplaintState) -> CustomerView:
    now = datetime.now(UTC)
    sent = reads.sent_to_customer(engine, s.complaint_id)
    return CustomerView(
        complaint_id=s.complaint_id, external_ref=s.external_ref, channel=s.channel, stage=s.stage,
        received_at=s.received_at, waiting_on_customer=s.waiting_on_customer, outcome=s.outcome,
        closed_at=s.closed_at,
        promised=[Promise(clock=c.kind.value, deadline=c.deadline(now), met=c.met_at is not None)
                  for c in promised(s)],
        messages=[SentMessage(at=n.created_at, channel=n.channel, template=n.template, text=n.body,
                              delivered_at=n.sent_at) for n in sent],
        feedback=[CustomerFeedback(at=f.at, satisfied=f.satisfied, csat=f.csat) for f in s.feedback])
