"""The SQLModel read model and audit trail. Rows are only added or updated, never deleted."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ComplaintRow(SQLModel, table=True):
    __tablename__ = "complaint"

    id: str = Field(primary_key=True)
    workflow_id: str = Field(index=True)
    channel: str
    external_ref: str
    # Personal data is sealed by the application (complaints/fields.py): customer_id, customer_name,
    # customer_phone, customer_email and text hold ciphertext; the tags are keyed hashes for exact search.
    # The bank's own system of record keeps contact data (a look-back recurrence reopens from it); it never
    # goes to logs or, unencrypted, to Temporal or this database.
    customer_id: str
    customer_id_tag: str = Field(default="", index=True)
    customer_masked: str
    customer_name: str = ""
    customer_phone: str = ""
    customer_phone_tag: str = Field(default="", index=True)
    customer_email: str = ""
    customer_language: str = "zh"
    customer_elderly: bool = False  # their page opens in large type (长辈模式)
    link_epoch: int = 0  # the customer's page links in force: those carrying an older epoch are revoked
    tier: str
    text: str
    # The text's sentence vector (classifier/embedding.py), sealed like the text: the incident watch reads a
    # week of them every few minutes, and encoding a week of texts again each time would cost seconds.
    meaning: str = ""
    received_at: datetime = Field(index=True)
    first_responder_id: str
    first_responder_department: str = ""
    owner_id: str
    department: str = Field(index=True)
    stage: str = Field(index=True)
    business_type: str | None = None
    problem_nature: str | None = None
    level: str | None = None
    emergency: bool = False
    special_group: bool = False
    classification_method: str | None = None
    classification_confidence: float | None = None
    breached: bool = False
    outcome: str | None = None
    csat: int | None = None
    closed_at: datetime | None = Field(default=None, index=True)
    responded_at: datetime | None = None
    reopened_from: str | None = None
    surface_fix: bool = False
    # For queues: the running clock due first, whether it waits on the customer, and what approval it waits for.
    next_deadline: datetime | None = Field(default=None, index=True)
    next_clock: str | None = None
    waiting_on_customer: bool = False
    awaiting: str | None = Field(default=None, index=True)
    came_back: bool = False  # the customer was not satisfied at least once: the queue says why it is back
    # The newest decision told to the customer (its parts' texts are in the notice sent), who approved closing
    # it, and until when the customer may apply for a review (核查) of it; a review names what it reviews.
    finding: str | None = None
    relief: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    close_approved_by: str | None = None
    review_by: datetime | None = None
    review_of: str | None = Field(default=None, index=True)
    # The regulator's statistical codes (JR/T 0169-2018): proposed by the analyse stage, confirmed by the
    # decision; the quarterly return counts them.
    code_channel: str | None = None
    code_business: str | None = None
    code_reason: str | None = None
    codes_confirmed: bool = False
    review_outcome: str | None = None  # a review's decision: the first decision upheld or revised
    # A regulator's referral: its reference and the date it set for the report back.
    referral_ref: str | None = None
    referral_due: date | None = None
    # The workflow's event counter when this row was written: a late retry never rolls a row back.
    version: int = 0
    updated_at: datetime | None = None
    # Past retention its personal data was erased here and in its outbox (complaints/retention.py).
    erased_at: datetime | None = None


class RedressRow(SQLModel, table=True):
    """The redress ledger: money a decision gave (written when the decision is sent), then paid or reversed by
    the people who pay it (api/redress.py). The monthly ledger and the quarterly return read it."""
    __tablename__ = "redress"

    id: str = Field(primary_key=True)          # <complaint>-R<n>
    complaint_id: str = Field(index=True)
    department: str
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    currency: str
    purpose: str
    decided_at: datetime = Field(index=True)
    decided_by: str
    approved_by: str | None = None             # above the limit: the second person
    status: str = Field(default="approved", index=True)  # approved / paid / reversed
    paid_at: datetime | None = Field(default=None, index=True)
    paid_by: str | None = None
    paid_ref: str | None = None                # the payment's reference in the bank's payment system
    reversed_at: datetime | None = Field(default=None, index=True)
    reversed_by: str | None = None
    reversed_reason: str | None = None


class ProblemRow(SQLModel, table=True):
    """A problem as its workflow last wrote it (workflows/problem.py): the lists, the dashboard's figures."""
    __tablename__ = "problem"

    id: str = Field(primary_key=True)
    title: str
    source: str
    source_ref: str = ""
    pattern: str                       # JSON of models.problems.Pattern
    status: str = Field(index=True)
    opened_by: str
    opened_at: datetime = Field(index=True)
    plan_due: datetime
    plan_breached: bool = False
    planned_at: datetime | None = None
    root_cause: str | None = None
    linked: int = 0
    done_at: datetime | None = None
    verdict: str | None = None
    reopened: int = 0
    surface_fix: str = ""              # departments flagged, comma-separated
    version: int = 0


class ProblemActionRow(SQLModel, table=True):
    """A problem's corrective action: a department's to do by a date (its inbox and the overdue count)."""
    __tablename__ = "problem_action"

    id: str = Field(primary_key=True)  # <problem>/<action>
    problem_id: str = Field(index=True)
    department: str = Field(index=True)
    what: str
    due: date
    done_at: datetime | None = None
    breached: bool = False


