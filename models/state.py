"""What a complaint workflow holds and what the `state` / `sla` queries return."""
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from models.enums import Channel, Finding, Level, Outcome, Relief, ReviewOutcome, Stage, Tier, WorkOrderStatus
from models.intake import Actor
from models.lean import Lean
from models.sla import Clock


class Classification(Lean):
    business_type: str
    problem_nature: str
    level: Level
    emergency: bool
    department: str
    confidence: float
    method: str                      # e.g. "rules@1": which classifier and version decided
    matched: list[str] = []          # the evidence: rules or terms that fired


class RegulatorCodes(Lean):
    """The complaint's statistical coding after JR/T 0169-2018 (models/regulator_codes.toml): the channel
    the business went through, its business category, the reason. Proposed by the analyse stage with its
    evidence; confirmed, or corrected, by whoever decides the complaint (the decision carries them)."""
    channel: str
    business: str
    reason: str
    table: str                       # the code table's version the codes come from
    evidence: list[str] = []         # "B03:信用卡": the words that proposed each code
    proposed: list[str] = []         # [channel, business, reason] as the analyse stage proposed them
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None

    def corrected(self) -> bool:
        return self.proposed != [self.channel, self.business, self.reason]

    def words(self, dim: str) -> list[str]:
        """The words that proposed this dimension's code ("intake:app": the channel it came in by)."""
        dims = ("channel", "business", "reason")
        proposed = self.proposed[dims.index(dim)] if len(self.proposed) == 3 else ""
        return [e.split(":", 1)[1] for e in self.evidence if e.startswith(f"{proposed}:")]


class Analysis(Lean):
    """The analyse activity's answer: classification plus the deadlines it computed."""

    classification: Classification
    codes: RegulatorCodes | None = None
    recent_complaints: list[str] = []
    deadlines: dict[str, datetime] = {}
    repeat_of: str | None = None  # an open complaint of the same customer this one seems to repeat
    open_complaints: list[str] = []  # that customer's open complaints when this one came in


class WorkOrder(Lean):
    id: str
    department: str
    question: str
    opened_by: str
    opened_at: datetime
    status: WorkOrderStatus = WorkOrderStatus.OPEN
    answer: str | None = None
    answered_by: str | None = None
    closed_at: datetime | None = None
    cancel_reason: str | None = None


class Pause(Lean):
    started_at: datetime
    ended_at: datetime | None = None
    reason: str


class Appraisal(Lean):
    """An external appraisal, test or assessment while the complaint is handled: its time is not counted."""
    what: str
    by: str
    started_at: datetime
    started_by: str
    ended_at: datetime | None = None
    result: str = ""


class Decision(Lean):
    """The decision told to the customer (the newest: a dissatisfied customer's case is decided again)."""
    finding: Finding
    relief: Relief
    facts: str
    basis: str
    reasons: str
    review: ReviewOutcome | None = None   # a review's decision: the first one upheld or revised
    at: datetime
    by: str
    review_by: datetime | None = None     # the last moment the customer may apply for a review; None after one


class RedressApproval(Lean):
    """A second person's approval of money above the policy's limit (`approve_redress`)."""
    amount: Decimal
    currency: str
    by: str
    at: datetime


class Redress(Lean):
    """Money a decision gave: a line of the redress ledger (its payment is recorded there, not here)."""
    id: str                      # <complaint>-R<n>
    amount: Decimal
    currency: str
    purpose: str
    decided_at: datetime
    decided_by: str
    approved_by: str | None = None   # above the limit: who approved it


class ReviewOf(Lean):
    """A review (核查) of a decided complaint by the higher-level unit: what the review must know of it. The
    people in `recused` and the department complained about take no part in it (回避)."""
    complaint_id: str = Field(max_length=32)
    department: str = Field(max_length=64)       # the department complained about
    recused: list[str] = Field(default_factory=list, max_length=8)  # its handler, decider and approver
    decided_at: datetime
    finding: Finding | None = None

    def recusal(self, person: str | None, department: str | None) -> str | None:
        """Why this person (or someone of this department) must stay out of the review, or None: `handled`
        (they handled, decided or approved the decision) or `department` (the one complained about)."""
        if person is not None and person in self.recused:
            return "handled"
        if department is not None and department == self.department:
            return "department"
        return None


class HistoryEntry(Lean):
    seq: int
    at: datetime
    action: str
    actor_id: str
    actor_role: str
    accepted: bool = True
    detail: str = ""
    # A refusal's code and values (models/reasons.py), kept beside its sentence so a page words it from them.
    code: str = ""
    values: dict[str, str] = {}


class TimelineEntry(HistoryEntry):
    """An entry of the whole audit trail as the read model keeps it (the `audit_event` row), with the stage
    the complaint was in."""
    stage: str


class Feedback(Lean):
    satisfied: bool
    csat: int
    comment: str = ""
    at: datetime


# The workflow keeps the newest audit entries in its state (the `state` query shows them); the whole trail
# is in the database. Unbounded, every note would be carried in every continue-as-new and every query.
HISTORY_KEPT = 100
HISTORY_CHARS = 40_000  # and no more text than this in them (a note may hold 2,000 characters)