class ProblemLink(SQLModel, table=True):
    """A complaint a problem explains."""
    __tablename__ = "problem_link"

    problem_id: str = Field(primary_key=True)
    complaint_id: str = Field(primary_key=True, index=True)


class LegalHold(SQLModel, table=True):
    """A complaint whose records must outlive retention (a dispute, litigation, the regulator's request)."""
    __tablename__ = "legal_hold"

    complaint_id: str = Field(primary_key=True)
    reason: str
    held_by: str
    held_at: datetime


class ReferralReport(SQLModel, table=True):
    """The report back to the regulator on a complaint it forwarded (reports/referral.py): prepared from the
    record, approved by a supervisor who did not prepare it, then marked sent, each step with who and when."""
    __tablename__ = "referral_report"

    complaint_id: str = Field(primary_key=True)
    reference: str
    due: date | None = None
    content: str                      # the report as JSON, sealed (it holds the complaint's text)
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    sent_by: str | None = None
    sent_at: datetime | None = None
    sent_via: str | None = None


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("complaint_id", "seq", name="uq_audit_complaint_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: str = Field(index=True)
    seq: int
    at: datetime
    action: str
    actor_id: str
    actor_role: str
    accepted: bool = True
    stage: str
    detail: str = ""
    code: str = ""                 # a refusal's code (models/reasons.py), and its values as JSON
    code_values: str = "{}"


class Notification(SQLModel, table=True):
    """The outbox: a dispatcher delivers rows; the pipeline only ever adds them."""

    __tablename__ = "notification"

    key: str = Field(primary_key=True)  # idempotency key: complaint id + purpose + sequence
    complaint_id: str = Field(index=True)
    recipient_kind: str                 # customer / owner / supervisor / department
    recipient: str
    channel: str                        # sms / phone / email / app / internal
    template: str
    body: str
    created_at: datetime
    sent_at: datetime | None = None
    params: str = "{}"                  # JSON: what the template file fills in
    attempts: int = 0                   # delivery attempts so far
    failed_at: datetime | None = None   # given up (retries spent, or no transport configured)
    last_error: str = ""
    escalated: bool = False             # a person was told it could not be delivered


class SlaEventRow(SQLModel, table=True):
    """Warnings and breaches, for metrics."""

    __tablename__ = "sla_event"
    __table_args__ = (UniqueConstraint("complaint_id", "clock", "kind", name="uq_sla_event"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: str = Field(index=True)
    clock: str
    kind: str  # warned / breached / met
    at: datetime
    deadline: datetime
    department: str = Field(index=True)
    level: str | None = None


class WorkOrderRow(SQLModel, table=True):
    __tablename__ = "work_order"

    id: str = Field(primary_key=True)  # complaint id + "/" + work order id
    complaint_id: str = Field(index=True)
    department: str = Field(index=True)
    question: str
    status: str = Field(index=True)
    opened_by: str
    opened_at: datetime
    due_at: datetime | None = None
    answer: str | None = None
    answered_by: str | None = None
    closed_at: datetime | None = None
    version: int = 0




class LookBackRun(SQLModel, table=True):
    __tablename__ = "lookback_run"

    month: str = Field(primary_key=True)
    candidates: int = 0
    sampled: int = 0
    confirmed: int = 0
    recurred: int = 0
    unreachable: int = 0
    by_department: str = "{}"  # JSON: department -> counts
    started_at: datetime | None = None
    finished_at: datetime | None = None


class LookBackRevisit(SQLModel, table=True):
    """One sampled complaint of a month, and what its revisit found. A recurrence counts against
    `department` as a surface fix (表面整改), whatever department the reopened complaint goes to."""

    __tablename__ = "lookback_revisit"

    id: str = Field(primary_key=True)  # month + "/" + complaint id
    month: str = Field(index=True)
    complaint_id: str = Field(index=True)
    department: str = Field(index=True)
    due_at: datetime
    escalated: bool = False
    outcome: str | None = None
    actor_id: str | None = None
    note: str = ""
    decided_at: datetime | None = None
    reopened_as: str | None = None


class IncidentRow(SQLModel, table=True):
    """A major incident as its workflow last wrote it (workflows/incident.py): the read model of the page."""

    __tablename__ = "incident"

    id: str = Field(primary_key=True)
    opened_at: datetime = Field(index=True)
    status: str = Field(index=True)      # candidate / confirmed / dismissed / resolved
    rule: str                            # label / meaning / by hand
    key: str = ""                        # the label pair, or the complaint nearest its centre
    centre: str = ""                     # base64 float32 unit vector: what linking compares a complaint to
    labels: str = "[]"                   # JSON: its main business types (linking across languages)
    members: int = 0
    last_linked_at: datetime | None = None
    decided_by: str | None = None        # who confirmed or dismissed it
    reason: str = ""                     # a dismissal's why
    plan_published_at: datetime | None = None
    resolved_at: datetime | None = None
    version: int = 0


class IncidentLink(SQLModel, table=True):
    """A complaint linked to an incident (at most one); unlinking removes the row, the incident records it."""

    __tablename__ = "incident_link"

    complaint_id: str = Field(primary_key=True)
    incident_id: str = Field(index=True)
    linked_at: datetime
    linked_by: str                       # "detector", or the person who linked it by hand