class ComplaintState(Lean):
    complaint_id: str
    channel: Channel
    external_ref: str
    customer_id: str
    customer_masked: str
    tier: Tier
    elderly: bool = False
    received_at: datetime
    first_responder: Actor
    owner_id: str
    department: str
    stage: Stage = Stage.RECEIVE
    policy_name: str = ""
    timezone: str = "UTC"  # the policy's time zone, for showing deadlines as the bank reads them
    classification: Classification | None = None
    codes: RegulatorCodes | None = None
    level: Level | None = None
    emergency: bool = False
    special_group: bool = False        # major complaint: level I or escalated by a supervisor
    supervisor_assigned: bool = False  # the green channel after a breach or dissatisfaction
    accepted: bool = False
    recent_complaints: list[str] = []
    reopened_from: str | None = None
    surface_fix: bool = False
    review_of: ReviewOf | None = None  # this complaint is the customer's review of another's decision
    suspected_repeat: str | None = None  # an open complaint it seems to repeat, offered to the handler
    open_of_customer: list[str] = []     # the customer's open complaints at intake: what it may be linked to
    repeat_of: str | None = None         # linked as a repeat of that one: handled there, its own clocks held
    clocks: list[Clock] = []
    work_orders: list[WorkOrder] = []
    pauses: list[Pause] = []
    appraisals: list[Appraisal] = []
    disposal_approvals: list[str] = []
    disposal: str | None = None          # the owner's record of what was done (an emergency's, for review)
    disposal_by: str | None = None       # who recorded the disposal in force: its author reviews nothing of it
    disposal_returned: str | None = None  # the newest return's reason, until the disposal is recorded again
    close_approved_by: str | None = None
    response: str | None = None
    decision: Decision | None = None
    redress_approval: RedressApproval | None = None   # the newest, for the next decision
    redresses: list[Redress] = Field(default_factory=list)  # every decision's money, in order
    responses_sent: int = 0
    feedback: list[Feedback] = []
    dissatisfaction_events: int = 0
    outcome: Outcome | None = None
    pending_outcome: Outcome | None = None  # a major complaint waits for a supervisor's approve_close
    closed_at: datetime | None = None
    breached: bool = False
    note_times: list[datetime] = []    # accepted notes of the last hour, for the per-complaint rate limit
    faults: list[str] = []             # writes the database refused for good (the newest 10), for an operator
    history_total: int = 0             # audit entries ever made: the next one's seq is this + 1
    history: list[HistoryEntry] = Field(default_factory=list)  # the newest HISTORY_KEPT of them

    @property
    def major(self) -> bool:
        return self.special_group

    @property
    def dual_review_done(self) -> bool:
        """Four eyes (双人复核): a disposal in force, not returned, approved by two different people, neither
        its author nor the complaint's owner. Approvals are of the text in force: recording it again clears
        them (Case.on_record_disposal), so no approval ever stands for a text its giver did not see."""
        eyes = set(self.disposal_approvals) - {self.owner_id, self.disposal_by}
        return self.disposal is not None and self.disposal_returned is None and len(eyes) >= 2

    @property
    def waiting_on_customer(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].ended_at is None

    @property
    def appraising(self) -> bool:
        return bool(self.appraisals) and self.appraisals[-1].ended_at is None

    def nearest_clock(self) -> Clock | None:
        """The running clock whose deadline comes first (paused ones wait on the customer): what a queue
        sorts by."""
        live = [c for c in self.clocks if c.running and not c.paused]
        return min(live, key=lambda c: c.deadline(), default=None)

    @property
    def awaiting(self) -> str | None:
        """What the complaint waits on someone's approval for: `review` (an emergency's two disposal
        approvals) or `close` (a supervisor's approve_close); None when nothing."""
        if self.pending_outcome is not None:
            return "close"
        if self.emergency and not self.dual_review_done and self.stage is Stage.HANDLE and self.disposal \
                and not self.disposal_returned:
            return "review"  # a reviewer has something to review: a disposal recorded and not returned
        return None

    def open_work_orders(self) -> list[WorkOrder]:
        return [w for w in self.work_orders if w.status is WorkOrderStatus.OPEN]

    def work_order(self, wo_id: str) -> WorkOrder | None:
        return next((w for w in self.work_orders if w.id == wo_id), None)

    def clock(self, name: str) -> Clock | None:
        return next((c for c in self.clocks if c.name == name), None)


class Ack(BaseModel):
    """What an update returns: the new state in brief, without texts or history, because every update
    result is kept in the workflow's history. The whole view is the `state` query."""

    complaint_id: str
    action: str
    seq: int       # the audit entry this message made
    stage: Stage
    owner_id: str
    department: str
    level: Level | None = None
    accepted: bool = False
    special_group: bool = False
    breached: bool = False
    waiting_on_customer: bool = False
    pending_outcome: Outcome | None = None
    outcome: Outcome | None = None
    open_work_orders: list[str] = []
    message_id: str = ""  # the update id it answered (the API's Idempotency-Key, scoped to the person)
    digest: str = ""      # sha256 of the message as first sent: a retry with another body is told apart

    @classmethod
    def of(cls, action: str, seq: int, s: "ComplaintState") -> "Ack":
        return cls(complaint_id=s.complaint_id, action=action, seq=seq, stage=s.stage, owner_id=s.owner_id,
                   department=s.department, level=s.level, accepted=s.accepted, special_group=s.special_group,
                   breached=s.breached, waiting_on_customer=s.waiting_on_customer,
                   pending_outcome=s.pending_outcome, outcome=s.outcome,
                   open_work_orders=[w.id for w in s.open_work_orders()])


class SlaView(BaseModel):
    complaint_id: str
    stage: Stage
    timezone: str = "UTC"
    as_of: datetime
    clocks: list[Clock]
